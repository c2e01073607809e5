"""The office leaders' calendar: contact minimum spread monthly, 走遍社区, one activity a day, the burden cap held
with all four levels on one board, unavailability, and the infeasible case in words."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.check import check_plan
from planner.errors import InfeasibleError
from planner.solve import solve_plan
from tests.check.helpers import community_load
from tests.fixtures import tiny_office_leaders, tiny_office_problem, tiny_tables


def _office_rows(visits: pd.DataFrame) -> pd.DataFrame:
    rows = visits[visits["person_kind"] == "office_leader"].copy()
    rows["month"] = pd.to_datetime(rows["date"].astype(str)).dt.month
    return rows


def test_contact_spread_monthly_and_every_community_once() -> None:
    problem = tiny_office_problem()
    plan = solve_plan(problem)
    rows = _office_rows(plan.visits)
    contact_of = dict(zip(plan.office_leader_communities["person_id"], plan.office_leader_communities["community_id"],
                          strict=True))
    office_of = dict(zip(problem.communities["community_id"], problem.communities["office_id"], strict=True))
    for pid, own in rows.groupby("person_id"):
        contact = own[own["activity"] == "contact"]
        assert set(contact["target_id"]) == {contact_of[pid]}
        assert contact["date"].nunique() >= problem.rules.visits.office_leader_contact
        assert set(contact["month"]) == set(range(1, 13))
        office = office_of[contact_of[pid]]
        assert set(own["target_id"]) == {c for c, o in office_of.items() if o == office}
        assert own["date"].is_unique                       # one activity per person per date
    assert check_plan(problem, plan) == []


def test_burden_cap_holds_with_all_four_levels() -> None:
    problem = tiny_office_problem(visits={"community_daily_cap": 2})
    plan = solve_plan(problem)
    assert set(plan.visits["person_kind"]) == {"leader", "unit", "cadre", "office_leader"}
    assert int(community_load(plan, problem).max()) <= 2
    assert check_plan(problem, plan) == []


def test_unavailability_is_respected() -> None:
    leave = pd.DataFrame({"person_id": ["OB1"], "start": ["2026-03-01"], "end": ["2026-04-30"], "reason": ["学习"]})
    tables = {**tiny_tables(), "office_leaders": tiny_office_leaders(), "unavailability": leave}
    from planner.io.validate import build_problem
    from planner.rules import Rules

    problem = build_problem(tables, Rules(year=2026))
    plan = solve_plan(problem)
    rows = _office_rows(plan.visits)
    ob1 = rows[rows["person_id"] == "OB1"]
    assert not ob1["month"].isin([3, 4]).any() and len(ob1[ob1["activity"] == "contact"]) >= 12
    assert check_plan(problem, plan) == []


def test_too_few_days_is_explained_with_name_and_numbers() -> None:
    leave = pd.DataFrame({"person_id": ["OZ2"], "start": ["2026-01-10"], "end": ["2026-12-31"], "reason": ["借调"]})
    tables = {**tiny_tables(), "office_leaders": tiny_office_leaders(), "unavailability": leave}
    from planner.io.validate import build_problem
    from planner.rules import Rules

    problem = build_problem(tables, Rules(year=2026))
    with pytest.raises(InfeasibleError) as info:
        solve_plan(problem)
    text = "\n".join(c.message_zh for c in info.value.conflicts)
    assert "办事处领导 OZ2" in text and "需要 13 天" in text


def test_a_community_that_cannot_take_four_levels_is_named() -> None:
    problem = tiny_office_problem(visits={"community_daily_cap": 1, "office_leader_contact": 200})
    with pytest.raises(InfeasibleError) as info:
        solve_plan(problem)
    text = info.value.conflicts[0].message_zh
    assert "办事处领导" in text and "每天最多 1 方" in text and "社区 C0" in text
