"""Step 5 — what the plan says: KPIs, pair tables, workload, map, heat map, personal calendars, burden, changes.

Every heavy frame comes from `frames.cached` (one computation per plan); tables are filtered and paginated, the
map samples households, so a district of 15,000 households stays responsive.
"""

from __future__ import annotations

import html
from datetime import date

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st

from planner.model import ENUM_LABELS_ZH, TargetKind
from planner.problem import Problem
from planner.ui import frames
from planner.ui.components import fit_height, fmt_pct, office_options, paginate
from planner.ui.i18n import current_lang, labels, lkey, t
from planner.ui.monthgrid import year_grid_html
from planner.ui.state import Workspace
from planner.workdays import WorkCalendar, work_calendar

MAP_MAX_POINTS = 4000
DISTRICT = TargetKind.DISTRICT.value   # the reception target: the whole district, not an id
VIEW_KEY = "res_view"
TABLE_HEIGHT = 560   # the most a results table takes before it scrolls; shorter tables fit their rows

PAIR_TABLES = {
    "leader_office": ("leader_pairs", ["leader_id", "name", "office_id", "office_name"],
                      {"leader_id": "col.leader", "name": "col.leader_name", "tier": "col.tier",
                       "office_id": "col.office", "office_name": "col.office_name", "lock": "col.lock"}),
    "unit_community": ("unit_pairs", ["unit_id", "unit_name", "community_id", "community_name"],
                       {"unit_id": "col.unit", "unit_name": "col.unit_name", "community_id": "col.community",
                        "community_name": "col.community_name", "office_id": "col.office", "lock": "col.lock"}),
    "cadre_household": ("cadre_pairs", ["cadre_id", "cadre_name", "household_id", "community_id", "community_name",
                                        "unit_id"],
                        {"cadre_id": "col.cadre", "cadre_name": "col.cadre_name", "rank": "col.rank",
                         "unit_id": "col.unit", "household_id": "col.household", "community_id": "col.community",
                         "community_name": "col.community_name", "office_id": "col.office",
                         "priority": "col.priority", "lock": "col.lock"}),
    "office_leader_community": ("office_leader_pairs", ["person_id", "name", "community_id", "community_name"],
                                {"person_id": "col.office_leader", "name": "col.office_leader_name",
                                 "role": "col.office_role", "community_id": "col.community",
                                 "community_name": "col.community_name", "office_id": "col.office",
                                 "lock": "col.lock"}),
}


def render(ws: Workspace) -> None:
    st.header(t("results.title"))
    if ws.problem is None or ws.plan is None:
        st.info(t("common.need_plan"))
        return
    if ws.viewing is not None:
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.info(t("results.viewing", version=ws.viewing))
        if c2.button(t("results.back_latest"), key="res_back_latest", width="stretch") and ws.store is not None:
            ws.load_scenario(ws.scenario)
            st.rerun()
    if ws.stale:
        st.warning(t("results.stale"))
    year = int(ws.plan.report.get("year", ws.rules.year))
    if ws.plan.report.get("estimated_calendar") and not has_makeup_days(ws.shown_problem, year):
        st.warning(t("data.estimated", year=year))
    _kpis(ws)
    # A view switch rather than st.tabs: tabs run every view on every rerun, this draws only the one shown.
    drawers = {"assign": _pairs, "workload": _workload, "map": _map, "heatmap": _heatmap, "calendar": _calendar,
               "burden": _burden, "diff": _diff}
    if st.session_state.get(VIEW_KEY) not in drawers:
        st.session_state[VIEW_KEY] = "assign"
    view = st.segmented_control(t("results.view"), list(drawers), format_func=labels("tab."), key=VIEW_KEY,
                                label_visibility="collapsed")
    drawers[view or "assign"](ws)


def has_makeup_days(problem: Problem | None, year: int) -> bool:
    """The user's 节假日调整 table gives make-up workdays of the plan year: the estimated calendar is corrected."""
    if problem is None or problem.holidays.empty:
        return False
    rows = problem.holidays
    dates = pd.to_datetime(rows["date"].astype(str), errors="coerce")
    return bool(((rows["kind"].astype(str) == "workday") & (dates.dt.year == year)).any())


