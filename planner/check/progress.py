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
                       actuals: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The progress table (same columns and rows as `planner progress`), sorted by obligation, person, target."""
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
