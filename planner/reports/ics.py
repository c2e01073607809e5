"""Research-report due dates as calendar events, added to each person's .ics by planner/export/ics.py.

One all-day event per due date in report_due.csv ("调研报告完成期限（第 k 篇，共 n 篇）"), with a display alarm a
week before. Reproducible like the visit events: the UID hashes year, person and rank (not the date, so a moved
due date updates its event in a calendar client), and DTSTAMP is the plan year's first instant, so re-exporting
gives identical files and a re-import updates instead of duplicating. Their UIDs have their own domain so the
visits' revision (planner/export/ics_revision.py) neither revises nor cancels them: a due date that disappears
altogether (the person owes no report any more) stays in a client that imported it — docs/CALENDAR_UPDATES.md. Built with icalendar components (a few per person, so the per-event cost does not matter).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from icalendar import Alarm, Event, vDate, vDatetime, vText

from planner.plan import Plan

UID_DOMAIN = "report-due.planner.local"
UID_HEX = 32
REMIND_DAYS = 7
DESCRIPTION = "区级领导干部每年至少完成2篇调研报告；办事处党政主要负责人、区直各部门各单位主要负责人每年至少完成1篇。"


def _dated(day: date) -> vDate:
    value = vDate(day)
    value.params["VALUE"] = "DATE"
    return value


def due_event(year: int, person_id: str, day: date, rank: int, total: int, stamp: vDatetime) -> Event:
    key = f"report_due|{year}|{person_id}|{rank}"
    event = Event()
    event["uid"] = vText(f"{hashlib.sha256(key.encode()).hexdigest()[:UID_HEX]}@{UID_DOMAIN}")
    event["dtstamp"] = stamp
    event["dtstart"] = _dated(day)
    event["dtend"] = _dated(day + timedelta(days=1))
    event["summary"] = vText(f"调研报告完成期限（第 {rank} 篇，共 {total} 篇）")
    event["description"] = vText(DESCRIPTION)
    alarm = Alarm()
    alarm["action"] = "DISPLAY"
    alarm["description"] = vText(f"{REMIND_DAYS} 天后调研报告到期")
    alarm.add("trigger", timedelta(days=-REMIND_DAYS))
    event.add_component(alarm)
    return event


def due_events(plan: Plan, year: int, stamp: vDatetime) -> dict[str, list[Event]]:
    """person_id → that person's due-date events in date order ({} when the plan has no report_due)."""
    due = plan.report_due
    if due is None or not len(due):
        return {}
    by_person: dict[str, list[date]] = {}
    for pid, text in zip(due["person_id"].astype(str), due["due"].astype(str), strict=True):
        try:
            by_person.setdefault(pid, []).append(date.fromisoformat(text.strip()[:10]))
        except ValueError:
            continue   # planner check reports an unreadable due date; the calendar skips it
    return {pid: [due_event(year, pid, day, k, len(days), stamp) for k, day in enumerate(sorted(days), start=1)]
            for pid, days in by_person.items()}


def due_events_text(events: dict[str, list[Event]]) -> dict[str, str]:
    """person_id → the events as ICS text, exactly as icalendar writes them inside a calendar."""
    return {pid: "".join(e.to_ical().decode("utf-8") for e in evs) for pid, evs in events.items()}