def _get(ws: Workspace, name: str) -> object:
    assert ws.shown_problem is not None and ws.plan is not None
    return frames.cached(name, ws.shown_problem, ws.plan, ws.shown_key, ws.plan_key)


def _kpis(ws: Workspace) -> None:
    assert ws.plan is not None
    report = ws.plan.report
    cov = _get(ws, "coverage")
    assert isinstance(cov, dict)
    cols = st.columns(5)
    cols[0].metric(t("kpi.coverage"), fmt_pct(cov["households"]),
                   help=t("kpi.coverage_help", communities=fmt_pct(cov["communities"]), offices=fmt_pct(cov["offices"])))
    if ws.violations is None:
        cols[1].metric(t("kpi.minimums"), t("kpi.not_checked"))
    elif ws.violations:
        cols[1].metric(t("kpi.minimums"), t("kpi.violations", n=len(ws.violations)))
    else:
        cols[1].metric(t("kpi.minimums"), t("kpi.all_met"))
    cols[2].metric(t("kpi.time"), t("solve.seconds", s=float(report.get("seconds", 0.0))))
    cols[3].metric(t("kpi.gap"), fmt_pct(report.get("gap")), help=t("kpi.gap_help"))
    cols[4].metric(t("kpi.visits"), f"{len(ws.plan.visits):,}")
    if ws.violations:
        lang = current_lang()
        with st.expander(t("results.violations")):
            texts = [zh if lang == "zh" else en for zh, en in ws.violations]
            st.dataframe(pd.DataFrame({t("data.col_message"): texts}), hide_index=True, width="stretch")


def _translate(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    out = frame.copy()
    if "lock" in out.columns:
        out["lock"] = out["lock"].map({"pin": "🔒", "forbid": "×"}).fillna("")
    if current_lang() == "zh":
        for column, enum in (("tier", "tier"), ("rank", "rank")):
            if column in out.columns:
                out[column] = out[column].map(ENUM_LABELS_ZH[enum]).fillna(out[column])
    return out.rename(columns={c: t(k) for c, k in columns.items()})


def _pairs(ws: Workspace) -> None:
    c1, c2, c3 = st.columns([2, 2, 2])
    kind = c1.selectbox(t("assign.which"), list(PAIR_TABLES), format_func=labels("kind."),
                        key=lkey("res_pairs_kind"))
    builder, searchable, columns = PAIR_TABLES[kind]
    search = c2.text_input(t("common.search"), key="res_pairs_search")
    options, names = office_options(ws)
    office = c3.selectbox(t("common.office_filter"), options, format_func=names.__getitem__, key=lkey("res_pairs_office"))
    pairs = _get(ws, builder)
    assert isinstance(pairs, pd.DataFrame)
    shown = frames.filter_frame(pairs, search, office or None, searchable)
    page = paginate(shown, key=f"res_pairs_page_{kind}_{search}_{office}")
    st.dataframe(_translate(page, columns), hide_index=True, width="stretch", height=fit_height(len(page), TABLE_HEIGHT))


def _bar(frame: pd.DataFrame, x_title: str) -> alt.Chart:
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("value:O", title=x_title), y=alt.Y("count:Q", title=t("col.count")),
        tooltip=[alt.Tooltip("value:O", title=x_title), alt.Tooltip("count:Q", title=t("col.count"))]
    ).properties(height=220)


def _workload(ws: Workspace) -> None:
    load = _get(ws, "workload")
    assert isinstance(load, dict)
    st.caption(t("workload.distribution"))
    c1, c2 = st.columns(2)
    c1.altair_chart(_bar(load["households_per_cadre"], t("col.households_per_cadre")), width="stretch")
    c2.altair_chart(_bar(load["communities_per_unit"], t("col.communities_per_unit")), width="stretch")
    c3, c4 = st.columns(2)
    c3.altair_chart(_bar(load["leaders_per_office"], t("col.leaders_per_office")), width="stretch")
    days = load["days_per_person"].copy()
    if not days.empty:
        days["person_kind"] = days["person_kind"].map(lambda k: t(f"person.{k}"))
        chart = alt.Chart(days).mark_bar().encode(
            x=alt.X("days:Q", bin=alt.Bin(maxbins=30), title=t("col.days_per_person")),
            y=alt.Y("count():Q", title=t("col.count")),
            color=alt.Color("person_kind:N", title=t("col.person_kind"))).properties(height=220)
        c4.altair_chart(chart, width="stretch")


