"""Stage assign.cadres: cadres → households (干部联系户), one exact min-cost flow (OR-Tools SimpleMinCostFlow).

Given the units' communities this is a transportation problem, so a flow solver proves the optimum in well under a
second where CP-SAT would not (NOTES). Network: source → cadre (one arc per capacity slot, convex balance cost) →
household (candidate arcs) → demand 1 per household.

Arc cost of cadre k → household h (weight units × COST_SCALE, all ≥ 0):
    continuity · [h had a surviving cadre last year and k is not that cadre]
  + priority   · [priority(h) = 3 and rank(k) = staff]
  + distance   · km(k, h)
  + linkage    · [k's unit does not link h's community]       (only arcs that exist with linkage = "prefer")
Slot cost: the j-th household of a cadre (j = 0, 1, …) costs balance · j, so loads spread evenly inside a unit.

Candidates: with strict linkage, the `candidate_cadres` nearest cadres of the household's unit (all of them when
fewer) and, the other way round, each cadre's `candidate_cadres` nearest households of its unit, plus last year's
cadre; with prefer, also the nearest cadres of the other units active in the same
office. Households the flow cannot place (a local capacity shortage) get their unit's candidate count doubled, unit by
unit, until every admissible arc is in.
Pins are pre-assigned (they use the cadre's first slots); forbidden pairs have no arc.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from planner.progress import Cancelled, SolveControl
from planner.result import StageReport, Status

from .data import COST_SCALE, AssignData

STAGE = "assign.cadres"


@dataclass
class CadresResult:
    household_cadre: np.ndarray
    report: StageReport


@dataclass
class CadresFailure:
    """No flow covers every household; `short_units` are units whose cadres cannot cover their households."""

    unmatched: int
    short_units: list[tuple[int, int, int]]  # (unit, households to cover, households its cadres can take)


def _nearest(cand_pts: np.ndarray, hh_pts: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k nearest candidates for each household (squared planar distance, stable ties)."""
    if len(cand_pts) <= k:
        return np.tile(np.arange(len(cand_pts)), (len(hh_pts), 1))
    a = np.nan_to_num(hh_pts, nan=0.0)
    b = np.nan_to_num(cand_pts, nan=0.0)
    scale = np.cos(np.radians(a[:, :1]))
    d = (a[:, None, 0] - b[None, :, 0]) ** 2 + ((a[:, None, 1] - b[None, :, 1]) * scale) ** 2
    part = np.argpartition(d, k - 1, axis=1, kind="introselect")[:, :k]
    return np.sort(part, axis=1)


