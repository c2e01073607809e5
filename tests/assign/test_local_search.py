"""`units.search.local_search` on random small groups: never worse than its start on the exact pattern cost, every
hard rule kept (each community one unit, every unit ≥1 community, capacity, pins, forbidden pairs), deterministic,
and a local optimum for single moves."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.assign.data import COST_SCALE
from planner.assign.units.columns import Component, build_master, column_generation, prune
from planner.assign.units.search import local_search, perturb_search

settings.register_profile("ci", derandomize=True, max_examples=60, deadline=None)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

WEIGHTS = {"continuity": 10_000, "unit_one_office": 500, "balance": 100, "linkage": 5_000}


@dataclass
class _Problem:
    communities: pd.DataFrame


@dataclass
class FakeData:
    """The part of AssignData that Component reads, built from explicit arrays."""

    community_households: np.ndarray
    unit_capacity: np.ndarray
    unit_points: np.ndarray
    community_points: np.ndarray
    offices: np.ndarray
    strict: bool
    prev: set[tuple[int, int]] = field(default_factory=set)

    @property
    def problem(self) -> _Problem:
        return _Problem(pd.DataFrame({"office": self.offices}))

    def weight(self, name: str) -> int:
        return WEIGHTS[name]

    def previous_pairs(self, kind: str) -> set[tuple[int, int]]:
        return self.prev

    def distance_cost(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.rint(np.hypot(*(a - b).T) * COST_SCALE).astype(np.int64)


@st.composite
def groups(draw: Any) -> tuple[Component, dict[int, tuple[int, ...]]]:
    n_u = draw(st.integers(2, 6))
    n_c = draw(st.integers(n_u, 14))
    strict = draw(st.booleans())
    H = np.array(draw(st.lists(st.integers(1, 30), min_size=n_c, max_size=n_c)), dtype=np.int64)
    start_owner = list(range(n_u)) + draw(st.lists(st.integers(0, n_u - 1), min_size=n_c - n_u, max_size=n_c - n_u))
    load = np.bincount(start_owner, weights=H, minlength=n_u).astype(np.int64)
    slack = np.array(draw(st.lists(st.integers(0, 40), min_size=n_u, max_size=n_u)), dtype=np.int64)
    coords = st.floats(0, 10, allow_nan=False)
    pts_u = np.array(draw(st.lists(st.tuples(coords, coords), min_size=n_u, max_size=n_u)))
    pts_c = np.array(draw(st.lists(st.tuples(coords, coords), min_size=n_c, max_size=n_c)))
    offices = np.array(draw(st.lists(st.integers(0, 2), min_size=n_c, max_size=n_c)))
    pinned = draw(st.sets(st.integers(0, n_c - 1), max_size=3))
    forbidden = {(u, c) for u, c in draw(st.sets(st.tuples(st.integers(0, n_u - 1), st.integers(0, n_c - 1)),
                                                 max_size=10)) if start_owner[c] != u}
    prev = {(u, c) for u, c in draw(st.sets(st.tuples(st.integers(0, n_u - 1), st.integers(0, n_c - 1)),
                                            max_size=5))}
    data = FakeData(H, load + slack, pts_u, pts_c, offices, strict, prev)
    units, comms = list(range(n_u)), list(range(n_c))
    comp = Component(data, units, comms,  # type: ignore[arg-type]
                     {u: [c for c in comms if c not in pinned and (u, c) not in forbidden] for u in units},
                     {u: tuple(c for c in comms if c in pinned and start_owner[c] == u) for u in units}, True)
    start = {u: tuple(c for c in comms if start_owner[c] == u) for u in units}
    return comp, start


def total(comp: Component, plan: dict[int, tuple[int, ...]]) -> int:
    return sum(comp.cost(u, s) for u, s in plan.items())


@given(groups())
def test_local_search_never_worsens_and_keeps_every_hard_rule(case: tuple[Component, dict[int, tuple[int, ...]]]
                                                               ) -> None:
    comp, start = case
    plan = local_search(comp, start)
    assert total(comp, plan) <= total(comp, start)
    assert sorted(c for s in plan.values() for c in s) == comp.comms  # each community exactly one unit
    for u, s in plan.items():
        assert s, "every unit keeps at least one community"
        assert comp.feasible(u, s)  # capacity (strict) / load limit (prefer)
        assert set(comp.required[u]) <= set(s)  # pins stay
        assert all(c in comp.candidates[u] or c in comp.required[u] for c in s)  # no forbidden pair
    assert local_search(comp, start) == plan  # deterministic
    # a local optimum: no single feasible move improves the exact cost
    for c in comp.comms:
        a = next(u for u, s in plan.items() if c in s)
        if c in comp.required[a] or len(plan[a]) == 1:
            continue
        for b in comp.units:
            if b == a or c not in comp.candidates[b]:
                continue
            moved = {**plan, a: tuple(x for x in plan[a] if x != c), b: tuple(sorted((*plan[b], c)))}
            if comp.feasible(b, moved[b]):
                assert total(comp, moved) >= total(comp, plan)


def test_local_search_improves_a_poor_start() -> None:
    """Two units far apart, each started with the other's nearby communities: the descent swaps them back."""
    H = np.array([10, 10, 10, 10], dtype=np.int64)
    data = FakeData(H, np.array([20, 20]), np.array([[0.0, 0.0], [9.0, 9.0]]),
                    np.array([[0.0, 0.1], [0.1, 0.0], [9.0, 9.1], [9.1, 9.0]]), np.zeros(4, dtype=int), True)
    comp = Component(data, [0, 1], [0, 1, 2, 3], {0: [0, 1, 2, 3], 1: [0, 1, 2, 3]},  # type: ignore[arg-type]
                     {0: (), 1: ()}, True)
    plan = local_search(comp, {0: (2, 3), 1: (0, 1)})
    assert plan == {0: (0, 1), 1: (2, 3)}