def _map(ws: Workspace) -> None:
    points = _get(ws, "map")
    assert isinstance(points, pd.DataFrame)
    if points.empty:
        st.info(t("map.no_coords"))
        return
    options, names = office_options(ws)
    office = st.selectbox(t("map.office"), options, format_func=names.__getitem__, key=lkey("res_map_office"))
    if office:
        points = points[points["office_id"] == office]
    households = points[points["kind"] == "household"]
    if len(households) > MAP_MAX_POINTS:
        st.caption(t("map.sample", n=MAP_MAX_POINTS))
        households = households.sample(MAP_MAX_POINTS, random_state=0)
    communities = points[points["kind"] == "community"]
    kind_label = {"community": t("map.kind_community"), "household": t("map.kind_household")}
    households = households.assign(kind_label=households["kind"].map(kind_label))
    communities = communities.assign(kind_label=communities["kind"].map(kind_label))
    layers = [
        pdk.Layer("ScatterplotLayer", data=households, get_position="[lon, lat]", get_fill_color="[r, g, b, 160]",
                  get_radius="radius", radius_min_pixels=1.5, pickable=True),
        pdk.Layer("ScatterplotLayer", data=communities, get_position="[lon, lat]", get_fill_color="[r, g, b, 230]",
                  get_line_color="[40, 40, 40]", stroked=True, line_width_min_pixels=1, get_radius="radius",
                  radius_min_pixels=5, pickable=True),
    ]
    view = pdk.data_utils.compute_view(points[["lon", "lat"]].to_numpy().tolist(), view_proportion=0.95)
    st.pydeck_chart(pdk.Deck(layers=layers, initial_view_state=view, map_style=None,
                             tooltip={"text": "{kind_label} {id}\n{name}\n" + t("col.unit") + " {unit_id}"}),
                    height=430)
    st.caption(t("map.caption"))
    assert ws.shown_problem is not None
    st.html(unit_legend_html(points, frames.cached_names(ws.shown_problem, ws.shown_key)))


LEGEND_MAX = 30   # units named in the map legend; beyond that colours repeat anyway (20 of them)


def unit_legend_html(points: pd.DataFrame, names: dict[str, str]) -> str:
    """A swatch per unit shown on the map (its colour, code and name), most points first."""
    units = (points.assign(unit=points["unit_id"].fillna("")).groupby(["unit", "r", "g", "b"]).size()
             .sort_values(ascending=False).reset_index())
    chips = []
    for row in units.head(LEGEND_MAX).itertuples(index=False):
        unit = str(row.unit)
        label = f"{unit} {names.get(unit, '')}".strip() if unit else t("map.no_unit")
        chips.append(f'<span style="display:inline-block;margin:0 10px 4px 0;font-size:12px;white-space:nowrap">'
                     f'<span style="display:inline-block;width:11px;height:11px;border-radius:50%;vertical-align:-1px;'
                     f'background:rgb({row.r},{row.g},{row.b});margin-right:4px"></span>{html.escape(label)}</span>')
    more = f'<span style="font-size:12px">{html.escape(t("map.legend_more", n=len(units) - LEGEND_MAX))}</span>' \
        if len(units) > LEGEND_MAX else ""
    return f'<div><span style="font-size:12px;margin-right:8px">{html.escape(t("map.legend"))}</span>' \
        f'{"".join(chips)}{more}</div>'


def _heatmap(ws: Workspace) -> None:
    heat = _get(ws, "heat")
    assert isinstance(heat, pd.DataFrame)
    heat = heat.assign(office=heat["office_id"] + " " + heat["office_name"].astype(str))
    chart = alt.Chart(heat).mark_rect().encode(
        x=alt.X("month:O", title=t("col.month"), axis=alt.Axis(labelAngle=0, labelExpr=month_number_expr())),
        y=alt.Y("office:N", title=t("col.office"), axis=alt.Axis(labelLimit=320)),
        color=alt.Color("visits:Q", title=t("col.visits"), scale=alt.Scale(scheme="orangered")),
        tooltip=[alt.Tooltip("office:N", title=t("col.office")), alt.Tooltip("month:O", title=t("col.month")),
                 alt.Tooltip("visits:Q", title=t("col.visits"))]).properties(height=max(200, 26 * heat["office"].nunique()))
    st.caption(t("heat.caption"))
    st.altair_chart(chart, width="stretch")


