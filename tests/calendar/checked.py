"""The one checker (planner.check) on an engine's calendar: assignment + visits as a plan, [] when every rule
holds. A second, loop-based verifier that used to live here was removed: planner.check shares no code with the
engines and is itself tested rule by rule (tests/check)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from planner.check import Violation, check_plan
from planner.plan import Plan
from planner.problem import Problem
from planner.result import Assignment


def check_visits(problem: Problem, assignment: Assignment, visits: pd.DataFrame, since: date | None = None
                 ) -> list[Violation]:
    """Every violation of the plan (assignment, visits); with `since`, judged as a replan from that date."""
    report = {"since": since.isoformat()} if since is not None else {}
    return check_plan(problem, Plan(visits=visits, report=report, **assignment.frames(problem)))
