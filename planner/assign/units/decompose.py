"""Decomposition of assign.units (the reason the stage is fast): each unit gets a home office (a transportation
model: min-cost flow of capacity to offices), every office group is made packable, and the groups linked through
multi-home units or merges become independent components (package docstring)."""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from planner.assign.data import AssignData
from planner.assign.units.rules import implied_pins, must_link_each_unit

FULL_PAIRS_LIMIT = 20_000  # up to this many unit × community pairs, one model over all pairs (exact bound)
UNFIT_COST = 10**7  # flow cost of sending a unit to an office none of whose communities it can hold
REPAIR_CANDIDATES = 30  # units tried, nearest first, when an office cannot be packed


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


def _nearest_group(data: AssignData, failed: set[int], groups: list[set[int]]) -> set[int]:
    """The office group whose centre is nearest to the failed one (by index when there are no coordinates)."""
    pts = np.nan_to_num(data.office_points, nan=0.0)
    centre = pts[sorted(failed)].mean(axis=0)
    others = [g for g in groups if g != failed]
    dist = [float(np.hypot(*(pts[sorted(g)].mean(axis=0) - centre))) for g in others]
    return others[int(np.lexsort((np.array([min(g) for g in others]), np.array(dist)))[0])]
