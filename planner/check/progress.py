"""Independent recomputation of the progress table (contract Part 2, `planner progress`), for cross-checking.

Shares no code with planner/supervision/progress.py: plain Python over dicts and sets of `datetime.date`, one row
at a time, straight from the contract's wording. Only input reading (the Problem, the workdays calendar) is common.
Tests compare both on random actuals (tests/supervision/test_independent.py); a disagreement means one of them
misreads the contract.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pandas as pd

from planner.problem import Problem
from planner.workdays import work_calendar

LINK_ACTIVITY = {"contact": ("leader", "office"), "community": ("unit", "community"),
                 "household": ("cadre", "household")}


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _records(frame: pd.DataFrame, as_of: date, year: int) -> list[tuple[date, str, str, str, str, str, int]]:
    """Rows dated ≤ as_of in the year as tuples, exact duplicates once."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for row in frame.to_dict("records"):
        d = date.fromisoformat(_text(row["date"])[:10])
        if d > as_of or d.year != year:
            continue
        talk_text = _text(row.get("talk", 0)) or "0"
        key = (d, _text(row["person_kind"]), _text(row["person_id"]), _text(row["activity"]),
               _text(row["target_kind"]), _text(row["target_id"]), _text(row.get("role", "")),
               int(float(talk_text)))
        if key in seen:
            continue
        seen.add(key)
        out.append((*key[:6], key[7]))
    return out


