"""本单位 — a unit's own page: its communities and the unit's visits to them, its cadres with their households and
how far the plan has come, who is behind, and its calendars. Everything comes from the published plan reduced to
the unit's scope (planner.ui.scoped).

The unit records its own visits and its cadres' (planner/ui/pages/record.py); "who is behind" is computed from
them by `scoped.progress_rows(view, today)` (planner.supervision.progress).
"""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from planner.model import ENUM_LABELS_ZH
from planner.plan import Plan
from planner.supervision.labels import KIND_LABELS, OBLIGATION_LABELS, STATUS_LABELS, label
from planner.ui.i18n import current_lang, t
from planner.ui.monthgrid import year_grid_html
from planner.ui.pages import record
from planner.ui.pages.cases import unit_reminders
from planner.ui.pages.mine import visits_of
from planner.ui.scoped import ScopedView, progress_rows, recorded_visits
from planner.workdays import work_calendar


def community_table(view: ScopedView, today: date) -> pd.DataFrame:
    problem, plan = view.ws.problem, view.ws.plan
    assert problem is not None and plan is not None
    mine = visits_of(plan, "unit", str(view.account.scope))
    offices = problem.offices.set_index("office_id")["name"]
    linked = set(plan.unit_communities["community_id"].astype(str))
    rows = []
    for _, c in problem.communities.iterrows():
        if str(c["community_id"]) not in linked:
            continue
        to = mine[mine["target_id"].astype(str) == str(c["community_id"])]
        households = problem.households[problem.households["community_id"] == c["community_id"]]
        upcoming = to[to["day"] >= today]
        rows.append({"community_id": c["community_id"], "name": c["name"],
                     "office": str(offices.get(c["office_id"], c["office_id"])), "households": len(households),
                     "planned": len(to), "to_date": int((to["day"] < today).sum()),
                     "next": upcoming["day"].iloc[0].isoformat() if len(upcoming) else "—"})
    return pd.DataFrame(rows)


def cadre_table(view: ScopedView, today: date) -> pd.DataFrame:
    """Per cadre: households, planned visits, planned by today (what 'behind' is measured against), next visit."""
    problem, plan = view.ws.problem, view.ws.plan
    assert problem is not None and plan is not None
    v = plan.visits
    v = v[v["person_kind"].astype(str) == "cadre"]
    days = pd.to_datetime(v["date"].astype(str)).dt.date
    per = plan.cadre_households.groupby(plan.cadre_households["cadre_id"].astype(str)).size()
    recorded = recorded_visits(view)
    rows = []
    for _, c in problem.cadres.iterrows():
        cid = str(c["cadre_id"])
        mine = days[v["person_id"].astype(str) == cid]
        upcoming = sorted(d for d in mine if d >= today)
        rank = str(c.get("rank", "") or "")
        if current_lang() == "zh":
            rank = ENUM_LABELS_ZH["rank"].get(rank, rank)
        row = {"cadre_id": cid, "name": c["name"], "rank": rank, "households": int(per.get(cid, 0)),
               "planned": len(mine), "to_date": int((mine < today).sum()),
               "next": upcoming[0].isoformat() if upcoming else "—"}
        if recorded is not None:
            row["done"] = int(((recorded["person_kind"] == "cadre") & (recorded["person_id"] == cid)).sum())
        rows.append(row)
    return pd.DataFrame(rows)


LABELS = {"community_id": "col.community", "name": "unit.col_name", "office": "col.office_name",
          "households": "unit.col_households", "planned": "mine.col_planned", "to_date": "unit.col_to_date",
          "next": "mine.col_next", "cadre_id": "col.cadre", "rank": "col.rank", "done": "unit.col_done"}


