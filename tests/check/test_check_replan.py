"""Checker on replans (report["since"]): history only counts, pro-rating, spread before `since` not judged."""

from __future__ import annotations

import math
from datetime import date

import pytest

from planner.calendar import solve_calendar
from planner.check import check_plan, run_check
from planner.demo import generate_demo
from planner.io.read import read_problem
from planner.plan import Plan
from planner.problem import Problem
from tests.calendar.replan_helpers import assignment_by_ids, changed_problem, greedy_assignment, pairs_of, plan_of


@pytest.fixture(scope="module")
def replan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Problem, Plan, set[str]]:
    folder = tmp_path_factory.mktemp("demo")
    generate_demo(folder, size="small", seed=3)
    problem = read_problem(folder, overrides={"solver": {"time_limit": 10.0, "workers": 1}})
    assignment = greedy_assignment(problem)
    calendar = solve_calendar(problem, assignment)
    since = date(problem.rules.year, 7, 1)
    changed, _, gone = changed_problem(problem, drop_cadres=3, add_households=4, seed=5)
    new_assignment = assignment_by_ids(changed, pairs_of(problem, assignment))
    history = calendar.visits[[d < since for d in calendar.visits["date"]]]
    replanned = solve_calendar(changed, new_assignment, frozen_visits=history, since=since,
                               previous_visits=calendar.visits)
    return changed, plan_of(changed, new_assignment, replanned, since.isoformat()), gone


def test_history_of_a_departed_cadre_is_not_judged_and_counts(replan: tuple[Problem, Plan, set[str]]) -> None:
    problem, plan, gone = replan
    assert check_plan(problem, plan) == []
    early = [d < date(problem.rules.year, 7, 1) for d in plan.visits["date"]]
    departed = plan.visits["person_id"].isin(gone).to_numpy() & early
    assert departed.any()
    without = Plan(plan.leader_offices, plan.unit_communities, plan.cadre_households,
                   plan.visits.loc[~departed].reset_index(drop=True), plan.report)
    rules = {v.rule for v in check_plan(problem, without)}
    assert rules & {"calendar.cadre_min_visits", "calendar.cadre_talks"}     # those rows were needed


def test_a_new_household_has_a_pro_rated_minimum(replan: tuple[Problem, Plan, set[str]]) -> None:
    problem, plan, _ = replan
    table = run_check(problem, plan).minimums
    rows = table[(table["target_id"] == "HN0000") & (table["requirement"] == "household_visits")]
    from planner.workdays import work_calendar

    days = work_calendar(problem.rules.year, problem.holidays).days
    f = sum(d >= date(problem.rules.year, 7, 1) for d in days) / len(days)
    want = math.ceil(problem.rules.visits.cadre_household * f)
    assert want < problem.rules.visits.cadre_household
    assert int(rows["required"].iat[0]) == want and bool(rows["met"].iat[0])
    old = table[(table["target_id"] != "HN0000") & (table["requirement"] == "household_visits")
                & table["target_id"].str.startswith("H0")]
    assert (old["required"] == problem.rules.visits.cadre_household).all()


def test_spread_periods_before_since_are_not_judged(replan: tuple[Problem, Plan, set[str]]) -> None:
    problem, plan, _ = replan
    table = run_check(problem, plan).minimums
    periods = table[table["requirement"] == "household_periods"]
    # since 1 July: only Jul–Aug, Sep–Oct, Nov–Dec can be required (two-month periods)
    assert periods["required"].max() <= 3 and (periods["required"] == 3).mean() > 0.5
    as_whole_year = Plan(plan.leader_offices, plan.unit_communities, plan.cadre_households, plan.visits, {})
    whole = run_check(problem, as_whole_year).minimums
    assert whole[whole["requirement"] == "household_periods"]["required"].max() == 6
