"""Calendar stage benchmark: the decomposed engine against one monolithic CP-SAT model with the same budget.

    python bench/calendar_bench.py [--sizes small district city] [--seed 0] [--budget 30] [--no-baseline]
                                   [--solver-assignment]

Instances come from planner.demo.demo_tables. The assignment is the demo's hidden feasible plan (units →
communities) with cadres filled greedily inside each unit (households of a unit's communities, in order, up to
each cadre's capacity) and leaders round-robin over offices — so the figures measure the calendar alone;
`--solver-assignment` uses planner.assign.solve_assignment instead.

The baseline builds the same unit + cadre tasks and solves all of them as ONE CP-SAT model (a boolean per
task × community × available day, every cap and spread constraint), with max_time_in_seconds = budget. Peak
memory is the process's max RSS (ru_maxrss), measured per run in a fresh subprocess; `cpu s` is the process CPU
time of the solve (on a shared machine wall seconds also measure the neighbours). `check` is the number of
calendar violations planner.check finds (assignment rules are left out: the greedy assignment ignores
forbidden pairs) for the engine, and the CP-SAT status for the baseline (visits = visits it placed).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np

from planner.demo import demo_tables
from planner.io.validate import build_problem
from planner.problem import Problem
from planner.result import Assignment
from planner.rules import Rules

YEAR = 2026


def build(size: str, seed: int, solver_assignment: bool, improve: bool = True) -> tuple[Problem, Assignment]:
    tables, hidden = demo_tables(size, seed, YEAR)
    rules = Rules().replace(year=YEAR)
    if not improve:   # the constructive pass alone (the engine before the improvement phase)
        rules = rules.replace(calendar={"improve_passes": 0, "improve_time_share": 0.0})
    problem = build_problem(tables, rules, f"demo-{size}")
    if solver_assignment:
        from planner.assign import solve_assignment

        return problem, solve_assignment(problem)
    return problem, greedy_assignment(problem, np.asarray(hidden.unit_of_community))


def greedy_assignment(problem: Problem, community_unit: np.ndarray) -> Assignment:
    """Feasible by the demo's construction: each unit's cadres can hold its communities' households."""
    leader_office = np.arange(problem.n_leaders) % problem.n_offices
    household_cadre = np.full(problem.n_households, -1, dtype=np.int64)
    cadre_units = problem.cadres["unit"].to_numpy()
    capacity = problem.cadres["capacity"].to_numpy()
    community = problem.households["community"].to_numpy()
    for u in range(problem.n_units):
        cadres = list(np.flatnonzero(cadre_units == u))
        houses = np.flatnonzero(np.isin(community, np.flatnonzero(community_unit == u)))
        slots = [g for g in cadres for _ in range(int(capacity[g]))]
        if len(slots) < len(houses):
            raise SystemExit(f"unit {u}: {len(houses)} households, capacity {len(slots)}")
        # fill cadre by cadre so that a cadre's households share a community where possible
        household_cadre[houses] = np.array(slots[: len(houses)])
    return Assignment(leader_office, community_unit.astype(np.int64), household_cadre)


def run_engine(size: str, seed: int, solver_assignment: bool, improve: bool = True) -> dict[str, Any]:
    from planner.calendar import solve_calendar
    from planner.check import check_plan
    from planner.plan import Plan

    problem, assignment = build(size, seed, solver_assignment, improve)
    started, cpu = time.perf_counter(), time.process_time()
    cal = solve_calendar(problem, assignment)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    violations = check_plan(problem, Plan(visits=cal.visits, **assignment.frames(problem)))
    # the bench's greedy assignment ignores pins/forbidden pairs: count only the calendar's own violations
    violations = [v for v in violations if not v.rule.startswith("assign.")]
    obj = sum(s.objective for s in cal.stages)
    bound = sum(s.bound for s in cal.stages)
    cadres = next(s for s in cal.stages if s.name == "calendar.cadres")
    people = [s for s in cal.stages if s.name in ("calendar.units", "calendar.cadres")]
    return {"method": "decomposed" if improve else "constructive only", "size": size, "households": problem.n_households, "cadres": problem.n_cadres,
            "visits": len(cal.visits), "seconds": round(seconds, 2), "cpu": round(cpu, 2), "objective": obj, "bound": bound,
            "violations": len(violations), "greedy_failed": cadres.details.get("greedy_failed", 0),
            "uc_objective": sum(s.objective for s in people), "uc_bound": sum(s.bound for s in people),
            "details": {s.name: s.details for s in cal.stages},
            "stages": {s.name: round(s.seconds, 2) for s in cal.stages}}


