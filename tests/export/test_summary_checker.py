"""The printed summary's verdict from the checker's minimums table (one source), on a solved tiny plan."""

from __future__ import annotations

import dataclasses

import pytest

from planner.check import minimums_table
from planner.export.common import name_book, plan_rules, visit_table
from planner.export.summary import MET_ZH, NOT_MET_ZH, SUMMARY_HEADERS, summary_rows
from planner.plan import Plan
from planner.problem import Problem
from planner.workflow.solve import plan_and_check
from tests.fixtures import tiny_problem

MET = SUMMARY_HEADERS.index("达标")
WHY = SUMMARY_HEADERS.index("未达标项")
ID = SUMMARY_HEADERS.index("编号")


@pytest.fixture(scope="module")
def solved() -> tuple[Problem, Plan]:
    problem = tiny_problem()
    checked = plan_and_check(problem)
    assert checked.violations == ()
    return problem, checked.plan


def _rows(problem: Problem, plan: Plan) -> dict[str, list]:
    rows = summary_rows(plan, visit_table(plan), plan_rules(plan), name_book(plan), minimums_table(problem, plan))
    return {str(r[ID]): r for r in rows}


def test_a_valid_plan_is_met_for_everyone(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    rows = _rows(problem, plan)
    assert rows and all(r[MET] == MET_ZH and r[WHY] == "" for r in rows.values())


def test_a_cadre_short_of_visits_is_not_met_with_the_checkers_reason(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    v = plan.visits
    household = str(plan.cadre_households["household_id"].iat[0])
    cadre = str(plan.cadre_households["cadre_id"].iat[0])
    one_left = v[(v["target_id"] == household) & (v["activity"] == "household")].index[1:]
    broken = dataclasses.replace(plan, visits=v.drop(one_left).reset_index(drop=True))
    row = _rows(problem, broken)[cadre]
    assert row[MET] == NOT_MET_ZH
    assert f"次数 1<{problem.rules.visits.cadre_household}（{household}）" in row[WHY]
