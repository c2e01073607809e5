"""One district on a worker: what `planner plan` and then `planner check` do, returned as plain data.

The job carries the input as bytes; the worker rebuilds the files in a temporary folder and calls the ordinary API
(read_problem → planner.workflow's plan_and_check), so reading rules are exactly those of `planner plan`. CP-SAT models are
built here, on the worker, and never leave it; the plan comes back as Parquet bytes per table plus the report
(JSON-able), so a worker and a client need only agree on the table format, not on Python objects.

When the job names an output folder (a local cluster, or workers that share OUT's disk) the worker writes the
plan folder itself with `write_plan`, so a large batch does not queue behind one client writing every plan.

Exit codes as the CLI's: 0 ok, 2 bad input, 3 rules cannot all hold; 1 (status `failed`) for a plan the checker
rejects or an unexpected error — the message then names it. Nothing here writes outside its temporary folder
except that one plan folder, and only when the job names OUT.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.batch.inputs import DistrictJob
from planner.errors import InfeasibleError, InputError, Lang

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3
STATUS_BY_EXIT = {EXIT_OK: "ok", EXIT_BAD_INPUT: "bad_input", EXIT_INFEASIBLE: "infeasible"}
MESSAGE_ISSUES = 5  # a summary cell names the first few problems; `planner validate` lists them all


@dataclass
class DistrictResult:
    name: str
    digest: str
    exit_code: int
    message_zh: str = ""
    message_en: str = ""
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the worker process during the task (all its threads)
    households: int | None = None
    violations: int | None = None
    tables: dict[str, bytes] = field(default_factory=dict)   # plan table → Parquet bytes (empty unless solved)
    report: dict[str, Any] = field(default_factory=dict)
    worker: dict[str, str] = field(default_factory=dict)      # versions the plan was made with
    written: bool = False                                      # the plan folder is in place (worker or client)

    @property
    def status(self) -> str:
        return STATUS_BY_EXIT.get(self.exit_code, "failed")

    def message(self, lang: Lang) -> str:
        return self.message_zh if lang == "zh" else self.message_en


def _one_line(text: str) -> str:
    return " | ".join(line.strip() for line in text.splitlines() if line.strip())


def _rebuild(job: DistrictJob, folder: Path) -> Path:
    for name, data in job.files.items():
        target = (folder / name).resolve()
        if folder.resolve() not in target.parents:  # names come from the client's listing; never write elsewhere
            raise ValueError(f"unsafe file name in job: {name!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    entry = folder / job.entry
    if job.folder:
        entry.mkdir(exist_ok=True)  # an empty district folder reads as "tables missing", as `planner plan` says
    return entry


def plan_tables_to_bytes(plan: Any) -> dict[str, bytes]:
    tables = {**plan.tables(), "names": plan.names}
    if plan.report_due is not None:
        tables["report_due"] = plan.report_due
    out: dict[str, bytes] = {}
    for name, frame in tables.items():
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        out[name] = buffer.getvalue()
    return out


def plan_from_result(result: DistrictResult) -> Any:
    """The Plan the worker made, rebuilt on the client from its Parquet tables and report."""
    from planner.plan import Plan

    frames = {name: pd.read_parquet(io.BytesIO(data)) for name, data in result.tables.items()}
    names = frames.pop("names")
    report_due = frames.pop("report_due", None)
    return Plan(report=result.report, names=names, report_due=report_due, **frames)


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    import planner

    out = {"planner": planner.__version__}
    try:
        out["ortools"] = version("ortools")
    except PackageNotFoundError:  # pragma: no cover - ortools is a hard dependency
        out["ortools"] = "?"
    return out


def write_district_plan(plan: Any, folder: Path, result: DistrictResult) -> None:
    """`write_plan` (atomic); a refused or failed write becomes this district's result, the others go on."""
    from planner.plan import write_plan

    try:
        write_plan(plan, folder)
        result.written = True
    except InputError as exc:  # the output path was refused (e.g. a folder of other files is in the way)
        result.exit_code = EXIT_BAD_INPUT
        result.message_zh = "输出位置被拒绝：" + _one_line(exc.render("zh", limit=MESSAGE_ISSUES))
        result.message_en = "output refused: " + _one_line(exc.render("en", limit=MESSAGE_ISSUES))
    except OSError as exc:
        result.exit_code = EXIT_FAILED
        result.message_zh = f"无法写出计划：{type(exc).__name__}: {exc}"
        result.message_en = f"cannot write the plan: {type(exc).__name__}: {exc}"


def plan_district(job: DistrictJob) -> DistrictResult:
    """Read, solve and check one district; every outcome is a result, never an exception (others go on)."""
    from planner.io.read import read_problem
    from planner.workflow.solve import plan_and_check

    started, cpu = time.monotonic(), time.process_time()
    result = DistrictResult(job.name, job.digest, EXIT_OK, worker=versions())
    try:
        with tempfile.TemporaryDirectory(prefix="planner-batch-") as tmp:
            problem = read_problem(_rebuild(job, Path(tmp)), year=job.year, overrides=job.overrides or None)
        problem = dataclasses.replace(problem, source=job.source)  # report.json names the input as `planner plan`
        result.households = int(problem.counts().get("households", 0))
        checked = plan_and_check(problem)  # the one workflow `planner plan` uses: solve, then the checker
        plan, violations = checked.plan, checked.violations
        result.violations = len(violations)
        if violations:
            result.exit_code = EXIT_FAILED
            shown = violations[:MESSAGE_ISSUES]
            result.message_zh = f"核验发现 {len(violations)} 处违反规则：" + "；".join(v.render("zh") for v in shown)
            result.message_en = f"the checker found {len(violations)} violations: " + "; ".join(
                v.render("en") for v in shown)
        if job.out_dir:  # the worker sees OUT (local cluster, shared disk): write here, send back only figures
            write_district_plan(plan, Path(job.out_dir) / job.name, result)
        if not job.out_dir or (job.tables_back and result.written):  # the client writes it, or stores it (--save)
            result.tables = plan_tables_to_bytes(plan)
            result.report = plan.report
    except InputError as exc:
        result.exit_code = EXIT_BAD_INPUT
        result.message_zh = "输入有误：" + _one_line(exc.render("zh", limit=MESSAGE_ISSUES))
        result.message_en = "bad input: " + _one_line(exc.render("en", limit=MESSAGE_ISSUES))
    except InfeasibleError as exc:
        result.exit_code = EXIT_INFEASIBLE
        result.message_zh = "规则无法同时满足：" + _one_line(exc.render("zh"))
        result.message_en = "the rules cannot all hold: " + _one_line(exc.render("en"))
    except Exception as exc:  # a crash in one district is that district's result, not the batch's end
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
        result.exit_code = EXIT_FAILED
        result.message_zh = f"程序出错：{type(exc).__name__}: {exc}{where}"
        result.message_en = f"unexpected error: {type(exc).__name__}: {exc}{where}"
    result.seconds = round(time.monotonic() - started, 2)
    result.cpu_seconds = round(time.process_time() - cpu, 2)
    return result
