"""全市/全省 — every district under a server folder planned on the configured Dask cluster (`plan_many`).

For a city or province organization department (organizer role). The batch runs in a background thread that
writes only to its `BatchProgress`; a fragment redraws the district table every second and the whole app reruns
once when the batch ends. The cluster is a setting: `PLANNER_DASK_SCHEDULER` (tcp://HOST:8786) or, without it,
a local cluster of `PLANNER_BATCH_WORKERS` processes; `PLANNER_BATCH_ROOT` / `PLANNER_BATCH_OUT` prefill the folders.
Folders are on the server, as `planner plan-many ROOT --out OUT` would take them (see docs/BATCH.md).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from planner.batch.run import BatchProgress
from planner.errors import InputError
from planner.ui.i18n import current_lang, t
from planner.ui.state import Workspace

JOB_KEY = "batch_job"
REDRAW_SECONDS = 1.0
STATUSES = ("ok", "bad_input", "infeasible", "failed")


@dataclass
class BatchJob:
    """One batch in a background thread; the page reads `progress`, `error` and `done`."""

    root: str
    out: str
    scheduler: str | None
    workers: int | None
    lang: Any
    progress: BatchProgress = field(default_factory=BatchProgress)
    error: str | None = None
    thread: threading.Thread | None = None

    def start(self) -> BatchJob:
        self.thread = threading.Thread(target=self._run, name="planner-batch", daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        from planner.batch.run import plan_many

        try:
            plan_many(self.root, self.out, scheduler=self.scheduler, workers=self.workers, lang=self.lang,
                      progress=self.progress)
        except InputError as exc:
            self.error = exc.render(self.lang, limit=10)
        except Exception as exc:  # shown on the page; the app must outlive a lost cluster
            self.error = f"{type(exc).__name__}: {exc}"

    @property
    def done(self) -> bool:
        return self.thread is None or not self.thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        if self.thread is not None:
            self.thread.join(timeout)
        return self.done


def _setting(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _cell(value: Any, fmt: str = "{}") -> str:
    return "—" if value is None else fmt.format(value)


def district_table(progress: BatchProgress) -> pd.DataFrame:
    """One row per district found: its state now (waiting, in progress, or the summary's status); text cells."""
    rows, running = progress.snapshot()
    done = {row.district: row for row in rows}
    records: list[dict[str, Any]] = []
    for name in progress.names:
        row = done.get(name)
        if row is None:
            state = "running" if name in running else "waiting"
            records.append({"district": name, "status": t(f"batch.state.{state}"), "seconds": "—",
                            "households": "—", "violations": "—", "message": ""})
        else:
            records.append({"district": name, "status": t(f"batch.state.{row.status}"),
                            "seconds": _cell(row.seconds, "{:.1f}"), "households": _cell(row.households),
                            "violations": _cell(row.violations), "message": row.message})
    frame = pd.DataFrame.from_records(records, columns=["district", "status", "seconds", "households", "violations",
                                                        "message"])
    return frame.rename(columns={c: t(f"batch.col.{c}") for c in frame.columns})


def _draw(job: BatchJob) -> None:
    progress = job.progress
    rows, running = progress.snapshot()
    counts = Counter(row.status for row in rows)
    total = progress.total or len(progress.names)
    if total:
        st.progress(min(1.0, len(rows) / total), text=t("batch.progress", done=len(rows), total=total,
                                                        running=len(running), s=progress.elapsed))
    if not rows and not running and not job.done:
        st.caption(t("batch.starting"))
    cols = st.columns(len(STATUSES))
    for col, status in zip(cols, STATUSES, strict=True):
        col.metric(t(f"batch.state.{status}"), counts.get(status, 0))
    st.dataframe(district_table(progress), hide_index=True, width="stretch")


def _start(root: str, out: str, scheduler: str, workers: int) -> None:
    if not root or not out:
        st.error(t("batch.need_folders"))
        return
    job = BatchJob(root, out, scheduler or None, None if scheduler else int(workers), current_lang())
    st.session_state[JOB_KEY] = job.start()


def render(ws: Workspace) -> None:
    st.header(t("batch.title"))
    st.caption(t("batch.intro"))
    job: BatchJob | None = st.session_state.get(JOB_KEY)
    running = job is not None and not job.done
    left, right = st.columns(2)
    root = left.text_input(t("batch.root"), value=_setting("PLANNER_BATCH_ROOT"), key="batch_root",
                           help=t("batch.root_help"), disabled=running)
    out = right.text_input(t("batch.out"), value=_setting("PLANNER_BATCH_OUT"), key="batch_out",
                           help=t("batch.out_help"), disabled=running)
    scheduler = left.text_input(t("batch.scheduler"), value=_setting("PLANNER_DASK_SCHEDULER"), key="batch_scheduler",
                                help=t("batch.scheduler_help"), disabled=running)
    default_workers = int(_setting("PLANNER_BATCH_WORKERS") or os.cpu_count() or 1)
    workers = right.number_input(t("batch.workers"), min_value=1, max_value=256, value=default_workers, step=1,
                                 key="batch_workers", help=t("batch.workers_help"), disabled=running or bool(scheduler))
    if st.button(t("batch.start"), key="batch_start", type="primary", disabled=running):
        _start(root.strip(), out.strip(), scheduler.strip(), int(workers))
        job = st.session_state.get(JOB_KEY)
        running = job is not None and not job.done
    if job is None:
        return
    if running:
        st.button(t("batch.stop"), key="batch_stop", on_click=job.progress.cancel)

        @st.fragment(run_every=REDRAW_SECONDS)
        def live() -> None:
            if job.done:
                st.rerun(scope="app")
                return
            _draw(job)

        live()
        return
    if job.error:
        st.error(t("batch.error", error=job.error))
        return
    _draw(job)
    if job.progress.cancelled:
        st.warning(t("batch.cancelled"))
    else:
        st.success(t("batch.finished", out=job.out))
