"""信访接待 rotation: the secretary and the head take their monthly day as A; the other A roles rotate among the
rest (policy: 区委书记、区长……每月安排一天时间接待群众来访; other leaders 轮流参加)."""

from __future__ import annotations

from planner.check import check_plan
from planner.demo import demo_tables
from planner.io.validate import build_problem
from planner.rules import Rules
from planner.solve import solve_plan


def test_main_leaders_are_a_once_a_month_and_others_rotate() -> None:
    tables = demo_tables("small", seed=0, year=2026)[0]
    tables = {k: v for k, v in tables.items() if k != "unavailability"}  # every month required for everyone
    problem = build_problem(tables, Rules(year=2026))
    plan = solve_plan(problem)
    assert check_plan(problem, plan) == []
    reception = plan.visits[plan.visits["activity"] == "reception"]
    a_counts = reception[reception["role"] == "A"].groupby("person_id").size()
    tiers = dict(zip(problem.leaders["leader_id"], problem.leaders["tier"], strict=True))
    main = [lead for lead, tier in tiers.items() if tier in ("secretary", "head")]
    others = [lead for lead in tiers if lead not in main]
    for lead in main:
        assert a_counts.get(lead, 0) == 12, f"{lead} should be A exactly once a month"
    other_counts = [int(a_counts.get(lead, 0)) for lead in others]
    assert max(other_counts) - min(other_counts) <= 1
    assert sum(other_counts) == reception["date"].nunique() - 24
