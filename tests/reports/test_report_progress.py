"""The `reports` obligation in `planner progress`: hand-solved statuses, the plan checker's report_due rules
(violated / not violated), and the engine equal to the independent recomputation (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.check import run_check
from planner.check.context import Context
from planner.check.progress import compare_progress, recompute_progress
from planner.check.reports import check_report_due
from planner.check.violation import Collector
from planner.plan import Plan
from planner.problem import Problem
from planner.reports.due import report_due
from planner.reports.handed import validate_reports
from planner.supervision.progress import Progress, compute_progress
from planner.supervision.summary import needs_help, reports_summary
from tests.reports.helpers import office_problem, reports
from tests.supervision.helpers import PAIRS, visits

HANDED = reports(("L1", "2026-06-15", "A"), ("L1", "2026-07-20", "B"),     # both in: met
                 ("L2", "2026-07-01", "E"),                                # the mid-year one, late: on track
                 ("G1", "2026-03-01", "C"),                                # main head, early: met
                 ("B01-D", "2026-09-01", "D"),                             # after as-of: not yet counted
                 ("G3", "2026-05-05", "F"))                                # a staff cadre owes none
AS_OF = date(2026, 8, 1)


def _progress(prob: Problem, as_of: date = AS_OF, frame: pd.DataFrame = HANDED,
              due: pd.DataFrame | None = None) -> Progress:
    handed = validate_reports(frame, prob, "reports.csv")
    return compute_progress(prob, PAIRS, visits(), visits(), as_of, reports=handed.reports, report_due=due)


def _rows(p: Progress) -> dict[str, dict[str, Any]]:
    t = p.table.loc[p.table["obligation"] == "reports"]
    return {r["person_id"]: r for r in t.to_dict("records")}


def test_hand_solved_statuses() -> None:
    prob = office_problem()
    rows = _rows(_progress(prob))
    got = {pid: (r["required"], r["planned_to_date"], r["done"], r["periods_missed"], r["status"])
           for pid, r in rows.items()}
    assert got == {"L1": (2, 1, 2, 0, "met"), "L2": (2, 1, 1, 1, "on_track"), "L3": (2, 1, 0, 1, "behind"),
                   "B01-S": (1, 0, 0, 0, "on_track"), "B01-D": (1, 0, 0, 0, "on_track"),
                   "G1": (1, 0, 1, 0, "met"), "G4": (1, 0, 0, 0, "on_track"), "G7": (1, 0, 0, 0, "on_track")}
    assert rows["B01-S"]["person_kind"] == "office_leader" and rows["G4"]["target_id"] == ""


def test_missed_due_dates_and_reports_by_people_who_owe_none() -> None:
    p = _progress(office_problem())
    missed = p.missed.loc[p.missed["obligation"] == "reports"]
    assert sorted(zip(missed["person_id"], missed["period"], missed["first_month"], strict=True)) == \
        [("L2", 0, 6), ("L3", 0, 6)]
    assert p.reports_not_owed is not None and p.reports_not_owed["person_id"].tolist() == ["G3"]
    summary = reports_summary(p, duplicates=0)
    assert summary == {"owed_by": 8, "required": 11, "due_to_date": 3, "handed_in": 4, "missed_due_dates": 2,
                       "duplicates": 0, "not_owed": ["G3"]}
    helped = needs_help(p)
    assert set(helped.loc[helped["obligation"] == "reports", "person_id"]) == {"L3"}


def test_cannot_meet_when_the_days_left_are_fewer_than_the_reports() -> None:
    away = office_problem([("L3", "2026-08-02", "2026-12-31")])
    assert _rows(_progress(away))["L3"]["status"] == "cannot_meet"           # 2 owed, 0 workdays left
    year_end = _rows(_progress(office_problem(), date(2026, 12, 31)))
    assert (year_end["G4"]["left_days"], year_end["G4"]["status"]) == (0, "cannot_meet")
    assert year_end["B01-D"]["status"] == "met"


def test_not_judged_without_reports_and_rules_fill_in_for_an_older_plan() -> None:
    prob = office_problem()
    plain = compute_progress(prob, PAIRS, visits(), visits(), AS_OF)
    assert "reports" not in set(plain.table["obligation"]) and plain.reports_not_owed is None
    pd.testing.assert_frame_equal(_progress(prob).table, _progress(prob, due=report_due(prob)).table)


def test_the_plans_due_dates_set_planned_to_date() -> None:
    prob = office_problem()
    due = report_due(prob)
    due.loc[(due["person_id"] == "L1") & (due["due"] == "2026-06-30"), "due"] = "2026-03-31"
    early = _rows(_progress(prob, date(2026, 4, 1), reports(("L2", "2026-05-01", "x")), due))
    assert early["L1"]["planned_to_date"] == 1 and early["L1"]["status"] == "behind"
    assert early["L2"]["planned_to_date"] == 0


# -- planner check: report_due.csv -----------------------------------------------------------------------------
def _check(prob: Problem, due: pd.DataFrame) -> list[tuple[str, tuple[str, ...], float]]:
    out = Collector()
    check_report_due(Context(prob), due, out)
    return [(v.rule, v.entities, v.amount) for v in out.violations]


def test_due_dates_from_the_rules_hold() -> None:
    prob = office_problem(reports={"district_leader": 3, "district_leader_due": ""})
    assert _check(prob, report_due(prob)) == []
    report = run_check(prob, Plan(visits=visits(), report_due=report_due(prob), **PAIRS))
    checked = report.summary().set_index("rule")["checked"]
    assert (checked["reports.due_count"], checked["reports.due_workday"]) == (8, 3 * 3 + 5)
    assert not [v for v in report.violations if v.rule.startswith("reports.")]


def test_due_count_violated_and_not() -> None:
    prob = office_problem()
    due = report_due(prob)
    short = due.drop(due.index[(due["person_id"] == "L1")][:1])
    assert _check(prob, short) == [("reports.due_count", ("L1",), 1.0)]
    extra = pd.concat([due, pd.DataFrame({"person_id": ["G3"], "due": ["2026-12-31"]})], ignore_index=True)
    assert _check(prob, extra) == [("reports.due_count", ("G3",), 1.0)]
    assert _check(prob, due) == []


def test_due_workday_violated_and_not() -> None:
    prob = office_problem()
    due = report_due(prob)
    sunday = due.replace({"due": {"2026-12-31": "2026-12-27"}}).loc[lambda f: f["person_id"] == "G1"]
    bad = pd.concat([due.loc[due["person_id"] != "G1"], sunday], ignore_index=True)
    assert _check(prob, bad) == [("reports.due_workday", ("G1", "2026-12-27"), 1.0)]
    unreadable = bad.replace({"due": {"2026-12-27": "2026-13-01"}})
    assert [r for r, _, _ in _check(prob, unreadable)] == ["reports.due_workday"]
    assert _check(prob, due) == []


def test_due_schedule_violated_and_not() -> None:
    prob = office_problem()
    due = report_due(prob)
    moved = due.copy()
    moved.loc[(moved["person_id"] == "L2") & (moved["due"] == "2026-06-30"), "due"] = "2026-06-29"  # a Monday
    assert _check(prob, moved) == [("reports.due_schedule", ("L2",), 1.0)]
    later = office_problem(reports={"main_head_due": "11-30"})      # the rules changed after the plan was made
    assert {e[0] for r, e, _ in _check(later, due)} == {"B01-S", "B01-D", "G1", "G4", "G7"}
    assert _check(later, report_due(later)) == []


def test_a_plan_without_report_due_is_not_judged_on_it() -> None:
    report = run_check(office_problem(), Plan(visits=visits(), **PAIRS))
    assert report.summary().set_index("rule").loc["reports.due_count", "checked"] == 0


# -- the engine equals the independent recomputation -------------------------------------------------------------
PEOPLE = ["L1", "L2", "L3", "B01-S", "B01-D", "B01-M", "G1", "G3", "G4", "G7"]
START = date(2026, 1, 1)
report_row = st.tuples(st.sampled_from(PEOPLE), st.integers(0, 364), st.sampled_from(["甲", "乙", "丙", "丁"]))


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(report_row, max_size=25), as_of=st.integers(-1, 365), leaders=st.integers(0, 4),
       heads=st.integers(0, 3), from_plan=st.booleans(), away=st.booleans())
def test_engine_equals_independent(rows: list[tuple[str, int, str]], as_of: int, leaders: int, heads: int,
                                   from_plan: bool, away: bool) -> None:
    prob = office_problem([("L2", "2026-10-01", "2026-12-31"), ("B01-S", "2026-01-01", "2026-06-30")] if away
                          else None, reports={"district_leader": leaders, "district_leader_due": "",
                                              "main_head": heads, "main_head_due": ""})
    frame = reports(*[(p, (START + timedelta(days=d)).isoformat(), t) for p, d, t in rows])
    handed = validate_reports(frame, prob, "reports.csv").reports
    day = START + timedelta(days=as_of)
    due = report_due(prob) if from_plan else None
    engine = compute_progress(prob, PAIRS, visits(), visits(), day, reports=handed, report_due=due).table
    independent = recompute_progress(prob, PAIRS, visits(), visits(), day, reports=handed, report_due=due)
    assert compare_progress(engine, independent) == []
    assert (engine["obligation"] == "reports").sum() == (3 if leaders else 0) + (5 if heads else 0)


def test_compare_finds_a_difference_in_reports() -> None:
    prob = office_problem()
    handed = validate_reports(HANDED, prob, "reports.csv").reports
    engine = compute_progress(prob, PAIRS, visits(), visits(), AS_OF, reports=handed).table
    independent = recompute_progress(prob, PAIRS, visits(), visits(), AS_OF, reports=handed)
    assert compare_progress(engine, independent) == []
    independent.loc[(independent["obligation"] == "reports") & (independent["person_id"] == "L3"), "status"] = "met"
    assert compare_progress(engine, independent) == ["status of ('reports', 'L3', ''): behind != met"]
