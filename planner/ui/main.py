"""The app's frame: page setup, language switch, workflow navigation and the status line in the sidebar.

`app.py` only calls `main()`; every page lives in planner/ui/pages and receives the session's Workspace.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from planner.ui.components import progress_fragment
from planner.ui.i18n import LANG_KEY, LANGS, labels, t
from planner.ui.pages import data, export, locks, results, rules, solve
from planner.ui.state import Workspace, workspace

NAV_KEY = "nav"
PAGES: dict[str, Callable[[Workspace], None]] = {
    "data": data.render,
    "rules": rules.render,
    "locks": locks.render,
    "solve": solve.render,
    "results": results.render,
    "export": export.render,
}
LANG_NAMES = {"zh": "中文", "en": "English"}
# Less empty space above the page title, so that a 1366×768 laptop shows the KPIs and the table head together.
COMPACT_CSS = "<style>.block-container{padding-top:2.2rem;padding-bottom:1rem}</style>"


def _sidebar(ws: Workspace) -> str:
    with st.sidebar:
        st.segmented_control(t("app.lang"), LANGS, format_func=LANG_NAMES.__getitem__, key=LANG_KEY,
                             selection_mode="single")
        st.markdown(f"**{t('app.short')}**")
        page = st.radio(t("app.nav"), list(PAGES), format_func=labels("page."), key=NAV_KEY)
        st.divider()
        if ws.problem is not None:
            st.caption(t("app.data_status", source=ws.problem.source or "—"))
        else:
            st.caption(t("app.no_data"))
        if ws.plan is not None:
            st.caption(t("app.plan_status", status=t(f"status.{ws.plan.report.get('status', 'unknown')}"),
                         seconds=float(ws.plan.report.get("seconds", 0.0))))
            if ws.stale:
                st.caption("⚠️ " + t("app.stale"))
        else:
            st.caption(t("app.no_plan"))
        if ws.job is not None and not ws.job.done and page != "solve":
            progress_fragment(ws, compact=True)
    return str(page or "data")


def main() -> None:
    st.set_page_config(page_title=t("app.short"), page_icon="🗓️", layout="wide", initial_sidebar_state="expanded")
    if st.session_state.get(LANG_KEY) not in LANGS:
        st.session_state[LANG_KEY] = "zh"
    st.markdown(COMPACT_CSS, unsafe_allow_html=True)
    ws = workspace()
    ws.collect_solve()
    page = _sidebar(ws)
    PAGES[page](ws)
