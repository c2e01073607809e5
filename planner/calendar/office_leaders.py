"""Office leaders' community days (the office level) as tasks on the units' and cadres' board.

Per office leader (seed 003 三(二)1, 三(一)2):
- one `office_contact` task to its contact community: k = visits.office_leader_contact (minus what history already
  counts), ≥1 in every required period of visits.office_leader_period_months months;
- one `office_research` task (k = 1) per other community of its office not yet visited (办事处领导干部走遍社区,
  visits.office_all_communities).
All of a person's tasks share one group (one activity per person per date), and each task takes one party slot of
`community_daily_cap` on its days, on the same board as units and cadres — so the burden cap holds with every
level that visits communities. Groups are numbered after the board's unit groups (`group_offset + person`).
"""

from __future__ import annotations

import numpy as np

from planner.calendar.days import Horizon
from planner.calendar.frozen import Frozen
from planner.calendar.previous import Previous, _tasks, _try
from planner.calendar.shortfall import fit_to_days
from planner.calendar.tasks import Board, Task
from planner.errors import Conflict
from planner.problem import Problem
from planner.result import Assignment

CONTACT, RESEARCH = "office_contact", "office_research"


def office_leader_tasks(problem: Problem, assignment: Assignment, horizon: Horizon, frozen: Frozen,
                        group_offset: int, taken: np.ndarray | None = None) -> tuple[list[Task], list[Conflict]]:
    """Tasks of every office leader, or the people whose days cannot hold them (Conflicts). `taken`: groups × days
    already occupied by kept previous visits."""
    ol = problem.office_leaders
    contact_of = getattr(assignment, "office_leader_community", np.zeros(0, dtype=np.int64))
    if not len(ol) or len(contact_of) != len(ol):
        return [], []
    v = problem.rules.visits
    community_ids = [str(x) for x in problem.communities["community_id"]]
    by_office: dict[int, list[int]] = {}
    for c, o in enumerate(problem.communities["office"].to_numpy(dtype=np.int64)):
        by_office.setdefault(int(o), []).append(c)
    person_ids = [str(x) for x in ol["person_id"]]
    linkers: dict[int, set[str]] = {}
    for p, c in enumerate(contact_of):
        linkers.setdefault(int(c), set()).add(person_ids[p])
    tasks: list[Task] = []
    conflicts: list[Conflict] = []
    for p, (pid, office) in enumerate(zip(person_ids, ol["office"].to_numpy(dtype=np.int64), strict=True)):
        home = int(contact_of[p])
        cid = community_ids[home]
        group = group_offset + p
        mask = horizon.avail(pid)
        if taken is not None:
            mask = mask & ~taken[group]
        tally = frozen.pair(pid, "contact", cid, linkers.get(home, ()))
        covered = {(d.month - 1) // v.office_leader_period_months for d in tally.dates}
        periods = [days[mask[days]] for key, days in horizon.required_periods(pid, v.office_leader_period_months)
                   if key not in covered]
        periods = [q for q in periods if len(q)]
        k = max(frozen.target_minimum(v.office_leader_contact, "contact", cid) - len(tally.dates), len(periods), 0)
        mine = [Task(CONTACT, p, group, (home,), k, periods, mask)] if k > 0 else []
        if v.office_all_communities:
            mine += [Task(RESEARCH, p, group, (c,), 1, [], mask) for c in by_office.get(int(office), [])
                     if c != home and not _seen(frozen, pid, community_ids[c])]
        need, free = sum(t.k for t in mine), int(mask.sum())
        if need > free and frozen.capped is not None:   # catch-up: as far as it can be met
            frozen.capped.add(pid)
            tasks.extend(fit_to_days(mine, free))
            continue
        if need > free:
            conflicts.append(Conflict(
                "calendar.office_leaders",
                f"办事处领导 {pid} 在计划期内只有 {free} 个可安排的工作日，但需要 {need} 天"
                f"（联系社区 {k} 天、走遍社区 {need - k} 天）",
                f"office leader {pid} has only {free} available workdays in the plan but needs {need} "
                f"({k} contact, {need - k} other communities)", (pid,),
                "缩短该领导的不可安排时间或调整 visits.office_leader_contact",
                "shorten the unavailability or lower visits.office_leader_contact"))
            continue
        tasks.extend(mine)
    return tasks, conflicts


def _seen(frozen: Frozen, pid: str, cid: str) -> bool:
    """The person already visited the community (history or kept rows): 走遍 needs no new day there."""
    return any(pid in frozen.by_target.get((act, cid), {}) for act in ("contact", "research"))


def pin_office_leaders(problem: Problem, assignment: Assignment, horizon: Horizon, prev: Previous, frozen: Frozen,
                       board: Board, group_offset: int) -> list[Task]:
    """Fewest changes: keep an office leader's previous contact visit (to its contact community now) and research
    visit (to a community of its office) on the same date when the person is available, free, and the community
    is under its daily cap (SEMANTICS "Mid-year replanning" 6)."""
    ol = problem.office_leaders
    contact_of = getattr(assignment, "office_leader_community", np.zeros(0, dtype=np.int64))
    if not len(ol) or len(contact_of) != len(ol):
        return []
    people = {str(x): i for i, x in enumerate(ol["person_id"])}
    communities = {str(x): i for i, x in enumerate(problem.communities["community_id"])}
    community_office = problem.communities["office"].to_numpy(dtype=np.int64)
    person_office = ol["office"].to_numpy(dtype=np.int64)
    day_of = {d: i for i, d in enumerate(horizon.days)}
    masks: dict[int, np.ndarray] = {}
    placed: dict[str, dict[tuple[int, int, int], list[int]]] = {"contact": {}, "research": {}}
    rows = prev.of("office_leader", ("contact", "research"))
    for d, pid, act, tkind, tid in zip(rows["date"], rows["person_id"], rows["activity"], rows["target_kind"],
                                       rows["target_id"], strict=True):
        p, c, day = people.get(pid), communities.get(tid), day_of.get(d)
        if p is None or c is None or day is None or tkind != "community":
            continue
        if (act == "contact" and c != int(contact_of[p])) or int(community_office[c]) != int(person_office[p]):
            continue
        mask = masks.setdefault(p, horizon.avail(pid))
        if mask[day] and _try(board, group_offset + p, c, day):
            placed[act].setdefault((p, group_offset + p, c), []).append(day)
            frozen.add("office_leader", pid, act, "community", tid, d)
    return [*_tasks(CONTACT, placed["contact"], masks), *_tasks(RESEARCH, placed["research"], masks)]
