"""Case life cycle as of a date: every step, overdue exactly at the boundary, due-soon, closing rates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.supervision.case_report import case_status, cases_summary, due_within, ledger_tables
from planner.supervision.cases import CaseLedger, validate_cases
from tests.supervision.helpers import problem


def ledger(*rows: dict[str, Any]) -> CaseLedger:
    base = {"case_id": "", "opened": "2026-03-02", "source": "letter", "owner_unit": "U1", "owner": "",
            "due": "2026-03-20", "resolved_on": "", "replied_on": "", "callback_on": "", "satisfied": ""}
    return validate_cases(pd.DataFrame([{**base, **r} for r in rows]), problem())


def status_at(case: dict[str, Any], day: date) -> dict[str, Any]:
    frame = case_status(ledger({"case_id": "K", **case}).cases, day)
    assert len(frame) == 1
    return dict(frame.iloc[0])


FULL = {"owner": "G1", "resolved_on": "2026-03-10", "replied_on": "2026-03-12", "callback_on": "2026-03-15",
        "satisfied": "yes"}


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 3, 2), "in_progress"),     # opened and assigned
    (date(2026, 3, 9), "in_progress"),
    (date(2026, 3, 10), "resolved"),       # a step counts from its own day
    (date(2026, 3, 12), "replied"),
    (date(2026, 3, 14), "replied"),
    (date(2026, 3, 15), "callback"),
    (date(2026, 12, 31), "callback"),
])
def test_every_step_in_turn(day: date, expected: str) -> None:
    assert status_at(FULL, day)["status"] == expected


def test_opened_without_owner_is_waiting_to_be_assigned() -> None:
    assert status_at({}, date(2026, 3, 5))["status"] == "opened"
    assert status_at({"owner": "G1"}, date(2026, 3, 5))["status"] == "in_progress"


def test_a_case_opened_later_does_not_exist_yet() -> None:
    assert case_status(ledger({"case_id": "K"}).cases, date(2026, 3, 1)).empty


@pytest.mark.parametrize(("day", "overdue", "days"), [
    (date(2026, 3, 19), False, 0),
    (date(2026, 3, 20), False, 0),         # due == D: not overdue
    (date(2026, 3, 21), True, 1),          # due < D: overdue
    (date(2026, 4, 20), True, 31),
])
def test_overdue_exactly_at_the_boundary(day: date, overdue: bool, days: int) -> None:
    row = status_at({}, day)
    assert bool(row["overdue"]) is overdue and int(row["days_overdue"]) == days


def test_resolved_is_never_overdue_but_a_later_resolution_does_not_count_yet() -> None:
    late = {"resolved_on": "2026-03-25"}
    assert status_at(late, date(2026, 3, 24))["overdue"]          # not resolved by the 24th
    assert not status_at(late, date(2026, 3, 25))["overdue"]
    assert status_at(late, date(2026, 3, 25))["status"] == "resolved"


def test_due_soon_window() -> None:
    cases = ledger({"case_id": "A", "due": "2026-03-10"}, {"case_id": "B", "due": "2026-03-11"},
                   {"case_id": "C", "due": "2026-03-04"}, {"case_id": "D", "due": "2026-03-05",
                                                           "resolved_on": "2026-03-03"}).cases
    assert due_within(cases, date(2026, 3, 3), 7)["case_id"].tolist() == ["C", "A"]   # B is 8 days away; D resolved
    assert due_within(cases, date(2026, 3, 3), 0).empty


def test_summary_counts_rates_and_medians() -> None:
    led = ledger({"case_id": "K1", **FULL}, {"case_id": "K2", "owner_unit": "U1"},
                 {"case_id": "K3", "owner_unit": "U2", "resolved_on": "2026-03-06", "replied_on": "2026-03-20",
                  "callback_on": "2026-03-21", "satisfied": "no"},
                 {"case_id": "K4", "owner_unit": "U2", "due": "2026-03-10"})
    out = cases_summary(led, date(2026, 3, 31), problem())
    assert out["overdue"] == ["K4", "K2"]          # by due date
    assert out["by_status"] == {"opened": 2, "in_progress": 0, "resolved": 0, "replied": 0, "callback": 2}
    assert out["by_unit"]["U1"]["closing_rate"] == 0.5 and out["by_unit"]["U2"]["overdue"] == 1
    assert out["median_days_to_resolve"] == 6.0     # 8 and 4 days
    assert out["median_days_to_reply"] == 14.0      # 10 and 18 days
    assert out["satisfaction_rate"] == 0.5 and out["by_unit"]["U2"]["satisfaction_rate"] == 0.0
    assert out["total"] == 4 and out["closing_rate"] == 0.5


def test_bulletin_table_puts_overdue_first_and_names_no_summary() -> None:
    raw = pd.DataFrame([{"case_id": "K1", "opened": "2026-03-02", "source": "visit", "raised_with": "G1",
                         "household_id": "H01", "summary": "低保申请", "owner_unit": "U1", "due": "2026-03-30",
                         "resolved_on": "2026-03-05"},
                        {"case_id": "K2", "opened": "2026-03-02", "source": "letter", "owner_unit": "U2",
                         "due": "2026-03-10", "summary": "噪音"}]).fillna("")
    tables = ledger_tables(validate_cases(raw, problem()), date(2026, 3, 31), problem())
    headers, rows = tables["cases"]
    assert [r[0] for r in rows] == ["K2", "K1"] and rows[0][1] == "超期" and rows[0][2] == 21
    assert "问题摘要" not in headers and not any("低保" in str(v) or "噪音" in str(v) for r in rows for v in r)
    units = {r[0]: r for r in tables["case_units"][1]}
    assert units["U1"][4] == 100.0 and units["U2"][4] == 0.0 and units["U2"][5] == 1


@settings(max_examples=60, deadline=None)
@given(due_after=st.integers(0, 60), resolved_after=st.one_of(st.none(), st.integers(0, 90)),
       as_of_after=st.integers(0, 120))
def test_overdue_is_exactly_not_resolved_by_d_and_due_before_d(due_after: int, resolved_after: int | None,
                                                              as_of_after: int) -> None:
    opened = date(2026, 3, 2)
    case = {"case_id": "K", "opened": opened.isoformat(), "source": "letter", "owner_unit": "U1",
            "due": (opened + timedelta(days=due_after)).isoformat(), "resolved_on": "" if resolved_after is None
            else (opened + timedelta(days=resolved_after)).isoformat()}
    day = opened + timedelta(days=as_of_after)
    row = case_status(validate_cases(pd.DataFrame([case]), None).cases, day).iloc[0]
    resolved_by_d = resolved_after is not None and resolved_after <= as_of_after
    assert bool(row["overdue"]) == (not resolved_by_d and due_after < as_of_after)
    assert not (row["overdue"] and row["due_soon"])
