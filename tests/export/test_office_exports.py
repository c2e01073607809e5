"""Office leaders in the exports: one .ics per office leader with every visit, the workbook's 办事处领导 sheet and
summary rows (with 走遍社区), plans without the office level unchanged."""

from __future__ import annotations

import io

import openpyxl
import pytest
from icalendar import Calendar

from planner.export.ics import build_calendars
from planner.export.xlsx import OFFICE_LEADERS_SHEET, xlsx_bytes
from planner.plan import Plan
from planner.problem import Problem
from planner.solve import solve_plan
from tests.fixtures import tiny_office_problem


@pytest.fixture(scope="module")
def solved() -> tuple[Problem, Plan]:
    problem = tiny_office_problem()
    return problem, solve_plan(problem)


def test_one_calendar_per_office_leader_with_every_visit(solved: tuple[Problem, Plan]) -> None:
    _, plan = solved
    files = dict(build_calendars(plan))
    mine = {name: data for name, data in files.items() if name.startswith("office_leader-")}
    assert len(mine) == 4
    ob1 = next(data for name, data in mine.items() if "OB1" in name)
    # research-report due dates (a secretary or director owes one) are events of their own
    events = [c for c in Calendar.from_ical(ob1).walk("VEVENT") if not str(c["SUMMARY"]).startswith("调研报告")]
    rows = plan.visits[plan.visits["person_id"] == "OB1"]
    assert len(events) == len(rows) == 13
    assert {e.decoded("DTSTART") for e in events} == set(rows["date"])


def test_workbook_sheet_and_summary(solved: tuple[Problem, Plan]) -> None:
    _, plan = solved
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(plan)))
    sheet = book[OFFICE_LEADERS_SHEET]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == int((plan.visits["person_kind"] == "office_leader").sum())
    assert {r[4] for r in rows} == {"党工委书记", "主任"}
    summary = [r for r in book["汇总"].iter_rows(values_only=True) if r[0] == "办事处领导"]
    assert len(summary) == 4 and all(r[15] == "是" and "走遍社区 2/2" in r[14] for r in summary)


def test_no_sheet_without_the_office_level() -> None:
    from tests.fixtures import tiny_problem

    plan = solve_plan(tiny_problem())
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(plan)))
    assert OFFICE_LEADERS_SHEET not in book.sheetnames
