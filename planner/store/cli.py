"""`planner history`, `planner show`, `planner replan`: thin wrappers over the store API and, for replan, the
workflow (planner.workflow.replan) — wired in planner/cli.py.

Store errors (unknown scenario or version, conflicts) exit 2 with a message in the chosen language; InputError
and InfeasibleError propagate to planner.cli.main, which maps them to exit codes 2 and 3.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from planner.store.api import StoreError, open_store
from planner.store.diff import PlanDiff

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def _say(args: argparse.Namespace, zh: str, en: str) -> str:
    return zh if getattr(args, "lang", "zh") == "zh" else en


def _author() -> str:
    return os.environ.get("PLANNER_USER") or os.environ.get("USER") or "cli"


def _fail(args: argparse.Namespace, exc: StoreError) -> int:
    print(exc.render(getattr(args, "lang", "zh")), file=sys.stderr)
    return EXIT_BAD_INPUT


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def history(args: argparse.Namespace) -> int:
    """Versions of a scenario: version, when, who, kind, status, objective, gap, counts."""
    try:
        store = open_store()
        info = store.scenario(args.scenario)
        versions = store.list_versions(args.scenario)
    except StoreError as exc:
        return _fail(args, exc)
    print(_say(args, f"方案 {info.name}：输入第 {info.revision} 版，最后修改 {info.updated_by} "
                     f"{info.updated_at.astimezone():%Y-%m-%d %H:%M}",
               f"scenario {info.name}: input revision {info.revision}, last changed by {info.updated_by} "
               f"{info.updated_at.astimezone():%Y-%m-%d %H:%M}"))
    if not versions:
        print(_say(args, "（还没有版本）", "(no versions yet)"))
        return EXIT_OK
    header = _say(args, "版本  时间              作者          类型          状态       目标值          差距     联系户   走访",
                  "ver   when              who           kind          status     objective       gap      househ.  visits")
    print(header)
    for v in versions:
        kind = v.kind if v.since is None else f"{v.kind}>{v.since:%m-%d}"
        print(f"{v.number:<5} {v.created_at.astimezone():%Y-%m-%d %H:%M}  {v.author[:12]:<13} {kind:<13} "
              f"{v.status:<10} {_fmt(v.objective, '<15.6g')} {_fmt(v.gap, '<8.2%')} "
              f"{v.counts.get('households', '-')!s:<8} {v.counts.get('visits', '-')!s}")
    return EXIT_OK


def _version(args: argparse.Namespace, store: Any) -> int:
    text = str(args.version).strip().lower()
    if text in ("latest", "last", "最新"):
        latest = store.latest_version(args.scenario)
        if latest is None:
            raise StoreError(f"方案“{args.scenario}”还没有版本", f"scenario '{args.scenario}' has no versions")
        return int(latest)
    try:
        return int(text.lstrip("v"))
    except ValueError:
        raise StoreError(f"版本号应为数字或 latest：{args.version}",
                         f"version must be a number or 'latest': {args.version}") from None


def show(args: argparse.Namespace) -> int:
    """Write a stored version as a plan folder."""
    from planner.io.outputs import PLAN, check_folder
    from planner.plan import write_plan

    check_folder(args.out, PLAN)
    try:
        store = open_store()
        number = _version(args, store)
        plan = store.load_plan(args.scenario, number)
    except StoreError as exc:
        return _fail(args, exc)
    write_plan(plan, Path(args.out))
    print(_say(args, f"已写出方案 {args.scenario} 第 {number} 版：{args.out}",
               f"scenario {args.scenario} version {number} written: {args.out}"))
    return EXIT_OK


def print_diff(args: argparse.Namespace, diff: PlanDiff) -> None:
    labels = {"leader_offices": ("领导-办事处", "leader-office"), "unit_communities": ("单位-社区", "unit-community"),
              "cadre_households": ("干部-联系户", "cadre-household"),
              "office_leader_communities": ("办事处领导-社区", "office leader-community")}
    for table, d in diff.pairs.items():
        zh, en = labels[table]
        print(_say(args, f"  {zh}：原 {d.before} 对，保留 {d.kept}，变更 {d.removed}，新增 {d.added}；"
                         f"仍存在的结对保留 {d.kept_share:.1%}（{d.surviving_kept}/{d.surviving}）",
                   f"  {en}: {d.before} pairs before, {d.kept} kept, {d.removed} changed, {d.added} new; "
                   f"surviving pairs kept {d.kept_share:.1%} ({d.surviving_kept}/{d.surviving})"))
    v = diff.visits
    print(_say(args, f"  走访：原 {v.before}，不变 {v.kept}，改期 {v.moved}，取消 {v.dropped}，新增 {v.new}；"
                     f"调整日前的历史走访保留 {v.frozen_kept}/{v.frozen_before}",
               f"  visits: {v.before} before, {v.kept} unchanged, {v.moved} moved, {v.dropped} dropped, {v.new} new; "
               f"history before the date kept {v.frozen_kept}/{v.frozen_before}"))


def replan(args: argparse.Namespace) -> int:
    """Freeze visits before --since, re-plan the rest of the year, save a new version, print what changed."""
    from planner.io.outputs import PLAN, check_folder
    from planner.plan import write_plan
    from planner.workflow.replan import replan_scenario

    if args.out:
        check_folder(args.out, PLAN, [args.data])   # before re-planning: a refused --out costs no solve

    try:
        since = datetime.strptime(args.since, "%Y-%m-%d").date()
    except ValueError:
        print(_say(args, f"--since 应为 YYYY-MM-DD：{args.since}", f"--since must be YYYY-MM-DD: {args.since}"),
              file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        store = open_store()
        problem = None
        if args.data:
            from planner.io.read import read_problem

            year = store.load_version_input(args.scenario).rules.year
            problem = read_problem(Path(args.data), year=year)
        if not _in_year(since, problem.rules.year if problem else store.load_version_input(args.scenario).rules.year):
            print(_say(args, f"--since {since} 不在计划年度内", f"--since {since} is outside the plan's year"),
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        result = replan_scenario(store, args.scenario, since, author=_author(), problem=problem)
    except StoreError as exc:
        return _fail(args, exc)
    print(_say(args, f"已保存方案 {args.scenario} 第 {result.version} 版（基于第 {result.base_version} 版，"
                     f"{since} 前的 {result.frozen} 次走访作为历史保留，其中 {result.dropped_history} 次的人员或对象已不在名单中，仍计入）",
               f"saved scenario {args.scenario} version {result.version} (from version {result.base_version}; "
               f"{result.frozen} visits before {since} kept as history, {result.dropped_history} of them by people or "
               f"for targets no longer in the input, still counted)"))
    print_diff(args, result.diff)
    if args.out:
        write_plan(result.plan, Path(args.out), inputs=[args.data])
        print(_say(args, f"计划已写出：{args.out}", f"plan written: {args.out}"))
    return EXIT_OK


def _in_year(day: date, year: int) -> bool:
    return day.year == year
