"""督查 — progress as of a date: month by month, red/amber/green per office and unit, who needs help (never a
ranking), drill-down to a person's missing visits and missed periods, recording a visit from the plan in a few
clicks, spot checks, and the bulletin download. Computation lives in planner.supervision; this page only draws."""

from __future__ import annotations

import hashlib
from datetime import date
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from planner.errors import InputError
from planner.supervision.labels import KIND_LABELS, OBLIGATION_LABELS, RAG_COLOURS, STATUS_LABELS, label
from planner.supervision.progress import STATUSES, Progress, compute_progress, period_label
from planner.supervision.summary import by_level, needs_help
from planner.supervision.views import missing_visits, month_matrix, open_planned
from planner.ui.frames import cached_names
from planner.ui.i18n import current_lang, labels, t
from planner.ui.state import Workspace

CACHE_KEY = "progress_cache"
UPLOAD_KEY = "progress_uploaded"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SOURCES = ("store", "upload", "demo")


def _default_as_of(year: int) -> date:
    today = date.today()
    return today if today.year == year else date(year, 6, 30)


def _actuals(ws: Workspace, source: str, as_of: date) -> tuple[pd.DataFrame, str] | None:
    """The actual visits to use and a signature for the cache; None when there are none yet."""
    problem, plan = ws.shown_problem, ws.plan
    assert problem is not None and plan is not None
    if source == "store":
        if ws.store is None:
            return None
        from planner.store.actuals import load_actuals

        frame = load_actuals(ws.store, ws.scenario)
        return frame, f"store:{len(frame)}:{hashlib.sha256(frame.to_csv().encode()).hexdigest()[:16]}"
    if source == "upload":
        uploaded = st.session_state.get(UPLOAD_KEY)
        return (uploaded[1], f"upload:{uploaded[0]}") if uploaded else None
    from planner.supervision.demo_actuals import demo_actuals

    frame = demo_actuals(problem, plan, as_of)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame, f"demo:{as_of}"


def _upload(ws: Workspace) -> None:
    file = st.file_uploader(t("progress.upload"), type=["csv", "xlsx"], key="progress_upload",
                            help=t("progress.upload_help"))
    if file is None:
        return
    from planner.supervision.actuals import raw_actuals, validate_actuals

    data = file.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:16]
    if st.session_state.get(UPLOAD_KEY, ("",))[0] == digest:
        if ws.store is not None and st.button(t("progress.upload_store"), key="progress_upload_store"):
            from planner.store.actuals import import_actuals

            _, visits, notes = st.session_state[UPLOAD_KEY]
            n = import_actuals(ws.store, ws.scenario, visits, notes, ws.author)
            st.session_state.pop(CACHE_KEY, None)
            st.success(t("progress.upload_stored", n=n))
        return
    try:
        actuals = validate_actuals(raw_actuals(file.name, data), ws.shown_problem)
    except InputError as exc:
        st.error(t("progress.upload_bad"))
        st.code(exc.render(current_lang(), limit=50))
        return
    st.session_state[UPLOAD_KEY] = (digest, actuals.visits, actuals.notes)
    st.success(t("progress.upload_ok", n=len(actuals.visits), dup=actuals.duplicates))


def _compute(ws: Workspace, frame: pd.DataFrame, signature: str, as_of: date,
             reports: tuple[pd.DataFrame, str] | None = None) -> Progress:
    key = (ws.plan_key, ws.problem_key, signature, as_of.isoformat(), reports[1] if reports else "")
    cached = st.session_state.get(CACHE_KEY)
    if cached and cached[0] == key:
        return cached[1]
    assert ws.shown_problem is not None and ws.plan is not None
    progress = compute_progress(ws.shown_problem, ws.plan.pairs(), ws.plan.visits, frame, as_of,
                                reports=reports[0] if reports else None, report_due=ws.plan.report_due)
    st.session_state[CACHE_KEY] = (key, progress)
    return progress


def _rag_style(frame: pd.DataFrame) -> Any:
    colour = lambda r: [f"background-color: {RAG_COLOURS.get(r['_rag'], '')}"] * len(r)  # noqa: E731
    return frame.style.format(precision=1).apply(colour, axis=1)   # 92.6, not the Styler's 92.600000


