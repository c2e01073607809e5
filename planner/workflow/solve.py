"""Solve, check, save: the steps every caller runs in the same order.

The engines (planner.solve.solve_plan) and the independent checker (planner.check) share no code; this module is
where they meet, so every plan a user sees comes with the checker's verdict. Nothing here writes files (that is
planner.plan.write_plan) and nothing is logged about households.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.plan import Plan
from planner.problem import Problem
from planner.progress import ProgressEvent, SolveControl

if TYPE_CHECKING:
    from planner.check import Violation
    from planner.store.api import Store
    from planner.store.diff import PlanDiff

CHECK_KEY = "check_findings"      # the checker's findings, kept in a version's report by the app


@dataclass(frozen=True)
class Checked:
    """A solved plan and what the independent checker found on it ([] when every rule holds)."""

    plan: Plan
    violations: tuple[Violation, ...]

    def texts(self) -> list[tuple[str, str]]:
        return [(v.render("zh"), v.render("en")) for v in self.violations]


def check(problem: Problem, plan: Plan) -> tuple[Violation, ...]:
    """The independent checker on `plan` (every rule of SEMANTICS.md)."""
    from planner.check import check_plan

    return tuple(check_plan(problem, plan))


def check_texts(problem: Problem, plan: Plan) -> list[tuple[str, str]]:
    """The checker's findings as (zh, en) texts: small to keep and to store with a version."""
    return [(v.render("zh"), v.render("en")) for v in check(problem, plan)]


def violation_counts(problem: Problem, plan: Plan) -> dict[str, int]:
    """Violations per rule name."""
    counts: dict[str, int] = {}
    for violation in check(problem, plan):
        counts[violation.rule] = counts.get(violation.rule, 0) + 1
    return counts


def solve(problem: Problem, previous: Plan | None = None, control: SolveControl | None = None, *,
          on_event: Callable[[ProgressEvent], None] | None = None, frozen_visits: pd.DataFrame | None = None,
          since: date | None = None) -> Plan:
    """Assignment then calendar (planner.solve.solve_plan); raises InfeasibleError or Cancelled."""
    from planner.solve import solve_plan

    return solve_plan(problem, previous=previous, control=control, on_event=on_event, frozen_visits=frozen_visits,
                      since=since)


def timed_control(on_event: Callable[[ProgressEvent], None] | None = None, time_limit: float | None = None,
                  first_valid: bool = False) -> SolveControl:
    """A control whose wall budget binds (planner/deadline.py): `time_limit` seconds for the whole solve from now
    (each stage stops improving at its share and hands on its best valid plan), or `first_valid`: no improvement at
    all, the first complete valid plan is the result. Without either, a plain control (deterministic run)."""
    from planner.deadline import TimedControl

    budget = time_limit if time_limit is not None and time_limit > 0 else None   # 0: no limit, as in the rules
    if budget is None and not first_valid:
        return SolveControl(on_event=on_event)
    return TimedControl(on_event=on_event, budget=budget, first_valid=first_valid)


def plan_and_check(problem: Problem, previous: Plan | None = None, control: SolveControl | None = None, *,
                   on_event: Callable[[ProgressEvent], None] | None = None,
                   frozen_visits: pd.DataFrame | None = None, since: date | None = None,
                   on_checking: Callable[[], None] | None = None) -> Checked:
    """Solve assignment and calendar, then run the checker on the result.

    Raises InfeasibleError (exit 3) or planner.progress.Cancelled, like solve_plan; `on_checking` is called
    between the two (the app shows "checking")."""
    plan = solve(problem, previous, control, on_event=on_event, frozen_visits=frozen_visits, since=since)
    if on_checking is not None:
        on_checking()
    return Checked(plan, check(problem, plan))


def record_findings(checked: Checked) -> list[tuple[str, str]]:
    """Keep the findings in the plan's report (the app stores them with the version); returns the texts."""
    texts = checked.texts()
    checked.plan.report[CHECK_KEY] = [list(v) for v in texts]
    return texts


def stored_findings(plan: Plan) -> list[tuple[str, str]] | None:
    """The findings kept by record_findings, or None when the version was saved without them."""
    found = plan.report.get(CHECK_KEY) if plan.report else None
    if not isinstance(found, list):
        return None
    return [(str(v[0]), str(v[1])) for v in found]


def save(store: Store, scenario: str, problem: Problem, plan: Plan, author: str, **kwargs: Any) -> int:
    """Store `plan` as the next version of `scenario` (Store.save_solved); returns its number."""
    return int(store.save_solved(scenario, problem, plan, author, **kwargs))


def compare_versions(store: Store, scenario: str, v1: int, v2: int, check_rules: bool = False) -> PlanDiff:
    """What changed between two stored versions; with `check_rules`, each version's violations per rule (the
    checker runs here, not in the store)."""
    import dataclasses

    diff = store.compare(scenario, v1, v2)
    if not check_rules:
        return diff
    found = [violation_counts(store.load_version_input(scenario, v).problem(), store.load_plan(scenario, v))
             for v in (v1, v2)]
    return dataclasses.replace(diff, violations=(sum(found[0].values()), sum(found[1].values())),
                               violations_by_rule=(found[0], found[1]))
