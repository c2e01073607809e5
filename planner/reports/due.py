"""Who owes research reports and by when: the plan's `report_due.csv` (person_id, due).

Owed (rules `[reports]`): every district leader `district_leader` a year; every main head `main_head` — cadres of
rank `head` (区直各部门各单位主要负责人) and, with an office level, office leaders of role `secretary` or `director`
(办事处党政主要负责人). A count of 0 owes nothing.

Each report's cut-off (planner/report_rules.py: "06-30, 12-31", or evenly spread) becomes a date of the plan year
(a day past the month's end is the month's last day), then a workday: the last workday on or before it, so a
deadline on a weekend or holiday comes before the break; if none (a cut-off in the first days of January), the
first workday after it. Everyone of a class shares the same dates; unavailability does not move a deadline (a
report is not a visit). Deterministic: rows ordered leaders, office leaders, cadres, each in input order, then due.
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from datetime import date

import pandas as pd

from planner.problem import Problem
from planner.workdays import WorkCalendar, work_calendar

DUE_COLUMNS = ("person_id", "due")
OWED_COLUMNS = ("person_kind", "person_id", "duty", "required")
MAIN_OFFICE_ROLES = ("secretary", "director")


def owed(problem: Problem) -> pd.DataFrame:
    """One row per person who owes reports: person_kind (leader | office_leader | cadre), person_id, duty
    (district_leader | main_head), required (reports a year, > 0)."""
    r = problem.rules.reports
    parts = []
    if r.district_leader:
        parts.append(pd.DataFrame({"person_kind": "leader", "person_id": problem.leaders["leader_id"].astype(str),
                                   "duty": "district_leader", "required": int(r.district_leader)}))
    if r.main_head:
        office = getattr(problem, "office_leaders", None)
        if office is not None and len(office):
            main = office.loc[office["role"].astype(str).isin(MAIN_OFFICE_ROLES)]
            parts.append(pd.DataFrame({"person_kind": "office_leader", "person_id": main["person_id"].astype(str),
                                       "duty": "main_head", "required": int(r.main_head)}))
        heads = problem.cadres.loc[problem.cadres["rank"].astype(str) == "head"]
        parts.append(pd.DataFrame({"person_kind": "cadre", "person_id": heads["cadre_id"].astype(str),
                                   "duty": "main_head", "required": int(r.main_head)}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype=object if c != "required" else "int64") for c in OWED_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out["required"] = out["required"].astype("int64")
    return out


def cutoff_date(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def due_workday(cutoff: date, workdays: WorkCalendar) -> date:
    """The last workday on or before `cutoff`, else the first after it."""
    days = workdays.days
    i = bisect_right(days, cutoff)
    if i > 0:
        return days[i - 1]
    return days[0] if days else cutoff


def due_dates(problem: Problem, duty: str, workdays: WorkCalendar | None = None) -> list[date]:
    """The due dates of one duty ('district_leader' | 'main_head') in the plan year, in order."""
    year = problem.rules.year
    workdays = workdays or work_calendar(year, problem.holidays)
    return [due_workday(cutoff_date(year, m, d), workdays) for m, d in problem.rules.reports.cutoffs(duty)]


def report_due(problem: Problem) -> pd.DataFrame:
    """The plan's report_due table: person_id, due (YYYY-MM-DD text), one row per report owed."""
    people = owed(problem)
    if not len(people):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in DUE_COLUMNS})
    workdays = work_calendar(problem.rules.year, problem.holidays)
    dates = {duty: [d.isoformat() for d in due_dates(problem, duty, workdays)] for duty in people["duty"].unique()}
    rows = [(pid, due) for pid, duty in zip(people["person_id"], people["duty"], strict=True) for due in dates[duty]]
    return pd.DataFrame(rows, columns=list(DUE_COLUMNS), dtype=object)
