"""Instance builders for the assignment tests, and the one checker (planner.check) applied to an Assignment.

planner.check shares no code with planner.assign; it is the only verifier (a second copy here was removed).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.io.validate import build_problem
from planner.problem import Problem
from planner.result import Assignment
from planner.rules import Rules
from tests.fixtures import TINY_YEAR, tiny_tables


def check_with_checker(problem: Problem, assignment: Assignment) -> list[Any]:
    """Assignment violations reported by planner.check (written independently of the engine); [] = all hold."""
    from planner.check import check_plan
    from planner.plan import Plan

    return check_plan(problem, Plan(**assignment.frames(problem)), calendar=False)


def fast_rules(**changes: Any) -> Rules:
    """Default rules with a small solver budget and one worker, for tests on a shared machine."""
    base: dict[str, Any] = {"year": TINY_YEAR, "solver": {"time_limit": 5.0, "workers": 1}}
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return Rules().replace(**base)


def tiny(pins: list[tuple[str, str, str]] | None = None, forbidden: list[tuple[str, str, str]] | None = None,
         edit: Any = None, **rule_changes: Any) -> Problem:
    """The tiny district with optional pins/forbidden rows, an edit(tables) hook and rule changes."""
    tables = tiny_tables()
    if pins:
        tables["pins"] = pd.DataFrame(pins, columns=["kind", "subject_id", "target_id"])
    if forbidden:
        tables["forbidden"] = pd.DataFrame(forbidden, columns=["kind", "subject_id", "target_id"])
    if edit is not None:
        edit(tables)
    return build_problem(tables, fast_rules(**rule_changes), source="tiny")
