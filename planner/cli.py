"""`planner` command line: parse arguments, call the API, map errors to the contract's exit codes.

0 ok; 1 `check` found violations; 2 bad input; 3 rules cannot all hold; 130 cancelled.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from planner.cli_errors import Parser
from planner.errors import InfeasibleError, InputError, Lang

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_CANCELLED = 0, 1, 2, 3, 130


def _say(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def cmd_template(args: argparse.Namespace) -> int:
    from planner.io.template import write_template

    write_template(Path(args.file))
    print(_say(args.lang, f"已写出模板：{args.file}", f"template written: {args.file}"))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from planner.demo import generate_demo

    counts = generate_demo(Path(args.dir), size=args.size, seed=args.seed, year=args.year)
    print(_say(args.lang, f"已生成示例数据：{args.dir}", f"demo district written: {args.dir}"))
    _print_counts(counts)
    if args.actuals:
        from planner.supervision.cli import demo_with_actuals

        demo_with_actuals(Path(args.dir), args.actuals, args.seed, args.lang)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from planner.io.read import read_problem

    problem = read_problem(Path(args.data), year=args.year)
    print(_say(args.lang, "输入有效。", "Input is valid."))
    _print_counts(problem.counts())
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    from planner.io.outputs import PLAN, check_folder
    from planner.io.read import read_problem
    from planner.plan import read_plan, write_plan
    from planner.workflow.solve import plan_and_check, save

    inputs = [args.data, args.previous]
    check_folder(args.out, PLAN, inputs)   # before solving: a refused --out costs no solve

    if getattr(args, "since", None):   # catch-up (Part 2): history = actuals (or the plan) before --since
        from planner.workflow.catchup import cmd_catch_up

        return cmd_catch_up(args)

    overrides: dict[str, Any] = {}
    if args.time_limit is not None:
        overrides.setdefault("solver", {})["time_limit"] = args.time_limit
    if args.seed is not None:
        overrides.setdefault("solver", {})["seed"] = args.seed
    problem = read_problem(Path(args.data), year=args.year, overrides=overrides)
    previous = read_plan(args.previous) if args.previous else None
    from planner.cli_progress import terminal_progress
    from planner.workflow.solve import timed_control

    bar = None if args.verbose else terminal_progress()   # a tqdm bar by default on a terminal
    # --time-limit: also a wall budget for the whole solve (planner/deadline.py), besides each stage's limit
    control = timed_control(_printer(args) if args.verbose else bar, args.time_limit, args.first_valid)
    try:
        checked = plan_and_check(problem, previous, control)
    finally:
        if bar is not None:
            bar.close()
    plan = checked.plan
    write_plan(plan, Path(args.out), inputs=inputs)
    if args.save:
        from planner.store.api import open_store

        version = save(open_store(), args.save, problem, plan, author=os.environ.get("USER", "cli"))
        print(_say(args.lang, f"已保存到方案 {args.save}，版本 {version}", f"saved to scenario {args.save}, "
                   f"version {version}"))
    _print_plan_summary(plan.report, args.lang)
    for violation in checked.violations:   # never expected: the checker disagrees with the engines
        print(violation.render(args.lang), file=sys.stderr)
    found = len(checked.violations)
    print(_say(args.lang, f"独立核验：{'全部规则均满足' if not found else f'{found} 处违反规则'}。",
               f"independent check: {'all rules hold' if not found else f'{found} violations'}."))
    print(_say(args.lang, f"计划已写出：{args.out}", f"plan written: {args.out}"))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from planner.check import check_plan
    from planner.io.read import read_problem
    from planner.plan import read_plan

    plan = read_plan(Path(args.plan), require_visits=True)  # a plan folder always has visits.csv
    year = args.year or plan.report.get("rules", {}).get("year")
    problem = read_problem(Path(args.data), year=year)
    violations = check_plan(problem, plan)
    if plan.report.get("shortfalls"):   # catch-up: listed shortfalls are warnings, not errors
        from planner.workflow.catchup import split_shortfalls

        violations, warnings = split_shortfalls(violations, plan.report)
        for warning in warnings:
            print(_say(args.lang, "警告（缺口）：", "warning (shortfall): ") + warning.render(args.lang))
    for violation in violations:
        print(violation.render(args.lang))
    if violations:
        print(_say(args.lang, f"共 {len(violations)} 处违反规则。", f"{len(violations)} violations."))
        return EXIT_VIOLATIONS
    print(_say(args.lang, "全部规则均满足。", "All rules hold."))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from planner.io.outputs import CALENDARS, check_folder, check_workbook
    from planner.plan import read_plan

    if args.ics:
        check_folder(args.ics, CALENDARS, [args.plan])
    if args.xlsx:
        check_workbook(args.xlsx, [args.plan])
    plan = read_plan(Path(args.plan), require_visits=True)
    if not args.ics and not args.xlsx:
        print(_say(args.lang, "请指定 --ics 目录 或 --xlsx 文件", "give --ics DIR and/or --xlsx FILE"),
              file=sys.stderr)
        return EXIT_BAD_INPUT
    from planner.export.common import visit_table

    table = visit_table(plan, redact=args.redact)   # built once for both formats
    if args.ics:
        from planner.export.ics import export_ics

        previous = getattr(args, "previous", None)
        if previous and os.path.realpath(previous) == os.path.realpath(args.ics):
            previous = None   # the folder being replaced is the default previous state anyway
        n = export_ics(plan, Path(args.ics), redact=args.redact, inputs=[args.plan, previous], table=table,
                       previous=previous)
        print(_say(args.lang, f"已写出 {n} 个日历文件：{args.ics}", f"{n} calendars written: {args.ics}"))
    if args.xlsx:
        from planner.export.xlsx import export_xlsx

        export_xlsx(plan, Path(args.xlsx), redact=args.redact, inputs=[args.plan], table=table)
        print(_say(args.lang, f"已写出工作簿：{args.xlsx}", f"workbook written: {args.xlsx}"))
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from planner.store.cli import history

    return history(args)


def cmd_show(args: argparse.Namespace) -> int:
    from planner.store.cli import show

    return show(args)


def cmd_replan(args: argparse.Namespace) -> int:
    from planner.store.cli import replan

    if getattr(args, "actuals", None):   # catch-up on a stored scenario (Part 2)
        from planner.workflow.catchup import cmd_replan_actuals

        return cmd_replan_actuals(args)

    return replan(args)


def _print_counts(counts: dict[str, int]) -> None:
    for name, n in counts.items():
        print(f"  {name:<16}{n:>8}")


def _print_plan_summary(report: dict[str, Any], lang: Lang) -> None:
    for stage in report.get("stages", []):
        print(f"  {stage['name']:<28} {stage['status']:<10} obj={stage['objective']:<14.6g} "
              f"bound={stage['bound']:<14.6g} {stage['seconds']:>7.2f}s")
    if report.get("estimated_calendar"):
        print(_say(lang, f"注意：{report.get('year')} 年节假日为估算日历（请用 holidays.csv 校正调休）。",
                   f"Note: the {report.get('year')} holiday calendar is an estimated calendar "
                   "(correct it with holidays.csv)."))


def _printer(args: argparse.Namespace) -> Callable[[Any], None]:
    def show(event: Any) -> None:
        parts = [f"[{event.elapsed:7.2f}s] {event.stage}"]
        if event.message:
            parts.append(event.message)
        if event.objective is not None:
            parts.append(f"obj={event.objective:.6g}")
        if event.bound is not None:
            parts.append(f"bound={event.bound:.6g}")
        if event.total:
            parts.append(f"{event.done}/{event.total}")
        print("  ".join(parts), file=sys.stderr, flush=True)

    return show


HELP_DATA = "input folder of CSV files, or the filled-in template .xlsx / 输入数据：CSV 文件夹或填好的模板 .xlsx"
HELP_PLAN = "plan folder written by `planner plan` / `planner plan` 写出的计划目录"
HELP_DIR = "folder to write (must not exist) / 要写出的目录（须不存在）"
HELP_YEAR = "plan year (default: the rules' year) / 计划年度（默认取规则中的年度）"
HELP_SEED = "random seed: same seed, same data, same plan / 随机种子：种子和数据相同则结果相同"
HELP_SCENARIO = "stored scenario name / 方案名称"
# argparse's own words (gettext msgids of Python 3.11-3.13), in Chinese when --lang zh / PLANNER_LANG=zh
ZH_HEADINGS = {"positional arguments": "位置参数", "options": "选项", "optional arguments": "选项"}
ZH_HELP = "显示本帮助并退出"


class ZhHelpFormatter(argparse.HelpFormatter):
    """argparse's section headings and usage prefix in Chinese."""

    CHINESE = True   # planner.cli_errors.Parser: error messages in Chinese too

    def start_section(self, heading: str | None) -> None:
        super().start_section(ZH_HEADINGS.get(heading or "", heading))

    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