@settings(max_examples=30)
@given(groups(), st.integers(0, 3))
def test_perturb_search_never_worsens_keeps_hard_rules_and_is_deterministic(
        case: tuple[Component, dict[int, tuple[int, ...]]], seed: int) -> None:
    comp, start = case
    descended = local_search(comp, start)  # the engine kicks only descended plans (its two descents differ)
    plan = perturb_search(comp, descended, kicks=20, seed=seed)
    assert total(comp, plan) <= total(comp, descended) <= total(comp, start)
    assert sorted(c for s in plan.values() for c in s) == comp.comms
    for u, s in plan.items():
        assert s and comp.feasible(u, s)
        assert set(comp.required[u]) <= set(s)
        assert all(c in comp.candidates[u] or c in comp.required[u] for c in s)
    assert perturb_search(comp, descended, kicks=20, seed=seed) == plan


def test_perturb_search_untangles_a_cycle() -> None:
    """Three units in a row, full to capacity, each started with its neighbour's communities (a cycle): the
    search reaches the plan where every unit has its own two nearby communities, never above the descent."""
    H = np.array([10, 10, 10, 10, 10, 10], dtype=np.int64)
    pts_c = np.array([[0.0, 0.0], [0.0, 0.2], [5.0, 0.0], [5.0, 0.2], [10.0, 0.0], [10.0, 0.2]])
    data = FakeData(H, np.array([20, 20, 20]), np.array([[0.0, 0.1], [5.0, 0.1], [10.0, 0.1]]), pts_c,
                    np.zeros(6, dtype=int), True)
    cand = {u: list(range(6)) for u in range(3)}
    comp = Component(data, [0, 1, 2], list(range(6)), cand, {0: (), 1: (), 2: ()}, True)  # type: ignore[arg-type]
    start = {0: (4, 5), 1: (0, 1), 2: (2, 3)}
    plan = perturb_search(comp, start, kicks=50)
    assert total(comp, plan) <= total(comp, local_search(comp, start))
    assert plan == {0: (0, 1), 1: (2, 3), 2: (4, 5)}


def _master_optimum(comp: Component, forced: tuple[int, tuple[int, ...]] | None = None) -> int | None:
    """The integer master's optimum over comp.columns (None: no plan), optionally with one column forced in."""
    from ortools.sat.python import cp_model

    master = build_master(comp, {})
    for u, s, var in master.patterns:
        if (u, s) == forced:
            master.model.add(var == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(master.model)
    assert status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    return round(solver.objective_value) if status == cp_model.OPTIMAL else None


@given(groups())
def test_prune_by_reduced_cost_never_loses_a_better_plan(case: tuple[Component, dict[int, tuple[int, ...]]]) -> None:
    """After column generation, a column whose reduced cost exceeds cost(plan) − bound cannot be in a plan cheaper
    than `plan`: every plan forced to use a dropped column costs at least as much; the plan's own columns stay, and
    the master over the pruned pool is as good as over the whole pool whenever that one beats the plan."""
    comp, plan = case  # the random start: often worse than the optimum, so the pruning has something to lose
    for u, s in plan.items():
        comp.columns[u].add(s)
    lower, rounds = column_generation(comp, artificial=False)
    assert rounds < 150  # converged: the pruning argument needs the final duals
    whole_pool = {u: set(cols) for u, cols in comp.columns.items()}
    whole = _master_optimum(comp)
    assert whole is not None and lower <= whole + 1e-6
    dropped = prune(comp, plan, total(comp, plan) - lower)
    kept = {u: set(cols) for u, cols in comp.columns.items()}
    assert sum(len(v) for v in whole_pool.values()) - sum(len(v) for v in kept.values()) == dropped
    assert all(plan[u] in kept[u] for u in comp.units)
    pruned = _master_optimum(comp)
    assert pruned is not None and pruned <= total(comp, plan)
    if whole < total(comp, plan):
        assert pruned == whole
    comp.columns = whole_pool
    gone = sorted((u, s) for u in comp.units for s in whole_pool[u] - kept[u])
    for column in gone[:: max(1, len(gone) // 6)]:  # a few dropped columns, spread over the list
        forced = _master_optimum(comp, column)
        assert forced is None or forced >= total(comp, plan), column