def recompute_progress(problem: Problem, pairs: dict[str, pd.DataFrame], plan_visits: pd.DataFrame,
                       actuals: pd.DataFrame, as_of: date, reports: pd.DataFrame | None = None,
                       report_due: pd.DataFrame | None = None) -> pd.DataFrame:
    """The progress table (same columns and rows as `planner progress`), sorted by obligation, person, target.
    With `reports` (person_id, date, title), the `reports` rows too; due dates from `report_due` (the plan's
    report_due.csv; None: recomputed from the rules)."""
    rules = problem.rules
    year = rules.year
    v = rules.visits
    workdays = set(work_calendar(year, problem.holidays).days)
    away: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for row in problem.unavailability.to_dict("records"):
        away[_text(row["person_id"])].append((row["start"], row["end"]))

    def available(person: str, d: date) -> bool:
        return d in workdays and not any(s <= d <= e for s, e in away.get(person, []))

    days_of_year = [date(year, 1, 1) + timedelta(days=i) for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]

    def left_days(person: str) -> int:
        return sum(1 for d in days_of_year if d > as_of and available(person, d))

    links = {
        "leader": {(_text(r["leader_id"]), _text(r["office_id"])) for r in pairs["leader_offices"].to_dict("records")},
        "unit": {(_text(r["unit_id"]), _text(r["community_id"])) for r in pairs["unit_communities"].to_dict("records")},
        "cadre": {(_text(r["cadre_id"]), _text(r["household_id"]))
                  for r in pairs["cadre_households"].to_dict("records")},
        # the office level: an office leader's contact community
        "office_leader": {(_text(r["person_id"]), _text(r["community_id"]))
                          for r in pairs.get("office_leader_communities", pd.DataFrame(
                              columns=["person_id", "community_id"])).to_dict("records")},
    }
    office_of_community = {_text(r["community_id"]): _text(r["office_id"])
                           for r in problem.communities.to_dict("records")}
    office_of_leader = {_text(r["person_id"]): _text(r["office_id"]) for r in problem.office_leaders.to_dict("records")}

    def tally(frame: pd.DataFrame) -> dict[str, Any]:
        t: dict[str, Any] = {"pair_rows": defaultdict(int), "pair_dates": defaultdict(set), "talks": defaultdict(int),
                             "person_dates": defaultdict(set), "office_rows": defaultdict(int),
                             "pair_months": defaultdict(set), "community_rows": defaultdict(int)}
        for d, pk, pid, act, tk, tid, talk in _records(frame, as_of, year):
            linked = True
            if pk == "office_leader" and act == "research":   # 走遍社区: any community of its own office
                linked = tk == "community" and office_of_community.get(tid) == office_of_leader.get(pid)
            if act in LINK_ACTIVITY:
                linked = (pid, tid) in links[pk]
                if linked:
                    key = (act, pid, tid)
                    t["pair_rows"][key] += 1
                    t["pair_dates"][key].add(d)
                    t["pair_months"][key].add(d.month)
                    if talk == 1:
                        t["talks"][key] += 1
            if not linked:
                continue
            if pk == "leader" and act in ("contact", "research"):
                t["person_dates"][("leader", pid)].add(d)
                office = tid if tk == "office" else office_of_community.get(tid, "")
                t["office_rows"][(pid, office)] += 1
            if pk == "cadre" and act in ("household", "research"):
                t["person_dates"][("cadre", pid)].add(d)
            if pk == "office_leader" and act in ("contact", "research"):
                t["community_rows"][(pid, tid)] += 1
        return t

    done, planned = tally(actuals), tally(plan_visits)

    def spread_missed(person: str, act: str, target: str, months: int) -> int:
        missed = 0
        for first in range(1, 13, months):
            last = min(first + months - 1, 12)
            end = date(year, last, calendar.monthrange(year, last)[1])
            if end > as_of:
                continue
            period = [date(year, m, day) for m in range(first, last + 1)
                      for day in range(1, calendar.monthrange(year, m)[1] + 1)]
            if sum(available(person, d) for d in period) < v.spread_min_workdays:
                continue
            if not any(first <= m <= last for m in done["pair_months"].get((act, person, target), set())):
                missed += 1
        return missed

    rows: list[dict[str, Any]] = []

    def add(obligation: str, pk: str, pid: str, tk: str, tid: str, required: int, plan_n: int, done_n: int,
            missed: int | None) -> None:
        left = left_days(pid)
        if done_n >= required:
            status = "met"
        elif required - done_n > left:
            status = "cannot_meet"
        elif done_n < plan_n:
            status = "behind"
        else:
            status = "on_track"
        rows.append({"obligation": obligation, "person_kind": pk, "person_id": pid, "target_kind": tk,
                     "target_id": tid, "required": required, "planned_to_date": plan_n, "done": done_n,
                     "left_days": left, "periods_missed": missed, "status": status})

    for pid, oid in sorted(links["leader"]):
        key = ("contact", pid, oid)
        add("leader_contact", "leader", pid, "office", oid, v.leader_contact, len(planned["pair_dates"][key]),
            len(done["pair_dates"][key]), spread_missed(pid, "contact", oid, v.leader_period_months))
    for r in problem.leaders.to_dict("records"):
        pid = _text(r["leader_id"])
        add("leader_days", "leader", pid, "", "", int(getattr(rules.grassroots_days, _text(r["tier"]))),
            len(planned["person_dates"][("leader", pid)]), len(done["person_dates"][("leader", pid)]), None)
    if v.all_offices_once:
        for r in problem.leaders.to_dict("records"):
            pid = _text(r["leader_id"])
            for o in problem.offices["office_id"]:
                oid = _text(o)
                add("all_offices", "leader", pid, "office", oid, 1, planned["office_rows"][(pid, oid)],
                    done["office_rows"][(pid, oid)], None)
    for uid, cid in sorted(links["unit"]):
        key = ("community", uid, cid)
        add("unit_visits", "unit", uid, "community", cid, v.unit_community, planned["pair_rows"][key],
            done["pair_rows"][key], spread_missed(uid, "community", cid, v.unit_period_months))
        add("unit_days", "unit", uid, "community", cid, v.unit_community_days, len(planned["pair_dates"][key]),
            len(done["pair_dates"][key]), None)
    for gid, hid in sorted(links["cadre"]):
        key = ("household", gid, hid)
        add("cadre_visits", "cadre", gid, "household", hid, v.cadre_household, planned["pair_rows"][key],
            done["pair_rows"][key], spread_missed(gid, "household", hid, v.cadre_period_months))
        add("cadre_days", "cadre", gid, "household", hid, v.cadre_household_days, len(planned["pair_dates"][key]),
            len(done["pair_dates"][key]), None)
        add("talks", "cadre", gid, "household", hid, v.talks_per_household, planned["talks"][key],
            done["talks"][key], None)
    minimum = {"head": rules.grassroots_days.unit_head, "section": rules.grassroots_days.section}
    for r in problem.cadres.to_dict("records"):
        rank = _text(r.get("rank")) or "staff"
        if rank in minimum:
            pid = _text(r["cadre_id"])
            add("cadre_grassroots_days", "cadre", pid, "", "", minimum[rank],
                len(planned["person_dates"][("cadre", pid)]), len(done["person_dates"][("cadre", pid)]), None)
    for pid, cid in sorted(links["office_leader"]):
        key = ("contact", pid, cid)
        add("office_leader_contact", "office_leader", pid, "community", cid, v.office_leader_contact,
            len(planned["pair_dates"][key]), len(done["pair_dates"][key]),
            spread_missed(pid, "contact", cid, v.office_leader_period_months))
    if v.office_all_communities:
        for pid, oid in office_of_leader.items():
            for cid in sorted(c for c, o in office_of_community.items() if o == oid):
                add("office_all_communities", "office_leader", pid, "community", cid, 1,
                    planned["community_rows"][(pid, cid)], done["community_rows"][(pid, cid)], None)
    if reports is not None:
        _report_rows(problem, reports, report_due, as_of, sorted(workdays), add)
    out = pd.DataFrame(rows)
    return out.sort_values(["obligation", "person_id", "target_id"], kind="stable").reset_index(drop=True)


