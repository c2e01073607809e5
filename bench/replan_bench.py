"""Mid-year replanning on a demo district: solve, change the input, replan since two dates; print the figures.

    python bench/replan_bench.py [--size district] [--seed 0] [--drop 0.02] [--add 0.01]

Change: drop a share of cadres (with their unavailability, pins, forbidden rows), add a share of households
(new ids, spread over communities). Replan = the real pipeline (`solve_plan` with the previous plan, the history
before `since` and `since`), then the independent checker. Figures: pairs changed per table, surviving pairs kept,
visits before since kept, previous visits ≥ since of surviving pairs kept on their date, moved, seconds,
violations (must be 0). The machine is shared: run it once.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from planner.check import check_plan
from planner.demo import generate_demo
from planner.io.read import read_problem
from planner.io.validate import build_problem
from planner.problem import Problem
from planner.solve import solve_plan
from planner.store.diff import compare_plans
from planner.workflow.replan import frozen_history


def _keys(visits: pd.DataFrame) -> set[tuple[str, ...]]:
    frame = visits.copy()
    frame["date"] = frame["date"].astype(str)
    return set(map(tuple, frame.astype(str).itertuples(index=False, name=None)))


def changed(problem: Problem, drop: float, add: float, seed: int) -> tuple[Problem, set[str]]:
    rng = np.random.default_rng(seed)
    tables = problem.raw_tables()
    ids = tables["cadres"]["cadre_id"].astype(str).to_numpy()
    gone = set(rng.choice(ids, size=round(drop * len(ids)), replace=False).tolist())
    tables["cadres"] = tables["cadres"][~tables["cadres"]["cadre_id"].astype(str).isin(gone)].reset_index(drop=True)
    for stem, column in (("unavailability", "person_id"), ("pins", "subject_id"), ("forbidden", "subject_id")):
        if stem in tables and len(tables[stem]):
            tables[stem] = tables[stem][~tables[stem][column].astype(str).isin(gone)].reset_index(drop=True)
    households = tables["households"]
    n = round(add * len(households))
    comms = households["community_id"].astype(str).unique()
    picks = rng.choice(comms, size=n)
    new = pd.DataFrame({"household_id": [f"HNEW{i:05d}" for i in range(n)], "community_id": picks,
                        "name": [f"新户{i}" for i in range(n)], "priority": 1})
    tables["households"] = pd.concat([households, new], ignore_index=True)
    return build_problem(tables, problem.rules, "bench-changed"), gone


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="district")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--drop", type=float, default=0.02)
    ap.add_argument("--add", type=float, default=0.01)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp()) / "demo"
    generate_demo(folder, size=args.size, seed=args.seed)
    problem = read_problem(folder)
    started = time.monotonic()
    first = solve_plan(problem)
    print(f"first solve: {time.monotonic() - started:.1f} s, {len(first.visits)} visits, "
          f"violations {len(check_plan(problem, first))}")
    new_problem, gone = changed(problem, args.drop, args.add, args.seed)
    for month in (4, 7):
        since = date(problem.rules.year, month, 1)
        history, departed = frozen_history(first, new_problem, since)
        started = time.monotonic()
        plan = solve_plan(new_problem, previous=first, frozen_visits=history, since=since)
        seconds = time.monotonic() - started
        violations = check_plan(new_problem, plan)
        diff = compare_plans(first, plan, new_problem, since=since)
        after = _keys(plan.visits)
        prev = first.visits
        dates = pd.to_datetime(prev["date"].astype(str)).dt.date
        early = prev.loc[(dates < since).to_numpy()]
        late = prev.loc[(dates >= since).to_numpy()]
        pairs = {(a, b) for frame in (plan.leader_offices, plan.unit_communities, plan.cadre_households)
                 for a, b in frame.astype(str).itertuples(index=False, name=None)}
        surviving = late[[(p, t) in pairs or (a in ("research", "reception") and p not in gone)
                          for p, t, a in zip(late["person_id"].astype(str), late["target_id"].astype(str),
                                             late["activity"], strict=True)]]
        print(f"\nsince {since}: {seconds:.1f} s, violations {len(violations)}")
        for table, pd_ in diff.pairs.items():
            print(f"  {table}: removed {pd_.removed}, added {pd_.added}, surviving kept "
                  f"{pd_.surviving_kept}/{pd_.surviving} ({100 * pd_.surviving_kept / max(pd_.surviving, 1):.2f}%)")
        print(f"  visits before since kept: {len(_keys(early) & after)}/{len(early)} "
              f"(of them {departed} by departed persons/targets)")
        kept = len(_keys(surviving) & after)
        print(f"  visits >= since of surviving pairs kept on their date: {kept}/{len(surviving)} "
              f"({100 * kept / max(len(surviving), 1):.2f}%); moved {diff.visits.moved}, "
              f"dropped {diff.visits.dropped}, new {diff.visits.new}")
        for v in violations[:5]:
            print("   ", v.render("en"))


if __name__ == "__main__":
    main()
