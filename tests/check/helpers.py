"""Small plan-editing helpers for the checker's mutation tests (each returns a new Plan; inputs stay unchanged)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pandas as pd

from planner.check import check_plan
from planner.io.validate import build_problem
from planner.plan import Plan
from planner.problem import Problem
from planner.rules import Rules
from tests.fixtures import TINY_YEAR, tiny_tables


def rule_codes(problem: Problem, plan: Plan, calendar: bool = True) -> set[str]:
    return {v.rule for v in check_plan(problem, plan, calendar=calendar)}


def tiny_with(extra: dict[str, pd.DataFrame] | None = None, edit: Any = None, **rule_changes: Any) -> Problem:
    """The tiny district with extra tables (pins, unavailability...), an optional edit(tables), other rules."""
    tables = tiny_tables()
    tables.update(extra or {})
    if edit is not None:
        edit(tables)
    rules = Rules().replace(**{"year": TINY_YEAR, **rule_changes})
    return build_problem(tables, rules, source="tiny")


def replace(plan: Plan, **frames: pd.DataFrame) -> Plan:
    return dataclasses.replace(plan, **frames)


def visits_of(plan: Plan, **match: str) -> pd.DataFrame:
    v = plan.visits
    mask = pd.Series(True, index=v.index)
    for column, value in match.items():
        mask &= v[column] == value
    return v[mask]


def set_cells(plan: Plan, index: Any, **values: str) -> Plan:
    visits = plan.visits.copy()
    for column, value in values.items():
        visits.loc[index, column] = value
    return replace(plan, visits=visits)


def drop_rows(plan: Plan, index: Any) -> Plan:
    return replace(plan, visits=plan.visits.drop(index=index).reset_index(drop=True))


def add_rows(plan: Plan, *rows: dict[str, str]) -> Plan:
    new = pd.DataFrame([{"role": "", "talk": "0", **r} for r in rows], columns=plan.visits.columns)
    return replace(plan, visits=pd.concat([plan.visits, new], ignore_index=True))


def busy_dates(plan: Plan, person_id: str) -> set[str]:
    return set(visits_of(plan, person_id=person_id)["date"])


def community_load(plan: Plan, problem: Problem) -> pd.Series:
    """Distinct parties per (community, date) as the rule counts them (recomputed here with plain pandas)."""
    v = plan.visits
    community_of = dict(zip(problem.households["household_id"], problem.households["community_id"], strict=True))
    com = v["target_id"].where(v["target_kind"] == "community", v["target_id"].map(community_of))
    sel = v["target_kind"].isin(["community", "household"])
    frame = pd.DataFrame({"c": com[sel], "d": v["date"][sel], "p": v["person_kind"][sel] + v["person_id"][sel]})
    return frame.drop_duplicates().groupby(["c", "d"]).size()


def workdays(problem: Problem, month: int | None = None) -> list[str]:
    from planner.workdays import work_calendar

    days = work_calendar(problem.rules.year, problem.holidays).days
    return [d.isoformat() for d in days if d.year == problem.rules.year and (month is None or d.month == month)]


def weekend_in_month(problem: Problem, month: int) -> str:
    """A Saturday or Sunday of `month` that is not a make-up workday."""
    work = set(workdays(problem, month))
    d = date(problem.rules.year, month, 1)
    while d.weekday() < 5 or d.isoformat() in work:
        d += timedelta(days=1)
    return d.isoformat()
