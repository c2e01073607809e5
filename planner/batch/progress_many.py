"""`progress_many`: `planner progress` for every district under ROOT, one Dask task each, written as they finish.

    planner progress-many ROOT --plans PLANS --actuals-root A --as-of D --out OUT

ROOT is plan-many's ROOT (the district inputs), PLANS its OUT (PLANS/<district>/ plan folders). The actual visits
of district X are A/X.csv, A/X.xlsx (sheet 走访记录) or a folder A/X/ holding actuals.csv|.xlsx and optionally
cases.csv|.xlsx (→ `--cases`) and checks.csv (→ `--checks`). OUT/X/ gets what `planner progress` writes
(progress.csv, summary.json, 通报.xlsx, 通报.html, swapped in atomically by the client); OUT/summary.csv has one
line per district; OUT/.progress-many/X.json is the rerun state (digest of every byte read + the date + options).

A district without a plan folder or without actual visits is `bad_input` at once (no cluster time); the others
go on. docs/BATCH.md describes the layout and the columns.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from planner.batch.district import EXIT_BAD_INPUT, EXIT_FAILED
from planner.batch.inputs import District, check_out, find_districts, read_job
from planner.batch.outputs import OPTIONAL_PLAN_FILES, PLAN_FILES, SKIPPED, SummaryRow, failed_row, write_atomic
from planner.batch.progress_district import PROGRESS_FILES, ProgressJob, ProgressResult, progress_district
from planner.errors import InputError, Issue, Lang
from planner.io.outputs import FolderKind, write_folder

STATE_DIR = ".progress-many"
SUMMARY_FILE = "summary.csv"
SUMMARY_COLUMNS = ("district", "status", "exit_code", "seconds", "as_of", "households", "obligations", "met",
                   "on_track", "behind", "cannot_meet", "share_met", "completion", "rag", "periods_missed",
                   "anomalies", "message")
ACTUALS_SUFFIXES = (".csv", ".xlsx", ".xlsm")
EXTRA_STEMS = {"actuals": ACTUALS_SUFFIXES, "cases": (".csv", ".xlsx", ".xlsm"), "checks": (".csv",)}
PROGRESS = FolderKind("进度文件夹", "progress folder",
                      lambda entry: entry.name in PROGRESS_FILES and entry.is_file() and not entry.is_symlink(),
                      "summary.json")


@dataclass
class ProgressRow(SummaryRow):
    """summary.csv's line for a district: SummaryRow (status, exit code, seconds, households, message) + counts."""

    as_of: str = ""
    obligations: int | None = None
    met: int | None = None
    on_track: int | None = None
    behind: int | None = None
    cannot_meet: int | None = None
    share_met: float | None = None
    completion: float | None = None
    rag: str = ""
    periods_missed: int | None = None
    anomalies: int | None = None


def _issue(path: Path | str, zh: str, en: str) -> InputError:
    return InputError([Issue(str(path), None, None, zh, en)])


def find_actuals(actuals_root: Path, name: str) -> dict[str, Path] | str:
    """The district's files by kind ("actuals", and from a folder "cases", "checks"); else the names of the files
    that compete for one kind, or "" when there are no actual visits (its bad_input row says which)."""
    files = [actuals_root / f"{name}{suffix}" for suffix in ACTUALS_SUFFIXES]
    found = [p for p in files if p.is_file()]
    folder = actuals_root / name
    if folder.is_dir():
        chosen: dict[str, Path] = {}
        for kind, suffixes in EXTRA_STEMS.items():
            inside = [folder / f"{kind}{s}" for s in suffixes if (folder / f"{kind}{s}").is_file()]
            if len(inside) > 1:
                return " + ".join(p.relative_to(actuals_root).as_posix() for p in inside)
            if inside:
                chosen[kind] = inside[0]
        if "actuals" in chosen and not found:
            return chosen
        found += [chosen["actuals"]] if "actuals" in chosen else []
    if len(found) == 1:
        return {"actuals": found[0]}
    return " + ".join(p.relative_to(actuals_root).as_posix() for p in found) if found else ""


def _plan_files(plans: Path, name: str) -> dict[str, bytes] | None:
    folder = plans / name
    if not all((folder / f).is_file() for f in PLAN_FILES):
        return None
    present = [*PLAN_FILES, *(f for f in OPTIONAL_PLAN_FILES if (folder / f).is_file())]
    return {f: (folder / f).read_bytes() for f in present}


