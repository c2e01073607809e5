"""Mid-year replanning: keep what already happened, re-plan the rest of the year with the fewest changes.

Visits dated before `since` are history: they are handed to the engines as `frozen_visits`, all of them (even
those of people or targets that left: they still count, SEMANTICS "Mid-year replanning"), and the latest
version's plan is the `previous` plan, so the assignment keeps surviving pairs (continuity weight) and the calendar
keeps the previous visits from `since` on wherever still valid, placing only what is missing. The result is
saved as a new version of kind "replan" (its base version and `since` recorded) and compared with the base.
It lives in the workflow, not in the store: it solves (and, when asked, checks), which the store never does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from planner.plan import Plan
from planner.problem import Problem
from planner.progress import SolveControl
from planner.store.api import NotFoundError, Store
from planner.store.diff import PlanDiff, compare_plans, visit_dates
from planner.workflow.solve import Checked, plan_and_check, save, solve

PERSON_TABLES = {"leader": ("leaders", "leader_id"), "unit": ("units", "unit_id"), "cadre": ("cadres", "cadre_id")}
TARGET_TABLES = {"office": ("offices", "office_id"), "community": ("communities", "community_id"),
                 "household": ("households", "household_id")}


@dataclass(frozen=True)
class ReplanResult:
    version: int
    base_version: int
    frozen: int              # visits before `since` kept as history
    dropped_history: int     # of those, visits whose person or target has left (kept, they still count)
    diff: PlanDiff
    plan: Plan
    checked: Checked | None = None    # the checker's verdict, when replan_scenario(check_rules=True)


def frozen_history(plan: Plan, problem: Problem, since: date) -> tuple[pd.DataFrame, int]:
    """(every visit before `since`, dates as datetime.date; how many of them name a person or target that has
    since left the input). History is kept verbatim (SEMANTICS "Mid-year replanning"): a departed cadre's visits
    still count for the household, so nothing is filtered out; the second number is for the summary only."""
    visits = plan.visits
    if not len(visits):
        return visits.copy(), 0
    dates = visit_dates(visits)
    early = visits.loc[(dates < since).to_numpy()].copy()
    early["date"] = dates.loc[early.index]
    gone = pd.Series(False, index=early.index)
    for kind, (table, column) in PERSON_TABLES.items():
        ids = set(getattr(problem, table)[column].astype(str))
        gone |= (early["person_kind"] == kind) & ~early["person_id"].astype(str).isin(ids)
    for kind, (table, column) in TARGET_TABLES.items():
        ids = set(getattr(problem, table)[column].astype(str))
        gone |= (early["target_kind"] == kind) & ~early["target_id"].astype(str).isin(ids)
    frozen = early.reset_index(drop=True)
    if "talk" in frozen.columns:
        frozen["talk"] = pd.to_numeric(frozen["talk"], errors="coerce").fillna(0).astype(int)
    if "role" in frozen.columns:
        frozen["role"] = frozen["role"].fillna("").astype(str)
    return frozen, int(gone.sum())


def replan_scenario(store: Store, scenario: str, since: date, *, author: str, problem: Problem | None = None,
                    control: SolveControl | None = None, on_event: Callable[[Any], None] | None = None,
                    note: str = "", check_rules: bool = False) -> ReplanResult:
    """Replan `scenario` from `since` on the changed `problem` (default: the scenario's current input); with
    `check_rules` the checker runs on the new plan before it is saved (result.checked)."""
    base = store.latest_version(scenario)
    if base is None:
        raise NotFoundError(f"方案“{scenario}”还没有任何版本，无法年中调整",
                            f"scenario '{scenario}' has no version to replan from")
    previous = store.load_plan(scenario, base)
    problem = problem if problem is not None else store.load_problem(scenario)
    frozen, dropped = frozen_history(previous, problem, since)
    checked = None
    if check_rules:
        checked = plan_and_check(problem, previous, control, on_event=on_event, frozen_visits=frozen, since=since)
        plan = checked.plan
    else:
        plan = solve(problem, previous, control, on_event=on_event, frozen_visits=frozen, since=since)
    version = save(store, scenario, problem, plan, author, kind="replan", since=since, base_version=base, note=note)
    diff = compare_plans(previous, plan, problem, since=since)
    return ReplanResult(version=version, base_version=base, frozen=len(frozen), dropped_history=dropped, diff=diff,
                        plan=plan, checked=checked)
