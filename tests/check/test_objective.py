"""The checker recomputes each stage's objective from the plan alone: it must equal what the solver reported
(PyJobShop's `Solution.objective` test), on the demo, with last year's plan, and on random districts."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.assign import solve_assignment
from planner.check import check_plan
from planner.check.objective import leaders_objective, objective_mismatches, recompute_objectives
from planner.demo import demo_tables
from planner.errors import InfeasibleError
from planner.io.validate import build_problem
from planner.plan import Plan
from planner.problem import Problem
from planner.result import Assignment
from planner.workflow.solve import plan_and_check
from tests.assign.helpers import fast_rules
from tests.assign.test_random import districts

YEAR = 2026


def _stages(plan: Plan) -> dict[str, float]:
    return {s["name"]: float(s["objective"]) for s in plan.report["stages"]}


def _assignment_plan(problem: Problem, result: Assignment) -> Plan:
    report = {"stages": [{"name": s.name, "objective": s.objective} for s in result.stages]}
    return Plan(visits=pd.DataFrame(), report=report, **result.frames(problem))


@pytest.mark.parametrize("seed", [0, 1])
def test_recomputed_objectives_equal_the_solver_on_the_small_demo(seed: int) -> None:
    tables, _ = demo_tables("small", seed, YEAR)
    problem = build_problem(tables, fast_rules())
    checked = plan_and_check(problem)
    assert checked.violations == ()
    recomputed = recompute_objectives(problem, checked.plan)
    assert set(recomputed) == {"assign.leaders", "assign.units", "assign.cadres", "assign.office_leaders",
                               "calendar.reception"}
    assert objective_mismatches(problem, checked.plan) == []
    assert recomputed["assign.cadres"] == pytest.approx(_stages(checked.plan)["assign.cadres"], abs=1e-9)


def test_with_last_years_plan_continuity_is_counted() -> None:
    """Re-solved with another distance weight and last year's plan: continuity terms enter both sides."""
    tables, _ = demo_tables("small", 2, YEAR)
    first = plan_and_check(build_problem(tables, fast_rules(assign={"linkage": "prefer"}))).plan
    rules = fast_rules(assign={"linkage": "prefer"}, weights={"distance": 3, "continuity": 2})
    problem = build_problem(tables, rules)
    second = plan_and_check(problem, first)
    assert second.violations == ()
    assert objective_mismatches(problem, second.plan, previous=first) == []
    # the continuity term is exactly weight × households whose cadre changed since last year
    before = first.cadre_households.set_index("household_id")["cadre_id"]
    after = second.plan.cadre_households.set_index("household_id")["cadre_id"]
    changed = int((before.reindex(after.index) != after).sum())
    assert changed > 0          # the heavier distance weight moved some households
    with_last = recompute_objectives(problem, second.plan, first)["assign.cadres"]
    without = recompute_objectives(problem, second.plan)["assign.cadres"]
    assert with_last - without == pytest.approx(changed * rules.weights.continuity)


def test_one_more_office_for_a_leader_costs_one_balance() -> None:
    """Hand-computed: a second office for a leader who is neither secretary nor head adds w_balance."""
    tables, _ = demo_tables("small", 0, YEAR)
    problem = build_problem(tables, fast_rules())
    plan = plan_and_check(problem).plan
    other = problem.leaders.loc[problem.leaders["tier"].astype(str) == "other", "leader_id"].iat[0]
    mine = set(plan.leader_offices.loc[plan.leader_offices["leader_id"] == other, "office_id"])
    office = next(o for o in problem.offices["office_id"] if o not in mine)
    more = pd.concat([plan.leader_offices, pd.DataFrame({"leader_id": [other], "office_id": [office]})],
                     ignore_index=True)
    changed = dataclasses.replace(plan, leader_offices=more)
    assert leaders_objective(problem, changed) == pytest.approx(
        leaders_objective(problem, plan) + problem.rules.weights.balance)
    assert objective_mismatches(problem, changed) == [
        ("assign.leaders", _stages(plan)["assign.leaders"], leaders_objective(problem, changed))]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(districts(), st.sampled_from(["strict", "prefer"]))
def test_random_districts_objective_equals_recomputed(tables: dict[str, pd.DataFrame], linkage: str) -> None:
    problem = build_problem(tables, fast_rules(assign={"linkage": linkage}))
    try:
        result = solve_assignment(problem)
    except InfeasibleError:
        return
    plan = _assignment_plan(problem, result)
    assert check_plan(problem, plan, calendar=False) == []
    assert objective_mismatches(problem, plan) == []
