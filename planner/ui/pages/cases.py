"""台账 — the case ledger: filter by unit, status and overdue; name the person in charge, transfer, record each step
(办结, 答复, 回访); see a case's timeline; open a case in one step from a recorded visit (cadre and household filled
in) or a reception day (that day's A/B leaders offered as raised_with), or by hand; import / export cases.csv.

Who may do what is the policy's (planner.access.policy, Action.CASES): organizers and administrators work on every
case, inspectors read, a unit (its own app, `render_scoped`) sees and works on its own cases only. Summaries are
personal data: shown only in a case's detail, exported only when asked, never logged.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from planner.access.accounts import Account
from planner.access.guard import GuardedStore
from planner.access.policy import Kind, Scope, can_change, can_view
from planner.access.roles import Action
from planner.problem import Problem
from planner.store.api import Store
from planner.supervision.case_report import STATUSES, by_unit, case_status, due_within
from planner.ui.i18n import current_lang, labels, t
from planner.ui.state import Workspace


def _day(value: Any) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _default_as_of(year: int) -> date:
    today = date.today()
    return today if today.year == year else date(year, 6, 30)


def _named(ids: pd.Series, names: dict[str, str]) -> list[str]:
    """Codes with the names a reader knows them by ("U004 区财政局")."""
    return [f"{i} {names.get(str(i), '')}".strip() if not pd.isna(i) and str(i) else "" for i in ids]


def _names(problem: Problem) -> dict[str, str]:
    return {**dict(zip(problem.units["unit_id"].astype(str), problem.units["name"].astype(str), strict=True)),
            **dict(zip(problem.cadres["cadre_id"].astype(str), problem.cadres["name"].astype(str), strict=True))}


def _shown(status: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    names = names or {}
    flag = [t("cases.flag_overdue") if o else (t("cases.flag_soon") if s else "")
            for o, s in zip(status["overdue"], status["due_soon"], strict=True)]
    return pd.DataFrame({
        t("cases.col_id"): status["case_id"], t("cases.col_status"): [t(f"cases.status.{s}") for s in status["status"]],
        t("cases.col_flag"): flag, t("cases.col_unit"): _named(status["owner_unit"], names),
        t("cases.col_owner"): _named(status["owner"], names),
        t("cases.col_source"): [t(f"cases.source.{s}") for s in status["source"]],
        t("cases.col_opened"): status["opened"].map(_day), t("cases.col_due"): status["due"].map(_day),
        t("cases.col_resolved"): status["resolved_on"].map(_day), t("cases.col_replied"): status["replied_on"].map(_day),
        t("cases.col_callback"): status["callback_on"].map(_day),
        t("cases.col_satisfied"): [t(f"cases.sat.{s}") if s else "" for s in status["satisfied"]]})


def _filters(status: pd.DataFrame, units: list[str], names: dict[str, str] | None = None) -> pd.DataFrame:
    a, b, c = st.columns([2, 2, 1])
    known = names or {}
    pick_units = a.multiselect(t("cases.f_unit"), units, key="cases_f_unit", placeholder=t("common.choose"),
                               format_func=lambda u: f"{u} {known.get(str(u), '')}".strip())
    pick_status = b.multiselect(t("cases.f_status"), list(STATUSES), format_func=labels("cases.status."),
                                key="cases_f_status", placeholder=t("common.choose"))
    overdue = c.checkbox(t("cases.f_overdue"), key="cases_f_overdue")
    keep = pd.Series(True, index=status.index)
    if pick_units:
        keep &= status["owner_unit"].isin(pick_units)
    if pick_status:
        keep &= status["status"].isin(pick_status)
    if overdue:
        keep &= status["overdue"]
    return status.loc[keep].reset_index(drop=True)


def _timeline(store: Store, scenario: str, case_id: str) -> None:
    from planner.store.cases import timeline

    steps = timeline(store, scenario, case_id)
    st.markdown(f"**{t('cases.timeline')}**")
    st.dataframe(pd.DataFrame({
        t("cases.col_step"): [t(f"cases.step.{s}") for s in steps["step"]],
        t("cases.col_date"): steps["step_date"].map(_day), t("cases.col_from"): steps["from_unit"],
        t("cases.col_to"): steps["to_unit"], t("cases.col_owner"): steps["owner"],
        t("cases.col_author"): steps["author"],
        t("cases.col_at"): pd.to_datetime(steps["at"]).dt.strftime("%Y-%m-%d %H:%M")}), hide_index=True,
        key="cases_timeline")


def _work(store: Store, scenario: str, problem: Problem, row: dict[str, Any], author: str, organizer: bool) -> None:
    """The steps one may take on a case: owner, transfer (organizers), resolve, reply, callback."""
    from planner.store import cases as ledger_store

    case_id = str(row["case_id"])
    cadres = problem.cadres.loc[problem.cadres["unit_id"].astype(str) == str(row["owner_unit"]), "cadre_id"]
    units = problem.units["unit_id"].astype(str).tolist()
    st.markdown(f"**{t('cases.act')}**")
    try:
        a, b = st.columns(2)
        owners = ["", *cadres.astype(str).tolist()]
        owner = a.selectbox(t("cases.assign"), owners, index=owners.index(row["owner"]) if row["owner"] in owners
                            else 0, key="cases_owner")
        if a.button(t("cases.do_assign"), key="cases_do_assign"):
            ledger_store.assign(store, scenario, case_id, str(owner or ""), author)
            st.success(t("cases.saved"))
        if organizer:
            target = b.selectbox(t("cases.transfer"), [u for u in units if u != row["owner_unit"]], key="cases_to")
            if b.button(t("cases.do_transfer"), key="cases_do_transfer") and target:
                ledger_store.transfer(store, scenario, case_id, str(target), author)
                st.success(t("cases.saved"))
        when = st.date_input(t("cases.step_date"), value=date.today(), key="cases_step_date")
        day = when if isinstance(when, date) else date.today()
        c = st.columns(3)
        if c[0].button(t("cases.do_resolve"), key="cases_do_resolve", disabled=bool(_day(row["resolved_on"]))):
            ledger_store.resolve(store, scenario, case_id, day, author)
            st.success(t("cases.saved"))
        if c[1].button(t("cases.do_reply"), key="cases_do_reply", disabled=bool(_day(row["replied_on"]))):
            ledger_store.reply(store, scenario, case_id, day, author)
            st.success(t("cases.saved"))
        happy = c[2].radio(t("cases.satisfied"), ("yes", "no", ""), format_func=labels("cases.sat."),
                           key="cases_satisfied", horizontal=True)
        if c[2].button(t("cases.do_callback"), key="cases_do_callback", disabled=bool(_day(row["callback_on"]))):
            ledger_store.callback(store, scenario, case_id, day, str(happy or ""), author)
            st.success(t("cases.saved"))
    except ledger_store.CaseStepError as exc:
        st.error(t("cases.step_error", error=exc.zh if current_lang() == "zh" else exc.en))


def _list(store: Store, scenario: str, problem: Problem, status: pd.DataFrame, account: Account | None,
          scope: Scope | None, author: str) -> None:
    names = _names(problem)
    shown = _filters(status, sorted(set(status["owner_unit"])), names)
    st.dataframe(_shown(shown, names), hide_index=True, key="cases_table")
    if shown.empty:
        return
    case_id = st.selectbox(t("cases.pick"), shown["case_id"].tolist(), key="cases_pick")
    row = shown.loc[shown["case_id"] == case_id].iloc[0].to_dict()
    from planner.store.cases import load_cases

    full = load_cases(store, scenario, with_summaries=True)
    summary = full.loc[full["case_id"] == case_id, "summary"]
    if len(summary) and str(summary.iloc[0]):
        st.text_area(t("cases.summary"), str(summary.iloc[0]), disabled=True, key=f"cases_summary_{case_id}")
    _timeline(store, scenario, str(case_id))
    if account is None or can_change(account, Action.CASES, row, scope):
        organizer = account is None or account.role in ("admin", "organizer")
        _work(store, scenario, problem, row, author, organizer)
    else:
        st.caption(t("cases.read_only"))


def _units_tab(status: pd.DataFrame, problem: Problem) -> None:
    frame = by_unit(status, problem)
    frame["closing_rate"] = (100 * frame["closing_rate"]).round(1)
    st.dataframe(frame, hide_index=True, key="cases_units")


def render(ws: Workspace) -> None:
    """The organizers' page (main app): every case."""
    st.header(t("cases.title"))
    st.caption(t("cases.intro"))
    if ws.store is None:
        st.info(t("cases.no_store"))
        return
    problem = ws.shown_problem
    if problem is None:
        st.info(t("cases.need_data"))
        return
    account = ws.store.account if isinstance(ws.store, GuardedStore) else None
    author = account.name if account is not None else ws.author
    _body(ws.store, ws.scenario, problem, account, None, author, ws)


