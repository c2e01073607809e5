"""Catch-up mode: when a person's remaining minimums no longer fit their available days, meet them as far as
they can be met instead of declaring the plan infeasible (contract Part 2 "Catch-up": shortfalls).

Normal planning never uses this: `Frozen.capped` is None and the task builders report a Conflict (exit 3) as
before. With `solve_calendar(..., capped=set())` the builders call `fit_to_days` where they would have reported
"only N available workdays but needs M", and add the person's id to the set; the caller then lists that person's
unmet minimums as shortfalls (planner.workflow.catchup).

Trimming order: optional grassroots research first (it can be done on any day in any community, the least
specific), then the task with most days left, one day at a time; a task keeps at most as many required periods as
days (the latest periods go first, the earliest are the most overdue), and a period with no available day is
dropped (it cannot be covered).
"""

from __future__ import annotations

from planner.calendar.tasks import Task

RESEARCH_KINDS = ("cadre_research", "leader_research")


def fit_to_days(tasks: list[Task], free: int) -> list[Task]:
    """Shrink one person's tasks (sharing one group: distinct days) so that their days fit `free`."""
    for task in tasks:
        task.periods = [p for p in task.periods if len(p)]
    excess = sum(t.k for t in tasks) - max(free, 0)
    while excess > 0:
        live = [t for t in tasks if t.k > 0]
        if not live:
            break
        research = [t for t in live if t.kind in RESEARCH_KINDS]
        task = research[0] if research else max(live, key=lambda t: t.k)
        task.k -= 1
        excess -= 1
    for task in tasks:
        if len(task.periods) > task.k:
            task.periods = task.periods[: task.k]
    return [t for t in tasks if t.k > 0]