def _calendar(ws: Workspace) -> None:
    problem = ws.shown_problem
    assert problem is not None
    visits = _get(ws, "visits")
    assert isinstance(visits, pd.DataFrame)
    c1, c2 = st.columns([1, 3])
    kind = c1.radio(t("cal.person_kind"), ["leader", "unit", "cadre", "office_leader"], format_func=labels("person."),
                    key="res_cal_kind")
    table = {"leader": problem.leaders, "unit": problem.units, "cadre": problem.cadres,
             "office_leader": problem.office_leaders}[kind]
    id_column = "person_id" if kind == "office_leader" else f"{kind}_id"
    ids = table[id_column].astype(str).tolist()
    people = dict(zip(ids, table[id_column].astype(str) + " " + table["name"].astype(str), strict=True))
    person = c2.selectbox(t("cal.person"), ids, format_func=people.__getitem__, key=f"res_cal_person_{kind}")
    if person is None:
        return
    mine = visits[(visits["person_kind"] == kind) & (visits["person_id"] == person)].sort_values("date")
    if mine.empty:
        st.info(t("cal.empty"))
        return
    st.caption(t("cal.summary", name=people[person], visits=len(mine), days=mine["date"].nunique()))
    names = frames.cached_names(problem, ws.shown_key)
    district = mine["target_kind"] == DISTRICT
    target = mine["target_id"].astype(str)
    mine = mine.assign(
        activity_label=mine["activity"].map(lambda a: t(f"activity.{a}")),
        date_text=mine["date"].dt.strftime("%Y-%m-%d"),
        target_text=(target + " " + target.map(names).fillna("")).str.strip().where(~district, t("cal.district")),
        talk_mark=mine["talk"].map(_talk_mark) if "talk" in mine.columns else "",
        role=mine["role"].astype(str).map(lambda r: t(f"cal.role_{r}") if r in ("A", "B") else r))
    year = int(ws.plan.report.get("year", ws.rules.year)) if ws.plan is not None else ws.rules.year
    marks: dict[date, str] = {}
    for day, rows in mine.groupby(mine["date"].dt.date):
        marks[day] = "；".join(f"{a} {x}{' ✓' + t('col.talk') if m else ''}" for a, x, m in
                              zip(rows["activity_label"], rows["target_text"], rows["talk_mark"], strict=True))
    st.html(year_grid_html(_work_calendar(problem, ws.shown_key, year), marks, current_lang(), legend={
        "visit": t("cal.legend_visit"), "off": t("cal.legend_off"), "hol": t("cal.legend_holiday"),
        "makeup": t("cal.legend_makeup")}, makeup_label=t("cal.makeup_tag")))
    shown = mine[["date_text", "activity_label", "target_text", "role", "talk_mark"]].rename(columns={
        "date_text": t("col.date"), "activity_label": t("col.activity"), "target_text": t("col.target"),
        "role": t("col.role"), "talk_mark": t("col.talk")})
    page = paginate(shown, key=f"res_cal_page_{person}")
    st.dataframe(page, hide_index=True, width="stretch", height=fit_height(len(page), 420))


def _talk_mark(value: object) -> str:
    """A talk flag as a person reads it: ✓ or nothing (never 0/1, True/False)."""
    text = str(value).strip().lower()
    return "✓" if text in ("1", "true", "yes", "是", "✓") else ""


@st.cache_data(max_entries=8, show_spinner=False)
def _work_calendar(_problem: Problem, problem_key: str, year: int) -> WorkCalendar:
    return work_calendar(year, _problem.holidays if len(_problem.holidays) else None)


