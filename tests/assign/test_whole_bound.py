"""The whole-problem bound of assign.units (units.lagrange) against exact answers on small instances: each unit's
subproblem equals the brute-force minimum over all its patterns, and the bound never exceeds the exact optimum
over ALL unit–community pairs (CP-SAT over every admissible pattern), while the plans found never go below it."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.linear_solver import pywraplp

from planner.assign import solve_assignment
from planner.assign.cpsat import make_solver
from planner.assign.data import COST_SCALE, AssignData
from planner.assign.units.columns import Component, build_master
from planner.assign.units.lagrange import Lagrangian, whole_bound, whole_component
from planner.assign.units.search import local_search, perturb_search
from planner.errors import InfeasibleError
from planner.io.validate import build_problem
from planner.rules import SolverRules
from tests.assign.helpers import check_with_checker, fast_rules
from tests.assign.test_local_search import groups, total
from tests.assign.test_random import districts


def admissible(comp: Component, u: int) -> list[tuple[int, ...]]:
    """Every pattern the rules allow unit u (no load limit beyond strict linkage's capacity)."""
    free, req = comp.candidates[u], comp.required[u]
    out = []
    for k in range(len(free) + 1):
        for extra in itertools.combinations(free, k):
            s = tuple(sorted((*req, *extra)))
            load = int(sum(int(comp.H[c]) for c in s))
            if (s or not comp.must) and (not comp.data.strict or load <= int(comp.cap[u])):
                out.append(s)
    return out


def exact_optimum(comp: Component) -> float:
    """CP-SAT over every admissible pattern of every unit: the exact optimum of the whole problem."""
    for u in comp.units:
        comp.columns[u] = set(admissible(comp, u))
    master = build_master(comp, {})
    solver = make_solver(SolverRules(time_limit=30.0, workers=1, gap_limit=0.0), 30.0, 1)
    assert solver.solve(master.model) == 4  # OPTIMAL
    return float(round(solver.objective_value))


small_groups = groups().filter(lambda g: len(g[0].comms) <= 8 and len(g[0].units) <= 4)


@settings(max_examples=40, deadline=None)
@given(small_groups, st.lists(st.integers(-300, 3000), min_size=14, max_size=14))
def test_unit_minimum_is_the_brute_force_minimum(case: tuple[Component, dict[int, tuple[int, ...]]],
                                                 raw: list[int]) -> None:
    comp, _ = case
    lag = Lagrangian(comp)
    pi = np.asarray(raw[: len(comp.comms)], dtype=float)
    for u in comp.units:
        brute = min(comp.cost(u, s) - float(pi[list(s)].sum()) for s in admissible(comp, u))
        found = lag.unit_minimum(u, pi)
        assert found is not None
        value, pattern = found
        assert abs(value - brute) < 1e-6
        assert abs(comp.cost(u, pattern) - float(pi[list(pattern)].sum()) - value) < 1e-6
        assert pattern in admissible(comp, u)


@settings(max_examples=30, deadline=None)
@given(small_groups)
def test_bound_below_exact_optimum_and_plans_above(case: tuple[Component, dict[int, tuple[int, ...]]]) -> None:
    comp, start = case
    plan = perturb_search(comp, local_search(comp, start), kicks=10)
    lag = Lagrangian(comp)
    result = whole_bound(lag, plan, np.zeros(len(comp.comms)), max_rounds=50)
    optimum = exact_optimum(comp)
    assert result.bound <= optimum + 1e-6
    assert total(comp, plan) >= optimum
    full_lp = master_lp(comp)
    assert result.bound <= full_lp + 1e-6   # L(π) never exceeds the Lagrangian dual = the LP over all patterns
    if result.rounds < 50:                   # converged: the bound reaches that LP (not a trivial bound)
        assert result.bound >= full_lp - 1e-3 * abs(full_lp) - 1e-6


def master_lp(comp: Component) -> float:
    """The set-partitioning LP over every admissible pattern (GLOP)."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    unit_row = {u: solver.Constraint(1, 1) for u in comp.units}
    comm_row = {c: solver.Constraint(1, 1) for c in comp.comms}
    objective = solver.Objective()
    objective.SetMinimization()
    for u in comp.units:
        for s in admissible(comp, u):
            v = solver.NumVar(0, 1, "")
            unit_row[u].SetCoefficient(v, 1)
            for c in s:
                comm_row[c].SetCoefficient(v, 1)
            objective.SetCoefficient(v, comp.cost(u, s))
    assert solver.Solve() == pywraplp.Solver.OPTIMAL
    return float(objective.Value())


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(districts())
def test_stage_report_bounds_the_whole_problem(tables: dict[str, pd.DataFrame]) -> None:
    """solve_assignment on random small districts: the units stage's reported bound ≤ the exact optimum over ALL
    unit–community pairs ≤ its reported objective (= the plan's exact cost), and the checker says valid."""
    problem = build_problem(tables, fast_rules(), source="random")
    try:
        result = solve_assignment(problem)
    except InfeasibleError:
        return
    assert check_with_checker(problem, result) == []
    units = result.stages[1]
    assert units.details["bound_scope"].startswith("whole problem")
    comp = whole_component(AssignData(problem))
    optimum = exact_optimum(comp) / COST_SCALE
    plan = {u: tuple(np.flatnonzero(result.community_unit == u).tolist()) for u in comp.units}
    assert units.objective == pytest.approx(total(comp, plan) / COST_SCALE)
    assert units.bound <= optimum + 1e-9 <= units.objective + 2e-9
    again = solve_assignment(problem)
    assert np.array_equal(again.community_unit, result.community_unit)  # deterministic


def test_above_the_pairs_limit_the_report_says_the_bound_is_restricted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the whole problem is not bounded (too many pairs), report.json must not pass the decomposed bound off
    as one: its scope says so and the stage is never called optimal."""
    import planner.assign.units.solve as units_solve
    from tests.assign.helpers import tiny

    problem = tiny()
    monkeypatch.setattr(units_solve, "WHOLE_PAIRS_LIMIT", 0)
    restricted = solve_assignment(problem)
    assert check_with_checker(problem, restricted) == []
    stage = restricted.stages[1]
    assert "not a bound on the whole problem" in stage.details["bound_scope"]
    assert stage.status.name == "FEASIBLE"
    monkeypatch.undo()
    whole = solve_assignment(problem).stages[1]
    assert whole.details["bound_scope"].startswith("whole problem")
    assert whole.bound <= whole.objective
