"""我的走访 — a cadre's own page: the year as month grids, its households and what is due next, a printable day
sheet in walking order, and its .ics calendar. Everything comes from the published plan reduced to the cadre's
scope (planner.ui.scoped), so nothing here can show another cadre's households.

Below the households table the cadre records its own visits (planner/ui/pages/record.py); the table counts them
(`scoped.recorded_visits(view)`).
"""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from planner.plan import Plan
from planner.ui.i18n import current_lang, t
from planner.ui.monthgrid import day_sheet_html, walking_order, year_grid_html
from planner.ui.pages import record
from planner.ui.scoped import ScopedView, recorded_visits
from planner.workdays import work_calendar


def visits_of(plan: Plan, kind: str, person: str) -> pd.DataFrame:
    v = plan.visits
    mine = v[(v["person_kind"].astype(str) == kind) & (v["person_id"].astype(str) == person)].copy()
    mine["day"] = pd.to_datetime(mine["date"].astype(str)).dt.date
    return mine.sort_values(["day", "target_id"]).reset_index(drop=True)


def household_table(view: ScopedView, visits: pd.DataFrame, today: date) -> pd.DataFrame:
    """The cadre's households with where they are, planned visits and talks, the next visit due and visits left."""
    problem = view.ws.problem
    assert problem is not None
    comm = problem.communities.set_index("community_id")
    offices = problem.offices.set_index("office_id")["name"]
    hh = problem.households.copy()
    home = visits[visits["target_kind"] == "household"]
    rows = []
    for _, h in hh.iterrows():
        mine = home[home["target_id"].astype(str) == str(h["household_id"])]
        upcoming = mine[mine["day"] >= today]
        office_id = comm["office_id"].get(h["community_id"], "")
        rows.append({
            "household_id": h["household_id"], "name": h.get("name", ""), "priority": h.get("priority"),
            "community": f"{h['community_id']} {comm['name'].get(h['community_id'], '')}",
            "office": str(offices.get(office_id, office_id)),
            "where": "" if pd.isna(h.get("lat")) else f"{float(h['lat']):.5f}, {float(h['lon']):.5f}",
            "planned": len(mine), "talks": int((mine["talk"].astype(str) == "1").sum()),
            "next": upcoming["day"].iloc[0].isoformat() if len(upcoming) else "—",
            "left": len(upcoming),
        })
    return pd.DataFrame(rows)


COLUMNS = {"household_id": "col.household", "name": "mine.col_name", "priority": "col.priority",
           "community": "col.community_name", "office": "col.office_name", "where": "mine.col_where",
           "planned": "mine.col_planned", "talks": "mine.col_talks", "next": "mine.col_next", "left": "mine.col_left",
           "done": "unit.col_done"}


def render(view: ScopedView | None) -> None:
    st.header(t("mine.title"))
    if view is None or view.ws.plan is None or view.ws.problem is None:
        st.info(t("access.no_published"))
        return
    problem, plan = view.ws.problem, view.ws.plan
    me = str(view.account.scope)
    cadre = problem.cadres[problem.cadres["cadre_id"].astype(str) == me]
    if cadre.empty:
        st.warning(t("access.scope_missing", scope=me))
        return
    unit = problem.units.set_index("unit_id")["name"].get(cadre["unit_id"].iloc[0], "")
    st.caption(t("access.published_caption", scenario=view.scenario, version=view.version) + " · "
               + t("mine.who", name=cadre["name"].iloc[0], unit=unit))
    visits = visits_of(plan, "cadre", me)
    year = int(plan.report.get("year") or problem.rules.year)
    today = date.today()
    table = household_table(view, visits, today)
    future = visits[visits["day"] >= today]
    c = st.columns(4)
    c[0].metric(t("mine.households"), len(table))
    c[1].metric(t("mine.visits"), len(visits))
    c[2].metric(t("mine.days"), visits["day"].nunique())
    c[3].metric(t("mine.next_day"), future["day"].iloc[0].isoformat() if len(future) else "—")
    st.subheader(t("mine.calendar"))
    work = work_calendar(year, problem.holidays if len(problem.holidays) else None)
    marks: dict[date, str] = {d: "、".join(sorted(g["target_id"].astype(str))) for d, g in visits.groupby("day")}  # type: ignore[misc]
    st.html(year_grid_html(work, marks, current_lang(), today, legend={
        "visit": t("mine.legend_visit"), "off": t("mine.legend_off"), "hol": t("mine.legend_holiday")}))
    st.subheader(t("mine.households_title"))
    recorded = recorded_visits(view)
    if recorded is not None:
        done = recorded[recorded["target_kind"].astype(str) == "household"].groupby("target_id").size()
        table["done"] = table["household_id"].astype(str).map(done).fillna(0).astype(int)
    st.dataframe(table.rename(columns={k: t(v) for k, v in COLUMNS.items()}), hide_index=True, width="stretch")
    record.section(view, [("cadre", me)], today)
    _day_sheet(view, visits, table, today)
    _ics(plan)