def make_job(district: District, plans: Path, actuals_root: Path, as_of: str, year: int | None,
             lang: Lang) -> tuple[ProgressJob, ProgressRow | None]:
    """Read a district's bytes into a job, with the bad_input row when its plan or actual visits are missing
    (such a job is never submitted; were the files to vanish later, the worker reports them missing)."""
    plan = _plan_files(plans, district.name)
    plan_bytes = plan or {}
    where = find_actuals(actuals_root, district.name)
    job = read_job(district, None, year, lang)
    extras = {kind: (path.name, path.read_bytes()) for kind, path in where.items()} if isinstance(where, dict) else {}
    h = hashlib.sha256(f"progress {as_of}\n{job.digest}\n".encode())
    for name in sorted(plan_bytes):
        h.update(f"plan/{name}\n{len(plan_bytes[name])}\n".encode() + plan_bytes[name])
    for kind in sorted(extras):
        file_name, data = extras[kind]
        h.update(f"{kind}/{file_name}\n{len(data)}\n".encode() + data)
    made = ProgressJob(job, plan_bytes, extras, as_of, h.hexdigest())
    n = district.name
    if plan is None:
        return made, _bad(n, "计划目录中没有该区县的完整计划（请先运行 planner plan-many）",
                          "no complete plan for this district in PLANS (run planner plan-many first)", lang)
    if isinstance(where, str) and where:
        return made, _bad(n, f"同一类记录有多个文件（{where}），请只保留一个",
                          f"more than one file of one kind ({where}): keep one", lang)
    if isinstance(where, str):
        return made, _bad(n, f"没有实际走访记录（应为 {n}.csv、{n}.xlsx 或 {n}/actuals.csv）",
                          f"no actual visits ({n}.csv, {n}.xlsx or {n}/actuals.csv)", lang)
    return made, None


def _bad(name: str, zh: str, en: str, lang: Lang) -> ProgressRow:
    return ProgressRow(name, "bad_input", EXIT_BAD_INPUT, 0.0, None, None, zh if lang == "zh" else en)


def state_path(out: Path, name: str) -> Path:
    return out / STATE_DIR / f"{name}.json"


