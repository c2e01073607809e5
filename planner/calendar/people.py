"""Units' community visits and cadres' household/research days (rules 7–11) as tasks on communities.

- Unit: one task per linked community, its own group (a unit may visit two communities on one day).
- Cadre: one task per community in which it has households — the households of one community are visited
  together on the same days (fewer trips, and rule 10 holds by construction); k = the largest need among them.
  Missing grassroots days (head 20 / section 15) become a research task in one of its communities (the
  cadre's own households' communities first, then its unit's). All of a cadre's tasks share one group, so its
  days are distinct and each day lies in one community.
Each task consumes one party slot of `community_daily_cap` on each of its days (rule 11).
"""

from __future__ import annotations

import numpy as np

from planner.calendar.days import Horizon
from planner.calendar.frozen import Frozen
from planner.calendar.shortfall import fit_to_days
from planner.calendar.tasks import Task
from planner.errors import Conflict
from planner.problem import Problem
from planner.result import Assignment


def _uncovered(horizon: Horizon, person_id: str, months: int, done: set, mask: np.ndarray) -> list[np.ndarray]:
    covered = {(d.month - 1) // months for d in done}
    out = [days[mask[days]] for key, days in horizon.required_periods(person_id, months) if key not in covered]
    return [p for p in out if len(p)]


def unit_tasks(problem: Problem, assignment: Assignment, horizon: Horizon, frozen: Frozen,
               group_offset: int, taken: np.ndarray | None = None) -> tuple[list[Task], list[Conflict]]:
    """One task per (unit, linked community); its group is `group_offset + community` (kept visits use it too).

    `taken`: groups × days already occupied by kept previous visits (left out of the task's available days).
    """
    rules = problem.rules.visits
    communities = [str(x) for x in problem.communities["community_id"]]
    units = [str(x) for x in problem.units["unit_id"]]
    tasks: list[Task] = []
    conflicts: list[Conflict] = []
    masks: dict[int, np.ndarray] = {}
    for c in np.argsort(assignment.community_unit, kind="stable"):
        c = int(c)
        u = int(assignment.community_unit[c])
        uid, cid = units[u], communities[c]
        mask = masks.setdefault(u, horizon.avail(uid))
        group = group_offset + c
        free = mask & ~taken[group] if taken is not None else mask
        tally = frozen.pair(uid, "community", cid, (uid,))
        periods = _uncovered(horizon, uid, rules.unit_period_months, tally.dates, mask)
        periods = [p[free[p]] for p in periods]
        k = max(frozen.target_minimum(rules.unit_community, "community", cid) - tally.rows,
                frozen.target_minimum(rules.unit_community_days, "community", cid) - len(tally.dates),
                len(periods), 0)
        if frozen.capped is not None and (k > int(free.sum()) or any(len(p) == 0 for p in periods)):
            frozen.capped.add(uid)   # catch-up: as far as it can be met
            tasks.extend(fit_to_days([Task("unit", u, group, (c,), k, periods, free)], int(free.sum())))
            continue
        if k > int(free.sum()) or any(len(p) == 0 for p in periods):
            conflicts.append(_short(f"单位 {uid}", f"unit {uid}", uid, int(free.sum()), k, f"社区 {cid}",
                                    f"community {cid}"))
            continue
        if k > 0:
            tasks.append(Task("unit", u, group, (c,), k, periods, free))
    return tasks, conflicts


def cadre_tasks(problem: Problem, assignment: Assignment, horizon: Horizon, frozen: Frozen,
                taken: np.ndarray | None = None) -> tuple[list[Task], list[Conflict]]:
    rules = problem.rules
    v = rules.visits
    households = [str(x) for x in problem.households["household_id"]]
    household_community = problem.households["community"].to_numpy()
    unit_communities: dict[int, list[int]] = {}
    for c, u in enumerate(assignment.community_unit):
        unit_communities.setdefault(int(u), []).append(c)
    by_cadre: dict[int, dict[int, list[int]]] = {}
    for h in np.argsort(assignment.household_cadre, kind="stable"):
        h = int(h)
        by_cadre.setdefault(int(assignment.household_cadre[h]), {}).setdefault(int(household_community[h]), []).append(h)
    tasks: list[Task] = []
    conflicts: list[Conflict] = []
    for g, (gid, rank, unit) in enumerate(zip(problem.cadres["cadre_id"], problem.cadres["rank"],
                                              problem.cadres["unit"], strict=True)):
        gid = str(gid)
        groups = by_cadre.get(g, {})
        minimum = frozen.person_minimum(rules.grassroots_days.for_rank(str(rank)), gid)
        if not groups and minimum <= len(frozen.grassroots.get(gid, ())):
            continue
        mask = horizon.avail(gid)
        if taken is not None:
            mask = mask & ~taken[g]
        mine: list[Task] = []
        for c in sorted(groups):
            hs = groups[c]
            k = 0
            periods: dict[int, np.ndarray] = {}
            for h in hs:
                hid = households[h]
                tally = frozen.pair(gid, "household", hid, (gid,))
                k = max(k, frozen.target_minimum(v.cadre_household, "household", hid) - tally.rows,
                        frozen.target_minimum(v.cadre_household_days, "household", hid) - len(tally.dates),
                        frozen.target_minimum(v.talks_per_household, "household", hid) - tally.talks)
                covered = {(d.month - 1) // v.cadre_period_months for d in tally.dates}
                for pkey, days in horizon.required_periods(gid, v.cadre_period_months):
                    if pkey not in covered:
                        periods[pkey] = days[mask[days]]
            plist = [periods[p] for p in sorted(periods)]
            k = max(k, len(plist))
            if k > 0:
                mine.append(Task("household", g, g, (c,), k, plist, mask, tuple(hs)))
        have = len(frozen.grassroots.get(gid, ())) + sum(t.k for t in mine)
        extra = max(0, minimum - have)
        options = [c for c in sorted(groups, key=lambda c: (-len(groups[c]), c))]
        options += [c for c in unit_communities.get(int(unit), []) if c not in options]
        need = sum(t.k for t in mine) + extra
        free = int(mask.sum())
        if need > free and frozen.capped is not None and (options or not extra):   # catch-up: as far as it can
            frozen.capped.add(gid)
            research = [Task("cadre_research", g, g, tuple(options), extra, [], mask)] if extra > 0 else []
            tasks.extend(fit_to_days([*mine, *research], free))
            continue
        if need > free:
            conflicts.append(_short(f"干部 {gid}", f"cadre {gid}", gid, free, need, "入户和调研", "household and research"))
            continue
        if extra > 0 and not options:
            conflicts.append(Conflict(
                "calendar.cadres",
                f"干部 {gid} 需要 {extra} 个基层调研日，但既没有联系户，所在单位也没有联系社区，无处安排",
                f"cadre {gid} needs {extra} grassroots days but has no households and its unit links no community",
                (gid,), "为该干部分配联系户，或调整 grassroots_days", "give the cadre households or change grassroots_days"))
            continue
        if extra > 0:
            mine.append(Task("cadre_research", g, g, tuple(options), extra, [], mask))
        tasks.extend(mine)
    return tasks, conflicts


def _short(who_zh: str, who_en: str, pid: str, free: int, need: int, what_zh: str, what_en: str) -> Conflict:
    return Conflict(
        "calendar",
        f"{who_zh} 在计划期内只有 {free} 个可安排的工作日，但{what_zh}需要 {need} 天",
        f"{who_en} has only {free} available workdays in the plan but needs {need} for {what_en}",
        (pid,), "缩短不可安排时间或调整走访次数", "shorten the unavailability or lower the visit minimums")


def community_daily_cap(problem: Problem) -> np.ndarray:
    """Calendar 11: at most community_daily_cap visiting parties (units and cadres, each counted once) in one
    community a day — the capacity per community of the units' and cadres' board."""
    return np.full(problem.n_communities, problem.rules.visits.community_daily_cap)


def community_precheck(problem: Problem, tasks: list[Task], n_days: int,
                       load: np.ndarray | None = None) -> list[Conflict]:
    """Necessary condition per community: its parties' days fit under the daily cap (less the parties already
    there: `load`, communities × days) on the days they can come."""
    cap = problem.rules.visits.community_daily_cap
    n = problem.n_communities
    demand = np.zeros(n, dtype=np.int64)
    present = np.zeros((n, n_days), dtype=np.int64)
    for t in tasks:
        if len(t.options) == 1:
            demand[t.options[0]] += t.k
            present[t.options[0]] += t.avail
    room = np.minimum(present, cap if load is None else np.maximum(cap - load, 0)).sum(axis=1)
    out = []
    for c in np.flatnonzero(demand > room):
        cid = str(problem.communities["community_id"].iat[int(c)])
        out.append(Conflict(
            "calendar.community_cap",
            f"社区 {cid} 全年需要 {int(demand[c])} 个单位/干部/办事处领导走访人日，但在每天最多 {cap} 方的限制下最多只能安排 {int(room[c])} 个",
            f"community {cid} needs {int(demand[c])} unit/cadre/office leader visit-days but at most {cap} parties a day allow "
            f"only {int(room[c])}", (cid,),
            "提高 visits.community_daily_cap，或把部分联系户调给其他社区的干部", "raise visits.community_daily_cap"))
    return out


def community_conflict(problem: Problem, tasks: list[Task]) -> Conflict:
    """Words for a unit/cadre component the exact model proved impossible."""
    comms = sorted({str(problem.communities["community_id"].iat[r]) for t in tasks for r in t.options})
    need = sum(t.k for t in tasks)
    cap = problem.rules.visits.community_daily_cap
    return Conflict(
        "calendar.community_cap",
        f"社区 {'、'.join(comms[:8])} 的 {need} 个单位/干部走访日无法在每社区每天最多 {cap} 方、每月/每两月至少一次"
        f"以及各自可安排日期的限制下排开",
        f"the {need} unit/cadre visit days of communities {', '.join(comms[:8])} cannot be placed with at most "
        f"{cap} parties per community per day, the spread rules and everyone's availability",
        tuple(comms), "提高 visits.community_daily_cap 或减少不可安排时间",
        "raise visits.community_daily_cap or reduce unavailability")
