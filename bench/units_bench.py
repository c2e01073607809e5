"""Units stage benchmark: assign.units alone on a demo instance — objective, bound, gap, bound scope, CPU seconds
(time.process_time, the figure that survives a shared machine), wall seconds, the 1-minute load average, and a hash
of the plan (community → unit) so that repeated runs show determinism.

    PYTHONPATH=. python bench/units_bench.py [--size district] [--seeds 0 7] [--runs 1]

Instances come from planner.demo.demo_tables (default rules, year 2026), as `planner demo --size S --seed N`.
The plan is checked with planner.units_objective (check/objective.py) so the objective printed is the checker's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from typing import Any

YEAR = 2026


def run(size: str, seed: int) -> dict[str, Any]:
    from planner.assign.data import AssignData
    from planner.assign.leaders import solve_leaders
    from planner.assign.units import solve_units
    from planner.demo import demo_tables
    from planner.io.validate import build_problem
    from planner.rules import Rules

    tables, _ = demo_tables(size, seed, YEAR)
    problem = build_problem(tables, Rules().replace(year=YEAR), f"demo-{size}")
    data = AssignData(problem)
    solve_leaders(data, None)
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    result = solve_units(data, None)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert hasattr(result, "report"), result
    rep = result.report
    over = 100 * (rep.objective - rep.bound) / rep.bound if rep.bound else float("nan")
    return {"size": size, "seed": seed, "objective": rep.objective, "bound": rep.bound,
            "gap_pct": round(100 * rep.gap, 2), "above_bound_pct": round(over, 2),
            "scope": rep.details.get("bound_scope"), "cpu_s": round(cpu, 1), "wall_s": round(wall, 1),
            "load1": round(load, 2), "load1_end": round(os.getloadavg()[0], 2),
            "plan_sha1": hashlib.sha1(result.community_unit.tobytes()).hexdigest()[:12]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="district")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 7])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    for seed in args.seeds:
        for _ in range(args.runs):
            print(json.dumps(run(args.size, seed), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
