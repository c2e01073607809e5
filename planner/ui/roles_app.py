"""The app for unit and cadre accounts: their own pages on the published plan reduced to their scope.

Wired from planner.ui.main; the organizers' workflow pages (data, rules, locks, solve, history) are not served
to these roles at all, and a `?page=` URL naming one of them is refused.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from planner.access.roles import Role
from planner.ui.i18n import LANG_KEY, LANGS, labels, t
from planner.ui.pages import cases, export, mine, results, unit
from planner.ui.scoped import ScopedView, scoped_view
from planner.ui.session import Session, account_box

NAV_KEY = "nav"
LANG_NAMES = {"zh": "中文", "en": "English"}


def _results(view: ScopedView | None) -> None:
    if view is None:
        st.header(t("results.title"))
        st.info(t("access.no_published"))
        return
    results.render(view.ws)


def _export(view: ScopedView | None) -> None:
    if view is None:
        st.header(t("export.title"))
        st.info(t("access.no_published"))
        return
    export.render(view.ws)


ROLE_PAGES: dict[Role, dict[str, Callable[[ScopedView | None], None]]] = {
    Role.UNIT: {"unit": unit.render, "results": _results, "export": _export, "cases": cases.render_scoped},
    Role.CADRE: {"mine": mine.render},
}


def url_page(allowed: list[str]) -> None:
    """`?page=NAME` opens a page the role may see; any other page named there is refused (and nothing shown)."""
    wanted = st.query_params.get("page")
    if not wanted:
        return
    del st.query_params["page"]
    if wanted in allowed:
        st.session_state[NAV_KEY] = wanted
    else:
        st.session_state["access_forbidden"] = wanted


def forbidden_banner() -> None:
    wanted = st.session_state.pop("access_forbidden", None)
    if wanted:
        label = t(f"page.{wanted}")
        st.error(t("access.forbidden", page=label if label != f"page.{wanted}" else wanted))


def run(session: Session) -> None:
    pages = ROLE_PAGES[session.account.role]
    url_page(list(pages))
    if st.session_state.get(NAV_KEY) not in pages:
        st.session_state[NAV_KEY] = next(iter(pages))
    with st.sidebar:
        st.segmented_control(t("app.lang"), LANGS, format_func=LANG_NAMES.__getitem__, key=LANG_KEY,
                             selection_mode="single")
        st.markdown(f"**{t('app.short')}**")
        account_box(session)
        page = st.radio(t("app.nav"), list(pages), format_func=labels("page."), key=NAV_KEY)
    forbidden_banner()
    view = scoped_view(session.store, session.account)
    pages[str(page)](view)
