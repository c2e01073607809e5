"""Assignment benchmark: the decomposed engine against one monolithic CP-SAT model with the same time budget.

    python bench/assign_bench.py [--sizes district city] [--seed 0] [--no-baseline] [--baseline-mem-gib 8]

Instances come from planner.demo.demo_tables (default rules, year 2026). Each run happens in a fresh subprocess so
that its peak memory (max RSS, `ru_maxrss`, data generation included) is its own; `cpu s` is the child's CPU time
(on a shared machine wall seconds also measure the neighbours).

Engine row: planner.assign.solve_assignment; per stage objective, bound and gap as reported in report.json.
Baseline row: ONE CP-SAT model over cadre × household booleans with the unit → community booleans it needs for
three-level linkage (y[k,h] ≤ z[unit(k), community(h)]), every hard rule (each household one cadre, capacities,
each community one unit, each unit ≥1 community, pins, forbidden) and the cadre-stage costs (distance, priority,
continuity) as objective; `max_time_in_seconds` = the engine's wall time on the same instance, 8 workers. All
cadre × household pairs would be 63 M (district) / 6 G (city) booleans, so pairs are restricted to households of
the office nearest to the cadre's unit (noted as "same-office"; on the small demo, 26 k pairs, it takes all pairs); the child runs under an address-space
limit (`--baseline-mem-gib`) so that it fails cleanly instead of starving the machine. "cadre cost" compares the
two plans on the same metric: Σ over households of distance km + priority penalty (weights units).
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

YEAR = 2026
ALL_PAIRS_LIMIT = 5_000_000  # up to this many cadre × household pairs the baseline takes them all


def _problem(size: str, seed: int) -> Any:
    from planner.demo import demo_tables
    from planner.io.validate import build_problem
    from planner.rules import Rules

    tables, _ = demo_tables(size, seed, YEAR)
    return build_problem(tables, Rules().replace(year=YEAR), f"demo-{size}")


def cadre_cost(problem: Any, household_cadre: np.ndarray) -> float:
    """Σ distance km·weight + priority penalty of a cadre → household plan, in weight units."""
    from planner.assign.cadres import arc_costs
    from planner.assign.data import COST_SCALE, AssignData

    data = AssignData(problem)
    ok = household_cadre >= 0
    heads = np.flatnonzero(ok)
    cost = arc_costs(data, np.zeros(problem.n_communities, dtype=np.int64), household_cadre[ok], heads)
    return float(cost.sum()) / COST_SCALE


def run_engine(size: str, seed: int) -> dict[str, Any]:
    from planner.assign import solve_assignment

    problem = _problem(size, seed)
    start, cpu = time.perf_counter(), time.process_time()
    result = solve_assignment(problem)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"size": size, "method": "engine", "wall": wall, "cpu": cpu,
            "stages": [s.to_dict() for s in result.stages],
            "cadre_cost": cadre_cost(problem, result.household_cadre),
            "households": problem.n_households, "cadres": problem.n_cadres}


def run_baseline(size: str, seed: int, budget: float, mem_gib: float) -> dict[str, Any]:
    limit = int(mem_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    out: dict[str, Any] = {"size": size, "method": "baseline", "budget": budget}
    start, cpu = time.perf_counter(), time.process_time()
    try:
        out.update(_baseline(size, seed, budget))
    except MemoryError:
        out["status"] = f"out of memory (limit {mem_gib:g} GiB) while building"
    out["wall"], out["cpu"] = time.perf_counter() - start, time.process_time() - cpu
    return out


def _baseline(size: str, seed: int, budget: float) -> dict[str, Any]:
    from ortools.sat.python import cp_model

    from planner.assign.cadres import arc_costs
    from planner.assign.data import AssignData, haversine_km

    problem = _problem(size, seed)
    data = AssignData(problem)
    p = problem
    cadre_unit = p.cadres["unit"].to_numpy(dtype=int)
    hh_comm = p.households["community"].to_numpy(dtype=int)
    hh_office = p.households["office"].to_numpy(dtype=int)
    up = np.nan_to_num(data.unit_points)
    op = np.nan_to_num(data.office_points)
    unit_office = np.argmin(haversine_km(up[:, None, 0], up[:, None, 1], op[None, :, 0], op[None, :, 1]), axis=1)
    built_at = time.perf_counter()
    model = cp_model.CpModel()
    z = {(u, c): model.new_bool_var("") for u in range(p.n_units) for c in range(p.n_communities)}
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    scope = "all pairs" if p.n_cadres * p.n_households <= ALL_PAIRS_LIMIT else "same-office"
    for o in range(p.n_offices):
        ks = np.flatnonzero(unit_office[cadre_unit] == o) if scope == "same-office" else np.arange(p.n_cadres)
        hs = np.flatnonzero(hh_office == o)
        tails.append(np.repeat(ks, len(hs)))
        heads.append(np.tile(hs, len(ks)))
    t, h = np.concatenate(tails), np.concatenate(heads)
    pairs = len(t)
    costs = arc_costs(data, np.zeros(p.n_communities, dtype=np.int64), t, h)
    y = [model.new_bool_var("") for _ in range(pairs)]
    by_h: list[list[Any]] = [[] for _ in range(p.n_households)]
    by_k: list[list[Any]] = [[] for _ in range(p.n_cadres)]
    for i, (k, hh) in enumerate(zip(t.tolist(), h.tolist(), strict=True)):
        by_h[hh].append(y[i])
        by_k[k].append(y[i])
        model.add_implication(y[i], z[int(cadre_unit[k]), int(hh_comm[hh])])
    for hh in range(p.n_households):
        model.add_exactly_one(by_h[hh])
    cap = data.cadre_capacity
    for k in range(p.n_cadres):
        if by_k[k]:
            model.add(sum(by_k[k]) <= int(cap[k]))
    for c in range(p.n_communities):
        model.add_exactly_one([z[u, c] for u in range(p.n_units)])
    for u in range(p.n_units):
        model.add(sum(z[u, c] for c in range(p.n_communities)) >= 1)
    model.minimize(sum(int(cc) * v for cc, v in zip(costs.tolist(), y, strict=True)))
    build_seconds = time.perf_counter() - built_at
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = budget
    solver.parameters.num_workers = 8
    code = solver.solve(model)
    out: dict[str, Any] = {"pairs": pairs, "build_seconds": build_seconds, "status": solver.status_name(code),
                           "method": f"baseline ({scope})"}
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        hc = np.full(p.n_households, -1, dtype=np.int64)
        for i, v in enumerate(y):
            if solver.value(v):
                hc[h[i]] = t[i]
        out.update(objective=solver.objective_value / 10, bound=solver.best_objective_bound / 10,
                   cadre_cost=cadre_cost(problem, hc))
    return out


def child(argv: list[str]) -> None:
    kind, size, seed = argv[0], argv[1], int(argv[2])
    out = run_engine(size, seed) if kind == "engine" else run_baseline(size, seed, float(argv[3]), float(argv[4]))
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out, default=str))


def spawn(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    return {"size": args[1], "method": args[0], "status": f"crashed (exit {proc.returncode}): "
            + (proc.stderr.strip().splitlines() or [""])[-1][:200]}


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| size | method | wall s | cpu s | peak MiB | assign.units obj / bound (gap) | assign.cadres obj / bound "
             "| cadre cost | status |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("method") == "engine":
            st = {s["name"]: s for s in r["stages"]}
            u, c = st["assign.units"], st["assign.cadres"]
            status = ", ".join(f"{s['name'].split('.')[1]} {s['status']}" for s in r["stages"])
            lines.append(f"| {r['size']} | engine | {r['wall']:.1f} | {r['cpu']:.1f} | {r['peak_mib']:.0f} | "
                         f"{u['objective']:.1f} / {u['bound']:.1f} ({100 * u['gap']:.2f}%) | "
                         f"{c['objective']:.1f} / {c['bound']:.1f} (0%) | {r['cadre_cost']:.1f} | {status} |")
        else:
            obj = (f"{r['objective']:.1f} / {r['bound']:.1f}" if "objective" in r else "—")
            note = f"{r.get('status', '')}; {r.get('pairs', '?'):,} pairs" if isinstance(r.get("pairs"), int) \
                else str(r.get("status", ""))
            lines.append(f"| {r['size']} | {r['method']} | {r.get('wall', 0):.1f} | {r.get('cpu', 0):.1f} | "
                         f"{r.get('peak_mib', 0):.0f} | — | {obj} | {r.get('cadre_cost', float('nan')):.1f} | {note} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["district", "city"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--baseline-mem-gib", type=float, default=8.0)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for size in args.sizes:
        engine = spawn(["engine", size, str(args.seed)])
        rows.append(engine)
        print(json.dumps(engine, default=str), flush=True)
        if not args.no_baseline:
            budget = max(1.0, float(engine.get("wall", 10.0)))
            base = spawn(["baseline", size, str(args.seed), f"{budget:.1f}", str(args.baseline_mem_gib)])
            rows.append(base)
            print(json.dumps(base, default=str), flush=True)
    print(table(rows))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()
