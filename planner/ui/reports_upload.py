"""The 督查 page's research-reports upload: reports.csv (or a 调研报告 sheet) validated against the shown Problem and
kept in the session; the page then passes it to `compute_progress`, which adds the `reports` obligation."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from planner.errors import InputError
from planner.ui.i18n import current_lang, t
from planner.ui.state import Workspace

REPORTS_KEY = "progress_reports_uploaded"


def reports_upload(ws: Workspace) -> tuple[pd.DataFrame, str] | None:
    """(validated reports, a signature for the progress cache), or None when none was uploaded."""
    file = st.file_uploader(t("reports.upload"), type=["csv", "xlsx"], key="progress_reports_upload",
                            help=t("reports.upload_help"))
    if file is None:
        st.session_state.pop(REPORTS_KEY, None)
        stored = stored_reports(ws)
        st.caption(t("reports.from_store", n=len(stored[0])) if stored else t("reports.not_judged"))
        return stored
    data = file.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:16]
    kept = st.session_state.get(REPORTS_KEY)
    if kept is not None and kept[0] == digest:
        if ws.store is not None and st.button(t("reports.upload_store"), key="progress_reports_store"):
            from planner.store.reports import import_reports

            n = import_reports(ws.store, ws.scenario, kept[1], ws.author)
            st.success(t("reports.upload_stored", n=n))
        return kept[1], f"reports:{digest}"
    from planner.reports.handed import raw_reports, validate_reports

    try:
        assert ws.shown_problem is not None
        handed = validate_reports(raw_reports(file.name, data), ws.shown_problem)
    except InputError as exc:
        st.error(t("reports.upload_bad"))
        st.code(exc.render(current_lang(), limit=50))
        return None
    st.session_state[REPORTS_KEY] = (digest, handed.reports)
    st.success(t("reports.upload_ok", n=len(handed.reports), dup=handed.duplicates))
    return handed.reports, f"reports:{digest}"


def stored_reports(ws: Workspace) -> tuple[pd.DataFrame, str] | None:
    """The reports kept in the store for the scenario, None when it holds none."""
    if ws.store is None:
        return None
    from planner.store.reports import load_reports

    frame = load_reports(ws.store, ws.scenario)
    if not len(frame):
        return None
    digest = hashlib.sha256(frame.to_csv().encode()).hexdigest()[:16]
    return frame.drop(columns=["recorded_by"]), f"stored-reports:{len(frame)}:{digest}"