def _day_sheet(view: ScopedView, visits: pd.DataFrame, table: pd.DataFrame, today: date) -> None:
    st.subheader(t("mine.day_sheet"))
    days = sorted(visits.loc[visits["target_kind"] == "household", "day"].unique())
    if not days:
        st.info(t("cal.empty"))
        return
    upcoming = [d for d in days if d >= today]
    default = days.index(upcoming[0]) if upcoming else 0
    day = st.selectbox(t("mine.pick_day"), days, index=default, key="mine_day",
                       format_func=lambda d: d.isoformat())
    problem = view.ws.problem
    assert problem is not None
    todays = visits[(visits["day"] == day) & (visits["target_kind"] == "household")]
    talk = dict(zip(todays["target_id"].astype(str), todays["talk"].astype(str) == "1", strict=True))
    hh = problem.households[problem.households["household_id"].astype(str).isin(set(talk))]
    me = problem.cadres[problem.cadres["cadre_id"].astype(str) == str(view.account.scope)]
    start = None
    if len(me) and pd.notna(me["lat"].iloc[0]) and pd.notna(me["lon"].iloc[0]):
        start = (float(me["lat"].iloc[0]), float(me["lon"].iloc[0]))
    ordered = walking_order(hh[["household_id", "lat", "lon"]], start)
    info = table.set_index("household_id")
    sheet = pd.DataFrame({
        "household_id": ordered["household_id"],
        "name": ordered["household_id"].map(info["name"]),
        "community": ordered["household_id"].map(info["community"]),
        "where": ordered["household_id"].map(info["where"]),
        "leg": ordered["leg_km"].map(lambda k: "" if k is None or pd.isna(k) else f"{k:.2f} km"),
        "talk": ordered["household_id"].astype(str).map(lambda h: t("mine.talk_yes") if talk.get(h) else ""),
        "note": "",
    })
    labels = {"household_id": t("col.household"), "name": t("mine.col_name"), "community": t("col.community_name"),
              "where": t("mine.col_where"), "leg": t("mine.col_leg"), "talk": t("col.talk"), "note": t("mine.col_note")}
    st.dataframe(sheet.rename(columns=labels), hide_index=True, width="stretch")
    title = t("mine.sheet_title", day=day.isoformat())
    html_text = day_sheet_html(title, t("mine.sheet_subtitle", n=len(sheet)), labels, sheet)
    st.download_button(t("mine.sheet_download"), data=html_text.encode("utf-8"), mime="text/html",
                       file_name=f"走访单_{day.isoformat()}.html", key="mine_sheet", icon=":material/print:",
                       help=t("mine.sheet_help"))


def _ics_bytes(plan: Plan) -> bytes:
    from planner.export.ics import build_calendars

    return b"".join(data for _, data in build_calendars(plan))


def _ics(plan: Plan) -> None:
    st.download_button(t("mine.ics"), data=partial(_ics_bytes, plan), mime="text/calendar", file_name="我的走访.ics",
                       key="mine_ics", icon=":material/calendar_month:", help=t("mine.ics_help"))
