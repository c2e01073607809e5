"""One district's progress on a worker: exactly what `planner progress DATA PLAN --actuals … --as-of D` does.

The job carries the district's input, its plan folder and its actual visits (and optional case ledger and spot
checks) as bytes; the worker rebuilds them in a temporary folder and runs the command's own function
(`planner.supervision.cli.cmd_progress`), so the outputs are the ones `planner progress` writes — not a second
implementation that could drift. The four output files come back as bytes with the figures the batch summary
needs (read from the district's summary.json); the client writes OUT/<district>/.

Exit codes as the CLI's: 0 ok, 2 bad input (the input, the plan or the actual visits; also a district without a
plan or without actual visits), 1 (`failed`) for an unexpected error — the message names it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.batch.district import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, MESSAGE_ISSUES, STATUS_BY_EXIT, _one_line
from planner.batch.district import _rebuild as rebuild_input
from planner.batch.inputs import DistrictJob
from planner.errors import InputError, Issue, Lang

PROGRESS_FILES = ("progress.csv", "summary.json", "通报.xlsx", "通报.html")  # what `planner progress` writes
STATUS_COUNTS = ("met", "on_track", "behind", "cannot_meet")               # the obligation statuses


@dataclass(frozen=True)
class ProgressJob:
    """Plain data for one district: its input (as plan-many ships it), plan files, actual visits, options."""

    district: DistrictJob
    plan: dict[str, bytes]                          # plan file name → bytes (PLANS/<district>/)
    extras: dict[str, tuple[str, bytes]]            # "actuals" / "cases" / "checks" → (file name, bytes)
    as_of: str
    digest: str = ""

    @property
    def name(self) -> str:
        return self.district.name


@dataclass
class ProgressResult:
    name: str
    digest: str
    exit_code: int
    message_zh: str = ""
    message_en: str = ""
    seconds: float = 0.0
    households: int | None = None
    figures: dict[str, Any] = field(default_factory=dict)   # summary.csv's counts (figures_from_summary)
    files: dict[str, bytes] = field(default_factory=dict)   # PROGRESS_FILES → bytes (empty unless ok)

    @property
    def status(self) -> str:
        return STATUS_BY_EXIT.get(self.exit_code, "failed")

    def message(self, lang: Lang) -> str:
        return self.message_zh if lang == "zh" else self.message_en


def figures_from_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The district's line of summary.csv from its summary.json: obligations by status, share met, completion.

    completion = Σ done ÷ Σ planned_to_date over the bulletin's office rows (both capped per obligation, as
    docs/SUPERVISION.md defines an office's completion), i.e. the district's completion; 1 when nothing is due yet.
    """
    from planner.supervision.summary import rag

    totals = {status: 0 for status in STATUS_COUNTS}
    for by_status in summary.get("counts", {}).values():
        for status, n in by_status.items():
            totals[status] = totals.get(status, 0) + int(n)
    obligations = sum(totals.values())
    offices = summary.get("by_office", {}).values()
    done = sum(int(o["done"]) for o in offices)
    planned = sum(int(o["planned_to_date"]) for o in offices)
    completion = done / planned if planned else 1.0
    return {"as_of": summary.get("as_of", ""), "obligations": obligations, **{s: totals[s] for s in STATUS_COUNTS},
            "share_met": round(totals["met"] / obligations, 4) if obligations else None,
            "completion": round(completion, 4), "rag": rag(completion),
            "periods_missed": int(summary.get("periods_missed", 0)),
            "anomalies": int(summary.get("anomalies", {}).get("count", 0))}


def _write_all(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        target = (folder / name).resolve()
        if folder.resolve() != target.parent:  # names come from the client's listing: one level, no escape
            raise ValueError(f"unsafe file name in job: {name!r}")
        target.write_bytes(data)


def _households(plan: dict[str, bytes]) -> int | None:
    import pandas as pd

    data = plan.get("cadre_households.csv")
    if data is None:
        return None
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return int(frame["household_id"].nunique()) if "household_id" in frame else None


def progress_district(job: ProgressJob) -> ProgressResult:
    """`planner progress` for one district in a temporary folder; every outcome is a result, never an exception."""
    from planner.supervision.cli import cmd_progress

    started = time.monotonic()
    result = ProgressResult(job.name, job.digest, EXIT_OK)
    try:
        if "actuals" not in job.extras:  # the client found them once; they went away before this job was made
            raise InputError([Issue(job.name, None, None, "没有实际走访记录", "no actual visits")])
        with tempfile.TemporaryDirectory(prefix="planner-progress-") as tmp:
            base = Path(tmp)
            data = rebuild_input(job.district, base / "input")
            _write_all(base / "plan", job.plan)
            paths: dict[str, str | None] = {"actuals": None, "cases": None, "checks": None}
            for kind, (file_name, payload) in job.extras.items():
                _write_all(base / kind, {file_name: payload})
                paths[kind] = str(base / kind / file_name)
            args = argparse.Namespace(data=str(data), plan=str(base / "plan"), actuals=paths["actuals"],
                                      as_of=job.as_of, out=str(base / "out"), checks=paths["checks"],
                                      cases=paths["cases"], year=job.district.year, lang=job.district.lang)
            with contextlib.redirect_stdout(io.StringIO()):  # the command's printed summary: summary.csv has it
                cmd_progress(args)
            result.files = {name: (base / "out" / name).read_bytes() for name in PROGRESS_FILES}
        result.figures = figures_from_summary(json.loads(result.files["summary.json"].decode("utf-8")))
        result.households = _households(job.plan)
    except InputError as exc:
        result.exit_code = EXIT_BAD_INPUT
        result.message_zh = "输入有误：" + _one_line(exc.render("zh", limit=MESSAGE_ISSUES))
        result.message_en = "bad input: " + _one_line(exc.render("en", limit=MESSAGE_ISSUES))
        result.files = {}
    except Exception as exc:  # one district's crash is its own result
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
        result.exit_code = EXIT_FAILED
        result.message_zh = f"程序出错：{type(exc).__name__}: {exc}{where}"
        result.message_en = f"unexpected error: {type(exc).__name__}: {exc}{where}"
        result.files = {}
    result.seconds = round(time.monotonic() - started, 2)
    return result