def _burden(ws: Workspace) -> None:
    burden = _get(ws, "burden")
    assert isinstance(burden, pd.DataFrame)
    caps = ws.rules.visits
    st.caption(t("burden.caption", cap=caps.community_daily_cap, office_cap=caps.office_daily_cap))
    if burden.empty:
        return
    c1, c2, c3 = st.columns(3)
    c1.metric(t("burden.max"), int(burden["parties"].max()))
    c2.metric(t("col.cap"), caps.community_daily_cap)
    c3.metric(t("burden.days_at_cap"), int((burden["parties"] >= caps.community_daily_cap).sum()))
    left, right = st.columns(2)
    hist = burden["parties"].value_counts().sort_index().rename_axis("value").rename("count").reset_index()
    left.altair_chart(_bar(hist, t("col.parties")), width="stretch")
    with right:
        st.caption(t("burden.busiest"))
        top = burden.head(200).assign(date=burden.head(200)["date"].dt.strftime("%Y-%m-%d"))
        st.dataframe(top[["community_id", "community_name", "date", "parties"]].rename(columns={
            "community_id": t("col.community"), "community_name": t("col.community_name"), "date": t("col.date"),
            "parties": t("col.parties")}), hide_index=True, width="stretch", height=220)
    problem = ws.shown_problem
    assert problem is not None
    communities = problem.communities
    named = dict(zip(communities["community_id"], communities["community_id"] + " " + communities["name"],
                     strict=True))
    community = st.selectbox(t("burden.community"), communities["community_id"].tolist(),
                             format_func=named.__getitem__, key="res_burden_comm")
    one = burden[burden["community_id"] == community]
    if not one.empty:
        chart = alt.Chart(one).mark_bar().encode(
            x=alt.X("date:T", title=t("col.date"), axis=alt.Axis(labelExpr=month_label_expr(), tickCount="month")),
            y=alt.Y("parties:Q", title=t("burden.parties_short")))
        rule = alt.Chart(pd.DataFrame({"cap": [caps.community_daily_cap]})).mark_rule(color="red").encode(y="cap:Q")
        st.altair_chart((chart + rule).properties(height=200), width="stretch")


def month_label_expr() -> str:
    """A Vega label expression for date axes: 1月 … 12月 in Chinese (Vega's own month names are English)."""
    if current_lang() != "zh":
        return "timeFormat(datum.value, '%b')"
    return "(month(datum.value) + 1) + '月'"


def month_number_expr() -> str:
    """Labels for a 1–12 month axis: 1月 … 12月 in Chinese."""
    return "datum.value + '月'" if current_lang() == "zh" else "datum.value"


def _diff(ws: Workspace) -> None:
    if ws.previous is None or ws.plan is None:
        st.info(t("diff.none"))
        return
    summary, changed = _diff_cached(ws)
    view = summary.assign(kind=summary["kind"].map(lambda k: t(f"kind.{k}")),
                          share_kept=summary["share_kept"].map(fmt_pct))
    st.dataframe(view.rename(columns={"kind": t("locks.kind"), "kept": t("col.kept"), "changed": t("col.changed"),
                                      "share_kept": t("col.share_kept")}), hide_index=True, width="stretch")
    kind = st.radio(t("diff.show_kind"), list(changed), format_func=labels("kind."), horizontal=True,
                    key="res_diff_kind")
    assert ws.shown_problem is not None
    names = frames.cached_names(ws.shown_problem, ws.shown_key)
    rows = changed[kind].copy()
    for column in rows.columns:
        rows[column] = (rows[column].astype(str) + " " + rows[column].astype(str).map(names).fillna("")).str.strip()
    rows = rows.rename(columns={"before": t("col.before"), "after": t("col.after"),
                                **{c: t(f"col.{c.removesuffix('_id')}") for c in rows.columns if c.endswith("_id")}})
    st.caption(t("diff.changed_pairs"))
    st.dataframe(paginate(rows, key=f"res_diff_page_{kind}"), hide_index=True, width="stretch", height=260)


@st.cache_data(max_entries=4, show_spinner=False)
def _diff_frames(previous_key: str, plan_key: str, _previous: object, _plan: object
                 ) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    return frames.pair_differences(_previous, _plan)  # type: ignore[arg-type]


def _diff_cached(ws: Workspace) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    return _diff_frames(ws.previous_key, ws.plan_key, ws.previous, ws.plan)
