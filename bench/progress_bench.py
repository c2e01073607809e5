"""Progress as of a date at district and city size: reading + validating actuals.csv, then the obligations table.

    python bench/progress_bench.py [--size district|city] [--seed 0] [--as-of 2026-12-31] [--independent]

No solve: the plan is synthetic but shaped like a real one (each household linked to a cadre of the unit that
links its community, six visits per household pair on random workdays spread over the year, twelve per unit and
community, twelve contact visits and some research per leader), so the figures measure progress, not the solver.
Actuals = the plan's visits with 10% moved, 6% dropped, 0.2% duplicated, written to actuals.csv and read back
through the real reader. `--independent` also times the plain-Python recomputation (slow by design).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.demo import demo_tables
from planner.io.safe import write_csv
from planner.io.validate import build_problem
from planner.rules import Rules
from planner.supervision.actuals import read_actuals
from planner.supervision.progress import compute_progress
from planner.workdays import work_calendar

YEAR = 2026


def synthetic_plan(problem, rng):  # type: ignore[no-untyped-def]
    communities = problem.communities["community_id"].to_numpy()
    units = problem.units["unit_id"].to_numpy()
    unit_of_community = units[np.arange(len(communities)) % len(units)]
    cadres = problem.cadres
    cadres_by_unit = cadres.groupby("unit_id")["cadre_id"].apply(np.asarray).to_dict()
    hh = problem.households
    unit = pd.Series(unit_of_community, index=communities).reindex(hh["community_id"]).to_numpy()
    cadre = np.asarray([rng.choice(cadres_by_unit[u]) if u in cadres_by_unit else cadres["cadre_id"].iloc[0]
                        for u in unit])
    offices = problem.offices["office_id"].to_numpy()
    leaders = problem.leaders["leader_id"].to_numpy()
    pairs = {"leader_offices": pd.DataFrame({"leader_id": leaders, "office_id": offices[np.arange(len(leaders))
                                                                                        % len(offices)]}),
             "unit_communities": pd.DataFrame({"unit_id": unit_of_community, "community_id": communities}),
             "cadre_households": pd.DataFrame({"cadre_id": cadre, "household_id": hh["household_id"].to_numpy()})}
    days = np.asarray(work_calendar(YEAR, problem.holidays).days, dtype="datetime64[D]")

    def block(kind, person, act, tkind, target, per):  # type: ignore[no-untyped-def]
        n = len(person) * per
        return pd.DataFrame({"date": rng.choice(days, n), "person_kind": kind, "person_id": np.repeat(person, per),
                             "activity": act, "target_kind": tkind, "target_id": np.repeat(target, per), "role": "",
                             "talk": (rng.random(n) < 0.34).astype(int) if act == "household" else 0})

    visits = pd.concat([
        block("cadre", cadre, "household", "household", hh["household_id"].to_numpy(), 6),
        block("unit", unit_of_community, "community", "community", communities, 12),
        block("leader", pairs["leader_offices"]["leader_id"].to_numpy(), "contact", "office",
              pairs["leader_offices"]["office_id"].to_numpy(), 12),
        block("leader", leaders, "research", "community", rng.choice(communities, len(leaders)), 20),
    ], ignore_index=True)
    return pairs, visits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="district", choices=["small", "district", "city"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--as-of", default=f"{YEAR}-12-31")
    parser.add_argument("--independent", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    tables, _ = demo_tables(args.size, args.seed, YEAR)
    problem = build_problem(tables, Rules(year=YEAR), source=args.size)
    pairs, visits = synthetic_plan(problem, rng)
    actual = visits.loc[rng.random(len(visits)) > 0.06].copy()
    moved = rng.random(len(actual)) < 0.10
    shift = rng.integers(-7, 8, size=len(actual)).astype("timedelta64[D]")
    dates = actual["date"].to_numpy().astype("datetime64[D]")
    dates = np.where(moved, dates + shift, dates)
    dates = np.clip(dates, np.datetime64(f"{YEAR}-01-01"), np.datetime64(f"{YEAR}-12-31"))
    actual["date"] = pd.to_datetime(dates).strftime("%Y-%m-%d")
    actual = pd.concat([actual, actual.sample(frac=0.002, random_state=args.seed)], ignore_index=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "actuals.csv"
        write_csv(actual, path)
        load = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        act = read_actuals(path, problem)
        t1, c1 = time.perf_counter(), time.process_time()
        progress = compute_progress(problem, pairs, visits, act.visits, date.fromisoformat(args.as_of))
        t2, c2 = time.perf_counter(), time.process_time()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"size={args.size} households={len(problem.households)} plan_rows={len(visits)} "
          f"actual_rows={len(actual)} obligations={len(progress.table)} load1={load:.1f}")
    print(f"read+validate actuals: {t1 - t0:.2f} s wall ({c1 - c0:.2f} s cpu)")
    print(f"compute_progress:      {t2 - t1:.2f} s wall ({c2 - c1:.2f} s cpu)   peak {peak:.0f} MiB")
    if args.independent:
        from planner.check.progress import recompute_progress

        t3 = time.perf_counter()
        recompute_progress(problem, pairs, visits, act.visits, date.fromisoformat(args.as_of))
        print(f"independent recompute: {time.perf_counter() - t3:.2f} s wall")


if __name__ == "__main__":
    main()
