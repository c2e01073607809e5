"""Who owes how many reports by when: hand-solved on the tiny district (2026), and report_due.csv in the plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from planner.plan import Plan, read_plan, write_plan
from planner.reports.due import due_dates, owed, report_due
from tests.reports.helpers import office_problem
from tests.supervision.helpers import PAIRS, visits


def _dues(frame: pd.DataFrame) -> dict[str, list[str]]:
    return frame.groupby("person_id", sort=False)["due"].apply(list).to_dict()


def test_who_owes_how_many() -> None:
    people = owed(office_problem())
    assert list(zip(people["person_id"], people["required"], strict=True)) == [
        ("L1", 2), ("L2", 2), ("L3", 2), ("B01-S", 1), ("B01-D", 1), ("G1", 1), ("G4", 1), ("G7", 1)]
    assert set(people.loc[people["person_kind"] == "office_leader", "person_id"]) == {"B01-S", "B01-D"}  # no member


def test_default_due_dates_mid_year_and_year_end() -> None:
    due = report_due(office_problem())
    assert _dues(due) == {"L1": ["2026-06-30", "2026-12-31"], "L2": ["2026-06-30", "2026-12-31"],
                          "L3": ["2026-06-30", "2026-12-31"], "B01-S": ["2026-12-31"], "B01-D": ["2026-12-31"],
                          "G1": ["2026-12-31"], "G4": ["2026-12-31"], "G7": ["2026-12-31"]}


def test_cut_offs_move_to_the_last_workday_before_them() -> None:
    # 2026: 01-01..03 New Year, 01-04 (Sun) make-up workday; 02-28 (Sat) make-up workday; 05-31 a Sunday;
    # 10-01..07 National Day (10-05 a Monday off)
    prob = office_problem(reports={"district_leader": 4, "district_leader_due": "01-01, 02-29, 05-31, 10-05"})
    assert due_dates(prob, "district_leader") == [date(2026, 1, 4), date(2026, 2, 28), date(2026, 5, 29),
                                                  date(2026, 9, 30)]


def test_counts_of_zero_owe_nothing_and_no_office_level_is_fine() -> None:
    assert set(report_due(office_problem(reports={"district_leader": 0}))["person_id"]) == \
        {"B01-S", "B01-D", "G1", "G4", "G7"}
    assert len(report_due(office_problem(reports={"district_leader": 0, "main_head": 0}))) == 0
    assert set(report_due(office_problem(office=False))["person_id"]) == {"L1", "L2", "L3", "G1", "G4", "G7"}


def test_unavailability_does_not_move_a_deadline() -> None:
    away = office_problem([("L1", "2026-06-20", "2026-07-10")])
    assert _dues(report_due(away))["L1"] == ["2026-06-30", "2026-12-31"]


def test_deterministic_and_round_trips_through_the_plan_folder(tmp_path: Path) -> None:
    prob = office_problem()
    first, second = report_due(prob), report_due(prob)
    pd.testing.assert_frame_equal(first, second)
    write_plan(Plan(visits=visits(), report_due=first, **PAIRS), tmp_path / "plan")
    assert (tmp_path / "plan" / "report_due.csv").read_bytes().startswith(b"\xef\xbb\xbfperson_id,due")
    back = read_plan(tmp_path / "plan")
    assert back.report_due is not None
    pd.testing.assert_frame_equal(back.report_due, first, check_dtype=False)


def test_an_older_plan_without_report_due_reads_as_none(tmp_path: Path) -> None:
    write_plan(Plan(visits=visits(), **PAIRS), tmp_path / "plan")
    assert not (tmp_path / "plan" / "report_due.csv").exists()
    assert read_plan(tmp_path / "plan").report_due is None
