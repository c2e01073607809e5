"""A constructive, obviously-correct plan for small instances: the checker's tests start from it and break it.

Deliberately naive and independent of the engines: round-robin assignment, then a greedy calendar that walks the
year month by month and takes, for every needed visit, the least loaded free workday. Good enough for a tiny
district (a few leaders, offices, units and cadres); tests assert `check_plan(problem, valid_plan(problem)) == []`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date

import pandas as pd

from planner.model import PLAN_COLUMNS
from planner.plan import Plan
from planner.problem import Problem
from planner.workdays import work_calendar


class _Year:
    def __init__(self, problem: Problem):
        year = problem.rules.year
        self.days = [d for d in work_calendar(year, problem.holidays).days if d.year == year]
        self.unavailable: dict[str, list[tuple[date, date]]] = defaultdict(list)
        for row in problem.unavailability.itertuples():
            self.unavailable[str(row.person_id)].append((pd.Timestamp(row.start).date(), pd.Timestamp(row.end).date()))

    def free(self, person: str, d: date) -> bool:
        return not any(s <= d <= e for s, e in self.unavailable.get(person, ()))

    def period_days(self, months: int) -> list[list[date]]:
        out: list[list[date]] = [[] for _ in range(math.ceil(12 / months))]
        for d in self.days:
            out[(d.month - 1) // months].append(d)
        return out


def build_assignment(problem: Problem) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    offices = list(problem.offices["office_id"])
    communities = list(problem.communities["community_id"])
    leaders = list(problem.leaders["leader_id"])
    units = list(problem.units["unit_id"])
    lo = pd.DataFrame({"leader_id": leaders, "office_id": [offices[i % len(offices)] for i in range(len(leaders))]})
    unit_of = {c: units[j % len(units)] for j, c in enumerate(communities)}
    uc = pd.DataFrame({"unit_id": [unit_of[c] for c in communities], "community_id": communities})
    cadres_of: dict[str, list[str]] = defaultdict(list)
    capacity: dict[str, int] = {}
    for row in problem.cadres.itertuples():
        cadres_of[str(row.unit_id)].append(str(row.cadre_id))
        capacity[str(row.cadre_id)] = int(row.capacity)
    pairs: list[tuple[str, str]] = []
    for row in problem.households.itertuples():
        pool = cadres_of[unit_of[str(row.community_id)]]
        cadre = next(c for c in pool if capacity[c] > 0)
        capacity[cadre] -= 1
        pairs.append((cadre, str(row.household_id)))
    ch = pd.DataFrame(pairs, columns=["cadre_id", "household_id"])
    return lo, uc, ch


class _Calendar:
    """Greedy day picking with the burden caps and one-activity-per-leader-per-day kept by construction."""

    def __init__(self, problem: Problem, year: _Year):
        self.problem = problem
        self.year = year
        self.rows: list[dict[str, str]] = []
        self.busy: dict[str, set[date]] = defaultdict(set)
        self.community_load: Counter[tuple[str, date]] = Counter()
        self.office_load: Counter[tuple[str, date]] = Counter()
        self.day_load: Counter[date] = Counter()
        self.reception_days: set[date] = set()

    def add(self, d: date, kind: str, pid: str, activity: str, target_kind: str, target: str, role: str = "",
            talk: int = 0) -> None:
        self.rows.append({"date": d.isoformat(), "person_kind": kind, "person_id": pid, "activity": activity,
                          "target_kind": target_kind, "target_id": target, "role": role, "talk": str(talk)})
        self.busy[pid].add(d)
        self.day_load[d] += 1

    def pick(self, pid: str, candidates: Iterable[date], load: Counter[tuple[str, date]], place: str, cap: int,
             avoid: set[date] | None = None) -> date | None:
        options = [d for d in candidates if d not in self.busy[pid] and self.year.free(pid, d)
                   and load[(place, d)] < cap and (avoid is None or d not in avoid)]
        if not options:
            return None
        return min(options, key=lambda d: (load[(place, d)], self.day_load[d], d))


def build_visits(problem: Problem, lo: pd.DataFrame, uc: pd.DataFrame, ch: pd.DataFrame) -> pd.DataFrame:
    rules = problem.rules
    vr = rules.visits
    year = _Year(problem)
    cal = _Calendar(problem, year)
    _reception(problem, year, cal)
    offices = list(problem.offices["office_id"])
    months = year.period_days(1)
    for i, row in enumerate(problem.leaders.itertuples()):
        lid, own = str(row.leader_id), str(lo.loc[lo["leader_id"] == row.leader_id, "office_id"].iloc[0])
        need = rules.grassroots_days.for_tier(str(row.tier))
        per_month_contact = math.ceil(vr.leader_contact / 12)
        per_month = max(math.ceil(need / 12), per_month_contact)
        others = [o for o in offices if o != own] or [own]
        research, contacts, grassroots = 0, 0, 0
        for step in range(12 * per_month + 12 * 12):
            m, k = (step // per_month, step % per_month) if step < 12 * per_month else (step % 12, per_month)
            contact = k < per_month_contact or (k == per_month and contacts < vr.leader_contact)
            if k == per_month and not contact and grassroots >= need:
                break  # the top-up round (after absences) is done
            target = own if contact else others[(i + research) % len(others)]
            d = cal.pick(lid, months[m], cal.office_load, target, vr.office_daily_cap, avoid=cal.reception_days)
            if d is None:
                continue
            cal.add(d, "leader", lid, "contact" if contact else "research", "office", target)
            contacts += contact
            research += not contact
            grassroots += 1
            cal.office_load[(target, d)] += 1
    for row in uc.itertuples():
        uid, cid = str(row.unit_id), str(row.community_id)
        per_month = max(math.ceil(vr.unit_community / 12), math.ceil(vr.unit_community_days / 12))
        for days in months:
            for _ in range(per_month):
                d = cal.pick(f"{uid}@{cid}", days, cal.community_load, cid, vr.community_daily_cap)
                if d is not None and year.free(uid, d):
                    cal.add(d, "unit", uid, "community", "community", cid)
                    cal.busy[f"{uid}@{cid}"].add(d)
                    cal.community_load[(cid, d)] += 1
    community_of = dict(zip(problem.households["household_id"], problem.households["community_id"], strict=True))
    periods = year.period_days(vr.cadre_period_months)
    per_period = math.ceil(max(vr.cadre_household, vr.cadre_household_days) / len(periods))
    for cadre_row in problem.cadres.itertuples():
        gid = str(cadre_row.cadre_id)
        mine = list(ch.loc[ch["cadre_id"] == gid, "household_id"])
        by_community: dict[str, list[str]] = defaultdict(list)
        for h in mine:
            by_community[str(community_of[h])].append(h)
        talks: Counter[str] = Counter()
        for days in periods:
            for cid, households in by_community.items():
                for _ in range(per_period):
                    d = cal.pick(gid, days, cal.community_load, cid, vr.community_daily_cap)
                    if d is None:
                        continue
                    for h in households:
                        talk = int(talks[h] < vr.talks_per_household)
                        talks[h] += talk
                        cal.add(d, "cadre", gid, "household", "household", h, talk=talk)
                    cal.community_load[(cid, d)] += 1
        need = rules.grassroots_days.for_rank(str(cadre_row.rank))
        home = next(iter(by_community), None) or str(uc.loc[uc["unit_id"] == cadre_row.unit_id, "community_id"].iloc[0])
        m = 0
        while len(cal.busy[gid]) < need and m < 24 * 12:
            d = cal.pick(gid, months[m % 12], cal.community_load, home, vr.community_daily_cap)
            m += 1
            if d is not None:
                cal.add(d, "cadre", gid, "research", "community", home)
                cal.community_load[(home, d)] += 1
    frame = pd.DataFrame(cal.rows, columns=list(PLAN_COLUMNS["visits"]))
    return frame.sort_values(["date", "person_kind", "person_id", "target_id"], kind="stable").reset_index(drop=True)


def _reception(problem: Problem, year: _Year, cal: _Calendar) -> None:
    rr = problem.rules.reception
    weeks: dict[tuple[int, int], list[date]] = defaultdict(list)
    for d in year.days:
        weeks[d.isocalendar()[:2]].append(d)
    reception = sorted(d for days in weeks.values() for d in days[:rr.per_week])
    leaders = list(problem.leaders["leader_id"])
    tiers = dict(zip(problem.leaders["leader_id"], problem.leaders["tier"], strict=True))
    mains = [lid for lid in leaders if tiers[lid] in ("secretary", "head")]
    others = [lid for lid in leaders if lid not in mains]
    by_month: dict[int, list[date]] = defaultdict(list)
    for d in reception:
        by_month[d.month].append(d)
    rotation_b = 0
    a_count: Counter[str] = Counter()
    for days in by_month.values():
        owed = [m for m in mains for _ in range(rr.main_leader_a_per_month)]
        for d in days:
            a = next((m for m in owed if year.free(m, d)), None)
            if a is not None:
                owed.remove(a)
            else:
                pool = [o for o in others if year.free(o, d)] or [m for m in mains if year.free(m, d)]
                a = min(pool, key=lambda lid: (a_count[lid], leaders.index(lid)))  # fair: fewest A turns first
            a_count[a] += 1
            pool_b = [lid for lid in leaders if lid != a and year.free(lid, d)]
            b = pool_b[rotation_b % len(pool_b)]
            rotation_b += 1
            cal.add(d, "leader", a, "reception", "district", "district", role="A")
            cal.add(d, "leader", b, "reception", "district", "district", role="B")
            cal.reception_days.add(d)


def valid_plan(problem: Problem) -> Plan:
    """A plan for `problem` that satisfies every rule (for small, feasible instances), as text like read_plan."""
    lo, uc, ch = build_assignment(problem)
    visits = build_visits(problem, lo, uc, ch)
    return Plan(leader_offices=lo, unit_communities=uc, cadre_households=ch, visits=visits)
