"""Independent re-verification of a plan: every rule of SEMANTICS.md recomputed from the plan files alone.

Shares no code with the engines (planner.assign, planner.calendar): it reads only the Problem, the year's workday
calendar (planner.workdays) and the rules, so a bug in an engine cannot hide itself here.

    check_plan(problem, plan) -> list[Violation]          # [] when every rule holds
    plan_is_valid(problem, plan) -> bool
    run_check(problem, plan) -> CheckReport               # violations + per-rule summary + minimums table
    check_summary(problem, plan) -> pd.DataFrame          # per rule: checked, violations, amount, ok
    minimums_table(problem, plan) -> pd.DataFrame         # per person/target: actual vs required, met
    recompute_objectives(problem, plan, previous) -> dict # each stage's objective from the plan (objective.py)

A plan without visits (an empty visits table) is checked on the calendar too — every minimum then fails; pass
`calendar=False` to check the assignment alone (the report then says the calendar was not checked). `planner
check` requires visits.csv (a plan folder always has one; a missing file is bad input, exit 2).

A replan (report["since"] = S) is judged per SEMANTICS "Mid-year replanning": rows before S are history — never
judged (even with departed persons or targets), they only count; minimums are pro-rated for targets and persons
without history; spread periods before S are not judged.
"""

from __future__ import annotations

import pandas as pd

from planner.check.assignment import check_assignment
from planner.check.context import Context
from planner.check.objective import objective_mismatches, recompute_objectives
from planner.check.reports import check_report_due
from planner.check.schedule import check_calendar
from planner.check.violation import MINIMUM_COLUMNS, RULES, CheckReport, Collector, RuleInfo, Violation
from planner.check.visits import check_rows, decode_visits
from planner.plan import Plan
from planner.problem import Problem

__all__ = ["MINIMUM_COLUMNS", "RULES", "CheckReport", "RuleInfo", "Violation", "check_plan", "check_summary",
           "minimums_table", "objective_mismatches", "plan_is_valid", "recompute_objectives", "run_check"]


def run_check(problem: Problem, plan: Plan, calendar: bool = True) -> CheckReport:
    """Check every assignment rule and (unless calendar=False) every calendar rule; the full report."""
    out = Collector()
    since = plan.report.get("since") if plan.report else None
    ctx = Context(problem, calendar=calendar, since=since)
    links = check_assignment(ctx, plan, out)
    minimums = None
    if calendar:
        visits = decode_visits(ctx, plan.visits)
        check_rows(ctx, visits, links, out)
        minimums = check_calendar(ctx, visits, links, out)
        if plan.report_due is not None:
            check_report_due(ctx, plan.report_due, out)
    if minimums is None:
        return CheckReport(tuple(out.violations), dict(out.checked), calendar_checked=calendar)
    return CheckReport(tuple(out.violations), dict(out.checked), minimums, calendar_checked=calendar)


def check_plan(problem: Problem, plan: Plan, calendar: bool = True) -> list[Violation]:
    """Every violated rule instance, in rule order (assignment, visit rows, calendar); [] when the plan is valid."""
    return list(run_check(problem, plan, calendar).violations)


def plan_is_valid(problem: Problem, plan: Plan, calendar: bool = True) -> bool:
    return run_check(problem, plan, calendar).valid


def check_summary(problem: Problem, plan: Plan, calendar: bool = True) -> pd.DataFrame:
    """Per rule: checked count, violations, total amount, ok — for the app's "every minimum met" KPI."""
    return run_check(problem, plan, calendar).summary()


def minimums_table(problem: Problem, plan: Plan) -> pd.DataFrame:
    """One row per (person, requirement, target): actual, required, met (columns MINIMUM_COLUMNS).

    Requirements: leader grassroots_days, contact_days (per linked office), contact_periods, offices_visited,
    reception_a_months (secretary/head); unit community_visits, community_days, community_periods (per linked
    community); cadre household_visits, household_days, household_periods, talks (per linked household) and
    grassroots_days (head/section); office leader contact_days (its contact community), contact_periods and
    communities_visited (走遍社区). Periods are counted over the person's required periods only.
    """
    return run_check(problem, plan).minimums