def _levels(ws: Workspace, progress: Progress) -> None:
    lang = current_lang()
    problem = ws.shown_problem
    assert problem is not None
    for level in ("office", "unit"):
        frame = by_level(progress, problem, level)
        shown = pd.DataFrame({
            t("progress.col_id"): frame["id"], t("progress.col_name"): frame["name"],
            t("progress.col_required"): frame["required"], t("progress.col_planned"): frame["planned_to_date"],
            t("progress.col_done"): frame["done"], t("progress.col_rate"): (100 * frame["completion"]).round(1),
            t("progress.col_rag"): [label(_RAG, r, lang) for r in frame["rag"]],
            label(STATUS_LABELS, "behind", lang): frame["behind"],
            label(STATUS_LABELS, "cannot_meet", lang): frame["cannot_meet"], "_rag": frame["rag"]})
        st.subheader(t(f"progress.by_{level}"))
        st.dataframe(_rag_style(shown), hide_index=True, column_config={"_rag": None}, key=f"progress_{level}")


_RAG = {"green": ("良好", "green"), "amber": ("需关注", "amber"), "red": ("需督促", "red")}


def _months(ws: Workspace, progress: Progress) -> None:
    problem = ws.shown_problem
    assert problem is not None
    for level, frame, col in (("office", problem.offices, "office_id"), ("unit", problem.units, "unit_id")):
        names = dict(zip(frame[col].astype(str), frame["name"].astype(str), strict=True))
        grid = month_matrix(progress.monthly, level, names)
        st.subheader(t(f"progress.months_{level}"))
        if grid.empty:
            st.caption(t("progress.nothing"))
            continue
        if level == "office":
            st.line_chart(grid.drop(columns="名称").T.rename(columns=names))
        st.dataframe(grid, key=f"progress_months_{level}")


def _help(ws: Workspace, progress: Progress, actuals: pd.DataFrame) -> None:
    lang = current_lang()
    st.caption(t("progress.help_intro"))
    helped = needs_help(progress)
    if helped.empty:
        st.success(t("progress.nobody_behind"))
        return
    names = cached_names(ws.problem, ws.problem_key) if ws.problem is not None else {}

    def named(ids: pd.Series) -> list[str]:   # "U004 区财政局"; a household by its community (no personal names)
        return [f"{i} {names.get(str(i), '')}".strip() if isinstance(i, str) and i else "" for i in ids]

    shown = pd.DataFrame({
        t("progress.col_kind"): [label(KIND_LABELS, k, lang) for k in helped["person_kind"]],
        t("progress.col_unit"): named(helped["unit_id"]), t("progress.col_person"): named(helped["person_id"]),
        t("progress.col_target"): named(helped["target_id"]),
        t("progress.col_obligation"): [label(OBLIGATION_LABELS, o, lang) for o in helped["obligation"]],
        t("progress.col_gap_plan"): helped["gap_to_plan"], t("progress.col_gap_year"): helped["gap_to_required"],
        t("progress.col_left"): helped["left_days"],
        t("progress.col_status"): [label(STATUS_LABELS, s, lang) for s in helped["status"]]})
    st.dataframe(shown, hide_index=True, key="progress_help_table")
    people = sorted({f"{k}:{p}" for k, p in zip(helped["person_kind"], helped["person_id"], strict=True)})
    pick = st.selectbox(t("progress.drill"), people, key="progress_person")
    if not pick:
        return
    kind, person = pick.split(":", 1)
    assert ws.plan is not None
    st.markdown(t("progress.missing_visits"))
    st.dataframe(missing_visits(ws.plan.visits, actuals, kind, person, progress.as_of), hide_index=True,
                 key="progress_missing")
    missed = progress.missed.loc[progress.missed["person_id"] == person]
    if len(missed):
        st.markdown(t("progress.missed_periods"))
        st.dataframe(pd.DataFrame({
            t("progress.col_target"): missed["target_id"],
            t("progress.col_obligation"): [label(OBLIGATION_LABELS, o, lang) for o in missed["obligation"]],
            t("progress.col_period"): [period_label(a, b, lang) for a, b in zip(missed["first_month"],
                                                                              missed["last_month"], strict=True)]}),
            hide_index=True, key="progress_missed_periods")


