"""The whole pipeline behind `planner plan` and the app's Solve button: assignment, then calendar, then report.

Both the CLI and the app call `solve_plan`; nothing is written here (writing is `planner.plan.write_plan`), so a
failed or cancelled solve leaves no files behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd

from planner.plan import Plan, names_frame
from planner.problem import Problem
from planner.progress import Cancelled, ProgressEvent, SolveControl
from planner.reports.due import report_due
from planner.result import Assignment, Calendar, Status


def solve_plan(
    problem: Problem,
    previous: Plan | None = None,
    control: SolveControl | None = None,
    on_event: Callable[[ProgressEvent], None] | None = None,
    frozen_visits: pd.DataFrame | None = None,
    since: date | None = None,
) -> Plan:
    """Solve assignment and calendar. Raises InfeasibleError (exit 3) or planner.progress.Cancelled."""
    from planner.assign import solve_assignment
    from planner.calendar import solve_calendar

    control = control or SolveControl(on_event=on_event)
    started = time.monotonic()
    assignment = solve_assignment(problem, previous=previous.pairs() if previous else None, control=control)
    calendar = solve_calendar(problem, assignment, control=control, frozen_visits=frozen_visits, since=since,
                              previous_visits=same_year_visits(previous, problem))
    if control.cancelled:  # Stop pressed after the last stage's own check: no plan, so nobody saves one
        raise Cancelled()
    report = build_report(problem, assignment, calendar, time.monotonic() - started)
    if since is not None:
        report["since"] = since.isoformat()
    frames = assignment.frames(problem)
    return Plan(visits=calendar.visits, report=report, names=names_frame(problem), report_due=report_due(problem),
                **frames)


def same_year_visits(previous: Plan | None, problem: Problem) -> pd.DataFrame | None:
    """The previous plan's visits when they are for the year being planned (kept where still valid), else None.

    The year comes from the previous report; without one, from the visits' dates."""
    if previous is None or not len(previous.visits):
        return None
    year: Any = previous.report.get("year") if previous.report else None
    if year is None:
        dates = pd.to_datetime(previous.visits["date"].astype(str), errors="coerce")
        year = dates.dt.year.mode().iat[0] if dates.notna().any() else None
    return previous.visits if year is not None and int(year) == problem.rules.year else None


def build_report(problem: Problem, assignment: Assignment, calendar: Calendar, seconds: float) -> dict[str, Any]:
    stages = [*assignment.stages, *calendar.stages]
    statuses = {s.status for s in stages}
    status = Status.OPTIMAL if statuses <= {Status.OPTIMAL} else Status.FEASIBLE
    objective = float(sum(s.objective for s in stages))
    bound = float(sum(s.bound for s in stages))
    visits = calendar.visits
    return {
        "status": str(status),
        "objective": objective,
        "bound": bound,
        "gap": 0.0 if objective == bound else abs(objective - bound) / max(abs(objective), 1e-9),
        "seconds": round(seconds, 3),
        "seconds_per_stage": {s.name: round(s.seconds, 3) for s in stages},
        "stages": [s.to_dict() for s in stages],
        "year": problem.rules.year,
        "estimated_calendar": calendar.estimated_calendar,
        "calendar_source": calendar.calendar_source,
        "counts": {**problem.counts(), "visits": len(visits),
                   **{f"visits_{k}": int(v) for k, v in visits["activity"].value_counts().sort_index().items()}},
        "source": problem.source,
        "rules": problem.rules.to_dict(),
    }
