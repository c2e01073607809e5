"""Step 6 — downloads. The files are prepared in a background thread as soon as the page opens (a district's
workbook and calendars take half a minute): a button shows 正在准备 until its bytes are ready, then downloads at
once. Prepared bytes are kept per plan and language (downloads.PREPARED), so a second visit is instant."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from planner.plan import Plan
from planner.ui.downloads import PREPARED, chinese_member_names, plan_zip_bytes
from planner.ui.i18n import current_lang, t
from planner.ui.state import Workspace

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_maker() -> Callable[[Plan], bytes] | None:
    try:
        from planner.export.xlsx import xlsx_bytes
    except ImportError:
        return None
    return xlsx_bytes


def _ics_maker() -> Callable[..., bytes] | None:
    try:
        from planner.export.ics import ics_zip_bytes
    except ImportError:
        return None
    return ics_zip_bytes


def _ics_named(ics: Callable[..., bytes], plan: Plan, labels: dict[str, str] | None,
               previous: Plan | None = None) -> bytes:
    data = ics(plan, previous=previous) if previous is not None else ics(plan)
    return chinese_member_names(data, labels) if labels else data


def _previous_version(ws: Workspace) -> tuple[int, Plan] | None:
    """The stored version saved just before the one shown, so calendars exported now update those imported from
    it (same event identities, moved visits with a higher SEQUENCE, dropped ones cancelled: docs/CALENDAR_UPDATES.md).
    None when there is no store, no earlier version, or it cannot be read (then a plain export)."""
    if ws.store is None or not ws.version or ws.version <= 1:
        return None
    try:
        earlier = [v.number for v in ws.store.list_versions(ws.scenario) if v.number < ws.version]
        if not earlier:
            return None
        return earlier[-1], ws.store.load_plan(ws.scenario, earlier[-1])
    except Exception:
        return None


def render(ws: Workspace) -> None:
    st.header(t("export.title"))
    st.caption(t("export.intro"))
    if ws.plan is None:
        st.info(t("common.need_plan"))
        return
    if ws.stale:
        st.warning(t("results.stale"))
    plan, year = ws.plan, ws.plan.report.get("year", ws.rules.year)
    lang = current_lang()
    xlsx, ics = _xlsx_maker(), _ics_maker()
    # (key, label, file name, mime, help, icon, maker); every file is prepared in the background as the page opens
    files: list[tuple[str, str, str, str, str, str, Callable[[], bytes]]] = []
    if xlsx is not None:
        files.append(("export_xlsx", t("export.xlsx"), t("export.name_xlsx", year=year), XLSX_MIME,
                      t("export.xlsx_help"), ":material/table_view:", partial(xlsx, plan)))
    else:
        st.warning(t("export.unavailable", error="planner.export.xlsx"))
    if ics is not None:
        labels = ({kind: t(f"person.{kind}") for kind in ("leader", "unit", "cadre", "office_leader")}
                  if lang == "zh" else None)
        earlier = _previous_version(ws)
        previous = earlier[1] if earlier is not None else None
        files.append(("export_ics", t("export.ics"), t("export.name_ics", year=year), "application/zip",
                      t("export.ics_help"), ":material/calendar_month:",
                      partial(_ics_named, ics, plan, labels, previous)))
        if earlier is not None:
            st.caption(t("export.ics_updates", version=earlier[0]))
    else:
        st.warning(t("export.unavailable", error="planner.export.ics"))
    files.append(("export_csv", t("export.csv"), t("export.name_csv", year=year), "application/zip",
                  t("export.csv_help"), ":material/folder_zip:", partial(plan_zip_bytes, plan)))
    jobs = {key: PREPARED.get(key, f"{ws.plan_key}:{lang}", make) for key, *_, make in files}
    pending = any(not job.done() for job in jobs.values())

    @st.fragment(run_every=1.0 if pending else None)
    def buttons() -> None:
        still = False
        for key, label, name, mime, help_text, icon, _ in files:
            job = jobs[key]
            if not job.done():
                still = True
                st.download_button(label, data=b"", file_name=name, key=key, disabled=True, help=help_text,
                                   icon=":material/hourglass_top:", type="primary" if key == "export_xlsx"
                                   else "secondary")
                st.caption(t("export.preparing"))
            elif job.exception() is not None:
                st.warning(t("export.failed", error=type(job.exception()).__name__))
            else:
                st.download_button(label, data=job.result(), file_name=name, mime=mime, key=key, help=help_text,
                                   icon=icon, type="primary" if key == "export_xlsx" else "secondary")
        if pending and not still:
            st.rerun(scope="app")   # all ready: draw once more without polling

    buttons()
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
