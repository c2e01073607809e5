"""What the batch writes under OUT: each district's plan folder, the rerun state, and summary.csv.

OUT/<district>/ is written by `planner.plan.write_plan` (atomic) — by the client from the returned tables, or by
the worker itself (`district.write_district_plan`) — so it is exactly the folder `planner plan` writes, no extra
file in it. Whether it is current is kept apart, in OUT/.plan-many/<district>.json (the input digest and
the figures for the summary): written after the plan folder is in place and removed before it is replaced, so a
state file always describes the plan folder next to it. A rerun skips a district whose state says `ok` with the
same digest and whose plan folder is complete.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from planner.batch.district import EXIT_FAILED, DistrictResult, plan_from_result, write_district_plan
from planner.errors import Lang
from planner.io.outputs import PLAN_FILES as ALL_PLAN_FILES

STATE_DIR = ".plan-many"
SUMMARY_FILE = "summary.csv"
SUMMARY_COLUMNS = ("district", "status", "exit_code", "seconds", "households", "violations", "message")
PLAN_FILES = ("leader_offices.csv", "unit_communities.csv", "cadre_households.csv", "visits.csv", "names.csv",
              "report.json")
# files a plan folder may also hold (the office level, research reports' due dates): shipped when present
OPTIONAL_PLAN_FILES = tuple(sorted(ALL_PLAN_FILES - set(PLAN_FILES)))
SKIPPED = ("输入未变，沿用已有计划", "input unchanged: existing plan kept")


@dataclass
class SummaryRow:
    district: str
    status: str
    exit_code: int
    seconds: float
    households: int | None
    violations: int | None
    message: str
    skipped: bool = False


def state_path(out: Path, district: str) -> Path:
    return out / STATE_DIR / f"{district}.json"


def write_atomic(path: Path, write: Any) -> None:
    """`write(tmp)` then rename over `path`: readers see the old file or the new one, never half of one.

    The temporary name is unique (uuid) rather than a mkstemp file, so the file gets the usual umask permissions
    like every other file planner writes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def skipped_row(out: Path, district: str, digest: str, lang: Lang) -> SummaryRow | None:
    """The summary row of a district whose plan is complete and current, or None when it must be planned."""
    try:
        state = json.loads(state_path(out, district).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    folder = out / district
    if state.get("digest") != digest or state.get("status") != "ok":
        return None
    if not all((folder / name).is_file() for name in PLAN_FILES):
        return None
    return SummaryRow(district, "ok", 0, float(state.get("seconds", 0.0)), state.get("households"),
                      state.get("violations"), SKIPPED[0] if lang == "zh" else SKIPPED[1], skipped=True)


def record(out: Path, result: DistrictResult, lang: Lang) -> SummaryRow:
    """Write a finished district's plan folder (unless its worker did), then its state; its summary row."""
    if result.tables and not result.written:  # the plan came back as tables and no worker wrote it: the client does
        state_path(out, result.name).unlink(missing_ok=True)  # the folder is about to change
        write_district_plan(plan_from_result(result), out / result.name, result)
    if result.written and result.exit_code == 0:
        state = {"district": result.name, "digest": result.digest, "status": "ok", "seconds": result.seconds,
                 "cpu_seconds": result.cpu_seconds,
                 "households": result.households, "violations": result.violations, "versions": result.worker,
                 "finished": datetime.now(UTC).isoformat(timespec="seconds")}
        write_atomic(state_path(out, result.name),
                     lambda p: p.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8"))
    # bad input, infeasible, crash: nothing written (an older plan folder of the district stays as it was)
    return SummaryRow(result.name, result.status, result.exit_code, result.seconds, result.households,
                      result.violations, result.message(lang))


def failed_row(district: str, exc: BaseException, lang: Lang) -> SummaryRow:
    """A district whose task never returned (its worker died more often than allowed, the cluster went away)."""
    zh, en = f"任务失败：{type(exc).__name__}: {exc}", f"task failed: {type(exc).__name__}: {exc}"
    return SummaryRow(district, "failed", EXIT_FAILED, 0.0, None, None, zh if lang == "zh" else en)


def summary_frame(rows: list[SummaryRow]) -> pd.DataFrame:
    frame = pd.DataFrame([asdict(r) for r in sorted(rows, key=lambda r: r.district)],
                         columns=[*SUMMARY_COLUMNS, "skipped"])
    frame = frame.reindex(columns=list(SUMMARY_COLUMNS))
    for column in ("households", "violations"):
        frame[column] = frame[column].astype("Int64")
    frame["exit_code"] = frame["exit_code"].astype(int)
    frame["seconds"] = frame["seconds"].astype(float).round(2)
    return frame


def write_summary(out: Path, rows: list[SummaryRow]) -> Path:
    """OUT/summary.csv: one row per district finished so far, sorted by name; UTF-8 with BOM, replaced atomically."""
    from planner.io.safe import write_csv

    path = out / SUMMARY_FILE
    frame = summary_frame(rows)
    write_atomic(path, lambda p: write_csv(frame, p))
    return path
