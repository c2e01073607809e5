"""`planner progress`, `planner sample`, `planner demo-actuals` (and `planner demo --actuals`): thin commands.

Everything is read and validated before anything is written, so bad input (exit 2) writes nothing.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from planner.errors import InputError, Issue
from planner.supervision.labels import STATUS_LABELS, label
from planner.supervision.progress import STATUSES


def parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError([Issue(option, None, None, f"日期 “{text}” 无效，应为 YYYY-MM-DD",
                                f"invalid date '{text}', expected YYYY-MM-DD", text)]) from None


def _problem_and_plan(data: str, plan_dir: str, year: int | None) -> tuple[Any, Any]:
    from planner.io.read import read_problem
    from planner.plan import read_plan

    plan = read_plan(Path(plan_dir), require_visits=True)
    problem = read_problem(Path(data), year=year or plan.report.get("rules", {}).get("year"))
    return problem, plan


def cmd_progress(args: argparse.Namespace) -> int:
    from planner.supervision.actuals import read_actuals
    from planner.supervision.bulletin import bulletin_html, write_bulletin
    from planner.supervision.case_report import cases_summary, ledger_tables
    from planner.supervision.cases import read_cases
    from planner.supervision.progress import compute_progress
    from planner.supervision.sample import confirmation_rates, read_checks
    from planner.supervision.summary import summary_dict, write_summary

    as_of = parse_day(args.as_of, "--as-of")
    problem, plan = _problem_and_plan(args.data, args.plan, args.year)
    actuals = read_actuals(args.actuals, problem)
    checks = confirmation_rates(read_checks(args.checks, problem)) if args.checks else None
    ledger = read_cases(args.cases, problem) if getattr(args, "cases", None) else None
    handed = None
    if getattr(args, "reports", None):
        from planner.reports.handed import read_reports

        handed = read_reports(args.reports, problem)
    progress = compute_progress(problem, plan.pairs(), plan.visits, actuals.visits, as_of,
                                reports=handed.reports if handed is not None else None, report_due=plan.report_due)
    summary = summary_dict(progress, problem, checks)
    if handed is not None:
        from planner.supervision.summary import reports_summary

        summary["reports"] = reports_summary(progress, handed.duplicates)
    case_tables = None
    if ledger is not None:
        summary["cases"] = cases_summary(ledger, as_of, problem)
        case_tables = ledger_tables(ledger, as_of, problem)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".progress.", dir=out))
    try:
        from planner.io.safe import write_csv

        write_csv(progress.table, tmp / "progress.csv")
        write_summary(summary, tmp / "summary.json")
        write_bulletin(progress, problem, tmp / "通报.xlsx", checks, case_tables)
        (tmp / "通报.html").write_text(bulletin_html(progress, problem, checks, case_tables), encoding="utf-8")
        for name in ("progress.csv", "summary.json", "通报.xlsx", "通报.html"):
            (tmp / name).replace(out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _print_summary(summary, args.lang, actuals.duplicates)
    print(_say(args.lang, f"已写出：{out}/progress.csv、summary.json、通报.xlsx、通报.html",
               f"written: {out}/progress.csv, summary.json, 通报.xlsx, 通报.html"))
    return 0


def _say(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _print_summary(summary: dict[str, Any], lang: str, duplicates: int) -> None:
    print(_say(lang, f"截至 {summary['as_of']}：", f"As of {summary['as_of']}:"))
    totals = {st: sum(c[st] for c in summary["counts"].values()) for st in STATUSES}
    print("  " + "  ".join(f"{label(STATUS_LABELS, st, lang)} {totals[st]}" for st in STATUSES))
    for level, zh, en in (("by_office", "办事处", "offices"), ("by_unit", "单位", "units")):
        rags = [v["rag"] for v in summary[level].values()]
        print(_say(lang, f"  {zh}：良好 {rags.count('green')}，需关注 {rags.count('amber')}，需督促 {rags.count('red')}",
                   f"  {en}: green {rags.count('green')}, amber {rags.count('amber')}, red {rags.count('red')}"))
    print(_say(lang, f"  漏报期 {summary['periods_missed']} 个；异常记录 {summary['anomalies']['count']} 条；"
                     f"重复记录 {duplicates} 条（只计一次）",
               f"  periods missed {summary['periods_missed']}; anomalies {summary['anomalies']['count']}; "
               f"duplicate rows {duplicates} (counted once)"))
    if "checks" in summary and summary["checks"]["rate"] is not None:
        rate = 100 * summary["checks"]["rate"]
        print(_say(lang, f"  抽查回访确认率 {rate:.1f}%", f"  spot-check confirmation rate {rate:.1f}%"))
    if "reports" in summary:
        rep = summary["reports"]
        print(_say(lang, f"  调研报告：已完成 {rep['handed_in']} 篇，到期未交 {rep['missed_due_dates']} 次",
                   f"  research reports: {rep['handed_in']} handed in, {rep['missed_due_dates']} due dates missed"))
    if "cases" in summary:
        c = summary["cases"]
        print(_say(lang, f"  问题台账 {c['total']} 件：超期 {len(c['overdue'])} 件，{c['due_soon_days']} 天内到期 "
                         f"{len(c['due_soon'])} 件",
                   f"  case ledger {c['total']} cases: {len(c['overdue'])} overdue, {len(c['due_soon'])} due within "
                   f"{c['due_soon_days']} days"))


def cmd_sample(args: argparse.Namespace) -> int:
    from planner.supervision.actuals import read_actuals
    from planner.supervision.sample import draw_sample, write_sample

    as_of = parse_day(args.as_of, "--as-of")
    problem = None
    if args.data:
        from planner.io.read import read_problem

        problem = read_problem(Path(args.data), year=args.year)
    if args.n < 0:
        raise InputError([Issue("--n", None, None, "抽样数不能为负", "--n must not be negative")])
    actuals = read_actuals(args.actuals, problem)
    sample = draw_sample(actuals.visits, as_of, args.n, args.seed, problem)
    write_sample(sample, Path(args.out))
    print(_say(args.lang, f"已抽取 {len(sample)} 条入户走访记录：{args.out}",
               f"{len(sample)} household visits sampled: {args.out}"))
    return 0


def cmd_demo_actuals(args: argparse.Namespace) -> int:
    from planner.supervision.demo_actuals import write_demo_actuals

    until = parse_day(args.until, "--until")
    problem, plan = _problem_and_plan(args.data, args.plan, None)
    n = write_demo_actuals(problem, plan, until, Path(args.out), seed=args.seed)
    print(_say(args.lang, f"已写出 {n} 条示例走访记录：{args.out}", f"{n} demo actual visits written: {args.out}"))
    return 0


def demo_with_actuals(folder: Path, until_text: str, seed: int, lang: str) -> None:
    """`planner demo DIR --actuals D`: plan the demo into DIR/plan, then write DIR/actuals.csv and DIR/cases.csv
    (the case ledger raised on those visits and reception days) up to D."""
    from planner.io.read import read_problem
    from planner.plan import write_plan
    from planner.supervision.demo_actuals import write_demo_actuals
    from planner.workflow.solve import solve

    until = parse_day(until_text, "--actuals")
    problem = read_problem(folder)
    plan = solve(problem)
    write_plan(plan, folder / "plan")
    n = write_demo_actuals(problem, plan, until, folder / "actuals.csv", seed=seed)
    print(_say(lang, f"已生成计划 {folder / 'plan'} 和 {n} 条走访记录 {folder / 'actuals.csv'}",
               f"plan {folder / 'plan'} and {n} actual visits {folder / 'actuals.csv'} written"))
    import pandas as pd

    from planner.supervision.demo_cases import write_demo_cases

    done = pd.read_csv(folder / "actuals.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    k = write_demo_cases(problem, done, until, str(folder / "cases.csv"), seed=seed)
    print(_say(lang, f"以及 {k} 件问题台账 {folder / 'cases.csv'}", f"and {k} cases {folder / 'cases.csv'}"))
    from planner.reports.demo import write_demo_reports

    r = write_demo_reports(problem, plan, until, folder / "reports.csv", seed=seed)
    print(_say(lang, f"以及 {r} 篇调研报告 {folder / 'reports.csv'}", f"and {r} research reports {folder / 'reports.csv'}"))


def add_parsers(sub: Any) -> None:
    """Register the supervision subcommands on the main parser (planner/cli.py calls this)."""
    p = sub.add_parser("progress", help="progress of a plan as of a date / 督查进度与通报")
    p.add_argument("data")
    p.add_argument("plan")
    p.add_argument("--actuals", required=True, help="actuals.csv or a workbook with sheet 走访记录")
    p.add_argument("--as-of", required=True, help="YYYY-MM-DD")
    p.add_argument("--out", required=True)
    p.add_argument("--checks", default=None, help="filled spot-check file / 抽查回访结果")
    p.add_argument("--cases", default=None, help="cases.csv or a workbook with sheet 问题台账 / 问题台账")
    p.add_argument("--reports", default=None, help="reports.csv or a workbook with sheet 调研报告 / 已完成的调研报告")
    p.add_argument("--year", type=int, default=None)
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser("sample", help="stratified sample of household visits for callbacks / 随机抽查")
    p.add_argument("actuals")
    p.add_argument("--as-of", required=True, help="YYYY-MM-DD")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--data", default=None, help="input folder: stratify by the cadre's unit / 按单位分层")
    p.add_argument("--year", type=int, default=None)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("demo-actuals", help="synthetic actual visits for a plan / 生成示例走访记录")
    p.add_argument("data")
    p.add_argument("plan")
    p.add_argument("--until", required=True, help="YYYY-MM-DD")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_demo_actuals)
