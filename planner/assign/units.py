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
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from planner.progress import SolveControl
from planner.result import StageReport, Status

from .cpsat import make_solver, run_model
from .data import COST_SCALE, AssignData
from .patterns import Component, build_master, column_generation, dive, enrich, local_search, perturb_search, prune

STAGE = "assign.units"
FULL_PAIRS_LIMIT = 20_000  # up to this many unit × community pairs, one model over all pairs (exact bound)
FIRST_SHARE = 0.2  # share of a component's budget for the first feasible plan (pair model)
UNFIT_COST = 10**7  # flow cost of sending a unit to an office none of whose communities it can hold
REPAIR_CANDIDATES = 30  # units tried, nearest first, when an office cannot be packed
MIN_COMPONENT_TIME = 0.5  # deterministic seconds: a component's budget is its size share of time_limit, at least this
SINGLE_WORKER_VARS = 5_000  # smaller models close fastest on one worker (interleaved batches cost ~1 s each)
KICK_GAP_PCT = 1.0  # groups whose plan is more than this % above their bound get the iterated local search
KICKS_PER_GAP_PCT = 20  # its kicks: this many per % of gap (city: ~2 ms per kick on a 60-community group)
MAX_KICKS = 400
KICKED_MASTER_BUDGET = 1.5  # after the kicks, the master runs once, over the columns pruned by reduced cost
# (patterns.prune), with this share of the group's budget. Measured on the city's 48 kicked groups (Σ plan − Σ bound):
# old rule (1,000 kicks, master only over unpruned pools ≤ 2,500 patterns) 1,069 in 51 s; 400 kicks + pruned master
# at share 1.0: 592 in 54 s, 1.25: 478 in 58 s, 1.5: 394 in 69 s (fewer kicks, 200, at 1.5: 645); CP-SAT LNS over the
# exact pair model did worse at these budgets


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
def _group_distance(data: AssignData, units: list[int], comms: list[int]) -> np.ndarray:
    """Scaled distance matrix units × communities of one group."""
    if not units or not comms:
        return np.zeros((len(units), len(comms)), dtype=np.int64)
    uu = np.repeat(np.asarray(units, dtype=np.int64), len(comms))
    cc = np.tile(np.asarray(comms, dtype=np.int64), len(units))
    return data.distance_cost(data.unit_points[uu], data.community_points[cc]).reshape(len(units), len(comms))


def pack(data: AssignData, units: list[int], comms: list[int], dist: np.ndarray | None = None
         ) -> dict[int, int] | None:
    """A quick feasible plan for one group, or None (see `_pack`). The guaranteed start that column generation
    improves."""
    return _pack(data, units, comms, dist)[0]


def _pack(data: AssignData, units: list[int], comms: list[int], dist: np.ndarray | None = None
          ) -> tuple[dict[int, int] | None, int | None]:
    """(community -> unit, None), or (None, a unit that got no community when that is why packing failed).

    Pins first; then (every unit needs a community) each unit without one, smallest capacity first, takes the
    smallest free community it can hold — for "fits" relations nested by capacity this succeeds whenever any
    one-community-per-unit matching exists; then first-fit decreasing (largest community first, to the nearest unit
    with room; best fit when nearest fit fails)."""
    if not comms:
        return {}, None
    H, cap = data.community_households, data.unit_capacity
    limit = {u: int(cap[u]) if data.strict else 2 * int(cap[u]) + int(H.max(initial=0)) for u in units}
    forbidden = data.forbidden("unit_community")
    pinned_to = {c: u for u, c in implied_pins(data)}
    must = must_link_each_unit(data)
    dist = _group_distance(data, units, comms) if dist is None else dist
    col = {c: j for j, c in enumerate(comms)}
    row = {u: i for i, u in enumerate(units)}
    base: dict[int, int] = {}
    base_load = dict.fromkeys(units, 0)
    for c in comms:
        if c in pinned_to:
            u = pinned_to[c]
            if u not in row:
                return None, None
            base[c] = u
            base_load[u] += int(H[c])
    if any(base_load[u] > limit[u] for u in units):
        return None, None
    if must:
        has = set(base.values())
        free = sorted((c for c in comms if c not in base), key=lambda c: (int(H[c]), c))
        for u in sorted((u for u in units if u not in has), key=lambda u: (limit[u], u)):
            seat = next((c for c in free if int(H[c]) <= limit[u] and (u, c) not in forbidden), None)
            if seat is None:
                return None, u
            free.remove(seat)
            base[seat] = u
            base_load[u] += int(H[seat])
    order = sorted((c for c in comms if c not in base), key=lambda c: (-int(H[c]), c))
    for mode in ("nearest", "best"):
        load = dict(base_load)
        picks = dict(base)
        for c in order:
            fits = [u for u in units if load[u] + int(H[c]) <= limit[u] and (u, c) not in forbidden]
            if not fits:
                break
            if mode == "nearest":
                u = min(fits, key=lambda u: (int(dist[row[u], col[c]]), u))
            else:
                u = min(fits, key=lambda u: (limit[u] - load[u], u))
            picks[c] = u
            load[u] += int(H[c])
        else:
            return picks, None
    return None, None