def compare_progress(table: pd.DataFrame, recomputed: pd.DataFrame) -> list[str]:
    """Differences between an engine table and the recomputation, in words (empty when they agree)."""
    key = ["obligation", "person_id", "target_id"]
    a = table.astype({"periods_missed": "object"}).sort_values(key, kind="stable").reset_index(drop=True)
    b = recomputed.sort_values(key, kind="stable").reset_index(drop=True)
    if len(a) != len(b):
        return [f"row count {len(a)} != {len(b)}"]
    problems = []
    for column in ("obligation", "person_kind", "person_id", "target_kind", "target_id", "required",
                   "planned_to_date", "done", "left_days", "periods_missed", "status"):
        left = ["" if pd.isna(x) else str(int(x)) if isinstance(x, int | float) else str(x) for x in a[column]]
        right = ["" if x is None or pd.isna(x) else str(int(x)) if isinstance(x, int | float) else str(x)
                 for x in b[column]]
        for i, (x, y) in enumerate(zip(left, right, strict=True)):
            if x != y:
                problems.append(f"{column} of {tuple(a.loc[i, key])}: {x} != {y}")
    return problems


def _report_rows(problem: Problem, reports: pd.DataFrame, report_due: pd.DataFrame | None, as_of: date,
                 workdays: list[date], add: Any) -> None:
    """The `reports` obligation straight from the contract: who owes (district leaders; cadres of rank head and
    office secretaries/directors as main heads), due dates passed, reports (one per title) dated ≤ as_of, and due
    dates by which fewer reports than their rank had been handed in."""
    r = problem.rules.reports
    people: list[tuple[str, str, int, str]] = []   # kind, id, required, duty
    if r.district_leader > 0:
        people += [("leader", _text(x), r.district_leader, "district_leader") for x in problem.leaders["leader_id"]]
    if r.main_head > 0:
        office = getattr(problem, "office_leaders", None)
        if office is not None:
            people += [("office_leader", _text(row["person_id"]), r.main_head, "main_head")
                       for row in office.to_dict("records") if _text(row["role"]) in ("secretary", "director")]
        people += [("cadre", _text(row["cadre_id"]), r.main_head, "main_head")
                   for row in problem.cadres.to_dict("records") if _text(row.get("rank")) == "head"]
    dues: dict[str, list[date]] = defaultdict(list)
    if report_due is not None:
        for row in report_due.to_dict("records"):
            dues[_text(row["person_id"])].append(date.fromisoformat(_text(row["due"])[:10]))
    else:
        for _, pid, _, duty in people:
            dues[pid] = [_due_day(problem.rules.year, m, d, workdays) for m, d in r.cutoffs(duty)]
    first_date: dict[tuple[str, str], date] = {}
    for row in reports.to_dict("records"):
        key = (_text(row["person_id"]), _text(row["title"]))
        d = date.fromisoformat(_text(row["date"])[:10])
        first_date[key] = min(d, first_date.get(key, d))
    handed: dict[str, list[date]] = defaultdict(list)
    for (pid, _), d in first_date.items():
        handed[pid].append(d)
    for kind, pid, required, _ in people:
        passed = sorted(d for d in dues.get(pid, []) if d <= as_of)
        done = sum(1 for d in handed.get(pid, []) if d <= as_of)
        missed = sum(1 for k, due in enumerate(passed, start=1)
                     if sum(1 for d in handed.get(pid, []) if d <= due) < k)
        add("reports", kind, pid, "", "", required, len(passed), done, missed)


def _due_day(year: int, month: int, day: int, workdays: list[date]) -> date:
    cutoff = date(year, month, min(day, calendar.monthrange(year, month)[1]))
    before = [d for d in workdays if d <= cutoff]
    return before[-1] if before else workdays[0]
