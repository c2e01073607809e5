"""`planner plan-many` (with a tqdm bar over districts), `planner progress-many` and `planner export-many`: the
command-line faces of the batch.

Exit code: 0 when every district is `ok`; 1 when some district is not (summary.csv says which and why); 2 when
the batch cannot start (ROOT, OUT or the scheduler unusable — nothing written).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

from planner.errors import Lang

EXIT_OK, EXIT_SOME_FAILED, EXIT_BAD_INPUT = 0, 1, 2
MAX_THREADS = 64  # rules.py's range for solver.workers


def _say(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _district_bar(lang: Lang, progress: Any, quiet: bool) -> tuple[Any, Callable[[Any], None]]:
    """The tqdm bar over districts both batch commands show, and the callback that advances it per finished
    district (a district that is not `ok` gets its own line)."""
    from tqdm import tqdm

    bar = tqdm(total=0, unit=_say(lang, "区", "district"), file=sys.stderr, dynamic_ncols=True,
               disable=quiet or None)

    def show(row: Any) -> None:
        bar.total = progress.total
        bar.set_postfix_str(f"{row.district}: {row.status}", refresh=False)
        bar.update(1)
        if row.status != "ok":
            bar.write(f"  {row.district}: {row.status} ({row.exit_code}) {row.message[:200]}", file=sys.stderr)

    return bar, show


def plan_many_command(args: argparse.Namespace) -> int:

    from planner.batch.run import BatchProgress, plan_many

    lang: Lang = args.lang
    overrides: dict[str, Any] = {}
    if args.time_limit is not None:
        overrides.setdefault("solver", {})["time_limit"] = args.time_limit
    if args.seed is not None:
        overrides.setdefault("solver", {})["seed"] = args.seed
    if args.scheduler and args.workers:
        print(_say(lang, "已指定调度器：--workers 不起作用（工作进程在各机器上用 dask worker 启动）",
                   "--workers is ignored with --scheduler (start workers with `dask worker` on each machine)"),
              file=sys.stderr)
    progress = BatchProgress()
    bar, show = _district_bar(lang, progress, args.quiet)

    try:
        rows = plan_many(args.root, args.out, scheduler=args.scheduler, workers=args.workers,
                         overrides=overrides or None, year=args.year, lang=lang, progress=progress, on_row=show,
                         workers_write=True if args.shared_out else None, save=args.save,
                         threads=threads_per_district(args.threads_per_district, args.scheduler, args.workers))
    finally:
        bar.close()
    counts = Counter(row.status for row in rows)
    skipped = sum(row.skipped for row in rows)
    print(_say(lang, f"共 {len(rows)} 个区县：成功 {counts['ok']}（其中 {skipped} 个输入未变、沿用已有计划），"
                     f"输入有误 {counts['bad_input']}，规则无法满足 {counts['infeasible']}，失败 {counts['failed']}；"
                     f"用时 {progress.elapsed:.1f} 秒",
               f"{len(rows)} districts: ok {counts['ok']} ({skipped} unchanged, existing plan kept), "
               f"bad input {counts['bad_input']}, infeasible {counts['infeasible']}, failed {counts['failed']}; "
               f"{progress.elapsed:.1f} s"))
    print(_say(lang, f"汇总表：{args.out}/summary.csv", f"summary: {args.out}/summary.csv"))
    return EXIT_OK if counts["ok"] == len(rows) else EXIT_SOME_FAILED


def threads_per_district(given: str, scheduler: str | None, workers: int | None) -> int | None:
    """`--threads-per-district`: `rules` (default: each district's `solver.workers`, so that every plan is the one
    `planner plan` makes), a number (overrides `solver.workers` for every district), or `auto`: on the local
    cluster cores ÷ workers (at least 1) so that workers × threads ≤ cores; with a scheduler, as `rules` (the
    workers' machines are not known here: give a number). See docs/BATCH.md "Threads and workers"."""
    if given == "rules" or (given == "auto" and scheduler):
        return None
    if given == "auto":
        cores = os.cpu_count() or 1
        return max(1, cores // max(1, workers or cores))
    return int(given)


def _threads(text: str) -> str:
    if text in ("auto", "rules") or (text.isdigit() and 1 <= int(text) <= MAX_THREADS):
        return text
    raise argparse.ArgumentTypeError(f"auto, rules or 1..{MAX_THREADS}")


def progress_many_command(args: argparse.Namespace) -> int:

    from planner.batch.progress_many import ProgressRow, progress_many
    from planner.batch.run import BatchProgress

    lang: Lang = args.lang
    progress = BatchProgress()
    bar, show = _district_bar(lang, progress, args.quiet)

    try:
        rows = progress_many(args.root, args.plans, args.actuals_root, args.as_of, args.out,
                             scheduler=args.scheduler, workers=args.workers, year=args.year, lang=lang,
                             progress=progress, on_row=show)
    finally:
        bar.close()
    counts = Counter(row.status for row in rows)
    met = sum(r.met or 0 for r in rows if isinstance(r, ProgressRow))
    total = sum(r.obligations or 0 for r in rows if isinstance(r, ProgressRow))
    share = f"{100 * met / total:.1f}%" if total else "—"
    print(_say(lang, f"共 {len(rows)} 个区县：成功 {counts['ok']}，输入有误 {counts['bad_input']}，失败 {counts['failed']}；"
                     f"已完成义务 {met}/{total}（{share}）",
               f"{len(rows)} districts: ok {counts['ok']}, bad input {counts['bad_input']}, failed {counts['failed']}; "
               f"obligations met {met}/{total} ({share})"))
    print(_say(lang, f"汇总表：{args.out}/summary.csv", f"summary: {args.out}/summary.csv"))
    return EXIT_OK if counts["ok"] == len(rows) else EXIT_SOME_FAILED


def export_many_command(args: argparse.Namespace) -> int:
    from planner.batch.export import export_many
    from planner.batch.outputs import SummaryRow

    lang: Lang = args.lang
    if not args.ics and not args.xlsx:
        print(_say(lang, "请指定 --ics 和/或 --xlsx", "give --ics and/or --xlsx"), file=sys.stderr)
        return EXIT_BAD_INPUT

    def show(row: SummaryRow) -> None:
        if row.status != "ok":
            print(f"  {row.district}: {row.status} ({row.exit_code}) {row.message[:200]}", file=sys.stderr)

    rows = export_many(args.out, args.dest, xlsx=args.xlsx, ics=args.ics, redact=args.redact,
                       scheduler=args.scheduler, workers=args.workers, lang=lang, on_row=show)
    ok = sum(row.status == "ok" for row in rows)
    print(_say(lang, f"已导出 {ok}/{len(rows)} 个区县：{args.dest}", f"{ok}/{len(rows)} districts exported: {args.dest}"))
    return EXIT_OK if ok == len(rows) else EXIT_SOME_FAILED


def add_parser(sub: Any) -> None:
    p = sub.add_parser("plan-many", help="plan every district under ROOT on a Dask cluster / 批量生成各区县计划")
    p.add_argument("root", help="one input (folder or .xlsx/.zip) per district / 每区县一个输入")
    p.add_argument("--out", required=True)
    p.add_argument("--scheduler", default=os.environ.get("PLANNER_DASK_SCHEDULER") or None, metavar="ADDRESS",
                   help="tcp://HOST:8786 (default: $PLANNER_DASK_SCHEDULER, else a local cluster)")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: CPU count)")
    p.add_argument("--year", type=int, default=None)
    p.add_argument("--time-limit", type=float, default=None, help="deterministic seconds per stage")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--shared-out", action="store_true",
                   help="workers write OUT themselves (they see OUT at the same path, e.g. NFS)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("--save", default=None, metavar="STORE_URL",
                   help="save each district's plan as a version of the scenario named after it / 保存到方案库")
    p.add_argument("--threads-per-district", type=_threads, default="rules", metavar="N|auto|rules",
                   help="CP-SAT threads per district (rules: each district's solver.workers, as planner plan; "
                        "auto: cores ÷ local workers)")
    p.set_defaults(func=plan_many_command)

    p = sub.add_parser("progress-many", help="progress of every district / 批量督查进度")
    p.add_argument("root", help="plan-many's ROOT: one input per district / 每区县一个输入")
    p.add_argument("--plans", required=True, help="plan-many's OUT: PLANS/<district>/ / 批量计划输出目录")
    p.add_argument("--actuals-root", required=True,
                   help="A/<district>.csv|.xlsx or A/<district>/actuals.csv (+cases.csv, checks.csv) / 实际走访记录")
    p.add_argument("--as-of", required=True, help="YYYY-MM-DD")
    p.add_argument("--out", required=True)
    p.add_argument("--scheduler", default=os.environ.get("PLANNER_DASK_SCHEDULER") or None, metavar="ADDRESS")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--year", type=int, default=None)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=progress_many_command)

    p = sub.add_parser("export-many", help="export every district's plan / 批量导出各区县计划")
    p.add_argument("out", help="plan-many's OUT folder / 批量计划输出目录")
    p.add_argument("--dest", required=True, help="DEST/<district>.xlsx and DEST/<district>.ics.zip")
    p.add_argument("--xlsx", action="store_true", help="printable workbook per district / 工作簿")
    p.add_argument("--ics", action="store_true", help="calendars per district (zip of .ics) / 日历")
    p.add_argument("--redact", action="store_true", help="pseudonymise household data / 联系户信息脱敏")
    p.add_argument("--scheduler", default=os.environ.get("PLANNER_DASK_SCHEDULER") or None, metavar="ADDRESS")
    p.add_argument("--workers", type=int, default=None)
    p.set_defaults(func=export_many_command)
