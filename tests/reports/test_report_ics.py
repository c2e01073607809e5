"""Each due date of report_due.csv is an all-day event with a reminder in that person's calendar; reproducible,
the fast writer still equal to icalendar's, and a plan without report_due unchanged."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pandas as pd
from icalendar import Calendar

from planner.export.ics import build_calendars
from tests.export.conftest import make_plan

DUE = pd.DataFrame({"person_id": ["L01", "L01", "G0001", "L02"],
                    "due": ["2027-12-31", "2027-06-30", "2027-12-31", "2027-06-30"]})


def _calendars(plan) -> dict[str, Calendar]:  # type: ignore[no-untyped-def]
    return {name.split("-")[1]: Calendar.from_ical(data) for name, data in build_calendars(plan)}


def _due_events(cal: Calendar) -> list[tuple[date, str]]:
    return sorted((e.decoded("dtstart"), str(e["summary"])) for e in cal.events if "调研报告" in str(e["summary"]))


def test_one_event_per_due_date_in_the_persons_calendar() -> None:
    plain = make_plan()
    plan = dataclasses.replace(plain, report_due=DUE)
    cals = _calendars(plan)
    assert _due_events(cals["L01"]) == [(date(2027, 6, 30), "调研报告完成期限（第 1 篇，共 2 篇）"),
                                        (date(2027, 12, 31), "调研报告完成期限（第 2 篇，共 2 篇）")]
    assert _due_events(cals["G0001"]) == [(date(2027, 12, 31), "调研报告完成期限（第 1 篇，共 1 篇）")]
    assert _due_events(cals["U001"]) == [] and _due_events(cals["G0002"]) == []
    event = next(e for e in cals["L01"].events if "调研报告" in str(e["summary"]))
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(days=1)
    alarm = event.subcomponents[0]
    assert alarm.name == "VALARM" and alarm.decoded("trigger") == timedelta(days=-7)
    visits = {str(e["uid"]) for c in _calendars(plain).values() for e in c.events}
    assert visits <= {str(e["uid"]) for c in cals.values() for e in c.events}   # visit events unchanged


def test_reproducible_unique_uids_and_fast_equals_icalendar() -> None:
    plan = dataclasses.replace(make_plan(), report_due=DUE)
    first = dict(build_calendars(plan))
    assert first == dict(build_calendars(plan)) == dict(build_calendars(plan, fast=False))
    uids = [str(e["uid"]) for data in first.values() for e in Calendar.from_ical(data).events]
    assert len(uids) == len(set(uids))


def test_without_report_due_the_calendars_are_as_before() -> None:
    plan = make_plan()
    assert dict(build_calendars(plan)) == dict(build_calendars(dataclasses.replace(plan, report_due=DUE.iloc[0:0])))
    assert not any("调研报告" in data.decode() for _, data in build_calendars(plan))
