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
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from planner.batch.run import BatchProgress
from planner.errors import InputError
from planner.ui.i18n import current_lang, t
from planner.ui.state import Workspace

JOB_KEY = "batch_job"
SHOWN_KEY = "batch_completion_of"  # the finished batch whose folders the completion section was last pointed at
REDRAW_SECONDS = 1.0
STATUSES = ("ok", "bad_input", "infeasible", "failed")


@dataclass(frozen=True)
class ProgressOf:
    """What turns a batch into progress-many: plan-many's OUT, the actual visits' root, the as-of date."""

    plans: str
    actuals: str
    as_of: str


@dataclass
class BatchJob:
    """One batch in a background thread (plan-many, or progress-many with `progress_of`); the page reads
    `progress`, `error` and `done`."""

    root: str
    out: str
    scheduler: str | None
    workers: int | None
    lang: Any
    progress_of: ProgressOf | None = None
    save: str | None = None        # plan-many --save: the app's own store URL
    author: str | None = None
    progress: BatchProgress = field(default_factory=BatchProgress)
    error: str | None = None
    thread: threading.Thread | None = None

    def start(self) -> BatchJob:
        self.thread = threading.Thread(target=self._run, name="planner-batch", daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        from planner.batch.progress_many import progress_many
        from planner.batch.run import plan_many

        spec = self.progress_of
        try:
            if spec is None:
                plan_many(self.root, self.out, scheduler=self.scheduler, workers=self.workers, lang=self.lang,
                          progress=self.progress, save=self.save, author=self.author)
            else:
                progress_many(self.root, spec.plans, spec.actuals, spec.as_of, self.out, scheduler=self.scheduler,
                              workers=self.workers, lang=self.lang, progress=self.progress)
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


def _start(root: str, out: str, scheduler: str, workers: int, progress_of: ProgressOf | None = None,
           save: str | None = None, author: str | None = None) -> None:
    if not root or not out or (progress_of is not None and not (progress_of.actuals and progress_of.plans)):
        st.error(t("batch.need_folders" if progress_of is None else "batch.need_progress_folders"))
        return
    job = BatchJob(root, out, scheduler or None, None if scheduler else int(workers), current_lang(), progress_of,
                   save, author)
    st.session_state[JOB_KEY] = job.start()


def _progress_form(root: str, plans: str, scheduler: str, workers: int, running: bool) -> None:
    """progress-many from the page: the same ROOT and cluster, plan-many's OUT as PLANS (docs/BATCH.md)."""
    with st.expander(t("batch.progress_title")):
        st.caption(t("batch.progress_intro"))
        left, right = st.columns(2)
        actuals = left.text_input(t("batch.actuals_root"), value=_setting("PLANNER_BATCH_ACTUALS"),
                                  key="batch_actuals_root", help=t("batch.actuals_root_help"), disabled=running)
        out = right.text_input(t("batch.progress_dir"), value=_setting("PLANNER_BATCH_PROGRESS"),
                               key="batch_progress_out", disabled=running)
        as_of = left.date_input(t("batch.as_of"), value=date.today(), key="batch_as_of", disabled=running)
        if st.button(t("batch.progress_start"), key="batch_progress_start", disabled=running):
            _start(root, out.strip(), scheduler, workers, ProgressOf(plans, actuals.strip(), str(as_of)))


def render(ws: Workspace) -> None:
    st.header(t("batch.title"))
    st.caption(t("batch.intro"))
    _batch(ws)
    completion_section(st.session_state.get(JOB_KEY))


def _batch(ws: Workspace) -> None:
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
    save = left.checkbox(t("batch.save"), key="batch_save", help=t("batch.save_help"), disabled=running)
    if st.button(t("batch.start"), key="batch_start", type="primary", disabled=running):
        from planner.store.api import default_url

        _start(root.strip(), out.strip(), scheduler.strip(), int(workers), save=default_url() if save else None,
               author=ws.author)
    _progress_form(root.strip(), out.strip(), scheduler.strip(), int(workers), running)
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


# -- completion of every district (plan-many's and progress-many's summary.csv) -------------------------------------
PLAN_COLUMNS = ("district", "status", "households", "violations")
PROGRESS_COLUMNS = ("progress_status", "as_of", "obligations", "met", "share_met", "completion", "rag")
RAG_COLOURS = {"green": "#2E7D32", "amber": "#F9A825", "red": "#C62828", "": "#9E9E9E"}
STATUS_COLOURS = {"ok": "#2E7D32", "bad_input": "#F9A825", "infeasible": "#EF6C00", "failed": "#C62828"}


def read_summary(folder: str) -> pd.DataFrame | None:
    """A batch's summary.csv as text (None when the folder has none); unknown figures are empty strings."""
    from pathlib import Path

    path = Path(folder) / "summary.csv"
    if not folder or not path.is_file():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def completion_frame(plans: pd.DataFrame | None, progress: pd.DataFrame | None) -> pd.DataFrame:
    """One row per district: plan-many's status, households and violations, joined (outer, by district) with
    progress-many's as-of date, obligations met, share met, completion and RAG. Numbers are numbers (NA unknown)."""
    frame = pd.DataFrame(columns=["district"])
    if plans is not None:
        frame = plans.reindex(columns=list(PLAN_COLUMNS))
    if progress is not None:
        extra = progress.rename(columns={"status": "progress_status"}).reindex(columns=["district", *PROGRESS_COLUMNS])
        frame = frame.merge(extra, on="district", how="outer") if plans is not None else extra
    for column in ("households", "violations", "obligations", "met"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    for column in ("share_met", "completion"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    for column in ("status", "progress_status", "as_of", "rag"):
        if column in frame:
            frame[column] = frame[column].fillna("").astype(str)
    return frame.sort_values("district", kind="stable").reset_index(drop=True)


def completion_table(frame: pd.DataFrame) -> pd.DataFrame:
    """What the page shows: Chinese (or English) headers and labels; shares as percentages."""
    from planner.supervision.labels import RAG_LABELS, label

    lang = current_lang()
    shown = frame.copy()
    for column in ("status", "progress_status"):
        if column in shown:
            shown[column] = [t(f"batch.state.{v}") if v else "—" for v in shown[column]]
    if "rag" in shown:
        shown["rag"] = [label(RAG_LABELS, v, lang) if v else "—" for v in shown["rag"]]
    for column in ("share_met", "completion"):
        if column in shown:
            shown[column] = [("—" if pd.isna(v) else f"{100 * v:.1f}%") for v in shown[column]]
    return shown.rename(columns={c: t(f"batch.col.{c}") for c in shown.columns})


def completion_chart(frame: pd.DataFrame) -> Any:
    """A bar per district: share of obligations met coloured by RAG when progress is known, else households
    coloured by the plan's status (districts have no boundaries in the input, so no geographic map)."""
    import altair as alt

    district = alt.Y("district:N", sort=None, title=t("batch.col.district"))
    if "share_met" in frame and frame["share_met"].notna().any():
        data = frame.assign(share=frame["share_met"].fillna(0.0), colour=frame["rag"].map(RAG_COLOURS).fillna("#9E9E9E"))
        x = alt.X("share:Q", title=t("batch.col.share_met"), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]))
    else:
        data = frame.assign(share=frame["households"].fillna(0).astype(int),
                            colour=frame["status"].map(STATUS_COLOURS).fillna("#9E9E9E"))
        x = alt.X("share:Q", title=t("batch.col.households"))
    height = max(120, 22 * len(data))
    return alt.Chart(data).mark_bar().encode(x=x, y=district, color=alt.Color("colour:N", scale=None),
                                             tooltip=["district", "share"]).properties(height=height)


def completion_section(job: BatchJob | None) -> None:
    """Completion of every district from the summaries on the server: plans done, households, violations and,
    once progress-many has run, the share of obligations met."""
    st.divider()
    st.subheader(t("batch.completion"))
    st.caption(t("batch.completion_intro"))
    left, right = st.columns(2)
    default_plans, default_progress = _setting("PLANNER_BATCH_OUT"), _setting("PLANNER_BATCH_PROGRESS")
    if job is not None and job.done and st.session_state.get(SHOWN_KEY) is not job:  # follow the last batch
        st.session_state[SHOWN_KEY] = job
        if job.progress_of is not None:
            st.session_state["batch_plans_dir"], st.session_state["batch_progress_dir"] = job.progress_of.plans, job.out
        else:
            st.session_state["batch_plans_dir"] = job.out
    for key, default in (("batch_plans_dir", default_plans), ("batch_progress_dir", default_progress)):
        st.session_state.setdefault(key, default)  # set through the state only: no "default and state" warning
    plans_dir = left.text_input(t("batch.plans_dir"), key="batch_plans_dir")
    progress_dir = right.text_input(t("batch.progress_dir"), key="batch_progress_dir", help=t("batch.progress_dir_help"))
    plans, progress = read_summary(plans_dir.strip()), read_summary(progress_dir.strip())
    if plans is None and progress is None:
        st.info(t("batch.no_summary"))
        return
    frame = completion_frame(plans, progress)
    cols = st.columns(4)
    ok = int((frame["status"] == "ok").sum()) if "status" in frame else 0
    cols[0].metric(t("batch.metric.districts"), len(frame))
    cols[1].metric(t("batch.metric.plans_done"), f"{ok}/{len(frame)}" if plans is not None else "—")
    cols[2].metric(t("batch.col.households"), int(frame["households"].sum()) if "households" in frame else "—")
    if "met" in frame and frame["obligations"].sum():
        cols[3].metric(t("batch.col.share_met"), f"{100 * frame['met'].sum() / frame['obligations'].sum():.1f}%")
    else:
        cols[3].metric(t("batch.col.violations"), int(frame["violations"].sum()) if "violations" in frame else "—")
    st.dataframe(completion_table(frame), hide_index=True, width="stretch")
    st.altair_chart(completion_chart(frame), width="stretch")
