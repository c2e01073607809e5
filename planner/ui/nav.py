"""Page addresses: every page is an `st.Page` with its own URL path, so a deep link, the browser's back button and a
refresh (also during a solve) open the page the address names.

How it fits together:
- every page name the app knows (`ALL_PAGES`) is registered for every session, so that an address keeps its page
  through the sign-in (the sign-in run registers them too, hidden, and runs none) and a page the signed-in role may
  not open is refused (an error above the role's first page), not answered by Streamlit's English "page not found";
- the role's first page is also the default page at "/" (internal path `home`), so the app's root opens it;
- the sidebar menu is our radio (key `nav`, placed under the account and scenario boxes as before); picking a page
  asks for it and the next run switches to it with `st.switch_page`, which gives the browser a new history entry;
- `?page=NAME` (the addresses before this module) still opens NAME once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from planner.ui.i18n import LANG_KEY, labels, t

NAV_KEY = "nav"                 # the menu radio: the current page's name
WANTED_KEY = "nav_wanted"       # the page picked in the menu, switched to at the start of the next run
HOME = "home"                   # internal path of the default page (shown at "/")
ALL_PAGES = ("data", "rules", "locks", "solve", "results", "export", "history", "progress", "batch", "cases",
             "unit", "mine")
KEEP = (LANG_KEY,)              # sidebar widgets whose value outlives a page switch
PageFn = Callable[[], None]


@dataclass(frozen=True)
class Route:
    name: str                   # the page this address shows (a role's page name, or a refused one)
    run: PageFn                 # draws it
    allowed: tuple[str, ...]    # the role's pages, in menu order


def _title(name: str) -> str:
    label = t(f"page.{name}")
    return name if label == f"page.{name}" else label


def _nothing() -> None:
    pass


def hold_address() -> None:
    """Signed out (or refused): register every page, hidden, and run none, so the address is still the page's
    when the sign-in's rerun comes (then that page opens, or is refused for the role)."""
    pages = [st.Page(_nothing, title=t("app.short"), url_path=HOME, default=True)]
    pages += [st.Page(_nothing, title=_title(n), url_path=n) for n in ALL_PAGES]
    st.navigation(pages, position="hidden")


def _refuse(name: str, home: PageFn) -> PageFn:
    def page() -> None:
        st.error(t("access.forbidden", page=_title(name)))
        home()
    return page


def route(pages: dict[str, PageFn]) -> Route:
    """Register the role's `pages` (name → draw function, the first is the home page) and every other known page as
    refused; resolve this run's page. May switch page (st.switch_page raises: nothing after runs)."""
    names = tuple(pages)
    home = pages[names[0]]
    registered: dict[str, st.Page] = {HOME: st.Page(home, title=_title(names[0]), url_path=HOME, default=True)}
    for name in dict.fromkeys((*names, *ALL_PAGES)):
        run = pages.get(name) or _refuse(name, home)
        registered[name] = st.Page(run, title=_title(name), url_path=name)
    current = st.navigation(list(registered.values()), position="hidden")
    name = current.url_path or names[0]          # the default page's path is ""
    wanted = st.session_state.pop(WANTED_KEY, None)
    legacy = st.query_params.get("page")
    if legacy:                              # an address of the single-page app: ?page=NAME
        del st.query_params["page"]
        wanted = legacy if legacy in registered else None
    if wanted in registered and wanted != name:
        target = registered[HOME] if wanted == names[0] else registered[str(wanted)]
        for key in KEEP:   # a page switch resets widget state; a plain session value survives it
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
        st.switch_page(target, query_params=st.query_params.to_dict())   # keeps ?scenario=
    st.session_state[NAV_KEY] = name if name in names else names[0]
    return Route(name, current.run, names)


def _picked() -> None:
    st.session_state[WANTED_KEY] = st.session_state.get(NAV_KEY)


def menu(route_: Route) -> None:
    """The sidebar menu of the role's pages (a radio: one click, the current page marked)."""
    st.radio(t("app.nav"), list(route_.allowed), format_func=labels("page."), key=NAV_KEY, on_change=_picked)