def render_scoped(view: Any) -> None:
    """A unit's page (planner.ui.roles_app): the cases it may see; it works on its own unit's."""
    st.header(t("cases.title"))
    if view is None or view.store is None or view.ws.problem is None:
        st.info(t("access.no_published"))
        return
    problem, _ = view.store.load_version(view.scenario, view.version)
    _body(view.store, view.scenario, problem, view.account, view.scope, view.account.name, None)


def _body(store: Store, scenario: str, problem: Problem, account: Account | None, scope: Scope | None, author: str,
          ws: Workspace | None) -> None:
    from planner.store.cases import load_cases

    cases = load_cases(store, scenario)
    if account is not None:
        cases = cases.loc[[can_view(account, Kind.CASE, r, scope) for r in cases.to_dict("records")]]
    as_of = st.date_input(t("cases.as_of"), value=_default_as_of(problem.rules.year), key="cases_as_of")
    day = as_of if isinstance(as_of, date) else date.today()
    days = problem.rules.cases.due_soon_days
    status = case_status(cases, day, days)
    m = st.columns(4)
    m[0].metric(t("cases.total"), len(status))
    m[1].metric(t("cases.overdue"), int(status["overdue"].sum()))
    m[2].metric(t("cases.due_soon", days=days), int(status["due_soon"].sum()))
    closed = int(status["status"].isin(STATUSES[2:]).sum())
    m[3].metric(t("cases.closing"), f"{100 * closed / len(status):.1f}%" if len(status) else "—")
    may_open = ws is not None and (account is None or can_change(account, Action.CASES))
    names = [t("cases.tab_list"), t("cases.tab_units"), *([t("cases.tab_open"), t("cases.tab_io")] if may_open else [])]
    tabs = st.tabs(names)
    with tabs[0]:
        if status.empty:
            st.info(t("cases.empty"))
        else:
            _list(store, scenario, problem, status, account, scope, author)
    with tabs[1]:
        _units_tab(status, problem)
    if may_open and ws is not None:
        from planner.ui.pages.cases_open import import_export, open_form

        with tabs[2]:
            open_form(store, scenario, problem, ws, author, len(cases))
        with tabs[3]:
            import_export(store, scenario, problem, author,
                          account is None or can_change(account, Action.PURGE))



def unit_reminders(view: Any, today: date | None = None) -> None:
    """On a unit's home page: its cases overdue and those due within `cases.due_soon_days` (ids and dates only)."""
    if view is None or view.store is None or view.ws.problem is None:
        return
    from planner.store.cases import load_cases

    try:
        cases = load_cases(view.store, view.scenario)
    except Exception:   # an older store without the ledger: nothing to remind of
        return
    mine = cases.loc[cases["owner_unit"].astype(str) == str(view.account.scope)]
    day = today or date.today()
    days = view.ws.problem.rules.cases.due_soon_days
    soon = due_within(mine, day, days)
    status = case_status(mine, day, days)
    late = status.loc[status["overdue"]].sort_values(["due", "case_id"])
    if len(late):
        st.error(t("cases.reminder_overdue", n=len(late)) + "：" + "、".join(
            f"{c}（{_day(d)}）" for c, d in zip(late["case_id"], late["due"], strict=True)))
    if len(soon):
        st.warning(t("cases.reminder", n=len(soon), days=days) + "：" + "、".join(
            f"{c}（{_day(d)}）" for c, d in zip(soon["case_id"], soon["due"], strict=True)))
