"""The app for unit and cadre accounts: their own pages on the published plan reduced to their scope.

Wired from planner.ui.main; the organizers' workflow pages (data, rules, locks, solve, history) are not served
to these roles at all: their addresses (`/data`, or `?page=data`) show a refusal above the role's first page
(planner.ui.nav).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from planner.access.roles import Role
from planner.ui.i18n import LANG_KEY, LANGS, t
from planner.ui.nav import menu, route
from planner.ui.pages import cases, export, mine, results, unit
from planner.ui.scoped import ScopedView, scoped_view
from planner.ui.session import Session, account_box

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


def _pages(session: Session) -> dict[str, Callable[[], None]]:
    """The role's pages as draw functions; the view is built when a page is drawn (after any page switch)."""
    def draw(fn: Callable[[ScopedView | None], None]) -> Callable[[], None]:
        return lambda: fn(scoped_view(session.store, session.account))
    return {name: draw(fn) for name, fn in ROLE_PAGES[session.account.role].items()}


def run(session: Session) -> None:
    here = route(_pages(session))
    with st.sidebar:
        st.segmented_control(t("app.lang"), LANGS, format_func=LANG_NAMES.__getitem__, key=LANG_KEY,
                             selection_mode="single")
        st.markdown(f"**{t('app.short')}**")
        account_box(session)
        menu(here)
    here.run()
