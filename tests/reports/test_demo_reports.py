"""Demo research reports: deterministic, valid reports.csv rows up to the date, a mix of on time, late, missing."""

from __future__ import annotations

from datetime import date

from planner.plan import Plan
from planner.reports.demo import demo_reports
from planner.reports.due import report_due
from planner.reports.handed import validate_reports
from planner.supervision.progress import compute_progress
from tests.reports.helpers import office_problem
from tests.supervision.helpers import PAIRS, visits


def test_demo_reports_are_valid_deterministic_and_bounded() -> None:
    prob = office_problem()
    plan = Plan(visits=visits(), report_due=report_due(prob), **PAIRS)
    first = demo_reports(prob, plan, date(2026, 12, 31), seed=3)
    assert first.equals(demo_reports(prob, plan, date(2026, 12, 31), seed=3))
    assert not first.equals(demo_reports(prob, plan, date(2026, 12, 31), seed=4))
    handed = validate_reports(first, prob, "reports.csv")     # every row passes the reader
    assert handed.duplicates == 1                             # one report entered twice
    assert (first["date"] <= "2026-12-31").all()
    half = demo_reports(prob, plan, date(2026, 6, 30), seed=3)
    assert (half["date"] <= "2026-06-30").all() and len(half) < len(first)
    statuses = set(compute_progress(prob, PAIRS, visits(), visits(), date(2026, 12, 31),
                                    reports=handed.reports).table.query("obligation == 'reports'")["status"])
    assert "met" in statuses