def home_offices(data: AssignData) -> list[set[int]]:
    """Each unit's home office(s). Pinned and last year's offices are kept; the others come from a
    transportation model (min-cost flow: each unit's capacity → offices, each office asking for its capacity share
    households_o × capacity / households, cost = distance), each unit going to the office that got most of its
    capacity. Then every office group is checked by packing (`pack`); an office that cannot be packed pulls the
    nearest unit whose office stays packable without it (or pushes a unit out when it has more units than
    communities). So the groups are packable by construction and need no merging."""
    p = data.problem
    n_o, n_u = p.n_offices, p.n_units
    office = p.communities["office"].to_numpy(dtype=int)
    H, cap = data.community_households, data.unit_capacity
    h_office = np.bincount(office, weights=H, minlength=n_o)
    n_comm_office = np.bincount(office, minlength=n_o)
    homes: list[set[int]] = [set() for _ in range(n_u)]
    for u, c in implied_pins(data) | data.previous_pairs("unit_community"):
        if (u, c) not in data.forbidden("unit_community"):
            homes[u].add(int(office[c]))
    free = [u for u in range(n_u) if not homes[u]]
    used = np.flatnonzero(n_comm_office > 0)
    if not free or not len(used):
        return homes
    ratio = float(cap.sum()) / max(1.0, float(H.sum()))
    fixed_cap = np.zeros(n_o)
    for u, hs in enumerate(homes):
        for o in hs:
            fixed_cap[o] += cap[u] / len(hs)
    demand = np.maximum(0, np.floor(h_office * ratio - fixed_cap)).astype(np.int64)[used]
    u_arr = np.asarray(free, dtype=np.int64)
    uu = np.repeat(u_arr, len(used))
    oo = np.tile(used, len(free))
    cost = data.distance_cost(data.unit_points[uu], data.office_points[oo])
    if data.strict and must_link_each_unit(data):  # a unit too small for every community of an office: avoid
        smallest = np.full(n_o, np.iinfo(np.int64).max)
        np.minimum.at(smallest, office, H)
        cost = cost + UNFIT_COST * (cap[uu] < smallest[oo])
    flow = min_cost_flow.SimpleMinCostFlow()
    n_f = len(free)
    sink = n_f + len(used)
    flow.add_arcs_with_capacity_and_unit_cost(np.repeat(np.arange(n_f), len(used)),
                                              n_f + np.tile(np.arange(len(used)), n_f),
                                              cap[uu].astype(np.int64), cost.astype(np.int64))
    first_sink = flow.num_arcs()
    flow.add_arcs_with_capacity_and_unit_cost(n_f + np.arange(len(used)), np.full(len(used), sink),
                                              demand, np.zeros(len(used), np.int64))
    supplies = np.zeros(sink + 1, np.int64)
    supplies[:n_f] = cap[u_arr]
    supplies[sink] = -int(cap[u_arr].sum())
    flow.set_nodes_supplies(np.arange(sink + 1), supplies)
    flow.solve_max_flow_with_min_cost()
    got = flow.flows(np.arange(first_sink)).reshape(n_f, len(used))
    nearest = cost.reshape(n_f, len(used))
    for i, u in enumerate(free):
        j = int(np.argmax(got[i])) if got[i].max() > 0 else int(np.argmin(nearest[i]))
        homes[u].add(int(used[j]))
    _repair_homes(data, homes, free, used.tolist())
    return homes


