"""Step 1 — the input: the bundled demo on first start, uploads (template workbook or zip of CSVs), the template.

A failed upload never replaces the data already loaded: its problems are listed as a table (sheet, row, column,
what is wrong) so that the user can fix the file and upload it again.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planner.errors import InputError
from planner.model import TABLES
from planner.ui.components import fit_height, issues_table, paginate, shown_table, source_label, uploader
from planner.ui.downloads import read_plan_zip, template_bytes
from planner.ui.i18n import current_lang, lkey, t
from planner.ui.state import Workspace, demo_path, load_demo

UPLOAD_SEEN = "data_upload_seen"
PREVIOUS_SEEN = "data_previous_seen"
LOADED_FLASH = "data_loaded_flash"   # the "loaded" message, shown once after the rerun that follows an upload
SAME_FLASH = "data_same_flash"       # the upload equals the loaded data: said once, nothing changed


def load_upload(ws: Workspace, name: str, data: bytes) -> bool:
    """Validate an upload into the workspace; on any problem keep the old data and remember the issues."""
    from planner.io.read import read_upload
    from planner.io.validate import build_problem

    try:
        tables, rules = read_upload(name, data)
        labels = {stem: str(frame.attrs.get("label", f"{stem}.csv")) for stem, frame in tables.items()}
        problem = build_problem(tables, rules or ws.rules, name, labels=labels)
    except InputError as exc:
        ws.upload_issues = exc.issues
        return False
    ws.upload_issues = []
    if same_data(ws, problem):
        st.session_state[SAME_FLASH] = name
        return True
    ws.set_problem(problem, new_data=True)
    return True


def same_data(ws: Workspace, problem: object) -> bool:
    """The upload holds exactly the tables and rules already loaded: nothing to change, no new version."""
    old = ws.problem
    if old is None or getattr(problem, "rules", None) != old.rules:
        return False
    mine, theirs = old.raw_tables(), problem.raw_tables()  # type: ignore[attr-defined]
    return all(mine[stem].astype(str).reset_index(drop=True).equals(theirs[stem].astype(str).reset_index(drop=True))
               for stem in mine)


def is_demo(ws: Workspace) -> bool:
    return ws.problem is not None and source_label(ws.problem.source) == source_label(str(demo_path()))


def _table_names() -> dict[str, str]:
    zh = current_lang() == "zh"
    return {spec.stem: spec.zh if zh else spec.stem for spec in TABLES}


def render(ws: Workspace) -> None:
    st.header(t("data.title"))
    st.caption(t("data.intro") if is_demo(ws) else t("data.intro_own"))
    if ws.upload_issues:   # full width, at the top, in the sheet and column names of the template
        st.error(t("data.errors", n=len(ws.upload_issues)))
        issues_table(ws.upload_issues)
    left, right = st.columns([3, 2], gap="large")
    with right:
        uploaded = uploader(t("data.upload"), ["xlsx", "zip", "csv"], "data_upload")
        if uploaded is not None and st.session_state.get(UPLOAD_SEEN) != uploaded.file_id:
            st.session_state[UPLOAD_SEEN] = uploaded.file_id
            with st.spinner(t("data.checking")):
                ok = load_upload(ws, uploaded.name, uploaded.getvalue())
            # the sidebar (and the problems above) were drawn before the upload: draw again
            if ok and SAME_FLASH not in st.session_state:
                st.session_state[LOADED_FLASH] = uploaded.name
            st.rerun()
        if (loaded := st.session_state.pop(LOADED_FLASH, None)) is not None:
            st.success(t("data.loaded", source=source_label(str(loaded))))
        if (same := st.session_state.pop(SAME_FLASH, None)) is not None:
            st.info(t("data.same", source=source_label(str(same))))
        b1, b2 = st.columns(2)
        b1.download_button(t("data.template"), data=template_bytes, file_name=t("data.template_name"),
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="data_template", width="stretch", help=t("data.template_help"))
        if b2.button(t("data.load_demo"), key="data_demo", width="stretch"):
            try:
                ws.set_problem(load_demo(), new_data=True)
                ws.upload_issues = []
                st.session_state.pop(UPLOAD_SEEN, None)
                st.rerun()
            except (InputError, OSError):
                st.error(t("data.demo_missing"))
        _previous_section(ws)
    with left:
        if ws.problem is None:
            st.warning(t("data.demo_missing"))
            return
        st.subheader(t("data.current"))
        st.caption(t("data.source", source=source_label(ws.problem.source)))
        counts = ws.problem.counts()
        names = _table_names()
        frame = pd.DataFrame({t("data.counts_table"): [names[s] for s in counts],
                              t("data.counts_rows"): list(counts.values())})
        st.dataframe(frame, hide_index=True, width="stretch", height=fit_height(len(frame)))
        stem = st.selectbox(t("data.preview"), [s.stem for s in TABLES], format_func=names.__getitem__, key=lkey("data_table"))
        table = ws.problem.raw_tables()[stem]
        page = paginate(table, key=f"data_page_{stem}")
        st.dataframe(shown_table(stem, page), hide_index=True, width="stretch", height=fit_height(len(page), 300))


def _previous_section(ws: Workspace) -> None:
    st.subheader(t("data.previous"))
    if ws.previous is not None:
        st.caption(t("data.previous_loaded", n=len(ws.previous.cadre_households)))
    else:
        st.caption(t("data.previous_none"))
    uploaded = uploader(t("data.previous_upload"), ["zip"], "data_previous")
    if uploaded is not None and st.session_state.get(PREVIOUS_SEEN) != uploaded.file_id:
        st.session_state[PREVIOUS_SEEN] = uploaded.file_id
        try:
            ws.set_previous(read_plan_zip(uploaded.name, uploaded.getvalue()))
            st.rerun()
        except InputError as exc:
            issues_table(exc.issues)
    c1, c2 = st.columns(2)
    if ws.plan is not None and c1.button(t("data.previous_use_current"), key="data_prev_current", width="stretch",
                                       help=t("data.previous_use_current_help")):
        ws.set_previous(ws.plan)
        st.rerun()
    if ws.previous is not None and c2.button(t("data.previous_clear"), key="data_prev_clear", width="stretch"):
        ws.set_previous(None)
        st.rerun()
