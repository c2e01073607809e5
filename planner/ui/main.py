"""The app's frame: page setup, language switch, scenario and user, workflow navigation, conflict banner.

`app.py` only calls `main()`; every page lives in planner/ui/pages and receives the session's Workspace.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from planner.store.api import StoreError
from planner.ui.components import conflict_banner, progress_fragment, source_label
from planner.ui.i18n import LANG_KEY, LANGS, labels, t
from planner.ui.pages import data, export, history, locks, results, rules, solve
from planner.ui.pages import progress as progress_page
from planner.ui.state import Workspace, user_scenarios, workspace

NAV_KEY = "nav"
SCENARIO_KEY = "scenario_pick"
AUTHOR_KEY = "author"
GENERATION_KEY = "ws_generation"
WIDGET_PREFIXES = ("rule:",)   # widgets that hold stored values: re-read after a reload, merge or switch
PAGES: dict[str, Callable[[Workspace], None]] = {
    "data": data.render,
    "rules": rules.render,
    "locks": locks.render,
    "solve": solve.render,
    "results": results.render,
    "export": export.render,
    "history": history.render,
    "progress": progress_page.render,
}
LANG_NAMES = {"zh": "中文", "en": "English"}
# Less empty space above the page title, so that a 1366×768 laptop shows the KPIs and the table head together.
COMPACT_CSS = ("<style>.block-container{padding-top:2.2rem;padding-bottom:1rem}"
               "[data-testid='stSidebarUserContent']{padding-top:0.5rem}</style>")


def _switch(ws: Workspace) -> None:
    name = st.session_state.get(SCENARIO_KEY)
    if name and name != ws.scenario and ws.store is not None:
        ws.load_scenario(str(name))
        st.query_params["scenario"] = str(name)


def _set_author(ws: Workspace) -> None:
    ws.author = str(st.session_state.get(AUTHOR_KEY) or "").strip() or ws.author


def _scenario_box(ws: Workspace) -> None:
    if ws.store is None:
        st.caption("⚠️ " + t("store.unavailable", error=ws.store_error or ""))
        return
    names = user_scenarios(ws.store)
    if ws.scenario not in names:
        names.append(ws.scenario)
    st.session_state[SCENARIO_KEY] = ws.scenario
    busy = ws.job is not None and not ws.job.done
    st.selectbox(t("store.scenario"), names, key=SCENARIO_KEY, on_change=_switch, args=(ws,), disabled=busy,
                 help=t("store.scenario_help"))
    if AUTHOR_KEY not in st.session_state:
        st.session_state[AUTHOR_KEY] = ws.author
    st.text_input(t("store.author"), key=AUTHOR_KEY, on_change=_set_author, args=(ws,), help=t("store.author_help"))
    with st.popover(t("store.new"), width="stretch", disabled=busy):
        name = st.text_input(t("store.new_name"), key="scenario_new_name")
        if st.button(t("store.create"), key="scenario_create", type="primary"):
            name = name.strip()
            if not name or name in names:
                st.error(t("store.bad_name"))
            else:
                try:
                    ws.create_scenario(name)
                    st.query_params["scenario"] = name
                    st.rerun()
                except StoreError as exc:
                    st.error(exc.render(st.session_state.get(LANG_KEY, "zh")))


def _sidebar(ws: Workspace) -> str:
    with st.sidebar:
        st.segmented_control(t("app.lang"), LANGS, format_func=LANG_NAMES.__getitem__, key=LANG_KEY,
                             selection_mode="single")
        st.markdown(f"**{t('app.short')}**")
        _scenario_box(ws)
        page = st.radio(t("app.nav"), list(PAGES), format_func=labels("page."), key=NAV_KEY)
        if ws.problem is not None:
            st.caption(t("app.data_status", source=source_label(ws.problem.source)))
        else:
            st.caption(t("app.no_data"))
        if ws.plan is not None:
            st.caption(t("app.plan_status", status=t(f"status.{ws.plan.report.get('status', 'unknown')}"),
                         seconds=float(ws.plan.report.get("seconds", 0.0))))
            if ws.version is not None:
                st.caption(t("app.version", version=ws.version, revision=ws.revision))
            if ws.stale:
                st.caption("⚠️ " + t("app.stale"))
        else:
            st.caption(t("app.no_plan"))
        if ws.job is not None and not ws.job.done and page != "solve":
            progress_fragment(ws, compact=True)
    return str(page or "data")


def _reset_widgets(ws: Workspace) -> None:
    """After the input was reloaded from the store, widgets holding old values take the stored ones."""
    if st.session_state.get(GENERATION_KEY) == ws.generation:
        return
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(WIDGET_PREFIXES)]:
        del st.session_state[key]
    st.session_state[GENERATION_KEY] = ws.generation


def main() -> None:
    st.set_page_config(page_title=t("app.short"), page_icon="🗓️", layout="wide", initial_sidebar_state="expanded")
    if st.session_state.get(LANG_KEY) not in LANGS:
        st.session_state[LANG_KEY] = "zh"
    st.markdown(COMPACT_CSS, unsafe_allow_html=True)
    ws = workspace()
    ws.collect_solve()
    page = _sidebar(ws)
    _reset_widgets(ws)
    banner = st.container()   # above the page, filled after it: the page's own edit may just have conflicted
    PAGES[page](ws)
    with banner:
        conflict_banner(ws)
