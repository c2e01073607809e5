"""Leaders' contact and research days (rules 2–5, 12): tasks per (leader, office), placed under office_daily_cap.

Per leader: one `contact` task to the linked office (k = leader_contact − frozen, ≥1 in each required month);
one `research` task per office the leader has not yet visited (三走遍); grassroots days still missing are added
as research days spread round-robin over the offices, starting after the linked one (so that the extra days
also spread the burden across offices). A leader's tasks share one group: one activity per date, and reception
days are removed from the leader's available days beforehand.
"""

from __future__ import annotations

import numpy as np

from planner.calendar.days import Horizon
from planner.calendar.frozen import Frozen
from planner.calendar.tasks import Task
from planner.errors import Conflict
from planner.problem import Problem
from planner.result import Assignment


def leader_tasks(problem: Problem, assignment: Assignment, horizon: Horizon, frozen: Frozen,
                 avail: np.ndarray) -> tuple[list[Task], list[Conflict]]:
    rules = problem.rules
    offices = [str(x) for x in problem.offices["office_id"]]
    n_off = len(offices)
    tasks: list[Task] = []
    conflicts: list[Conflict] = []
    months = rules.visits.leader_period_months
    extra_links: dict[int, list[int]] = {}
    for lead, office in getattr(assignment, "extra_leader_offices", ()):
        extra_links.setdefault(int(lead), []).append(int(office))
    leader_ids = [str(x) for x in problem.leaders["leader_id"]]
    office_leaders: dict[int, set[str]] = {}
    for lead, office in [*enumerate(assignment.leader_office), *getattr(assignment, "extra_leader_offices", ())]:
        office_leaders.setdefault(int(office), set()).add(leader_ids[int(lead)])
    for lead, (lid, tier) in enumerate(zip(problem.leaders["leader_id"], problem.leaders["tier"], strict=True)):
        lid = str(lid)
        home = int(assignment.leader_office[lead])
        linked = [home, *sorted(set(extra_links.get(lead, [])) - {home})]
        mask = avail[lead]
        covered = {(d.month - 1) // months for d in frozen.contact_dates.get(lid, ())}
        periods = [days[mask[days]] for key, days in horizon.required_periods(lid, months) if key not in covered]
        periods = [p for p in periods if len(p)]
        contact: dict[int, int] = {}
        for o in linked:
            done = len(frozen.pair(lid, "contact", offices[o], office_leaders.get(o, ())).dates)
            minimum = frozen.target_minimum(rules.visits.leader_contact, "contact", offices[o])
            # the spread (any linked office) is carried by the first linked office's task
            contact[o] = max(minimum - done, len(periods) if o == home else 0, 0)
        k_contact = sum(contact.values())
        research = all_offices_once(problem, offices, frozen.offices_seen.get(lid, set()), contact)
        have = len(frozen.grassroots.get(lid, set())) + k_contact + sum(research.values())
        extra = max(0, frozen.person_minimum(rules.grassroots_days.for_tier(str(tier)), lid) - have)
        rotation = [(home + 1 + j) % n_off for j in range(n_off)]
        for j in range(extra):
            research[rotation[j % n_off]] += 1
        need = k_contact + sum(research.values())
        free = int(mask.sum())
        if need > free:
            conflicts.append(Conflict(
                "calendar.leaders",
                f"区级领导 {lid} 在计划期内只有 {free} 个可安排的工作日（已除去信访接待日），但需要 {need} 天"
                f"（联系点 {k_contact} 天、调研 {need - k_contact} 天）",
                f"leader {lid} has only {free} available workdays in the plan (reception days excluded) but needs "
                f"{need} ({k_contact} contact, {need - k_contact} research)", (lid,),
                "缩短该领导的不可安排时间", "shorten the leader's unavailability"))
            continue
        for o in linked:
            if contact[o] > 0:
                tasks.append(Task("leader_contact", lead, lead, (o,), contact[o], periods if o == home else [],
                                  mask.copy()))
        for o in sorted(research):
            if research[o] > 0:
                tasks.append(Task("leader_research", lead, lead, (o,), research[o], [], mask.copy()))
    return tasks, conflicts


def all_offices_once(problem: Problem, offices: list[str], seen: set[str], contact: dict[int, int]) -> dict[int, int]:
    """三走遍 (Calendar 5): one research day at every office the leader neither visited before `since` (`seen`) nor
    visits as a contact point this year; research days per office index (0 where none is needed)."""
    research = dict.fromkeys(range(len(offices)), 0)
    if problem.rules.visits.all_offices_once:
        for o in range(len(offices)):
            if offices[o] not in seen and contact.get(o, 0) == 0:
                research[o] += 1
    return research


def office_daily_cap(problem: Problem) -> np.ndarray:
    """Calendar 12: at most office_daily_cap leaders visit one office a day — the capacity per office of the
    leaders' board."""
    return np.full(problem.n_offices, problem.rules.visits.office_daily_cap)


def office_conflict(problem: Problem, tasks: list[Task]) -> Conflict:
    """Words for a leader component the exact model proved impossible."""
    offices = sorted({str(problem.offices["office_id"].iat[r]) for t in tasks for r in t.options})
    leaders = sorted({str(problem.leaders["leader_id"].iat[t.person]) for t in tasks})
    need = sum(t.k for t in tasks)
    cap = problem.rules.visits.office_daily_cap
    return Conflict(
        "calendar.leaders",
        f"区级领导 {'、'.join(leaders[:8])} 的 {need} 个走访日无法在每个办事处每天最多 {cap} 名领导的限制下排开"
        f"（涉及办事处 {'、'.join(offices[:8])}）",
        f"the {need} visit days of leaders {', '.join(leaders[:8])} cannot be placed with at most {cap} leaders per "
        f"office per day (offices {', '.join(offices[:8])})",
        tuple(leaders), "提高 visits.office_daily_cap 或减少不可安排时间",
        "raise visits.office_daily_cap or reduce unavailability")