def render(view: ScopedView | None) -> None:
    st.header(t("unit.title"))
    if view is None or view.ws.plan is None or view.ws.problem is None:
        st.info(t("access.no_published"))
        return
    problem, plan = view.ws.problem, view.ws.plan
    me = str(view.account.scope)
    unit = problem.units[problem.units["unit_id"].astype(str) == me]
    if unit.empty:
        st.warning(t("access.scope_missing", scope=me))
        return
    st.caption(t("access.published_caption", scenario=view.scenario, version=view.version) + " · "
               + f"{me} {unit['name'].iloc[0]}")
    today = date.today()
    communities, cadres = community_table(view, today), cadre_table(view, today)
    c = st.columns(4)
    c[0].metric(t("unit.communities"), len(communities))
    c[1].metric(t("unit.cadres"), len(cadres))
    c[2].metric(t("unit.households"), len(problem.households))
    c[3].metric(t("unit.visits"), len(plan.visits))
    unit_reminders(view, today)   # the case ledger: overdue and due-soon cases of this unit
    st.subheader(t("unit.communities_title"))
    st.dataframe(communities.rename(columns={k: t(v) for k, v in LABELS.items()}), hide_index=True, width="stretch")
    st.subheader(t("unit.cadres_title"))
    st.dataframe(cadres.rename(columns={k: t(v) for k, v in LABELS.items()}), hide_index=True, width="stretch")
    record.section(view, [("unit", me), *(("cadre", str(c)) for c in problem.cadres["cadre_id"])], today)
    _behind(view, today)
    st.subheader(t("unit.calendar"))
    year = int(plan.report.get("year") or problem.rules.year)
    work = work_calendar(year, problem.holidays if len(problem.holidays) else None)
    mine = visits_of(plan, "unit", me)
    marks: dict[date, str] = {d: "、".join(sorted(g["target_id"].astype(str))) for d, g in mine.groupby("day")}  # type: ignore[misc]
    st.html(year_grid_html(work, marks, current_lang(), today, legend={
        "visit": t("unit.legend_visit"), "off": t("mine.legend_off"), "hol": t("mine.legend_holiday")}))
    st.download_button(t("unit.ics"), data=partial(_ics_zip, plan), mime="application/zip",
                       file_name=f"{me}_日历.zip", key="unit_ics", icon=":material/calendar_month:")


def _behind(view: ScopedView, today: date) -> None:
    st.subheader(t("unit.behind_title"))
    rows = progress_rows(view, today)
    if rows is None:
        st.caption(t("unit.behind_pending"))
        return
    behind = rows[rows["status"].isin(["behind", "cannot_meet"])]
    if behind.empty:
        st.success(t("unit.none_behind"))
    else:
        st.dataframe(behind_table(view, behind), hide_index=True, width="stretch")


def behind_table(view: ScopedView, behind: pd.DataFrame) -> pd.DataFrame:
    """The progress rows in the user's words: names next to ids, obligations and statuses in the language."""
    lang = current_lang()
    problem = view.ws.problem
    assert problem is not None
    names = {**dict(zip(problem.cadres["cadre_id"].astype(str), problem.cadres["name"], strict=True)),
             **dict(zip(problem.units["unit_id"].astype(str), problem.units["name"], strict=True)),
             **dict(zip(problem.communities["community_id"].astype(str), problem.communities["name"], strict=True)),
             **dict(zip(problem.households["household_id"].astype(str), problem.households["name"], strict=True))}

    def named(ids: pd.Series) -> list[str]:
        return [f"{i} {names.get(str(i), '')}".strip() if str(i) not in ("", "nan", "None") else "—" for i in ids]

    return pd.DataFrame({
        t("progress.col_kind"): [label(KIND_LABELS, k, lang) for k in behind["person_kind"]],
        t("progress.col_person"): named(behind["person_id"]),
        t("progress.col_target"): named(behind["target_id"]),
        t("progress.col_obligation"): [label(OBLIGATION_LABELS, o, lang) for o in behind["obligation"]],
        t("progress.col_required"): behind["required"], t("progress.col_planned"): behind["planned_to_date"],
        t("progress.col_done"): behind["done"], t("progress.col_left"): behind["left_days"],
        t("progress.col_status"): [label(STATUS_LABELS, s, lang) for s in behind["status"]]})


def _ics_zip(plan: Plan) -> bytes:
    from planner.export.ics import ics_zip_bytes

    return ics_zip_bytes(plan)
