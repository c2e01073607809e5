"""台账 page, second half: open a case in one step from a recorded visit or a reception day (or by hand), and
import / export the ledger. The form's row goes through the file validation, so its errors read like a file's."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from planner.errors import InputError
from planner.problem import Problem
from planner.store.api import Store
from planner.supervision.cases import ledger_from_frame, raw_cases, validate_cases
from planner.ui.i18n import current_lang, labels, t
from planner.ui.state import Workspace

UPLOAD_KEY = "cases_uploaded"
HAND_SOURCES = ("letter", "hotline", "online")


def _recorded_household_visits(store: Store, scenario: str) -> pd.DataFrame:
    from planner.store.actuals import HAPPENED, load_records

    records = load_records(store, scenario)
    if records.empty:
        return records
    keep = records["outcome"].isin(HAPPENED) & (records["activity"] == "household")
    return records.loc[keep].sort_values(["date", "person_id"], ascending=[False, True]).reset_index(drop=True)


def _reception_days(ws: Workspace) -> dict[str, list[tuple[str, str]]]:
    """Reception date → [(role, leader id)], A first, from the plan."""
    if ws.plan is None:
        return {}
    v = ws.plan.visits
    v = v.loc[v["activity"].astype(str) == "reception"]
    out: dict[str, list[tuple[str, str]]] = {}
    for day, group in v.groupby(v["date"].astype(str)):
        out[str(day)] = sorted(zip(group["role"].astype(str), group["person_id"].astype(str), strict=True))
    return out


def open_form(store: Store, scenario: str, problem: Problem, ws: Workspace, author: str, count: int) -> None:
    """Where the problem was raised decides what is filled in; the rest is one form."""
    origin = st.radio(t("cases.from"), ("visit", "reception", "hand"), format_func=labels("cases.from."),
                      key="cases_origin", horizontal=True)
    cadre_unit = dict(zip(problem.cadres["cadre_id"].astype(str), problem.cadres["unit_id"].astype(str), strict=True))
    units = problem.units["unit_id"].astype(str).tolist()
    prefill: dict[str, Any] = {"source": "visit" if origin == "visit" else "reception" if origin == "reception"
                               else "letter", "raised_with": "", "household_id": "", "opened": date.today(),
                               "owner_unit": units[0] if units else ""}
    if origin == "visit":
        visits = _recorded_household_visits(store, scenario)
        if visits.empty:
            st.info(t("cases.no_visits"))
            return
        shown = [f"{pd.Timestamp(d).date()} · {p} → {h}" for d, p, h in
                 zip(visits["date"], visits["person_id"], visits["target_id"], strict=True)]
        i = st.selectbox(t("cases.visit"), list(range(len(shown))), format_func=shown.__getitem__, key="cases_visit")
        row = visits.iloc[int(i or 0)]
        prefill.update(raised_with=str(row["person_id"]), household_id=str(row["target_id"]),
                       opened=pd.Timestamp(row["date"]).date(),
                       owner_unit=cadre_unit.get(str(row["person_id"]), prefill["owner_unit"]))
        st.caption(f"{t('cases.raised_with')}: {prefill['raised_with']} · {t('cases.household')}: "
                   f"{prefill['household_id']}")
    elif origin == "reception":
        days = _reception_days(ws)
        if not days:
            st.info(t("cases.no_reception"))
            return
        day = st.selectbox(t("cases.reception_day"), sorted(days), key="cases_reception_day")
        leaders = days.get(str(day), [])
        who = st.selectbox(t("cases.raised_with"), [p for _, p in leaders], key="cases_reception_leader",
                           format_func=lambda p: next((f"{r} · {p}" for r, q in leaders if q == p), p))
        prefill.update(raised_with=str(who or ""), opened=date.fromisoformat(str(day)))
    else:
        prefill["source"] = st.radio(t("cases.source"), HAND_SOURCES, format_func=labels("cases.source."),
                                     key="cases_hand_source", horizontal=True)
    _form(store, scenario, problem, author, count, prefill, units)


def _form(store: Store, scenario: str, problem: Problem, author: str, count: int, prefill: dict[str, Any],
          units: list[str]) -> None:
    from planner.store.cases import CaseStepError, open_case

    signature = (prefill["source"], prefill["raised_with"], prefill["household_id"], str(prefill["opened"]))
    if st.session_state.get("cases_new_prefill") != signature:   # another visit or day: its values, not the old
        for key in ("cases_new_opened", "cases_new_due", "cases_new_unit", "cases_new_owner"):
            st.session_state.pop(key, None)
        st.session_state["cases_new_prefill"] = signature
    a, b, c = st.columns(3)
    case_id = a.text_input(t("cases.new_id"), value=f"Q{count + 1:05d}", key="cases_new_id")
    opened = b.date_input(t("cases.opened"), value=prefill["opened"], key="cases_new_opened")
    opened_day = opened if isinstance(opened, date) else prefill["opened"]
    due = c.date_input(t("cases.due"), value=opened_day + timedelta(days=problem.rules.cases.due_days),
                       key="cases_new_due")
    unit = a.selectbox(t("cases.owner_unit"), units, index=units.index(prefill["owner_unit"])
                       if prefill["owner_unit"] in units else 0, key="cases_new_unit")
    mine = problem.cadres.loc[problem.cadres["unit_id"].astype(str) == str(unit), "cadre_id"]
    cadres = ["", *mine.astype(str).tolist()]
    owner = b.selectbox(t("cases.owner"), cadres, key="cases_new_owner")
    summary = st.text_area(t("cases.summary"), key="cases_new_summary")
    if not st.button(t("cases.do_open"), key="cases_do_open", type="primary"):
        return
    row = {"case_id": str(case_id).strip(), "opened": opened_day, "source": prefill["source"],
           "raised_with": prefill["raised_with"], "household_id": prefill["household_id"], "community_id": "",
           "owner_unit": str(unit or ""), "owner": str(owner or ""), "due": due, "resolved_on": None,
           "replied_on": None, "callback_on": None, "satisfied": ""}
    try:
        ledger = ledger_from_frame(pd.DataFrame([row]), problem, "form")
        open_case(store, scenario, ledger.cases.iloc[0].to_dict(), author, summary=str(summary or ""))
    except InputError as exc:
        st.error(exc.render(current_lang(), limit=20))
        return
    except CaseStepError as exc:
        st.error(t("cases.step_error", error=exc.zh if current_lang() == "zh" else exc.en))
        return
    st.success(t("cases.opened_ok", case=row["case_id"]))


def import_export(store: Store, scenario: str, problem: Problem, author: str, may_purge: bool) -> None:
    from planner.store.cases import import_cases, purge_case_summaries

    file = st.file_uploader(t("cases.upload"), type=["csv", "xlsx"], key="cases_upload")
    if file is not None:
        data = file.getvalue()
        digest = hashlib.sha256(data).hexdigest()[:16]
        try:
            ledger = validate_cases(raw_cases(file.name, data), problem)
        except InputError as exc:
            st.error(t("cases.upload_bad"))
            st.code(exc.render(current_lang(), limit=50))
            ledger = None
        if ledger is not None:
            st.success(t("cases.upload_ok", n=len(ledger.cases)))
            if st.button(t("cases.do_import"), key="cases_do_import") and st.session_state.get(UPLOAD_KEY) != digest:
                added, updated = import_cases(store, scenario, ledger, author)
                st.session_state[UPLOAD_KEY] = digest
                st.success(t("cases.imported", added=added, updated=updated))
    with_summaries = st.checkbox(t("cases.with_summaries"), key="cases_with_summaries")
    st.download_button(t("cases.download"), data=lambda: _export_bytes(store, scenario, problem, with_summaries),
                       file_name="cases.csv", mime="text/csv", key="cases_download")
    if may_purge and st.button(t("cases.purge"), key="cases_purge"):   # erasing personal data: administrators
        st.success(t("cases.purged", n=purge_case_summaries(store, scenario, author)))


def _export_bytes(store: Store, scenario: str, problem: Problem, with_summaries: bool) -> bytes:
    import tempfile
    from pathlib import Path

    from planner.store.cases import export_cases

    with tempfile.TemporaryDirectory() as tmp:
        return export_cases(store, scenario, Path(tmp) / "cases.csv", problem, with_summaries).read_bytes()
