"""Stage assign.units: district units → communities (单位联系社区), a generalized assignment problem.

Hard: every community exactly one unit; every unit ≥1 community while units ≤ communities; with strict linkage a
unit's cadre capacity (Σ cadre capacities) covers the households of its communities; pins (including those a
cadre pin implies under strict linkage) and forbidden pairs.

Per component, three steps (see `_solve_component`):
1. the pair model (`build_model`: one boolean x[u,c] per candidate pair, linear costs — distance and "outside the
   home office") gives a first feasible plan quickly; its LP bound is weak (8.8% gap on the district demo), so
   it is only a start;
2. column generation (planner/assign/patterns.py) over patterns = a unit's whole set of communities, with the
   exact objective (continuity, distance, offices spanned, balance, linkage) and a proven LP/Lagrangian bound;
   a price-and-dive plan replaces the start when better;
3. a CP-SAT set-partitioning master over the generated columns (hinted), and once more with every column whose
   reduced cost is below the remaining gap.
The same pair model, with assumption literals, explains infeasibility (explain.py).

Home office: each unit's office(s) — last year's and pinned ones kept, others assigned greedily, largest unit first,
to the nearest office still short of its capacity share (households_o × capacity / households).

Decomposition (the reason this stage is fast): when units × communities is large, each unit first gets a home
office (greedy, capacity-proportional, nearest first; last year's and pinned offices kept). Candidate pairs are
then unit × communities of its home offices, so the model splits into independent per-office (or merged-office)
components, each a few hundred booleans that CP-SAT closes quickly. A component that turns out infeasible is
merged with its nearest neighbour and solved again, up to the full model. The bound reported is the proven bound
of the model actually solved (over its candidate pairs).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from planner.progress import SolveControl
from planner.result import StageReport, Status

from . import cpsat
from .data import COST_SCALE, AssignData
from .patterns import Component, build_master, column_generation, dive, enrich

STAGE = "assign.units"
FULL_PAIRS_LIMIT = 20_000  # up to this many unit × community pairs, one model over all pairs (exact bound)
FIRST_SHARE = 0.2  # share of a component's budget for the first feasible plan (pair model)
SINGLE_WORKER_VARS = 5_000  # smaller models close fastest on one worker (interleaved batches cost ~1 s each)


@dataclass
class UnitsModel:
    model: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar]
    # assumption literal -> (rule group, subject index, target index or -1); only when built for explanation
    assumptions: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    literals: list[cp_model.IntVar] = field(default_factory=list)


def implied_pins(data: AssignData) -> set[tuple[int, int]]:
    """unit–community pins, plus (strict linkage) the unit–community pair that each cadre pin forces."""
    pins = set(data.pins("unit_community"))
    if data.strict:
        cadre_unit = data.problem.cadres["unit"].to_numpy(dtype=int)
        hh_comm = data.problem.households["community"].to_numpy(dtype=int)
        pins |= {(int(cadre_unit[k]), int(hh_comm[h])) for k, h in data.pins("cadre_household")}
    return pins


def must_link_each_unit(data: AssignData) -> bool:
    return data.problem.n_units <= data.problem.n_communities


def pair_costs(data: AssignData, u: np.ndarray, c: np.ndarray, homes: list[set[int]]) -> np.ndarray:
    """Linear cost of linking unit u[i] to community c[i] (scaled integers): distance, and outside the unit's
    home office(s)."""
    office = data.problem.communities["office"].to_numpy(dtype=int)
    cost = data.distance_cost(data.unit_points[u], data.community_points[c])
    away = np.array([int(office[cc]) not in homes[uu] for uu, cc in zip(u.tolist(), c.tolist(), strict=True)], bool)
    cost += data.weight("unit_one_office") * away
    return cost.astype(np.int64)


def build_model(data: AssignData, units: list[int], comms: list[int], candidates: dict[int, list[int]],
                homes: list[set[int]] | None = None, assume: bool = False) -> UnitsModel:
    """CP-SAT model over one component. With `assume`, each rule group is guarded by an assumption literal and
    the model has no objective (for sufficient_assumptions_for_infeasibility)."""
    H, cap = data.community_households, data.unit_capacity
    forbidden = data.forbidden("unit_community")
    pins = implied_pins(data)
    previous = data.previous_pairs("unit_community")
    homes = homes if homes is not None else home_offices(data)
    model = cp_model.CpModel()
    out = UnitsModel(model, {})
    x = out.x
    comm_set = set(comms)

    def guard(group: str, a: int, b: int = -1) -> cp_model.IntVar | None:
        if not assume:
            return None
        lit = model.new_bool_var(f"assume_{group}_{a}_{b}")
        out.assumptions[lit.index] = (group, a, b)
        out.literals.append(lit)
        return lit

    for u in units:
        for c in candidates.get(u, []):
            if c in comm_set and (assume or (u, c) not in forbidden):
                x[u, c] = model.new_bool_var(f"x_{u}_{c}")
    # pins are kept
    for u, c in sorted(pins):
        if (u, c) in x:
            lit = guard("pin", u, c)
            ct = model.add(x[u, c] == 1)
            if lit is not None:
                ct.only_enforce_if(lit)
    if assume:  # forbidden pairs never appear
        for u, c in sorted(forbidden):
            if (u, c) in x:
                lit = guard("forbidden", u, c)
                ct = model.add(x[u, c] == 0)
                if lit is not None:
                    ct.only_enforce_if(lit)
    by_comm: dict[int, list[cp_model.IntVar]] = {c: [] for c in comms}
    by_unit: dict[int, list[tuple[int, cp_model.IntVar]]] = {u: [] for u in units}
    for (u, c), var in x.items():
        by_comm[c].append(var)
        by_unit[u].append((c, var))
    # every community exactly one unit
    for c in comms:
        model.add_exactly_one(by_comm[c])
    must = must_link_each_unit(data)
    w_link = data.weight("linkage")
    terms: list[cp_model.LinearExprT] = []
    for u in units:
        row = by_unit[u]
        if must:  # every unit ≥1 community
            lit = guard("unit_min", u)
            ct = model.add(sum(v for _, v in row) >= 1)
            if lit is not None:
                ct.only_enforce_if(lit)
        load = sum(int(H[c]) * v for c, v in row)
        if data.strict:  # unit capacity covers its communities' households (三级联动)
            lit = guard("capacity", u)
            ct = model.add(load <= int(cap[u]))
            if lit is not None:
                ct.only_enforce_if(lit)
        elif not assume:
            over = model.new_int_var(0, int(H.sum()), f"over_{u}")
            model.add(load - over <= int(cap[u]))
            terms.append(w_link * over)
    if not assume:
        keys = list(x)
        if keys:
            arr = np.asarray(keys, dtype=np.int64)
            cost = pair_costs(data, arr[:, 0], arr[:, 1], homes)
            terms += [int(d) * x[k] for k, d in zip(keys, cost.tolist(), strict=True) if d]
        terms += [data.weight("continuity") * (1 - x[k]) for k in sorted(previous) if k in x]
        model.minimize(sum(terms))
        for k in sorted(previous):
            if k in x:
                model.add_hint(x[k], 1)
    return out


# -- decomposition ------------------------------------------------------------------------------------------------
def home_offices(data: AssignData) -> list[set[int]]:
    """Each unit's home office(s): pinned and last year's offices kept; others greedily, largest unit first, to
    the nearest office still short of its capacity share (households_o × capacity / households)."""
    p = data.problem
    n_o = p.n_offices
    office = p.communities["office"].to_numpy(dtype=int)
    H, cap = data.community_households, data.unit_capacity
    h_office = np.bincount(office, weights=H, minlength=n_o)
    n_comm_office = np.bincount(office, minlength=n_o)
    total_h = max(1.0, float(H.sum()))
    share = h_office * float(cap.sum()) / total_h
    homes: list[set[int]] = [set() for _ in range(p.n_units)]
    for u, c in implied_pins(data) | data.previous_pairs("unit_community"):
        if (u, c) not in data.forbidden("unit_community"):
            homes[u].add(int(office[c]))
    assigned = np.zeros(n_o)
    count = np.zeros(n_o, dtype=np.int64)
    for u, hs in enumerate(homes):
        for o in hs:
            assigned[o] += cap[u] / len(hs)
            count[o] += 1
    o_pts = np.nan_to_num(data.office_points, nan=0.0)
    u_pts = np.nan_to_num(data.unit_points, nan=0.0)
    free = sorted((u for u in range(p.n_units) if not homes[u]), key=lambda u: (-int(cap[u]), u))
    # first make sure every office with communities has one unit, the largest offices first
    need = [o for o in np.argsort(-h_office, kind="stable").tolist() if n_comm_office[o] > 0 and count[o] == 0]
    for o in need:
        if not free:
            break
        u = free.pop(0)
        homes[u].add(o)
        assigned[o] += cap[u]
        count[o] += 1
    for u in free:
        room = count < n_comm_office
        short = room & (assigned < share)
        pool = np.flatnonzero(short) if short.any() else np.flatnonzero(room)
        if not len(pool):
            pool = np.flatnonzero(n_comm_office > 0)
        if short.any():
            d = np.hypot(*(o_pts[pool] - u_pts[u]).T)
            o = int(pool[np.lexsort((pool, d))[0]])
        else:
            o = int(pool[np.argmax((share[pool] - assigned[pool]) / np.maximum(share[pool], 1))])
        homes[u].add(o)
        assigned[o] += cap[u]
        count[o] += 1
    return homes


def _components(homes: list[set[int]], n_offices: int, merged: list[set[int]]) -> list[set[int]]:
    """Office groups linked through multi-home units or merges (union-find)."""
    parent = list(range(n_offices))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for group in [*homes, *merged]:
        g = sorted(group)
        for o in g[1:]:
            parent[find(o)] = find(g[0])
    groups: dict[int, set[int]] = {}
    for o in range(n_offices):
        groups.setdefault(find(o), set()).add(o)
    return sorted(groups.values(), key=min)


@dataclass
class UnitsResult:
    community_unit: np.ndarray
    report: StageReport


def solve_units(data: AssignData, control: SolveControl | None) -> UnitsResult | Status:
    """Returns the result, or Status.INFEASIBLE / Status.UNKNOWN (no plan within the budget) for explain.py."""
    p = data.problem
    n_u, n_c = p.n_units, p.n_communities
    office = p.communities["office"].to_numpy(dtype=int)
    community_unit = np.full(n_c, -1, dtype=np.int64)
    if n_c == 0:
        return UnitsResult(community_unit, StageReport(STAGE, Status.OPTIMAL, 0.0, 0.0, 0.0))
    homes = home_offices(data)
    full = n_u * n_c <= FULL_PAIRS_LIMIT
    merged: list[set[int]] = []
    solved: dict[frozenset[int], tuple[Status, float, float, float, int, dict[int, int]]] = {}
    while True:
        groups = [set(range(p.n_offices))] if full else _components(homes, p.n_offices, merged)
        comms_of = {min(g): [c for c in range(n_c) if office[c] in g] for g in groups}
        sizes = {min(g): sum(1 for u in range(n_u) if homes[u] & g) * len(comms_of[min(g)]) for g in groups}
        total = max(1, sum(sizes.values()))
        objective = bound = 0.0
        statuses: list[Status] = []
        failed: list[set[int]] = []
        n_vars = 0
        for i, g in enumerate(groups):
            comms = comms_of[min(g)]
            units = [u for u in range(n_u) if homes[u] & g]
            if not comms:
                continue
            key = frozenset(g)
            if key not in solved:
                solved[key] = _solve_component(data, units, comms, homes, control, i, len(groups),
                                               sizes[min(g)] / total)
            status, obj, bnd, _, n_x, picks = solved[key]
            n_vars += n_x
            if status not in (Status.OPTIMAL, Status.FEASIBLE):
                if len(groups) == 1:
                    return status
                failed.append(g)
                continue
            statuses.append(status)
            objective += obj
            bound += bnd
            for c, u in picks.items():
                community_unit[c] = u
        if not failed:
            status = Status.OPTIMAL if all(s == Status.OPTIMAL for s in statuses) else Status.FEASIBLE
            seconds = sum(v[3] for v in solved.values())
            report = StageReport(STAGE, status, objective, bound, seconds,
                                 {"components": len(groups), "variables": n_vars, "merges": len(merged),
                                  "bound_scope": "candidate pairs (home offices)" if not full else "all pairs"})
            if control is not None:
                control.report(STAGE, "done", objective, bound, len(groups), len(groups))
            return UnitsResult(community_unit, report)
        merged += [g | _nearest_group(data, g, groups) for g in failed]


def _solve_component(data: AssignData, units: list[int], comms: list[int], homes: list[set[int]],
                     control: SolveControl | None, done: int, total: int, share: float
                     ) -> tuple[Status, float, float, float, int, dict[int, int]]:
    """One component: (status, objective, bound, seconds, variables, community -> unit)."""
    rules = data.problem.rules.solver
    budget = rules.time_limit * max(share, 0.05) if rules.time_limit > 0 else 0.0
    # 1. a first feasible plan from the pair model (also the hint and the starting columns)
    built = build_model(data, units, comms, {u: comms for u in units}, homes)
    first = cpsat.make_solver(rules, FIRST_SHARE * budget, 1)
    first.parameters.stop_after_first_solution = True  # a start only: the columns and the master do the rest
    start = cpsat.run(built.model, first, control, STAGE, done=done, total=total)
    seconds = start.seconds
    if start.status == Status.INFEASIBLE:
        return Status.INFEASIBLE, math.nan, math.nan, seconds, len(built.x), {}
    hint: dict[int, tuple[int, ...]] = {}
    if start.status in (Status.OPTIMAL, Status.FEASIBLE):
        picks0 = {c: u for (u, c), var in built.x.items() if first.value(var)}
        hint = {u: tuple(sorted(c for c, uu in picks0.items() if uu == u)) for u in units}
    # 2. column generation: exact pricing, LP (Lagrangian) lower bound
    pins = implied_pins(data)
    pinned_to = {c: u for u, c in pins}
    forbidden = data.forbidden("unit_community")
    comp = Component(data, units, comms,
                     {u: [c for c in comms if c not in pinned_to and (u, c) not in forbidden] for u in units},
                     {u: tuple(sorted(c for c in comms if pinned_to.get(c) == u)) for u in units},
                     must_link_each_unit(data))
    for u, s in hint.items():
        if comp.feasible(u, s):
            comp.columns[u].add(s)
    started = time.perf_counter()
    lower, _ = column_generation(comp, artificial=not hint)
    dived = dive(comp) if comp.lp_solution else None
    if dived is not None and (not hint or sum(comp.cost(u, s) for u, s in dived.items())
                              < sum(comp.cost(u, s) for u, s in hint.items())):
        hint = dived
        for u, s in dived.items():
            comp.columns[u].add(s)
    seconds += time.perf_counter() - started
    # 3. the integer master over the generated columns; then, if a gap remains, once more with every column
    #    whose reduced cost is below that gap (only those can improve on the plan found)
    best: tuple[float, dict[int, int], dict[int, tuple[int, ...]]] | None = None
    if hint:
        best = (sum(comp.cost(u, s) for u, s in hint.items()) / COST_SCALE, {c: u for u, s in hint.items() for c in s},
                hint)
    n_vars = len(built.x)
    for phase in range(2):
        if phase == 1 and (best is None or not math.isfinite(lower) or best[0] * COST_SCALE - lower < 1 or \
                    enrich(comp, best[0] * COST_SCALE - lower) == 0):
            break
        master = build_master(comp, best[2] if best else {})
        solver = cpsat.make_solver(rules, budget / 2, 1 if len(master.patterns) <= SINGLE_WORKER_VARS else None)
        solver.parameters.linearization_level = 2  # the set-partitioning LP is the whole point: every row in it
        outcome = cpsat.run(master.model, solver, control, STAGE, done=done, total=total)
        seconds += outcome.seconds
        n_vars = len(built.x) + len(master.patterns)
        if outcome.status in (Status.OPTIMAL, Status.FEASIBLE) and (best is None or outcome.objective < best[0]):
            chosen = {u: s for u, s, var in master.patterns if solver.value(var)}
            best = (outcome.objective, {c: u for u, s in chosen.items() for c in s}, chosen)
    if best is None:
        return Status.UNKNOWN, math.nan, math.nan, seconds, n_vars, {}
    objective, picks, _ = best
    bound = min(objective, math.ceil(lower - 1e-6) / COST_SCALE) if math.isfinite(lower) else math.nan
    status = Status.OPTIMAL if bound == objective else Status.FEASIBLE
    return status, objective, bound, seconds, n_vars, picks


def _nearest_group(data: AssignData, failed: set[int], groups: list[set[int]]) -> set[int]:
    """The office group whose centre is nearest to the failed one (by index when there are no coordinates)."""
    pts = np.nan_to_num(data.office_points, nan=0.0)
    centre = pts[sorted(failed)].mean(axis=0)
    others = [g for g in groups if g != failed]
    dist = [float(np.hypot(*(pts[sorted(g)].mean(axis=0) - centre))) for g in others]
    return others[int(np.lexsort((np.array([min(g) for g in others]), np.array(dist)))[0])]