def _repair_homes(data: AssignData, homes: list[set[int]], free: list[int], used: list[int]) -> None:
    """Make every office packable by moving free units between offices (deterministic, nearest first)."""
    p = data.problem
    office = p.communities["office"].to_numpy(dtype=int)
    comms_of = {o: np.flatnonzero(office == o).tolist() for o in used}
    free_set = set(free)
    pts_o = np.nan_to_num(data.office_points, nan=0.0)
    pts_u = np.nan_to_num(data.unit_points, nan=0.0)

    def members(o: int) -> list[int]:
        return [u for u in range(p.n_units) if o in homes[u]]

    cache: dict[tuple[int, tuple[int, ...]], tuple[bool, int | None]] = {}

    def attempt(o: int, units: list[int]) -> tuple[bool, int | None]:
        key = (o, tuple(units))
        if key not in cache:
            picks, unseated = _pack(data, units, comms_of[o])
            cache[key] = (picks is not None, unseated)
        return cache[key]

    def packable(o: int, units: list[int]) -> bool:
        return attempt(o, units)[0]

    must = must_link_each_unit(data)
    def _fix_office(o: int) -> bool:
        mine = members(o)
        moved = False
        unseated = attempt(o, mine)[1]
        unfit = [unseated] if unseated is not None and unseated in free_set else []
        if must and (len(mine) > len(comms_of[o]) or unfit):  # push a unit out: one that fits nothing first
            for u in unfit or sorted((u for u in mine if u in free_set), key=lambda u: (int(data.unit_capacity[u]), u)):
                near = sorted((t for t in used if t != o), key=lambda t: (float(np.hypot(*(pts_o[t] - pts_u[u]))), t))
                for t in near:
                    if len(members(t)) < len(comms_of[t]) and packable(t, sorted([*members(t), u])):
                        homes[u] = {t}
                        moved = True
                        break
                if moved:
                    break
        else:  # too little room: pull the nearest free unit whose office stays packable without it
            cand = sorted((u for u in free if o not in homes[u]),
                          key=lambda u: (float(np.hypot(*(pts_o[o] - pts_u[u]))), u))
            for u in cand[:REPAIR_CANDIDATES]:
                src = next(iter(homes[u]))
                if packable(src, [v for v in members(src) if v != u]):
                    homes[u] = {o}
                    moved = True
                    break
        return moved  # False: left to the merge fallback in solve_units

    for _ in range(len(free) + len(used)):
        bad = [o for o in used if not packable(o, members(o))]
        if not bad or not any(_fix_office(o) for o in bad):
            return


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
    budget = max(rules.time_limit * share, MIN_COMPONENT_TIME) if rules.time_limit > 0 else 0.0
    # 1. a first feasible plan: packing (instant), else the pair model with a short budget
    seconds = 0.0
    hint: dict[int, tuple[int, ...]] = {}
    n_x = 0
    packed = pack(data, units, comms)
    if packed is None:
        built = build_model(data, units, comms, {u: comms for u in units}, homes)
        n_x = len(built.x)
        first = make_solver(rules, FIRST_SHARE * budget, 1)
        first.parameters.stop_after_first_solution = True  # a start only: the columns and the master do the rest
        start = run_model(built.model, first, control, STAGE, done=done, total=total)
        seconds = start.seconds
        if start.status == Status.INFEASIBLE:
            return Status.INFEASIBLE, math.nan, math.nan, seconds, n_x, {}
        if start.status in (Status.OPTIMAL, Status.FEASIBLE):
            packed = {c: u for (u, c), var in built.x.items() if first.value(var)}
    # 2. column generation: exact pricing, LP (Lagrangian) lower bound
    pins = implied_pins(data)
    pinned_to = {c: u for u, c in pins}
    forbidden = data.forbidden("unit_community")
    comp = Component(data, units, comms,
                     {u: [c for c in comms if c not in pinned_to and (u, c) not in forbidden] for u in units},
                     {u: tuple(sorted(c for c in comms if pinned_to.get(c) == u)) for u in units},
                     must_link_each_unit(data))
    started = time.perf_counter()
    if packed is not None:  # the start, improved by a descent on the exact pattern cost
        hint = local_search(comp, {u: tuple(sorted(c for c, uu in packed.items() if uu == u)) for u in units})
    for u, s in hint.items():
        if comp.feasible(u, s):
            comp.columns[u].add(s)
    lower, _ = column_generation(comp, artificial=not hint)
    dived = dive(comp) if comp.lp_solution else None
    if dived is not None:
        dived = local_search(comp, dived)
    if dived is not None and (not hint or sum(comp.cost(u, s) for u, s in dived.items())
                              < sum(comp.cost(u, s) for u, s in hint.items())):
        hint = dived
        for u, s in dived.items():
            comp.columns[u].add(s)
    kicked = False
    if hint and math.isfinite(lower) and lower > 0:  # perturb-and-descend, only where the gap is still large
        gap_pct = 100 * (sum(comp.cost(u, s) for u, s in hint.items()) - lower) / lower
        if gap_pct > KICK_GAP_PCT:
            hint = perturb_search(comp, hint, min(MAX_KICKS, math.ceil(KICKS_PER_GAP_PCT * gap_pct)), seed=done)
            for u, s in hint.items():
                comp.columns[u].add(s)
            kicked = True
    seconds += time.perf_counter() - started
    # 3. the integer master over the generated columns; then, if a gap remains, once more with every column
    #    whose reduced cost is below that gap (only those can improve on the plan found)
    best: tuple[float, dict[int, int], dict[int, tuple[int, ...]]] | None = None
    if hint:
        best = (sum(comp.cost(u, s) for u, s in hint.items()) / COST_SCALE, {c: u for u, s in hint.items() for c in s},
                hint)
    n_vars = n_x
    for phase in range(2):
        if kicked and phase == 1:
            break
        if kicked and best is not None:
            prune(comp, best[2], best[0] * COST_SCALE - lower)
        if phase == 1 and (best is None or not math.isfinite(lower) or best[0] * COST_SCALE - lower < 1 or \
                    enrich(comp, best[0] * COST_SCALE - lower) == 0):
            break
        master = build_master(comp, best[2] if best else {})
        solver = make_solver(rules, KICKED_MASTER_BUDGET * budget if kicked else budget / 2,
                                   1 if len(master.patterns) <= SINGLE_WORKER_VARS else None)
        solver.parameters.linearization_level = 2  # the set-partitioning LP is the whole point: every row in it
        outcome = run_model(master.model, solver, control, STAGE, done=done, total=total)
        seconds += outcome.seconds
        n_vars = n_x + len(master.patterns)
        if outcome.status in (Status.OPTIMAL, Status.FEASIBLE) and (best is None or outcome.objective < best[0]):
            chosen = local_search(comp, {u: s for u, s, var in master.patterns if solver.value(var)})
            for u, s in chosen.items():
                comp.columns[u].add(s)
            best = (sum(comp.cost(u, s) for u, s in chosen.items()) / COST_SCALE,
                    {c: u for u, s in chosen.items() for c in s}, chosen)
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
