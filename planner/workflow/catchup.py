"""Catch-up plan (contract Part 2 "Catch-up"): the rest of the year re-planned from D on what really happened.
A workflow like planner.workflow.replan: it runs assignment and calendar itself (with capping for shortfalls).

History = exactly the recorded actual visits dated before D (kept verbatim; without actuals, the previous plan's
rows before D, as the mid-year replan does). From D on every rule holds, history counts toward the yearly minimums
as docs/SEMANTICS.md "Mid-year replanning" says, and the previous plan's visits from D on are kept where still
valid. A person whose remaining minimums no longer fit their available days is planned as far as possible
(planner/calendar/shortfall.py) and each unmet minimum is listed in report.json `shortfalls` (person, obligation,
target, required, reachable) — taken from the independent checker's minimums table, so `reachable` is what the
checker counts in the new plan. `planner check` prints exactly those as warnings (`split_shortfalls`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from planner.check.violation import Violation
from planner.plan import Plan, names_frame
from planner.problem import Problem
from planner.progress import SolveControl
from planner.reports.due import report_due

VISIT_COLUMNS = ["date", "person_kind", "person_id", "activity", "target_kind", "target_id", "role", "talk"]
# checker rules that are yearly minimums or spread of one person (a shortfall may explain them)
MINIMUM_RULES = frozenset({
    "calendar.leader_grassroots_days", "calendar.leader_contact_visits", "calendar.leader_contact_spread",
    "calendar.all_offices_once", "calendar.main_leader_monthly_a", "calendar.unit_min_visits", "calendar.unit_spread",
    "calendar.cadre_min_visits", "calendar.cadre_spread", "calendar.cadre_talks", "calendar.cadre_grassroots_days",
    "calendar.office_leader_contact", "calendar.office_leader_spread", "calendar.office_all_communities"})


def history_rows(visits: pd.DataFrame, since: date) -> pd.DataFrame:
    """Rows dated before `since`, visit columns only, dates as datetime.date (what the engine keeps verbatim)."""
    dates = pd.to_datetime(visits["date"].astype(str).str.slice(0, 10), errors="coerce", format="%Y-%m-%d")
    early = visits.loc[(dates < pd.Timestamp(since)).to_numpy()].reindex(columns=VISIT_COLUMNS).copy()
    early["date"] = [d.date() for d in dates[early.index]]
    early["role"] = early["role"].fillna("").astype(str)
    early["talk"] = pd.to_numeric(early["talk"], errors="coerce").fillna(0).astype(int)
    return early.reset_index(drop=True)


def catch_up(problem: Problem, previous: Plan, since: date, actuals: pd.DataFrame | None = None,
             control: SolveControl | None = None, on_event: Callable[[Any], None] | None = None) -> Plan:
    """The catch-up plan; raises InfeasibleError only for what capping cannot fix (e.g. community caps)."""
    from planner.assign import solve_assignment
    from planner.calendar import solve_calendar
    from planner.solve import build_report, same_year_visits

    control = control or SolveControl(on_event=on_event)
    history = history_rows(actuals if actuals is not None else previous.visits, since)
    import time

    started = time.monotonic()
    capped: set[str] = set()
    assignment = solve_assignment(problem, previous=previous.pairs(), control=control)
    calendar = solve_calendar(problem, assignment, control=control, frozen_visits=history, since=since,
                              previous_visits=same_year_visits(previous, problem), capped=capped)
    report = build_report(problem, assignment, calendar, time.monotonic() - started)
    report["since"] = since.isoformat()
    report["history"] = "actuals" if actuals is not None else "previous_plan"
    report["history_rows"] = len(history)
    plan = Plan(visits=calendar.visits, report=report, names=names_frame(problem), report_due=report_due(problem),
                **assignment.frames(problem))
    report["shortfalls"] = shortfalls(problem, plan, capped)
    return plan


def shortfalls(problem: Problem, plan: Plan, capped: set[str]) -> list[dict[str, Any]]:
    """Unmet minimums of the persons the engine had to cap, as the checker counts them."""
    if not capped:
        return []
    from planner.check import run_check

    mins = run_check(problem, plan).minimums
    short = mins.loc[~mins["met"].astype(bool) & mins["person_id"].astype(str).isin(capped)]
    return [{"person_kind": str(r["person_kind"]), "person": str(r["person_id"]), "obligation": str(r["requirement"]),
             "target": "" if pd.isna(r["target_id"]) else str(r["target_id"]), "required": int(r["required"]),
             "reachable": int(r["actual"])} for r in short.to_dict("records")]


def split_shortfalls(violations: list[Violation], report: dict[str, Any]) -> tuple[list[Violation], list[Violation]]:
    """(violations that remain errors, violations explained by a listed shortfall — printed as warnings)."""
    listed = report.get("shortfalls") or []
    people = {str(s.get("person")) for s in listed}
    errors, warnings = [], []
    for v in violations:
        if v.rule in MINIMUM_RULES and v.entities and str(v.entities[0]) in people:
            warnings.append(v)
        else:
            errors.append(v)
    return errors, warnings


def cmd_catch_up(args: argparse.Namespace) -> int:
    """`planner plan DATA --out OUT --previous PLAN --since D [--actuals ACTUALS]`."""
    from planner.errors import InputError, Issue
    from planner.io.read import read_problem
    from planner.plan import read_plan, write_plan
    from planner.supervision.actuals import read_actuals
    from planner.supervision.cli import parse_day

    if not args.previous:
        raise InputError([Issue("--since", None, None, "--since 需要同时给出 --previous（当前计划）",
                                "--since needs --previous (the current plan)")])
    since = parse_day(args.since, "--since")
    overrides: dict[str, Any] = {}
    if args.time_limit is not None:
        overrides.setdefault("solver", {})["time_limit"] = args.time_limit
    if args.seed is not None:
        overrides.setdefault("solver", {})["seed"] = args.seed
    previous = read_plan(Path(args.previous), require_visits=True)
    problem = read_problem(Path(args.data), year=args.year or previous.report.get("rules", {}).get("year"),
                           overrides=overrides)
    actuals = read_actuals(args.actuals, problem).visits if args.actuals else None
    plan = catch_up(problem, previous, since, actuals)
    write_plan(plan, Path(args.out))
    short = plan.report["shortfalls"]
    lang = args.lang
    print(f"自 {since} 起重排：历史 {plan.report['history_rows']} 条（{'实际走访记录' if actuals is not None else '原计划'}），"
          f"共 {len(plan.visits)} 条走访" if lang == "zh" else
          f"re-planned from {since}: {plan.report['history_rows']} history rows "
          f"({'actual visits' if actuals is not None else 'previous plan'}), {len(plan.visits)} visits in all")
    for s in short:
        print(f"  缺口：{s['person']} {s['obligation']} {s['target']} 应 {s['required']}，最多 {s['reachable']}"
              if lang == "zh" else
              f"  shortfall: {s['person']} {s['obligation']} {s['target']} required {s['required']}, reachable "
              f"{s['reachable']}")
    print(f"计划已写出：{args.out}" if lang == "zh" else f"plan written: {args.out}")
    return 0


def cmd_replan_actuals(args: argparse.Namespace) -> int:
    """`planner replan SCENARIO --since D --actuals ACTUALS [--data DATA] [--out OUT]`: catch-up on a stored
    scenario, saved as a new version of kind "replan" (base version and since recorded)."""
    import os
    import sys

    from planner.io.read import read_problem
    from planner.plan import write_plan
    from planner.store.api import NotFoundError, StoreError, open_store
    from planner.store.diff import compare_plans
    from planner.supervision.actuals import read_actuals
    from planner.supervision.cli import parse_day

    since = parse_day(args.since, "--since")
    store = open_store()
    try:
        base = store.latest_version(args.scenario)
        if base is None:
            raise NotFoundError(f"方案“{args.scenario}”还没有任何版本", f"scenario '{args.scenario}' has no version")
        previous = store.load_plan(args.scenario, base)
        problem = read_problem(Path(args.data), year=store.load_version_input(args.scenario).rules.year) \
            if args.data else store.load_problem(args.scenario)
    except StoreError as exc:
        print(exc.render(args.lang), file=sys.stderr)
        return 2
    actuals = read_actuals(args.actuals, problem).visits
    plan = catch_up(problem, previous, since, actuals)
    version = store.save_solved(args.scenario, problem, plan, os.environ.get("USER", "cli"), kind="replan",
                                since=since, base_version=base, note="catch-up from actual visits")
    diff = compare_plans(previous, plan, problem, since=since)
    v = diff.visits
    zh = args.lang == "zh"
    print(f"已保存方案 {args.scenario} 第 {version} 版（基于第 {base} 版；历史 = {plan.report['history_rows']} 条实际走访；"
          f"保留 {v.kept}、改期 {v.moved}、新增 {v.new}、取消 {v.dropped}；缺口 {len(plan.report['shortfalls'])} 项）" if zh
          else f"saved scenario {args.scenario} version {version} (from version {base}; history = "
               f"{plan.report['history_rows']} actual visits; kept {v.kept}, moved {v.moved}, new {v.new}, dropped "
               f"{v.dropped}; {len(plan.report['shortfalls'])} shortfalls)")
    if args.out:
        write_plan(plan, Path(args.out))
    return 0
