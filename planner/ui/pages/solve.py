"""Step 4 — one button; the solve runs in a background thread and a fragment redraws its progress.

The thread (state.SolveJob) writes only to its SolveControl; the page never blocks. With a plan already made, the
current plan is passed as `previous`, so a re-solve after one lock keeps almost every other pair. The mid-year
replan (planner.store.replan) runs in the same kind of thread: visits before a date stay, the rest is re-planned.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from planner.errors import InfeasibleError, InputError
from planner.progress import Cancelled
from planner.ui.components import fit_height, fmt_pct, issues_table, progress_fragment, stage_label
from planner.ui.i18n import current_lang, t
from planner.ui.state import Workspace


def render(ws: Workspace) -> None:
    st.header(t("solve.title"))
    st.caption(t("solve.intro"))
    if ws.problem is None:
        st.info(t("common.need_data"))
        return
    p = ws.problem
    st.write(t("solve.summary", households=p.n_households, cadres=p.n_cadres, units=p.n_units, leaders=p.n_leaders,
               year=ws.rules.year))
    if ws.plan is not None:
        st.caption(t("solve.continuity"))
    elif ws.previous is not None:
        st.caption(t("solve.continuity_prev"))
    running = ws.job is not None and not ws.job.done
    if st.button(t("solve.start"), key="solve_start", type="primary", disabled=running):
        running = _start(ws, None)
    since = _replan_box(ws, running)
    if since is not None:
        running = _start(ws, since)
    if running:
        progress_fragment(ws, compact=False)
        return
    _outcome(ws)


def _start(ws: Workspace, since: date | None) -> bool:
    try:
        ws.start_solve(since=since)
    except InputError as exc:
        st.error(t("solve.bad_input"))
        issues_table(exc.issues)
        return False
    return True


def _replan_box(ws: Workspace, running: bool) -> date | None:
    """The mid-year replan: a date and a button; the date asked for when the button is pressed, else None."""
    year = ws.rules.year
    first, last = date(year, 1, 1), date(year, 12, 31)
    with st.expander(t("replan.title"), expanded=ws.replan is not None):
        st.caption(t("replan.intro"))
        possible = ws.store is not None and ws.version is not None
        if not possible:
            st.caption(t("replan.need_version"))
        c1, c2 = st.columns([1, 1], vertical_alignment="bottom")
        since = c1.date_input(t("replan.since"), value=min(max(date.today(), first), last), min_value=first,
                              max_value=last, key=f"replan_since_{year}")
        pressed = c2.button(t("replan.start"), key="replan_start", disabled=running or not possible)
    return since if pressed and isinstance(since, date) else None


def _outcome(ws: Workspace) -> None:
    outcome = ws.last_outcome
    lang = current_lang()
    if isinstance(outcome, InfeasibleError):
        st.error(t("solve.infeasible"))
        for conflict in outcome.conflicts:
            st.markdown(f"- {conflict.render(lang)}")
        st.info(t("solve.what_to_change"))
    elif isinstance(outcome, Cancelled):
        st.warning(t("solve.cancelled"))
    elif isinstance(outcome, InputError):
        st.error(t("solve.bad_input"))
        issues_table(outcome.issues)
    elif outcome is not None:
        st.error(t("solve.failed", error=f"{type(outcome).__name__}: {outcome}"))
    elif ws.plan is not None:
        report = ws.plan.report
        if ws.stale:
            st.warning(t("app.stale"))
        else:
            st.success(t("solve.done", seconds=float(report.get("seconds", 0.0))))
            st.markdown(plain_quality(report, ws.violations))
            if ws.replan is not None:
                r = ws.replan
                st.info(t("replan.done", version=ws.version, base=r["base"], frozen=r["frozen"],
                          pairs=r["pairs_changed"], moved=r["visits_moved"], new=r["visits_new"],
                          dropped=r["visits_dropped"]))
            elif ws.version is not None:
                st.caption(t("solve.version", scenario=ws.scenario, version=ws.version))
            if ws.store_error:
                st.caption(t("solve.store_failed", error=ws.store_error))
        _stages(report.get("stages", []))


def plain_quality(report: dict[str, object], violations: list[tuple[str, str]] | None) -> str:
    """The plan's quality in office words: requirements met (the independent check), distance from the best."""
    if violations:
        return t("solve.plain_violations", n=len(violations))
    stages = report.get("stages") or []
    assert isinstance(stages, list)
    if stages and all(s.get("status") == "optimal" for s in stages):
        return t("solve.plain_optimal")
    gap = report.get("gap")
    try:
        shown = f"{max(float(str(gap)), 0.0):.1%}" if gap is not None else None
    except ValueError:
        shown = None
    return t("solve.plain_gap", gap=shown) if shown else t("solve.plain_met")


def _stages(stages: list[dict[str, object]]) -> None:
    if not stages:
        return
    with st.expander(t("solve.stages_table")):
        st.caption(t("solve.details_help"))
        frame = pd.DataFrame({
            t("solve.col_stage"): [stage_label(str(s.get("name", ""))) for s in stages],
            t("solve.col_status"): [t(f"status.{s.get('status', 'unknown')}") for s in stages],
            t("solve.objective"): [s.get("objective") for s in stages],
            t("solve.bound"): [s.get("bound") for s in stages],
            t("solve.col_gap"): [fmt_pct(s.get("gap")) for s in stages],
            t("solve.col_seconds"): [s.get("seconds") for s in stages],
        })
        st.dataframe(frame, hide_index=True, width="stretch", height=fit_height(len(frame)))