def _record(ws: Workspace) -> None:
    """Record one visit from the person's plan: done as planned, done another day, or missed with a reason."""
    if ws.store is None or ws.plan is None:
        st.info(t("progress.no_store"))
        return
    from planner.store.actuals import Record, load_records, record_visits

    people = sorted({f"{k}:{p}" for k, p in zip(ws.plan.visits["person_kind"], ws.plan.visits["person_id"],
                                                 strict=True) if k != "leader"} |
                    {f"leader:{p}" for p in ws.plan.leader_offices["leader_id"]})
    pick = st.selectbox(t("progress.record_person"), people, key="record_person")
    if not pick:
        return
    kind, person = pick.split(":", 1)
    records = load_records(ws.store, ws.scenario)
    open_visits = open_planned(ws.plan.visits, records, kind, person)
    if open_visits.empty:
        st.caption(t("progress.record_none"))
        return
    shown = [f"{d} · {a} · {g}" for d, a, g in zip(open_visits["date"], open_visits["activity"],
                                                    open_visits["target_id"], strict=True)]
    choice = st.selectbox(t("progress.record_visit"), list(range(len(shown))), key="record_visit",
                          format_func=shown.__getitem__)
    visit_index = int(choice or 0)
    outcome = st.radio(t("progress.record_outcome"), ("as_planned", "other_day", "missed"),
                       format_func=labels("progress.outcome."), key="record_outcome", horizontal=True)
    row = open_visits.iloc[visit_index]
    planned_day = date.fromisoformat(str(row["date"]))
    when = st.date_input(t("progress.record_date"), value=planned_day, key="record_date") \
        if outcome == "other_day" else planned_day
    talk = st.checkbox(t("progress.record_talk"), value=str(row.get("talk", "0")) in ("1", "1.0"),
                       key="record_talk") if row["activity"] == "household" else False
    note = st.text_input(t("progress.record_note"), key="record_note", help=t("progress.record_note_help"))
    reason = st.text_input(t("progress.record_reason"), key="record_reason") if outcome == "missed" else ""
    if st.button(t("progress.record_save"), key="record_save", type="primary"):
        record = Record(kind, person, str(row["activity"]), str(row["target_kind"]), str(row["target_id"]),
                        str(outcome), date=when if isinstance(when, date) else planned_day, planned_date=planned_day,
                        talk=int(bool(talk)), role=str(row.get("role", "") or ""), note=note, reason=reason)
        record_visits(ws.store, ws.scenario, [record], ws.author)
        st.session_state.pop(CACHE_KEY, None)
        st.success(t("progress.record_saved"))


def _checks(ws: Workspace, actuals: pd.DataFrame, as_of: date) -> None:
    from planner.supervision.sample import draw_sample

    n = st.number_input(t("progress.sample_n"), min_value=1, value=20, step=1, key="sample_n")
    seed = st.number_input(t("progress.sample_seed"), min_value=0, value=0, step=1, key="sample_seed")
    sample = draw_sample(actuals, as_of, int(n), int(seed), ws.shown_problem)
    st.caption(t("progress.sample_fill"))
    edited = st.data_editor(sample, hide_index=True, key="sample_table", disabled=list(sample.columns[:6]),
                            column_config={"confirmed": st.column_config.SelectboxColumn(options=["", "是", "否"])})
    from planner.supervision.sample import YES, confirmation_rates, unit_of

    answers = edited["confirmed"].fillna("").astype(str).str.strip().str.lower()
    filled = pd.DataFrame({"unit_id": unit_of(edited["person_id"], ws.shown_problem),
                           "confirmed": pd.array([True if a in YES else None if a == "" else False for a in answers],
                                                 dtype="boolean")})
    if filled["confirmed"].notna().any():
        rates = confirmation_rates(filled)
        st.dataframe(rates, hide_index=True, key="sample_rates")
    st.download_button(t("progress.sample_download"), data=edited.to_csv(index=False).encode("utf-8-sig"),
                       file_name="抽查.csv", mime="text/csv", key="sample_download")


def _catch_up(ws: Workspace, actuals: pd.DataFrame, as_of: date) -> None:
    """"从今天起重排": re-plan from the day after as-of with the actual visits as history; show the diff."""
    from datetime import timedelta

    from planner.errors import InfeasibleError
    from planner.store.diff import compare_plans
    from planner.ui.downloads import plan_zip_bytes
    from planner.workflow.catchup import catch_up

    since = as_of + timedelta(days=1)
    st.caption(t("progress.catchup_intro", since=since.isoformat()))
    if st.button(t("progress.catchup"), key="catchup_start", icon=":material/update:"):
        assert ws.shown_problem is not None and ws.plan is not None
        try:
            with st.spinner(t("app.solving")):
                st.session_state["catchup_result"] = catch_up(ws.shown_problem, ws.plan, since, actuals)
        except InfeasibleError as exc:
            st.error(exc.render(current_lang()))
            return
    result = st.session_state.get("catchup_result")
    if result is None or ws.plan is None:
        return
    diff = compare_plans(ws.plan, result, ws.shown_problem, since=since)
    v = diff.visits
    st.success(t("progress.catchup_done", kept=v.kept, moved=v.moved, new=v.new, dropped=v.dropped,
                 history=result.report.get("history_rows", 0), pairs=diff.pairs_changed))
    short = pd.DataFrame(result.report.get("shortfalls", []))
    if len(short):
        st.warning(t("progress.catchup_short", n=len(short)))
        st.dataframe(short, hide_index=True, key="catchup_shortfalls")
    st.download_button(t("progress.catchup_download"), data=partial(plan_zip_bytes, result),
                       file_name=f"catch_up_{since.isoformat()}.zip", mime="application/zip", key="catchup_download")


