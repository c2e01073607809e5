"""The plan's research-report due dates (report_due.csv), re-verified from the rules alone (contract Part 2,
"Research reports"; docs/SUPERVISION.md "Research reports").

Three rules, each counted per person who owes reports (district leaders; cadres of rank head and office
secretaries/directors as main heads) and recomputed here in plain Python, sharing no code with planner.reports:
- `reports.due_count`: the person has exactly as many due dates as reports a year; nobody else has any;
- `reports.due_workday`: every due date is a readable date on a workday of the plan year;
- `reports.due_schedule`: the k-th due date is the k-th cut-off of the rules moved to the last workday on or before
  it (the first workday of the year when none is).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date

import pandas as pd

from planner.check.context import Context, cell_text
from planner.check.violation import Collector


def owing(ctx: Context) -> dict[str, tuple[int, str]]:
    """person id → (reports a year, duty) for everyone who owes reports under the rules."""
    r = ctx.rules.reports
    out: dict[str, tuple[int, str]] = {}
    if r.district_leader > 0:
        out.update({cell_text(x): (r.district_leader, "district_leader") for x in ctx.problem.leaders["leader_id"]})
    if r.main_head > 0:
        for pid, rank in zip(ctx.problem.cadres["cadre_id"], ctx.cadre_rank, strict=True):
            if rank == "head":
                out[cell_text(pid)] = (r.main_head, "main_head")
        office = getattr(ctx.problem, "office_leaders", None)
        if office is not None:
            for row in office.to_dict("records"):
                if cell_text(row["role"]) in ("secretary", "director"):
                    out[cell_text(row["person_id"])] = (r.main_head, "main_head")
    return out


def expected_dues(ctx: Context, duty: str) -> list[date]:
    workdays = sorted(d for d in ctx.work_calendar.days if d.year == ctx.year)
    out = []
    for month, day in ctx.rules.reports.cutoffs(duty):
        cutoff = date(ctx.year, month, min(day, calendar.monthrange(ctx.year, month)[1]))
        before = [d for d in workdays if d <= cutoff]
        out.append(before[-1] if before else workdays[0])
    return out


def check_report_due(ctx: Context, due: pd.DataFrame, out: Collector) -> None:
    people = owing(ctx)
    rows: dict[str, list[str]] = defaultdict(list)
    for row in due.to_dict("records"):
        rows[cell_text(row.get("person_id"))].append(cell_text(row.get("due")))
    workday = {d for d in ctx.work_calendar.days if d.year == ctx.year}
    expected = {duty: expected_dues(ctx, duty) for duty in ("district_leader", "main_head")}
    out.count("reports.due_count", len(people))
    out.count("reports.due_workday", len(due))
    out.count("reports.due_schedule", len(people))
    for pid in sorted(set(rows) - set(people)):
        out.add("reports.due_count", f"{pid} 不需完成调研报告，却有 {len(rows[pid])} 个完成期限",
                f"{pid} owes no research report but has {len(rows[pid])} due dates", (pid,), len(rows[pid]))
    for pid, (required, duty) in people.items():
        texts = rows.get(pid, [])
        if len(texts) != required:
            out.add("reports.due_count", f"{pid} 应有 {required} 个调研报告完成期限，计划中有 {len(texts)} 个",
                    f"{pid} should have {required} report due dates, the plan has {len(texts)}", (pid,),
                    abs(required - len(texts)))
        days: list[date] = []
        for text in texts:
            try:
                day = date.fromisoformat(text)
            except ValueError:
                day = None
            if day is None or day not in workday:
                out.add("reports.due_workday", f"{pid} 的调研报告期限 “{text}” 不是 {ctx.year} 年的工作日",
                        f"{pid}'s report due date '{text}' is not a workday of {ctx.year}", (pid, text))
            else:
                days.append(day)
        if len(days) == len(texts) == required and sorted(days) != expected[duty]:
            want = "、".join(d.isoformat() for d in expected[duty])
            got = "、".join(d.isoformat() for d in sorted(days))
            out.add("reports.due_schedule", f"{pid} 的调研报告期限为 {got}，按规则应为 {want}",
                    f"{pid}'s report due dates are {got}; the rules give {want}", (pid,),
                    sum(a != b for a, b in zip(sorted(days), expected[duty], strict=True)))
