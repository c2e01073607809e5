"""Exports of a really solved plan (the tiny district): typed in-memory plan == plan read from its folder, and a
plan the checker accepts shows every person's minimums met in the printed summary."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from planner.check import check_plan
from planner.export.ics import build_calendars
from planner.export.xlsx import xlsx_bytes
from planner.plan import Plan, read_plan, write_plan
from planner.problem import Problem
from planner.solve import solve_plan
from tests.fixtures import tiny_problem


@pytest.fixture(scope="module")
def solved() -> tuple[Problem, Plan]:
    problem = tiny_problem(solver={"time_limit": 2.0})
    return problem, solve_plan(problem)


def _sheets(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_in_memory_plan_exports_like_the_folder(solved: tuple[Problem, Plan], tmp_path: Path) -> None:
    _, plan = solved
    again = read_plan(write_plan(plan, tmp_path / "plan"), require_visits=True)
    assert dict(build_calendars(plan)) == dict(build_calendars(again))
    assert _sheets(xlsx_bytes(plan)) == _sheets(xlsx_bytes(again))


def test_checked_plan_meets_every_minimum_in_the_summary(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    assert check_plan(problem, plan) == []
    rows = _sheets(xlsx_bytes(plan))["汇总"]
    met = rows[0].index("达标")
    assert len(rows) - 2 == problem.n_leaders + problem.n_units + problem.n_cadres   # two header rows
    assert {row[met] for row in rows[2:]} == {"是"}