def candidate_arcs(data: AssignData, community_unit: np.ndarray, k_unit: np.ndarray,
                   wide_offices: frozenset[int] = frozenset(), only: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(cadre, household) candidate arcs for the free households, without forbidden pairs; k_unit[u] candidates
    per household among unit u's cadres (and per cadre among its unit's households). `only` (strict linkage):
    just the households of these units."""
    p = data.problem
    hh_comm = p.households["community"].to_numpy(dtype=int)
    hh_unit = community_unit[hh_comm]
    cadre_unit = p.cadres["unit"].to_numpy(dtype=int)
    cadres_of = [np.flatnonzero(cadre_unit == u) for u in range(p.n_units)]
    pinned = {h for _, h in data.pins("cadre_household")}
    free = np.array([h for h in range(p.n_households) if h not in pinned], dtype=np.int64)
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    hpts, cpts = data.household_points, data.cadre_points
    order = np.argsort(hh_unit[free], kind="stable")
    free_sorted = free[order]
    bounds = np.searchsorted(hh_unit[free_sorted], np.arange(p.n_units + 1))
    for u in (range(p.n_units) if only is None else only.tolist()):
        hs = free_sorted[bounds[u]:bounds[u + 1]]
        ks = cadres_of[u]
        if not len(hs) or not len(ks):
            continue
        idx = _nearest(cpts[ks], hpts[hs], int(k_unit[u]))
        tails.append(ks[idx].ravel())
        heads.append(np.repeat(hs, idx.shape[1]))
        # and each cadre's k nearest households, so that no cadre's capacity is cut off by the household side
        back = _nearest(hpts[hs], cpts[ks], int(k_unit[u]))
        heads.append(hs[back].ravel())
        tails.append(np.repeat(ks, back.shape[1]))
    if not data.strict:  # prefer: also the nearest cadres of other units working in the same office
        hh_office = p.households["office"].to_numpy(dtype=int)
        office_units = [sorted(set(community_unit[p.communities["office"].to_numpy(dtype=int) == o].tolist()))
                        for o in range(p.n_offices)]
        for o in range(p.n_offices):
            hs = free[hh_office[free] == o]
            pool = np.concatenate([cadres_of[u] for u in office_units[o] if u >= 0] or [np.zeros(0, np.int64)])
            if o in wide_offices:  # widened: every cadre of the district is a candidate (nearest first)
                pool = np.arange(p.n_cadres)
            if not len(hs) or not len(pool):
                continue
            idx = _nearest(cpts[pool], hpts[hs], int(k_unit.min()) if len(k_unit) else 1)
            tails.append(pool[idx].ravel())
            heads.append(np.repeat(hs, idx.shape[1]))
    prev = [(c, h) for c, h in data.previous_pairs("cadre_household") if h not in pinned
            and (not data.strict or cadre_unit[c] == hh_unit[h]) and (only is None or hh_unit[h] in only)]
    if prev:
        arr = np.asarray(prev, dtype=np.int64)
        tails.append(arr[:, 0])
        heads.append(arr[:, 1])
    if not tails:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    n_k = max(1, p.n_cadres)
    # one int64 key per pair, sorted by household then cadre (deterministic), duplicates dropped after a plain sort
    # (np.unique on rows took 5 s at city size, on the keys still 3.5 s: it hashes first)
    keys = np.sort(np.concatenate(heads) * n_k + np.concatenate(tails))
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys
    forbidden = data.forbidden("cadre_household")
    if forbidden:
        bad = np.array(sorted(h_ * n_k + c_ for c_, h_ in forbidden), dtype=np.int64)
        keys = keys[~np.isin(keys, bad)]
    return keys % n_k, keys // n_k


def arc_costs(data: AssignData, community_unit: np.ndarray, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
    p = data.problem
    cost = data.distance_cost(data.cadre_points[tails], data.household_points[heads])
    prio = p.households["priority"].to_numpy(dtype=int)
    rank = p.cadres["rank"].astype(str).to_numpy()
    cost += data.weight("priority") * ((prio[heads] == 3) & (rank[tails] == "staff"))
    previous = data.previous_pairs("cadre_household")
    if previous:
        prev_of = np.full(p.n_households, -1, dtype=np.int64)
        for c, h in sorted(previous):
            prev_of[h] = c
        cost += data.weight("continuity") * ((prev_of[heads] >= 0) & (prev_of[heads] != tails))
    cost += linkage(data, community_unit, tails, heads)
    return cost.astype(np.int64)


def linkage(data: AssignData, community_unit: np.ndarray, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """三级联动 (Assignment 4) for cadres: a household's cadre belongs to the unit linked to its community. Strict:
    only such arcs are candidates (`candidate_arcs`), so the term is 0; "prefer": weight linkage per arc whose cadre
    is of another unit."""
    if data.strict:
        return np.zeros(len(tails), dtype=np.int64)
    p = data.problem
    cadre_unit = p.cadres["unit"].to_numpy(dtype=int)
    hh_unit = community_unit[p.households["community"].to_numpy(dtype=int)]
    return data.weight("linkage") * (cadre_unit[tails] != hh_unit[heads])


def _solve_flow(data: AssignData, community_unit: np.ndarray, k_unit: np.ndarray,
                wide_offices: frozenset[int] = frozenset(), only: np.ndarray | None = None
                ) -> tuple[np.ndarray, int, int, np.ndarray]:
    """(household_cadre, optimal cost, arcs, unmatched households). Max flow at min cost: when some households
    cannot be covered by their candidates, the others are still placed and the unmatched ones are returned, so
    that only their units' candidate sets need widening. `only` (strict linkage, where the flow splits by unit):
    solve just the households of these units (the others stay -1 in the result)."""
    p = data.problem
    n_k, n_h = p.n_cadres, p.n_households
    cap = data.cadre_capacity.copy()
    household_cadre = np.full(n_h, -1, dtype=np.int64)
    for c, h in sorted(data.pins("cadre_household")):
        household_cadre[h] = c
        cap[c] -= 1
    tails, heads = candidate_arcs(data, community_unit, k_unit, wide_offices, only)
    free = np.flatnonzero(household_cadre < 0)
    if only is not None:
        hh_unit = community_unit[p.households["community"].to_numpy(dtype=int)]
        free = free[np.isin(hh_unit[free], only)]
    if not len(free):
        return household_cadre, 0, 0, free
    costs = arc_costs(data, community_unit, tails, heads)
    # nodes: 0 = source, 1..n_k cadres, n_k+1.. households
    source = 0
    flow = min_cost_flow.SimpleMinCostFlow()
    w_bal = data.weight("balance")
    used = data.cadre_capacity - cap  # slots already taken by pins
    slot_tail, slot_head, slot_cost = [], [], []
    max_cap = int(data.cadre_capacity.max()) if n_k else 0
    for j in range(max_cap):
        mask = (j >= used) & (j < data.cadre_capacity)
        ks = np.flatnonzero(mask)
        slot_tail.append(np.zeros(len(ks), np.int64))
        slot_head.append(ks + 1)
        slot_cost.append(np.full(len(ks), w_bal * j, np.int64))
    st, sh, sc = (np.concatenate(a) if a else np.zeros(0, np.int64) for a in (slot_tail, slot_head, slot_cost))
    flow.add_arcs_with_capacity_and_unit_cost(st, sh, np.ones(len(st), np.int64), sc)
    first = flow.num_arcs()
    flow.add_arcs_with_capacity_and_unit_cost(tails + 1, heads + 1 + n_k, np.ones(len(tails), np.int64), costs)
    supplies = np.zeros(1 + n_k + n_h, np.int64)
    supplies[source] = len(free)
    supplies[1 + n_k + free] = -1
    flow.set_nodes_supplies(np.arange(len(supplies)), supplies)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = flow.flows(np.arange(first, first + len(tails)))
    chosen = np.flatnonzero(flows > 0)
    household_cadre[heads[chosen]] = tails[chosen]
    return household_cadre, int(flow.optimal_cost()), len(tails), free[household_cadre[free] < 0]


def solve_cadres(data: AssignData, community_unit: np.ndarray, control: SolveControl | None
                 ) -> CadresResult | CadresFailure:
    p = data.problem
    started = time.perf_counter()
    k = max(1, p.rules.assign.candidate_cadres)
    k_unit = np.full(p.n_units, k, dtype=np.int64)
    hh_unit = community_unit[p.households["community"].to_numpy(dtype=int)]
    full_k = np.maximum(np.bincount(p.cadres["unit"].to_numpy(dtype=int), minlength=p.n_units),
                        np.bincount(hh_unit[hh_unit >= 0], minlength=p.n_units))  # k that means "all pairs"
    widened = 0
    wide: frozenset[int] = frozenset()
    hh_office = p.households["office"].to_numpy(dtype=int)
    household_cadre = np.full(p.n_households, -1, dtype=np.int64)
    only: np.ndarray | None = None
    arcs = 0
    while True:
        part, _, n_arcs, unmatched = _solve_flow(data, community_unit, k_unit, wide, only)
        if only is None:
            household_cadre, arcs = part, n_arcs
        else:  # strict linkage: the re-solved units' households replace theirs, the rest is unchanged (exact)
            redo = np.isin(hh_unit, only)
            household_cadre[redo] = part[redo]
            arcs += n_arcs
        if control is not None and control.cancelled:
            raise Cancelled(STAGE)
        if not len(unmatched):
            break
        short = np.unique(hh_unit[unmatched])
        short = short[(short >= 0) & (k_unit[np.maximum(short, 0)] < full_k[np.maximum(short, 0)])]
        if not data.strict and not len(short):
            offices = frozenset(hh_office[unmatched].tolist())
            if not offices <= wide:
                wide = wide | offices
                widened += 1
                continue
        if not len(short):
            return CadresFailure(len(unmatched), short_units(data, community_unit))
        k_unit[short] = np.minimum(2 * k_unit[short], full_k[short])  # widen only the units left short
        widened += 1
        if data.strict:  # the flow splits by unit: re-solve only the widened ones
            only = short.copy()
    # the plan's whole cadre-stage cost, pinned households included: its arcs, and each cadre's j-th household
    # costing balance·j (the flow fills a cadre's cheapest slots first, so this is the flow's own objective)
    placed = np.flatnonzero(household_cadre >= 0)
    cost = int(arc_costs(data, community_unit, household_cadre[placed], placed).sum())
    counts = np.bincount(household_cadre[placed], minlength=p.n_cadres).astype(np.int64)
    cost += int(data.weight("balance") * (counts * (counts - 1) // 2).sum())
    seconds = time.perf_counter() - started
    objective = cost / COST_SCALE
    report = StageReport(STAGE, Status.OPTIMAL, objective, objective, seconds,
                         {"arcs": arcs, "candidate_cadres": k, "widened_units": int((k_unit > k).sum()),
                          "widen_rounds": widened})
    if control is not None:
        control.report(STAGE, "done", objective, objective, 1, 1)
    return CadresResult(household_cadre, report)


def short_units(data: AssignData, community_unit: np.ndarray) -> list[tuple[int, int, int]]:
    """Units whose cadres cannot take all households of their communities (capacity or forbidden pairs), by an
    exact per-unit flow over all admissible pairs."""
    p = data.problem
    out: list[tuple[int, int, int]] = []
    if not data.strict:
        return out
    hh_unit = community_unit[p.households["community"].to_numpy(dtype=int)]
    cadre_unit = p.cadres["unit"].to_numpy(dtype=int)
    forbidden = data.forbidden("cadre_household")
    for u in range(p.n_units):
        hs = np.flatnonzero(hh_unit == u)
        ks = np.flatnonzero(cadre_unit == u)
        if not len(hs):
            continue
        flow = min_cost_flow.SimpleMinCostFlow()
        for i, kk in enumerate(ks.tolist()):
            flow.add_arc_with_capacity_and_unit_cost(0, 1 + i, int(data.cadre_capacity[kk]), 0)
            for j, hh in enumerate(hs.tolist()):
                if (kk, hh) not in forbidden:
                    flow.add_arc_with_capacity_and_unit_cost(1 + i, 1 + len(ks) + j, 1, 0)
        for j in range(len(hs)):
            flow.add_arc_with_capacity_and_unit_cost(1 + len(ks) + j, 1 + len(ks) + len(hs), 1, 0)
        flow.set_node_supply(0, len(hs))
        flow.set_node_supply(1 + len(ks) + len(hs), -len(hs))
        flow.solve_max_flow_with_min_cost()
        got = int(sum(flow.flow(a) for a in range(flow.num_arcs()) if flow.tail(a) == 0))
        if got < len(hs):
            out.append((u, len(hs), got))
    return out