def run_baseline(size: str, seed: int, budget: float, solver_assignment: bool) -> dict[str, Any]:
    """One CP-SAT model over every unit and cadre task of the district (communities coupled by nothing else)."""
    from ortools.sat.python import cp_model  # noqa: F401  (imported here so the engine run does not pay for it)

    from planner.calendar.days import build_horizon, work_year
    from planner.calendar.exact import solve_exact
    from planner.calendar.frozen import read_frozen
    from planner.calendar.people import cadre_tasks, unit_tasks
    from planner.calendar.tasks import Board, Costs, assign_phases

    problem, assignment = build(size, seed, solver_assignment)
    started, cpu = time.perf_counter(), time.process_time()
    horizon = build_horizon(problem, work_year(problem), None)
    frozen = read_frozen(None, None)
    c_tasks, _ = cadre_tasks(problem, assignment, horizon, frozen)
    u_tasks, _ = unit_tasks(problem, assignment, horizon, frozen, group_offset=problem.n_cadres)
    tasks = [*u_tasks, *c_tasks]
    assign_phases(tasks, 0)
    board = Board(horizon.n, problem.n_cadres + len(u_tasks) + 1,
                  np.full(problem.n_communities, problem.rules.visits.community_daily_cap))
    result = solve_exact(tasks, board, Costs.of(horizon.avoid, problem.rules), seed=0, workers=problem.rules.solver.workers,
                         time_limit=budget * 10, hint=False, wall_limit=budget)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    placed = sum(len(t.days) for t in tasks)
    return {"method": "monolithic CP-SAT", "size": size, "households": problem.n_households,
            "uc_objective": result.objective, "uc_bound": result.bound,
            "cadres": problem.n_cadres, "visits": placed, "seconds": round(seconds, 2), "cpu": round(cpu, 2),
            "objective": result.objective, "bound": result.bound, "status": str(result.status)}


def child(args: argparse.Namespace) -> None:
    if args.child in ("engine", "constructive"):
        out = run_engine(args.sizes[0], args.seed, args.solver_assignment, improve=args.child == "engine")
    else:
        out = run_baseline(args.sizes[0], args.seed, args.budget, args.solver_assignment)
    out["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["small", "district"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=30.0, help="baseline time limit (s)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--solver-assignment", action="store_true")
    parser.add_argument("--no-constructive", action="store_true", help="skip the constructive-only row")
    parser.add_argument("--child", choices=["engine", "constructive", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    rows = []
    for size in args.sizes:
        kinds = ([] if args.no_constructive else ["constructive"]) + ["engine"] + ([] if args.no_baseline else ["baseline"])
        for kind in kinds:
            cmd = [sys.executable, __file__, "--child", kind, "--sizes", size, "--seed", str(args.seed),
                   "--budget", str(args.budget)] + (["--solver-assignment"] if args.solver_assignment else [])
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                rows.append({"method": kind, "size": size, "error": done.stderr.strip().splitlines()[-1:]})
                continue
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1], default=str), file=sys.stderr)
    header = f"{'size':9} {'method':18} {'households':>10} {'visits':>8} {'seconds':>8} {'cpu s':>7} {'peak MiB':>9} " \
             f"{'objective':>10} {'bound':>9} {'gap':>6} {'u+c obj':>8} {'u+c bnd':>8} {'check':>7}"
    print(header)
    print("-" * len(header))
    for r in rows:
        if "error" in r:
            print(f"{r['size']:9} {r['method']:18} error: {r['error']}")
            continue
        check = r.get("violations", r.get("status", ""))
        print(f"{r['size']:9} {r['method']:18} {r['households']:>10} {r['visits']:>8} {r['seconds']:>8} {r['cpu']:>7} "
              f"{r['peak_mib']:>9} {r['objective']:>10.0f} {r['bound']:>9.0f} {_gap(r['objective'], r['bound']):>6} "
              f"{r['uc_objective']:>8.0f} {r['uc_bound']:>8.0f} {check!s:>7}")


def _gap(objective: float, bound: float) -> str:
    if not objective < float("inf") or bound != bound:
        return "-"
    return f"{(objective - bound) / max(objective, 1e-9):.1%}"


if __name__ == "__main__":
    main()
