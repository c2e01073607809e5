"""The app's frame: page setup, language switch, scenario and user, workflow navigation, conflict banner.

`app.py` only calls `main()`; every page lives in planner/ui/pages and receives the session's Workspace.
"""

from __future__ import annotations

import logging
import os
import traceback
import uuid
from collections.abc import Callable
from functools import partial

import streamlit as st

from planner.access.guard import GuardedStore
from planner.access.policy import can_change
from planner.access.roles import ROLES, Action, Reach
from planner.store.api import StoreError
from planner.ui.components import conflict_banner, progress_fragment, source_label
from planner.ui.i18n import LANG_KEY, LANGS, current_lang, t
from planner.ui.nav import Route, hold_address, menu, route
from planner.ui.pages import batch, data, export, history, locks, results, rules, solve
from planner.ui.pages import cases as cases_page
from planner.ui.pages import progress as progress_page
from planner.ui.session import Session, account_box, current_session
from planner.ui.state import Workspace, user_scenarios, workspace

log = logging.getLogger("planner.ui")
RAISE_ENV = "PLANNER_UI_RAISE"
SCENARIO_KEY = "scenario_pick"
AUTHOR_KEY = "author"
GENERATION_KEY = "ws_generation"
NEW_POPOVER, NEW_ERROR = "scenario_new_popover", "scenario_new_error"
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
    "batch": batch.render,
    "cases": cases_page.render,
}
LANG_NAMES = {"zh": "中文", "en": "English"}
PAGE_ACTIONS = {"data": Action.DATA, "rules": Action.RULES, "locks": Action.LOCKS, "solve": Action.SOLVE,
                "batch": Action.SOLVE,   # the 全市/全省 batch solves and writes plans: organizers only
                "cases": Action.CASES}
# Less empty space above the page title, so that a 1366×768 laptop shows the KPIs and the table head together.
COMPACT_CSS = ("<style>.block-container{padding-top:2.2rem;padding-bottom:1rem}"
               "[data-testid='stSidebarUserContent']{padding-top:0.5rem}"
               "[data-testid='stSidebar'] pre,[data-testid='stSidebar'] pre code"
               "{white-space:pre-wrap !important;word-break:break-all}</style>")


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
    if st.session_state.get("access_account") is None:   # signed in: the account is the author
        if AUTHOR_KEY not in st.session_state:
            st.session_state[AUTHOR_KEY] = ws.author
        st.text_input(t("store.author"), key=AUTHOR_KEY, on_change=_set_author, args=(ws,),
                      help=t("store.author_help"))
    with st.popover(t("store.new"), width="stretch", disabled=busy, key=NEW_POPOVER, on_change="rerun"):
        st.text_input(t("store.new_name"), key="scenario_new_name")
        st.button(t("store.create"), key="scenario_create", type="primary", on_click=_create, args=(ws, names))
        if (error := st.session_state.get(NEW_ERROR)) is not None:
            st.error(error)


def _create(ws: Workspace, names: list[str]) -> None:
    """Create and switch; on success the popover closes and the name field empties."""
    name = str(st.session_state.get("scenario_new_name") or "").strip()
    if not name or name in names:
        st.session_state[NEW_ERROR] = t("store.bad_name")
        return
    try:
        ws.create_scenario(name)
    except StoreError as exc:
        st.session_state[NEW_ERROR] = exc.render(st.session_state.get(LANG_KEY, "zh"))
        return
    st.query_params["scenario"] = name
    st.session_state.pop(NEW_ERROR, None)
    st.session_state["scenario_new_name"] = ""
    st.session_state[NEW_POPOVER] = False


def _sidebar(ws: Workspace, session: Session, here: Route) -> None:
    with st.sidebar:
        st.segmented_control(t("app.lang"), LANGS, format_func=LANG_NAMES.__getitem__, key=LANG_KEY,
                             selection_mode="single")
        st.markdown(f"**{t('app.short')}**")
        account_box(session)
        _scenario_box(ws)
        menu(here)
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
        if ws.job is not None and not ws.job.done and here.name != "solve":
            progress_fragment(ws, compact=True)


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
    try:
        _frame()
    except Exception as exc:   # st.rerun/st.stop are BaseException and pass through
        _report(exc)
        if os.environ.get(RAISE_ENV):
            raise   # developers and the UI tests see the real exception


def _report(exc: Exception) -> None:
    """A plain message with an id the user can quote; the server log gets the id, the exception type and where it
    failed (files, lines, code) but not the message or any value: those may hold personal data."""
    error_id = uuid.uuid4().hex[:8]
    where = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
    log.error("app error %s: %s\n%s", error_id, type(exc).__name__, where)
    st.error(t("app.error", id=error_id))


def _frame() -> None:
    session = current_session()   # None: the sign-in page or the listen-address refusal was drawn instead
    if session is None:
        hold_address()            # the address keeps naming its page through the sign-in
        return
    if ROLES[session.account.role].reach is not Reach.ALL:   # unit, cadre: their scope of the published plan
        from planner.ui import roles_app

        roles_app.run(session)
        return
    here = route({name: partial(_page, name, session) for name in PAGES})
    ws = _workspace(session)
    ws.collect_solve()
    _sidebar(ws, session, here)
    _reset_widgets(ws)
    here.run()


def _workspace(session: Session) -> Workspace:
    ws = workspace(None if session.local else session.account)
    if isinstance(ws.store, GuardedStore):
        ws.store.account = session.account   # re-read every run: a changed or re-created account takes effect
    return ws


def _page(page: str, session: Session) -> None:
    """One organizer page: refused or read-only where the role may not change it, the conflict banner above."""
    ws = _workspace(session)
    banner = st.container()   # above the page, filled after it: the page's own edit may just have conflicted
    action = PAGE_ACTIONS.get(page)
    if action is not None and not can_change(session.account, action):   # the store refuses it anyway
        if page in ("solve", "batch"):
            st.error(t("access.forbidden", page=t(f"page.{page}")))
            return
        spec = ROLES[session.account.role]
        st.info(t("access.read_only", role=spec.label_zh if current_lang() == "zh" else spec.label_en))
    PAGES[page](ws)
    with banner:
        conflict_banner(ws)