def skipped_row(out: Path, name: str, digest: str, lang: Lang) -> ProgressRow | None:
    try:
        state = json.loads(state_path(out, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("digest") != digest or not all((out / name / f).is_file() for f in PROGRESS_FILES):
        return None
    known = {f.name for f in fields(ProgressRow)} - {f.name for f in fields(SummaryRow)}
    figures = {k: v for k, v in dict(state.get("figures", {})).items() if k in known}
    return ProgressRow(name, "ok", 0, float(state.get("seconds", 0.0)), state.get("households"), None,
                       SKIPPED[0] if lang == "zh" else SKIPPED[1], skipped=True, **figures)


def record(out: Path, result: ProgressResult, lang: Lang) -> ProgressRow:
    """Swap OUT/<district>/ in (ok only) and write its state; its summary row. Failures write nothing."""
    state_path(out, result.name).unlink(missing_ok=True)
    if result.exit_code == 0:
        try:
            write_folder(out / result.name, PROGRESS, lambda tmp: [(tmp / n).write_bytes(d)
                                                                   for n, d in result.files.items()])
        except InputError as exc:  # a folder of the user's files is in the way: refused, nothing replaced
            result.exit_code = EXIT_BAD_INPUT
            result.message_zh = "输出位置被拒绝：" + exc.render("zh", limit=3).replace("\n", " | ")
            result.message_en = "output refused: " + exc.render("en", limit=3).replace("\n", " | ")
        else:
            state = {"district": result.name, "digest": result.digest, "seconds": result.seconds,
                     "households": result.households, "figures": result.figures,
                     "finished": datetime.now(UTC).isoformat(timespec="seconds")}
            write_atomic(state_path(out, result.name),
                         lambda p: p.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8"))
    figures = result.figures if result.exit_code == 0 else {}
    return ProgressRow(result.name, result.status, result.exit_code, result.seconds, result.households, None,
                       result.message(lang), **figures)


def summary_frame(rows: list[SummaryRow]) -> pd.DataFrame:
    """summary.csv: one line per district, sorted by name; counts empty where unknown (not 0)."""
    records = [asdict(r) for r in sorted(rows, key=lambda r: r.district)]
    frame = pd.DataFrame.from_records(records).reindex(columns=list(SUMMARY_COLUMNS))
    for column in ("exit_code", "households", "obligations", "met", "on_track", "behind", "cannot_meet",
                   "periods_missed", "anomalies"):
        frame[column] = frame[column].astype("Int64")
    frame["seconds"] = frame["seconds"].astype(float).round(2)
    for column in ("share_met", "completion"):
        frame[column] = frame[column].astype("Float64").round(4)
    for column in ("as_of", "rag", "message"):
        frame[column] = frame[column].fillna("").astype(str)
    return frame


def write_summary(out: Path, rows: list[SummaryRow]) -> Path:
    from planner.io.safe import write_csv

    frame = summary_frame(rows)
    path = out / SUMMARY_FILE
    write_atomic(path, lambda p: write_csv(frame, p))
    return path


def check_folders(root: Path, plans: Path, actuals_root: Path, out: Path, districts: list[District]) -> None:
    """PLANS and A must be folders; OUT must not be ROOT, PLANS, A, or inside/around any of them."""
    check_out(root, out, districts)
    for path, zh, en in ((plans, "计划目录", "PLANS"), (actuals_root, "实际走访目录", "the actuals root")):
        if not path.is_dir():
            raise _issue(path, f"找不到{zh}（须为文件夹）", f"{en} must be a folder")
        p, o = path.resolve(), out.resolve()
        if o == p or p in o.parents or o in p.parents:
            raise _issue(out, f"输出目录不能与{zh}重叠", f"OUT must not overlap {en}")


def progress_many(root: str | Path, plans: str | Path, actuals_root: str | Path, as_of: str, out: str | Path, *,
                  scheduler: str | None = None, workers: int | None = None, client: Any = None,
                  year: int | None = None, lang: Lang = "zh", progress: Any = None,
                  on_row: Callable[[SummaryRow], None] | None = None) -> list[SummaryRow]:
    """Progress of every district under ROOT as of `as_of` into OUT; the summary rows (also OUT/summary.csv).

    InputError (exit 2) when ROOT, PLANS, A, OUT, the date or the scheduler is unusable: then nothing is written.
    """
    from planner.batch.run import BatchProgress, open_client, stream
    from planner.supervision.cli import parse_day

    root, plans, actuals_root, out = Path(root), Path(plans), Path(actuals_root), Path(out)
    day = parse_day(as_of, "--as-of").isoformat()
    progress = progress or BatchProgress()
    theirs = {plans.resolve(), actuals_root.resolve()}  # PLANS and A may lie inside ROOT, like OUT: not districts
    districts = [d for d in find_districts(root, out) if d.path.resolve() not in theirs]
    if not districts:
        raise _issue(root, "目录下没有区县输入", "no district inputs in ROOT")
    check_folders(root, plans, actuals_root, out, districts)
    progress.names, progress.total = [d.name for d in districts], len(districts)
    ready: list[SummaryRow] = []
    todo: list[District] = []
    for district in districts:  # digests first: unchanged districts and missing files cost no cluster time
        job, row = make_job(district, plans, actuals_root, day, year, lang)
        row = row or skipped_row(out, district.name, job.digest, lang)
        if row is None:
            todo.append(district)
        else:
            ready.append(row)
    by_name = {d.name: d for d in todo}

    def finish(row: SummaryRow) -> None:
        progress.add(row)
        rows, _ = progress.snapshot()
        write_summary(out, rows)
        if on_row is not None:
            on_row(row)

    def make(name: str) -> ProgressJob:
        return make_job(by_name[name], plans, actuals_root, day, year, lang)[0]

    def go(cluster: Any) -> None:
        out.mkdir(parents=True, exist_ok=True)
        for row in ready:
            finish(row)
        if not progress.rows:
            write_summary(out, [])
        if todo:
            stream(cluster, list(by_name), make, progress_district,
                   lambda name, result: finish(record(out, result, lang)),
                   lambda name, exc: finish(_failed(name, exc, lang)), progress, prefix="progress")

    try:
        if todo and client is None:
            with open_client(scheduler, min(workers or _cpus(), len(todo))) as own:
                go(own)
        else:
            go(client)
    finally:
        progress.finished = time.monotonic()
    rows, _ = progress.snapshot()
    return sorted(rows, key=lambda r: r.district)


def _failed(name: str, exc: BaseException, lang: Lang) -> ProgressRow:
    row = failed_row(name, exc, lang)
    return ProgressRow(row.district, row.status, EXIT_FAILED, row.seconds, None, None, row.message)


def _cpus() -> int:
    import os

    return os.cpu_count() or 1