def _lang_of(argv: Sequence[str]) -> Lang:
    """The language asked for before parsing (the help is printed during parsing)."""
    lang = os.environ.get("PLANNER_LANG", "zh")
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    return "en" if lang == "en" else "zh"


def _localise(parser: argparse.ArgumentParser, lang: Lang) -> None:
    """Chinese headings for the parser and every sub-parser, and a bilingual -h help line."""
    if lang != "zh":
        return
    parser.formatter_class = ZhHelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = ZH_HELP
        elif isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                _localise(child, lang)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from planner import __version__

    try:
        return version("planner")
    except PackageNotFoundError:
        return __version__


def build_parser(lang: Lang | None = None) -> argparse.ArgumentParser:
    parser = Parser(prog="planner", description="党员干部直接联系服务群众 年度联系计划")
    parser.add_argument("--lang", choices=["zh", "en"], default=os.environ.get("PLANNER_LANG", "zh"),
                        help="message language / 提示语言")
    parser.add_argument("--version", action="version", version=f"planner {_version()}",
                        help="print the version and exit / 显示版本号并退出")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                title="命令" if (lang or _lang_of(sys.argv[1:])) == "zh" else "commands")

    p = sub.add_parser("template", help="write an empty input workbook / 写出输入模板")
    p.add_argument("file", help="the .xlsx file to write / 要写出的 .xlsx 文件")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("demo", help="write a synthetic district / 生成示例数据")
    p.add_argument("dir", help=HELP_DIR)
    p.add_argument("--size", choices=["small", "district", "city"], default="small",
                   help="small, district (~15,000 households) or city / 规模：小、区、市")
    p.add_argument("--seed", type=int, default=0, help=HELP_SEED)
    p.add_argument("--year", type=int, default=None, help=HELP_YEAR)
    p.add_argument("--actuals", default=None, metavar="DATE",
                   help="also plan it (DIR/plan) and write DIR/actuals.csv up to DATE / 同时生成计划和走访记录")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("validate", help="check the input alone / 校验输入")
    p.add_argument("data", help=HELP_DATA)
    p.add_argument("--year", type=int, default=None, help=HELP_YEAR)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("plan", help="solve assignment and calendar / 生成年度计划")
    p.add_argument("data", help=HELP_DATA)
    p.add_argument("--out", required=True, help="plan folder to write (must not exist) / 要写出的计划目录（须不存在）")
    p.add_argument("--previous", default=None, help="last year's plan folder / 上年计划目录")
    p.add_argument("--year", type=int, default=None, help=HELP_YEAR)
    p.add_argument("--time-limit", type=float, default=None,
                   help="seconds for the whole solve (wall clock; also each stage's deterministic limit): when "
                        "they end, the best valid plan so far is written / 整个求解的时限（秒），到时写出当前最优可行方案")
    p.add_argument("--first-valid", action="store_true",
                   help="write the first valid plan and stop (no improvement) / 得到第一个可行方案即写出并停止")
    p.add_argument("--seed", type=int, default=None, help=HELP_SEED)
    p.add_argument("--save", default=None, metavar="SCENARIO",
                   help="also store as a version of SCENARIO / 同时保存为该方案的新版本")
    p.add_argument("--since", default=None, help="catch-up: re-plan from this date (needs --previous) / 自此日起重排")
    p.add_argument("--actuals", default=None, help="catch-up: actual visits are the history / 以实际走访为历史")
    p.add_argument("-v", "--verbose", action="store_true", help="print progress / 显示求解进度")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("check", help="re-verify every rule on a plan / 独立核验计划")
    p.add_argument("data", help=HELP_DATA)
    p.add_argument("plan", help=HELP_PLAN)
    p.add_argument("--year", type=int, default=None, help=HELP_YEAR)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("export", help="calendars and workbook / 导出日历和工作簿")
    p.add_argument("plan", help=HELP_PLAN)
    p.add_argument("--ics", default=None, metavar="DIR",
                   help="folder for one .ics calendar per person (new, or one planner wrote: updated) / 个人日历（.ics）输出目录")
    p.add_argument("--xlsx", default=None, metavar="FILE", help="workbook to write / 要写出的 Excel 工作簿")
    p.add_argument("--redact", action="store_true", help="pseudonymise household data / 联系户信息脱敏")
    p.add_argument("--previous", default=None, metavar="PREV",
                   help="the previous export (calendar folder or plan folder) to update: moved visits are revised, "
                        "removed ones cancelled; default: the --ics folder being replaced / 上次导出的日历或计划目录")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("history", help="versions of a stored scenario / 方案版本历史")
    p.add_argument("scenario", help=HELP_SCENARIO)
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("show", help="write a stored version as a plan folder / 导出某版本")
    p.add_argument("scenario", help=HELP_SCENARIO)
    p.add_argument("version", help="version number / 版本号")
    p.add_argument("--out", required=True, help="plan folder to write (must not exist) / 要写出的计划目录（须不存在）")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("replan", help="re-plan the rest of the year / 年中调整")
    p.add_argument("scenario", help=HELP_SCENARIO)
    p.add_argument("--since", required=True, help="re-plan from this date, YYYY-MM-DD / 自此日起重排")
    p.add_argument("--data", default=None, help="changed input folder or workbook / 变更后的输入")
    p.add_argument("--out", default=None, help="also write the new version as a plan folder / 同时写出计划目录")
    p.add_argument("--actuals", default=None, help="catch-up: actual visits are the history / 以实际走访为历史")
    p.set_defaults(func=cmd_replan)

    from planner.batch.cli import add_parser as add_plan_many  # plan-many, export-many; Dask loads only when run

    add_plan_many(sub)
    from planner.access.cli import add_parsers as access_parsers  # user add|list|remove|passwd|import, publish

    access_parsers(sub)
    from planner.supervision.cli import add_parsers as add_supervision_parsers

    add_supervision_parsers(sub)
    _localise(parser, lang or _lang_of(sys.argv[1:]))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(_lang_of(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    lang: Lang = args.lang
    try:
        code: int = args.func(args)
        return code
    except InputError as exc:
        from planner.io.outputs import OutputError

        if isinstance(exc, OutputError):
            print(_say(lang, "拒绝写出（未写出、未删除、未移动任何文件）：",
                       "Output refused (nothing was written, deleted or moved):"), file=sys.stderr)
        else:
            print(_say(lang, "输入有误（未写出任何文件）：", "Bad input (nothing was written):"), file=sys.stderr)
        print(exc.render(lang, limit=200), file=sys.stderr)
        return EXIT_BAD_INPUT
    except InfeasibleError as exc:
        print(exc.render(lang), file=sys.stderr)
        print(_say(lang, "未写出任何文件。", "Nothing was written."), file=sys.stderr)
        return EXIT_INFEASIBLE
    except KeyboardInterrupt:
        return EXIT_CANCELLED


if __name__ == "__main__":
    sys.exit(main())
