"""`planner export-many OUT --dest DIR [--xlsx] [--ics] [--redact]`: every district's plan exported on the cluster.

The districts are OUT's plan folders (what `plan-many` wrote). Each task gets one plan folder as bytes and returns
the workbook and/or the calendars' zip as bytes (exactly `planner export --xlsx` / the app's calendar download);
the client writes DEST/<district>.xlsx and DEST/<district>.ics.zip, each atomically. DEST is refused when it is
OUT or inside a plan folder, and when it already holds files but was not made by export-many (marker file
`.export-many`): the command replaces only its own earlier exports.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.batch.district import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, STATUS_BY_EXIT
from planner.batch.outputs import PLAN_FILES, SummaryRow, failed_row, write_atomic
from planner.errors import InputError, Issue, Lang

MARKER = ".export-many"


@dataclass(frozen=True)
class ExportJob:
    name: str
    files: dict[str, bytes]  # plan file name → bytes
    xlsx: bool
    ics: bool
    redact: bool


@dataclass
class ExportResult:
    name: str
    exit_code: int
    outputs: dict[str, bytes]  # file name in DEST → bytes
    message_zh: str = ""
    message_en: str = ""
    seconds: float = 0.0


def export_district(job: ExportJob) -> ExportResult:
    """On a worker: read the plan folder from bytes, build the requested exports, return them as bytes."""
    from planner.export.ics import ics_zip_bytes
    from planner.export.xlsx import export_xlsx
    from planner.plan import read_plan

    started = time.monotonic()
    result = ExportResult(job.name, EXIT_OK, {})
    try:
        with tempfile.TemporaryDirectory(prefix="planner-export-") as tmp:
            folder = Path(tmp) / "plan"
            folder.mkdir()
            for name, data in job.files.items():
                (folder / Path(name).name).write_bytes(data)
            plan = read_plan(folder, require_visits=True)
            if job.xlsx:
                book = Path(tmp) / "book.xlsx"
                export_xlsx(plan, book, redact=job.redact)
                result.outputs[f"{job.name}.xlsx"] = book.read_bytes()
        if job.ics:
            result.outputs[f"{job.name}.ics.zip"] = ics_zip_bytes(plan, redact=job.redact)
    except InputError as exc:
        result.exit_code = EXIT_BAD_INPUT
        result.message_zh = "计划目录有误：" + exc.render("zh", limit=3).replace("\n", " | ")
        result.message_en = "bad plan folder: " + exc.render("en", limit=3).replace("\n", " | ")
    except Exception as exc:  # one district's failure is its own
        result.exit_code = EXIT_FAILED
        result.message_zh = f"程序出错：{type(exc).__name__}: {exc}"
        result.message_en = f"unexpected error: {type(exc).__name__}: {exc}"
    result.seconds = round(time.monotonic() - started, 2)
    return result


def find_plans(out: Path) -> list[Path]:
    """OUT's plan folders (report.json and every plan file present), sorted by name."""
    if not out.is_dir():
        raise InputError([Issue(str(out), None, None, "找不到计划输出目录", "no such plan output folder")])
    plans = sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")
                   and all((p / name).is_file() for name in PLAN_FILES))
    if not plans:
        raise InputError([Issue(str(out), None, None, "目录下没有计划（请先运行 planner plan-many）",
                                "no plan folders here (run planner plan-many first)")])
    return plans


def check_dest(out: Path, dest: Path, plans: list[Path]) -> None:
    dest_r = dest.resolve()
    problem = None
    if dest.exists() and not dest.is_dir():
        problem = ("导出目录是一个文件", "DEST is a file")
    elif dest_r == out.resolve() or any(dest_r == p.resolve() or p.resolve() in dest_r.parents for p in plans):
        problem = ("导出目录不能是计划输出目录或其中的计划", "DEST must not be OUT or inside a plan folder")
    elif dest.is_dir() and any(dest.iterdir()) and not (dest / MARKER).exists():
        problem = ("导出目录中已有其他文件：请指定一个新的或空的目录", "DEST holds other files: give a new or empty folder")
    if problem:
        raise InputError([Issue(str(dest), None, None, *problem)])


def export_many(out: str | Path, dest: str | Path, *, xlsx: bool = True, ics: bool = True, redact: bool = False,
                scheduler: str | None = None, workers: int | None = None, client: Any = None, lang: Lang = "zh",
                on_row: Callable[[SummaryRow], None] | None = None) -> list[SummaryRow]:
    """Export every plan folder of OUT into DEST; one row per district (status ok / bad_input / failed)."""
    from planner.batch.run import BatchProgress, open_client, stream

    out, dest = Path(out), Path(dest)
    plans = find_plans(out)
    check_dest(out, dest, plans)
    by_name = {p.name: p for p in plans}
    progress = BatchProgress(total=len(plans), names=list(by_name))

    def make(name: str) -> ExportJob:
        files = {f.name: f.read_bytes() for f in by_name[name].iterdir() if f.is_file()}
        return ExportJob(name, files, xlsx, ics, redact)

    def done(name: str, result: ExportResult) -> None:
        for file_name, data in result.outputs.items():
            write_atomic(dest / file_name, lambda p, d=data: p.write_bytes(d))
        message = result.message_zh if lang == "zh" else result.message_en
        add(SummaryRow(name, STATUS_BY_EXIT.get(result.exit_code, "failed"), result.exit_code, result.seconds,
                       None, None, message or ", ".join(sorted(result.outputs))))

    def add(row: SummaryRow) -> None:
        progress.add(row)
        if on_row is not None:
            on_row(row)

    def go(cluster: Any) -> None:
        dest.mkdir(parents=True, exist_ok=True)
        (dest / MARKER).touch()
        stream(cluster, list(by_name), make, export_district, done,
               lambda name, exc: add(failed_row(name, exc, lang)), progress, prefix="export")

    if client is None:
        with open_client(scheduler, workers) as own:
            go(own)
    else:
        go(client)
    rows, _ = progress.snapshot()
    return sorted(rows, key=lambda r: r.district)
