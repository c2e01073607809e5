"""Step 6 — downloads. The bytes are made only when a button is clicked: each button gets a callable whose plan is
bound as a default argument (the callable runs outside the script run, where session state is not available)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from planner.plan import Plan
from planner.ui.downloads import plan_zip_bytes
from planner.ui.i18n import t
from planner.ui.state import Workspace

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_maker() -> Callable[[Plan], bytes] | None:
    try:
        from planner.export.xlsx import xlsx_bytes
    except ImportError:
        return None
    return xlsx_bytes


def _ics_maker() -> Callable[[Plan], bytes] | None:
    try:
        from planner.export.ics import ics_zip_bytes
    except ImportError:
        return None
    return ics_zip_bytes


def render(ws: Workspace) -> None:
    st.header(t("export.title"))
    st.caption(t("export.intro"))
    if ws.plan is None:
        st.info(t("common.need_plan"))
        return
    if ws.stale:
        st.warning(t("results.stale"))
    plan, year = ws.plan, ws.plan.report.get("year", ws.rules.year)
    xlsx, ics = _xlsx_maker(), _ics_maker()
    if xlsx is not None:
        st.download_button(t("export.xlsx"), data=partial(xlsx, plan), mime=XLSX_MIME,
                           file_name=t("export.name_xlsx", year=year), key="export_xlsx", type="primary",
                           help=t("export.xlsx_help"), icon=":material/table_view:")
    else:
        st.warning(t("export.unavailable", error="planner.export.xlsx"))
    if ics is not None:
        st.download_button(t("export.ics"), data=partial(ics, plan), mime="application/zip",
                           file_name=t("export.name_ics", year=year), key="export_ics", help=t("export.ics_help"),
                           icon=":material/calendar_month:")
    else:
        st.warning(t("export.unavailable", error="planner.export.ics"))
    st.download_button(t("export.csv"), data=partial(plan_zip_bytes, plan), mime="application/zip",
                       file_name=t("export.name_csv", year=year), key="export_csv", help=t("export.csv_help"),
                       icon=":material/folder_zip:")
    rules_text = ws.plan.report.get("rules")
    if isinstance(rules_text, dict):
        from planner.rules import rules_from_dict

        try:
            toml = rules_from_dict(rules_text).to_toml()
        except Exception:  # an older plan's rules may not validate any more; then there is nothing to offer
            toml = ""
        if toml:
            st.download_button(t("export.rules"), data=toml.encode("utf-8"),
                               file_name="rules.toml", mime="application/toml", key="export_rules",
                               icon=":material/rule:")
