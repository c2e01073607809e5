"""Stage assign.units: district units → communities (单位联系社区), a generalized assignment problem.

Hard: every community exactly one unit; every unit ≥1 community while units ≤ communities; with strict linkage a
unit's cadre capacity (Σ cadre capacities) covers the households of its communities; pins (including those a
cadre pin implies under strict linkage) and forbidden pairs.

Objective (weight units, every term a penalty ≥ 0):
    continuity      · #(last year's unit–community pairs dropped)
  + distance        · Σ km(unit, community)
  + unit_one_office · Σ_units (#offices spanned − 1)
  + balance         · Σ_units max(0, load% − target%)     target% = ⌈100 · households / capacity⌉ (district-wide)
  + linkage         · households beyond a unit's capacity  (only when linkage = "prefer"; hard otherwise)

Decomposition (the reason this stage is fast): when units × communities is large, each unit first gets a home
office (greedy, capacity-proportional, nearest first; last year's and pinned offices kept). Candidate pairs are
then unit × communities of its home offices, so the model splits into independent per-office (or merged-office)
components, each a few hundred booleans that CP-SAT closes quickly. A component that turns out infeasible is
merged with its nearest neighbour and solved again, up to the full model. The bound reported is the proven bound
of the model actually solved (over its candidate pairs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from planner.progress import SolveControl
from planner.result import StageReport, Status

from . import cpsat
from .data import AssignData

STAGE = "assign.units"
FULL_PAIRS_LIMIT = 20_000  # up to this many unit × community pairs, one model over all pairs (exact bound)


@dataclass
class UnitsModel:
    model: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar]
    # assumption literal -> (rule group, subject index, target index or -1); only when built for explanation
    assumptions: dict[int, tuple[str, int, int]] = field(default_factory=dict)


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


def balance_target(data: AssignData) -> int:
    cap = int(data.unit_capacity.sum())
    return 100 if cap <= 0 else min(100, math.ceil(100 * int(data.community_households.sum()) / cap))


def build_model(data: AssignData, units: list[int], comms: list[int], candidates: dict[int, list[int]],
                assume: bool = False) -> UnitsModel:
    """CP-SAT model over one component. With `assume`, each rule group is guarded by an assumption literal and
    the model has no objective (for sufficient_assumptions_for_infeasibility)."""
    p = data.problem
    H, cap = data.community_households, data.unit_capacity
    office = p.communities["office"].to_numpy(dtype=int)
    forbidden = data.forbidden("unit_community")
    pins = implied_pins(data)
    previous = data.previous_pairs("unit_community")
    model = cp_model.CpModel()
    out = UnitsModel(model, {})
    x = out.x
    comm_set = set(comms)

    def guard(group: str, a: int, b: int = -1) -> cp_model.IntVar | None:
        if not assume:
            return None
        lit = model.new_bool_var(f"assume_{group}_{a}_{b}")
        out.assumptions[lit.index] = (group, a, b)
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
    w = {k: data.weight(k) for k in ("continuity", "unit_one_office", "balance", "linkage")}
    target = balance_target(data)
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
            terms.append(w["linkage"] * over)
        if assume:
            continue
        if cap[u] > 0 and row:  # balance: load% above the district-wide target
            z = model.new_int_var(0, max(0, 100 * int(sum(int(H[c]) for c, _ in row)) // int(cap[u]) + 1), f"z_{u}")
            model.add(int(cap[u]) * z >= 100 * load - target * int(cap[u]))
            terms.append(w["balance"] * z)
        offices = sorted({int(office[c]) for c, _ in row})
        if len(offices) > 1:  # one office per unit: Σ_o y[u,o] − has_any
            y = {o: model.new_bool_var(f"y_{u}_{o}") for o in offices}
            for c, v in row:
                model.add_implication(v, y[int(office[c])])
            if must:
                model.add(sum(y.values()) >= 1)
                terms.append(w["unit_one_office"] * (sum(y.values()) - 1))
            else:
                has = model.new_bool_var(f"has_{u}")
                model.add(sum(y.values()) >= has)
                for _, v in row:
                    model.add_implication(v, has)
                terms.append(w["unit_one_office"] * (sum(y.values()) - has))
    if not assume:
        ux, uy = data.unit_points, data.community_points
        keys = list(x)
        if keys:
            arr = np.asarray(keys, dtype=np.int64)
            dist = data.distance_cost(ux[arr[:, 0]], uy[arr[:, 1]])
            terms += [int(d) * x[k] for k, d in zip(keys, dist.tolist(), strict=True) if d]
        terms += [w["continuity"] * (1 - x[k]) for k in sorted(previous) if k in x]
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
    rules = p.rules.solver
    community_unit = np.full(n_c, -1, dtype=np.int64)
    if n_c == 0:
        return UnitsResult(community_unit, StageReport(STAGE, Status.OPTIMAL, 0.0, 0.0, 0.0))
    full = n_u * n_c <= FULL_PAIRS_LIMIT
    homes = [set(range(p.n_offices)) for _ in range(n_u)] if full else home_offices(data)
    merged: list[set[int]] = []
    while True:
        groups = _components(homes, p.n_offices, merged)
        comms_of = {min(g): [c for c in range(n_c) if office[c] in g] for g in groups}
        sizes = {min(g): sum(1 for u in range(n_u) if homes[u] & g) * len(comms_of[min(g)]) for g in groups}
        total = max(1, sum(sizes.values()))
        objective = bound = seconds = 0.0
        statuses: list[Status] = []
        failed: set[int] | None = None
        n_vars = 0
        for i, g in enumerate(groups):
            comms = comms_of[min(g)]
            units = [u for u in range(n_u) if homes[u] & g]
            if not comms:
                continue
            candidates = {u: comms for u in units}
            built = build_model(data, units, comms, candidates)
            n_vars += len(built.x)
            budget = rules.time_limit * max(sizes[min(g)] / total, 0.05) if rules.time_limit > 0 else 0.0
            solver = cpsat.make_solver(rules, budget)
            outcome = cpsat.run(built.model, solver, control, STAGE, done=i, total=len(groups))
            seconds += outcome.seconds
            if outcome.status not in (Status.OPTIMAL, Status.FEASIBLE):
                if len(groups) == 1:
                    return outcome.status
                failed = g
                break
            statuses.append(outcome.status)
            objective += outcome.objective
            bound += outcome.bound
            for (u, c), var in built.x.items():
                if solver.value(var):
                    community_unit[c] = u
        if failed is None:
            status = Status.OPTIMAL if all(s == Status.OPTIMAL for s in statuses) else Status.FEASIBLE
            report = StageReport(STAGE, status, objective, bound, seconds,
                                 {"components": len(groups), "variables": n_vars})
            if control is not None:
                control.report(STAGE, "done", objective, bound, len(groups), len(groups))
            return UnitsResult(community_unit, report)
        merged.append(failed | _nearest_group(data, failed, groups))


def _nearest_group(data: AssignData, failed: set[int], groups: list[set[int]]) -> set[int]:
    """The office group whose centre is nearest to the failed one (by index when there are no coordinates)."""
    pts = np.nan_to_num(data.office_points, nan=0.0)
    centre = pts[sorted(failed)].mean(axis=0)
    others = [g for g in groups if g != failed]
    dist = [float(np.hypot(*(pts[sorted(g)].mean(axis=0) - centre))) for g in others]
    return others[int(np.lexsort((np.array([min(g) for g in others]), np.array(dist)))[0])]
