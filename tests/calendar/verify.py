"""A small, independent re-check of every SEMANTICS.md "Calendar" rule, written from the text (tests only).

Works on ids and dates with plain loops — slow but obvious — so it shares nothing with the engine.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import pandas as pd

from planner.problem import Problem
from planner.result import Assignment
from planner.workdays import work_calendar


def verify(problem: Problem, assignment: Assignment, visits: pd.DataFrame) -> list[str]:
    r = problem.rules
    v = r.visits
    cal = work_calendar(r.year, problem.holidays)
    workdays = set(cal.days)
    spans: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for pid, s, e in zip(problem.unavailability["person_id"], problem.unavailability["start"],
                         problem.unavailability["end"], strict=True):
        spans[str(pid)].append((s, e))

    def available(pid: str, d: date) -> bool:
        return d in workdays and not any(s <= d <= e for s, e in spans[pid])

    def required(pid: str, months: int) -> set[int]:
        counts = Counter((d.month - 1) // months for d in cal.days if available(pid, d))
        return {k for k, n in counts.items() if n >= v.spread_min_workdays}

    offices = list(problem.offices["office_id"])
    comm_office = dict(zip(problem.communities["community_id"], problem.communities["office_id"], strict=True))
    hh_comm = dict(zip(problem.households["household_id"], problem.households["community_id"], strict=True))
    leader_links = {str(problem.leaders["leader_id"].iat[i]): {offices[o]} for i, o in enumerate(assignment.leader_office)}
    unit_links: dict[str, set[str]] = defaultdict(set)
    for c, u in enumerate(assignment.community_unit):
        unit_links[str(problem.units["unit_id"].iat[u])].add(str(problem.communities["community_id"].iat[c]))
    cadre_links: dict[str, set[str]] = defaultdict(set)
    for h, g in enumerate(assignment.household_cadre):
        cadre_links[str(problem.cadres["cadre_id"].iat[g])].add(str(problem.households["household_id"].iat[h]))
    cadre_unit = dict(zip(problem.cadres["cadre_id"], problem.cadres["unit_id"], strict=True))
    out: list[str] = []
    rows = list(visits.itertuples(index=False))
    for x in rows:
        if x.date.year != r.year or not available(x.person_id, x.date):
            out.append(f"rule1 {x}")
        checks = {
            ("leader", "contact"): lambda x: x.target_kind == "office" and x.target_id in leader_links.get(x.person_id, ()),
            ("leader", "research"): lambda x: x.target_kind == "office" and x.target_id in offices,
            ("leader", "reception"): lambda x: x.target_kind == "district" and x.target_id == "district"
            and x.role in ("A", "B"),
            ("unit", "community"): lambda x: x.target_kind == "community" and x.target_id in unit_links.get(x.person_id, ()),
            ("cadre", "household"): lambda x: x.target_kind == "household"
            and x.target_id in cadre_links.get(x.person_id, ()),
            ("cadre", "research"): lambda x: x.target_kind == "community" and (
                x.target_id in unit_links.get(cadre_unit[x.person_id], set())
                or x.target_id in {hh_comm[h] for h in cadre_links.get(x.person_id, ())}),
        }
        check = checks.get((x.person_kind, x.activity))
        ok = bool(check and check(x))
        if not ok or (x.activity != "reception" and x.role != "") or (x.activity != "household" and x.talk != 0):
            out.append(f"combination {x}")
    # leaders
    per_leader_date = Counter((x.person_id, x.date) for x in rows if x.person_kind == "leader")
    out += [f"rule2 {k}" for k, n in per_leader_date.items() if n > 1]
    for lid, tier in zip(problem.leaders["leader_id"], problem.leaders["tier"], strict=True):
        mine = [x for x in rows if x.person_id == lid and x.person_kind == "leader"]
        grass = {x.date for x in mine if x.activity in ("contact", "research")}
        if len(grass) < r.grassroots_days.for_tier(tier):
            out.append(f"rule3 {lid} {len(grass)}")
        for o in leader_links[lid]:
            if len({x.date for x in mine if x.activity == "contact" and x.target_id == o}) < v.leader_contact:
                out.append(f"rule4 count {lid} {o}")
        months = {(x.date.month - 1) // v.leader_period_months for x in mine if x.activity == "contact"}
        if required(lid, v.leader_period_months) - months:
            out.append(f"rule4 spread {lid} {sorted(required(lid, v.leader_period_months) - months)}")
        seen = {x.target_id for x in mine if x.activity in ("contact", "research")}
        if v.all_offices_once and set(offices) - seen:
            out.append(f"rule5 {lid}")
    rec = [x for x in rows if x.activity == "reception"]
    rec_dates = sorted({x.date for x in rec})
    weeks_workdays = Counter(d.isocalendar()[:2] for d in cal.days)
    weeks_rec = Counter(d.isocalendar()[:2] for d in rec_dates)
    for wk, n in weeks_workdays.items():
        if weeks_rec[wk] != min(r.reception.per_week, n):
            out.append(f"rule6 week {wk} has {weeks_rec[wk]}")
    for d in rec_dates:
        day = [x for x in rec if x.date == d]
        if sorted(x.role for x in day) != ["A", "B"] or len({x.person_id for x in day}) != 2:
            out.append(f"rule6 roles {d}")
    a_count = Counter(x.person_id for x in rec if x.role == "A")
    for lid, tier in zip(problem.leaders["leader_id"], problem.leaders["tier"], strict=True):
        if tier not in ("secretary", "head"):
            continue
        for m in required(lid, 1):
            if not any(d.month == m + 1 and available(lid, d) for d in rec_dates):
                continue
            n = sum(1 for x in rec if x.person_id == lid and x.role == "A" and x.date.month == m + 1)
            if n < r.reception.main_leader_a_per_month:
                out.append(f"rule6 main {lid} month {m + 1}")
    others = [lid for lid, t in zip(problem.leaders["leader_id"], problem.leaders["tier"], strict=True)
              if t in ("standing", "other")]
    if others and max(a_count[i] for i in others) - min(a_count[i] for i in others) > r.reception.fairness_max_diff:
        out.append("rule6 fairness")
    # units
    for uid, comms in unit_links.items():
        for c in comms:
            mine = [x for x in rows if x.person_id == uid and x.activity == "community" and x.target_id == c]
            if len(mine) < v.unit_community or len({x.date for x in mine}) < v.unit_community_days:
                out.append(f"rule7 count {uid} {c}")
            if required(uid, v.unit_period_months) - {(x.date.month - 1) // v.unit_period_months for x in mine}:
                out.append(f"rule7 spread {uid} {c}")
    # cadres
    for gid, rank in zip(problem.cadres["cadre_id"], problem.cadres["rank"], strict=True):
        mine = [x for x in rows if x.person_kind == "cadre" and x.person_id == gid]
        for h in cadre_links.get(gid, ()):
            hv = [x for x in mine if x.activity == "household" and x.target_id == h]
            if len(hv) < v.cadre_household or len({x.date for x in hv}) < v.cadre_household_days:
                out.append(f"rule8 count {gid} {h}")
            if required(gid, v.cadre_period_months) - {(x.date.month - 1) // v.cadre_period_months for x in hv}:
                out.append(f"rule8 spread {gid} {h}")
            if sum(x.talk for x in hv) < v.talks_per_household:
                out.append(f"rule8 talks {gid} {h}")
        if len({x.date for x in mine}) < r.grassroots_days.for_rank(rank):
            out.append(f"rule9 {gid}")
        per_date: dict[date, set[str]] = defaultdict(set)
        for x in mine:
            per_date[x.date].add(hh_comm[x.target_id] if x.activity == "household" else x.target_id)
        out += [f"rule10 {gid} {d}" for d, cs in per_date.items() if len(cs) > 1]
    parties: dict[tuple[str, date], set[tuple[str, str]]] = defaultdict(set)
    leaders_at: dict[tuple[str, date], set[str]] = defaultdict(set)
    for x in rows:
        if x.target_kind == "community":
            parties[(x.target_id, x.date)].add((x.person_kind, x.person_id))
        elif x.target_kind == "household":
            parties[(hh_comm[x.target_id], x.date)].add((x.person_kind, x.person_id))
        if x.person_kind == "leader" and x.activity in ("contact", "research"):
            office = x.target_id if x.target_kind == "office" else comm_office[x.target_id]
            leaders_at[(office, x.date)].add(x.person_id)
    out += [f"rule11 {k}" for k, p in parties.items() if len(p) > v.community_daily_cap]
    out += [f"rule12 {k}" for k, p in leaders_at.items() if len(p) > v.office_daily_cap]
    return out