def _bulletin_bytes(progress: Progress, problem: Any, ws: Workspace | None = None) -> bytes:
    import tempfile
    from pathlib import Path

    from planner.supervision.bulletin import write_bulletin

    with tempfile.TemporaryDirectory() as tmp:
        path = write_bulletin(progress, problem, Path(tmp) / "通报.xlsx", None, _case_tables(ws, progress.as_of, problem))
        return path.read_bytes()


def _case_tables(ws: Workspace | None, as_of: date, problem: Any) -> dict[str, Any] | None:
    """The stored case ledger's bulletin tables (台账 sheet, per-unit closing rates), None when it holds no case."""
    if ws is None or ws.store is None:
        return None
    from planner.store.cases import load_cases
    from planner.supervision.case_report import ledger_tables
    from planner.supervision.cases import CaseLedger

    cases = load_cases(ws.store, ws.scenario)
    return ledger_tables(CaseLedger(cases.drop(columns=["updated_by", "updated_at"])), as_of, problem) \
        if len(cases) else None


def render(ws: Workspace) -> None:
    st.header(t("progress.title"))
    st.caption(t("progress.intro"))
    if ws.plan is None or ws.shown_problem is None or len(ws.plan.visits) == 0:
        st.info(t("common.need_plan"))
        return
    year = int(ws.plan.report.get("year") or ws.shown_problem.rules.year)
    left, right = st.columns([2, 1])
    with left:
        source = st.radio(t("progress.source"), SOURCES, format_func=labels("progress.source."),
                          key="progress_source", horizontal=True)
    with right:
        as_of = st.date_input(t("progress.as_of"), value=_default_as_of(year), min_value=date(year, 1, 1),
                              max_value=date(year, 12, 31), key="progress_as_of")
    as_of = as_of if isinstance(as_of, date) else _default_as_of(year)
    if source == "upload":
        _upload(ws)
    from planner.ui.reports_upload import reports_upload

    with st.expander(t("group.reports")):
        reports = reports_upload(ws)
    if reports is None and source == "demo":
        from planner.reports.demo import demo_reports

        reports = (demo_reports(ws.shown_problem, ws.plan, as_of), f"demo-reports:{as_of}")
    found = _actuals(ws, str(source), as_of)
    if found is None:
        st.info(t("progress.no_actuals"))
        tabs = st.tabs([t("progress.tab_record")])
        with tabs[0]:
            _record(ws)
        return
    actuals, signature = found
    progress = _compute(ws, actuals, signature, as_of, reports)
    counts = progress.table["status"].value_counts()
    for column, status in zip(st.columns(len(STATUSES)), STATUSES, strict=True):
        column.metric(label(STATUS_LABELS, status, current_lang()), int(counts.get(status, 0)))
    st.caption(t("progress.summary", missed=len(progress.missed), anomalies=len(progress.anomalies)))
    tabs = st.tabs([t("progress.tab_levels"), t("progress.tab_months"), t("progress.tab_help"),
                    t("progress.tab_anomalies"), t("progress.tab_record"), t("progress.tab_checks"),
                    t("progress.tab_catchup")])
    with tabs[0]:
        _levels(ws, progress)
    with tabs[1]:
        _months(ws, progress)
    with tabs[2]:
        _help(ws, progress, actuals)
    with tabs[3]:
        st.caption(t("progress.anomalies_intro"))
        st.dataframe(progress.anomalies, hide_index=True, key="progress_anomalies")
        if progress.reports_not_owed is not None and len(progress.reports_not_owed):
            st.caption(t("reports.not_owed"))
            st.dataframe(progress.reports_not_owed, hide_index=True, key="progress_reports_not_owed")
    with tabs[4]:
        _record(ws)
    with tabs[5]:
        _checks(ws, actuals, as_of)
    with tabs[6]:
        _catch_up(ws, actuals, as_of)
    st.download_button(t("progress.bulletin"), data=partial(_bulletin_bytes, progress, ws.shown_problem, ws),
                       file_name=f"通报_{as_of.isoformat()}.xlsx", mime=XLSX_MIME, key="progress_bulletin",
                       type="primary", icon=":material/summarize:")
