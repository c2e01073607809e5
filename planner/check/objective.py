"""Each assignment stage's objective recomputed from the plan alone (and the input, and last year's plan when one
was given), as the engines define it — so a test can assert "solver objective == recomputed" (PyJobShop's
`Solution.objective`), and a reader can see every term's formula in one place.

Shares no code with the engines: points, distances and weights are recomputed here. Costs are integers in the
engines' resolution (COST_SCALE = 10: a distance unit is 0.1 km × weights.distance, each weight w counts
round(w × 10)) and reported divided by it, so the report's figures read in the weights' own units.

Notation: w_x = round(rules.weights.x × 10); d(a, b) = rint(10 × weights.distance × haversine_km(a, b)), 0 when a
point is unknown (a community without coordinates sits at its office, a household at its community, a cadre at its
unit); last year's pairs are those whose two ids still exist.

assign.leaders (x = the leader_offices pairs)
    w_continuity · #(last year's pairs, not forbidden, missing from x)
  + w_balance    · Σ_leaders (#offices − 1)
  + w_balance    · #(office, secretary, head) with both the secretary and the head linked to the office
assign.units (S_u = the communities of unit u, load_u = Σ_{c∈S_u} households_c, cap_u = Σ its cadres' capacity)
    Σ_u [ Σ_{c∈S_u} d(u, c) + w_continuity · #(last year's communities of u not in S_u)
          + (S_u ≠ ∅) · ( w_unit_one_office · (#offices of S_u − 1) + w_linkage · max(0, load_u − cap_u)
                          + (cap_u > 0) · w_balance · max(0, ⌈100 · load_u / cap_u⌉ − target) ) ]
    target = min(100, ⌈100 · Σ households / Σ capacity⌉)   (100 when there is no capacity)
assign.cadres (k(h) = the cadre of household h, n_k = households of cadre k)
    Σ_h [ d(k(h), h) + w_priority · (priority_h = 3 ∧ rank_k(h) = staff)
          + w_continuity · (h had a cadre last year ∧ it is not k(h))
          + w_linkage · (linkage = prefer ∧ k(h)'s unit is not the unit of h's community) ]
  + w_balance · Σ_k n_k (n_k − 1) / 2          (the j-th household of a cadre costs balance · j)
assign.office_leaders (y = the office_leader_communities pairs; only when the input has office leaders)
    w_continuity  · #(last year's pairs inside the leader's own office, not forbidden, missing from y)
  + w_office_spread · Σ_(office, unit) max(0, #(the office's leaders whose community unit links) − 1)
calendar.reception (a plan without `since`, no previous plan: no kept-duty term)
    max_leaders B duties − min_leaders B duties   (when there are two leaders or more)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.plan import Plan
from planner.problem import Problem

COST_SCALE = 10
EARTH_RADIUS_KM = 6371.0


def recompute_objectives(problem: Problem, plan: Plan, previous: Plan | None = None) -> dict[str, float]:
    """Stage name -> objective recomputed from the plan (the stages this module knows; see the docstring)."""
    out = {"assign.leaders": leaders_objective(problem, plan, previous),
           "assign.units": units_objective(problem, plan, previous),
           "assign.cadres": cadres_objective(problem, plan, previous)}
    if len(getattr(problem, "office_leaders", ())):
        out["assign.office_leaders"] = office_leaders_objective(problem, plan, previous)
    reception = reception_objective(problem, plan, previous)
    if reception is not None:
        out["calendar.reception"] = reception
    return out


def objective_mismatches(problem: Problem, plan: Plan, previous: Plan | None = None, tolerance: float = 1e-6
                         ) -> list[tuple[str, float, float]]:
    """(stage, reported, recomputed) for every stage of report.json whose objective differs from the recomputed
    one; [] when all agree."""
    reported = {s["name"]: float(s["objective"]) for s in (plan.report or {}).get("stages", [])}
    return [(stage, reported[stage], value) for stage, value in recompute_objectives(problem, plan, previous).items()
            if stage in reported and not math.isclose(reported[stage], value, rel_tol=0, abs_tol=tolerance)]


# -- shared terms -------------------------------------------------------------------------------------------------
def _weight(problem: Problem, name: str) -> int:
    return round(float(getattr(problem.rules.weights, name)) * COST_SCALE)


def _km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(a[:, 0]), np.radians(b[:, 0])
    dlmb = np.radians(b[:, 1]) - np.radians(a[:, 1])
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _distance(problem: Problem, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    km = np.nan_to_num(_km(a, b), nan=0.0)
    return np.rint(km * COST_SCALE * problem.rules.weights.distance).astype(np.int64)


def _points(frame: pd.DataFrame, parent: np.ndarray | None = None, index: np.ndarray | None = None) -> np.ndarray:
    pts = frame[["lat", "lon"]].to_numpy(dtype=float).copy()
    if parent is not None and index is not None and len(parent):
        missing = np.isnan(pts).any(axis=1)
        pts[missing] = parent[index[missing]]
    return pts


def _index_pairs(frame: pd.DataFrame | None, left: dict[str, int], right: dict[str, int], columns: tuple[str, str]
                 ) -> list[tuple[int, int]]:
    """A pairs table as (left index, right index); rows naming an id the input no longer has are dropped."""
    if frame is None or not len(frame) or not set(columns) <= set(frame.columns):
        return []
    return [(left[a], right[b]) for a, b in zip(frame[columns[0]].astype(str), frame[columns[1]].astype(str),
                                                 strict=True) if a in left and b in right]


def _locks(frame: pd.DataFrame, kind: str) -> set[tuple[int, int]]:
    rows = frame[frame["kind"].astype(str) == kind]
    return set(zip(rows["subject"].astype(int).tolist(), rows["target"].astype(int).tolist(), strict=True))


# -- per stage ----------------------------------------------------------------------------------------------------
def leaders_objective(problem: Problem, plan: Plan, previous: Plan | None = None) -> float:
    links = set(_index_pairs(plan.leader_offices, problem.leader_index, problem.office_index,
                             ("leader_id", "office_id")))
    forbidden = _locks(problem.forbidden, "leader_office")
    last = set(_index_pairs(previous.leader_offices if previous else None, problem.leader_index,
                            problem.office_index, ("leader_id", "office_id"))) - forbidden
    w_cont, w_bal = _weight(problem, "continuity"), _weight(problem, "balance")
    cost = w_cont * len(last - links)
    per_leader = np.bincount([lead for lead, _ in links], minlength=problem.n_leaders)
    cost += w_bal * int((per_leader - 1).sum())
    tiers = problem.leaders["tier"].astype(str).to_numpy()
    secretaries, heads = np.flatnonzero(tiers == "secretary"), np.flatnonzero(tiers == "head")
    for o in range(problem.n_offices):
        for s in secretaries:
            for h in heads:
                if (s, o) in links and (h, o) in links:
                    cost += w_bal
    return cost / COST_SCALE


def office_leaders_objective(problem: Problem, plan: Plan, previous: Plan | None = None) -> float:
    columns = ("person_id", "community_id")
    pairs = set(_index_pairs(getattr(plan, "office_leader_communities", None), problem.office_leader_index,
                             problem.community_index, columns))
    person_office = problem.office_leaders["office"].to_numpy(dtype=np.int64)
    community_office = problem.communities["office"].to_numpy(dtype=np.int64)
    last = {(p, c) for p, c in _index_pairs(getattr(previous, "office_leader_communities", None) if previous else None,
                                            problem.office_leader_index, problem.community_index, columns)
            if person_office[p] == community_office[c]} - _locks(problem.forbidden, "office_leader_community")
    cost = _weight(problem, "continuity") * len(last - pairs)
    unit_of = dict(_index_pairs(plan.unit_communities, problem.community_index, problem.unit_index,
                                ("community_id", "unit_id")))
    per_unit: dict[tuple[int, int], int] = {}
    for p, c in pairs:
        key = (int(person_office[p]), unit_of.get(c, -1))
        per_unit[key] = per_unit.get(key, 0) + 1
    cost += _weight(problem, "office_spread") * sum(max(0, n - 1) for n in per_unit.values())
    return cost / COST_SCALE


def units_objective(problem: Problem, plan: Plan, previous: Plan | None = None) -> float:
    pairs = _index_pairs(plan.unit_communities, problem.unit_index, problem.community_index,
                         ("unit_id", "community_id"))
    last = _index_pairs(previous.unit_communities if previous else None, problem.unit_index,
                        problem.community_index, ("unit_id", "community_id"))
    office = problem.communities["office"].to_numpy(dtype=int)
    households = np.bincount(problem.households["community"].to_numpy(dtype=int),
                             minlength=problem.n_communities).astype(np.int64)
    capacity = np.bincount(problem.cadres["unit"].to_numpy(dtype=int),
                           weights=problem.cadres["capacity"].to_numpy(dtype=np.int64),
                           minlength=problem.n_units).astype(np.int64)
    total_cap = int(capacity.sum())
    target = 100 if total_cap <= 0 else min(100, math.ceil(100 * int(households.sum()) / total_cap))
    office_pts = _points(problem.offices)
    community_pts = _points(problem.communities, office_pts, office)
    unit_pts = _points(problem.units)
    w_cont, w_one = _weight(problem, "continuity"), _weight(problem, "unit_one_office")
    w_link, w_bal = _weight(problem, "linkage"), _weight(problem, "balance")
    sets: list[set[int]] = [set() for _ in range(problem.n_units)]
    for u, c in pairs:
        sets[u].add(c)
    before: list[set[int]] = [set() for _ in range(problem.n_units)]
    for u, c in last:
        before[u].add(c)
    cost = 0
    if pairs:
        arr = np.asarray(pairs, dtype=np.int64)
        cost += int(_distance(problem, unit_pts[arr[:, 0]], community_pts[arr[:, 1]]).sum())
    for u in range(problem.n_units):
        cost += w_cont * len(before[u] - sets[u])
        if not sets[u]:
            continue
        load, cap = int(households[sorted(sets[u])].sum()), int(capacity[u])
        cost += w_one * (len({int(office[c]) for c in sets[u]}) - 1) + w_link * max(0, load - cap)
        if cap > 0:
            cost += w_bal * max(0, math.ceil(100 * load / cap) - target)
    return cost / COST_SCALE


def cadres_objective(problem: Problem, plan: Plan, previous: Plan | None = None) -> float:
    pairs = _index_pairs(plan.cadre_households, problem.cadre_index, problem.household_index,
                         ("cadre_id", "household_id"))
    if not pairs:
        return 0.0
    arr = np.asarray(pairs, dtype=np.int64)
    cadre, household = arr[:, 0], arr[:, 1]
    community = problem.households["community"].to_numpy(dtype=int)
    office_pts = _points(problem.offices)
    community_pts = _points(problem.communities, office_pts, problem.communities["office"].to_numpy(dtype=int))
    household_pts = _points(problem.households, community_pts, community)
    cadre_unit = problem.cadres["unit"].to_numpy(dtype=int)
    cadre_pts = _points(problem.cadres, _points(problem.units), cadre_unit)
    cost = int(_distance(problem, cadre_pts[cadre], household_pts[household]).sum())
    priority = problem.households["priority"].to_numpy(dtype=int)
    rank = problem.cadres["rank"].astype(str).to_numpy()
    cost += _weight(problem, "priority") * int(((priority[household] == 3) & (rank[cadre] == "staff")).sum())
    last = _index_pairs(previous.cadre_households if previous else None, problem.cadre_index,
                        problem.household_index, ("cadre_id", "household_id"))
    if last:
        before = np.full(problem.n_households, -1, dtype=np.int64)
        for k, h in sorted(last):
            before[h] = k
        cost += _weight(problem, "continuity") * int(((before[household] >= 0) & (before[household] != cadre)).sum())
    if problem.rules.assign.linkage != "strict":
        unit_of = dict(_index_pairs(plan.unit_communities, problem.community_index, problem.unit_index,
                                    ("community_id", "unit_id")))
        linked_unit = np.array([unit_of.get(int(community[h]), -1) for h in household], dtype=np.int64)
        cost += _weight(problem, "linkage") * int((cadre_unit[cadre] != linked_unit).sum())
    n = np.bincount(cadre, minlength=problem.n_cadres).astype(np.int64)
    cost += _weight(problem, "balance") * int((n * (n - 1) // 2).sum())
    return cost / COST_SCALE


def reception_objective(problem: Problem, plan: Plan, previous: Plan | None = None) -> float | None:
    """None when the plan is a replan or had a previous plan (their kept-duty term needs the engine's horizon), or
    has no visits (an assignment alone)."""
    if previous is not None or (plan.report or {}).get("since") or not len(plan.visits):
        return None
    n = problem.n_leaders
    if n <= 1:
        return 0.0
    v = plan.visits
    rows = v[(v["activity"].astype(str) == "reception") & (v["role"].astype(str) == "B")]
    counts = np.bincount([problem.leader_index[str(x)] for x in rows["person_id"] if str(x) in problem.leader_index],
                         minlength=n)
    return float(counts.max() - counts.min())
