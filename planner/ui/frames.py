"""The Results page's tables, computed once per (problem, plan) and cached: pure pandas, no Streamlit calls.

A district has ~15,000 households and ~100,000 visits, so every frame here is built with vectorised joins and the
page only shows filtered, paginated slices of it. `cached(name, ws)` keys the cache on the plan's and the problem's
identity (a fresh key per solve / per data change) instead of hashing the frames.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from planner.plan import Plan
from planner.problem import Problem


def _lock_marks(problem: Problem, kind: str, subject: pd.Series, target: pd.Series) -> pd.Series:
    """'pin' / 'forbid' / '' for each (subject, target) pair, from the Problem's lock tables."""
    marks = pd.Series("", index=subject.index, dtype=object)
    keys = subject.astype(str) + "\x1f" + target.astype(str)
    for name, mark in (("pins", "pin"), ("forbidden", "forbid")):
        table = getattr(problem, name)
        if table.empty:
            continue
        rows = table[table["kind"] == kind]
        locked = set(rows["subject_id"].astype(str) + "\x1f" + rows["target_id"].astype(str))
        marks[keys.isin(locked)] = mark
    return marks


def leader_pairs(problem: Problem, plan: Plan) -> pd.DataFrame:
    lo = plan.leader_offices[["leader_id", "office_id"]].astype(str)
    out = lo.merge(problem.leaders[["leader_id", "name", "tier"]], on="leader_id", how="left")
    out = out.merge(problem.offices[["office_id", "name"]].rename(columns={"name": "office_name"}), on="office_id",
                    how="left")
    out["lock"] = _lock_marks(problem, "leader_office", out["leader_id"], out["office_id"])
    return out[["leader_id", "name", "tier", "office_id", "office_name", "lock"]]


def unit_pairs(problem: Problem, plan: Plan) -> pd.DataFrame:
    uc = plan.unit_communities[["unit_id", "community_id"]].astype(str)
    out = uc.merge(problem.units[["unit_id", "name"]].rename(columns={"name": "unit_name"}), on="unit_id", how="left")
    out = out.merge(problem.communities[["community_id", "name", "office_id"]].rename(
        columns={"name": "community_name"}), on="community_id", how="left")
    out["lock"] = _lock_marks(problem, "unit_community", out["unit_id"], out["community_id"])
    return out[["unit_id", "unit_name", "community_id", "community_name", "office_id", "lock"]]


def cadre_pairs(problem: Problem, plan: Plan) -> pd.DataFrame:
    ch = plan.cadre_households[["cadre_id", "household_id"]].astype(str)
    out = ch.merge(problem.cadres[["cadre_id", "name", "rank", "unit_id"]].rename(columns={"name": "cadre_name"}),
                   on="cadre_id", how="left")
    out = out.merge(problem.households[["household_id", "community_id", "priority"]], on="household_id", how="left")
    out = out.merge(problem.communities[["community_id", "name", "office_id"]].rename(
        columns={"name": "community_name"}), on="community_id", how="left")
    out["lock"] = _lock_marks(problem, "cadre_household", out["cadre_id"], out["household_id"])
    return out[["cadre_id", "cadre_name", "rank", "unit_id", "household_id", "community_id", "community_name",
                "office_id", "priority", "lock"]]


def office_leader_pairs(problem: Problem, plan: Plan) -> pd.DataFrame:
    """The office level: each office leader's contact community (empty without office leaders)."""
    pairs = plan.office_leader_communities
    if not len(pairs):
        return pd.DataFrame(columns=["person_id", "name", "role", "community_id", "community_name", "office_id",
                                     "lock"])
    ol = pairs[["person_id", "community_id"]].astype(str)
    out = ol.merge(problem.office_leaders[["person_id", "name", "role"]], on="person_id", how="left")
    out = out.merge(problem.communities[["community_id", "name", "office_id"]].rename(
        columns={"name": "community_name"}), on="community_id", how="left")
    out["lock"] = _lock_marks(problem, "office_leader_community", out["person_id"], out["community_id"])
    return out[["person_id", "name", "role", "community_id", "community_name", "office_id", "lock"]]


def coverage(problem: Problem, plan: Plan) -> dict[str, float]:
    """Share of households, communities and offices that have someone linked (1.0 = everyone)."""

    def share(ids: pd.Series, linked: pd.Series) -> float:
        return float(ids.astype(str).isin(set(linked.astype(str))).mean()) if len(ids) else 1.0

    return {
        "households": share(problem.households["household_id"], plan.cadre_households["household_id"]),
        "communities": share(problem.communities["community_id"], plan.unit_communities["community_id"]),
        "offices": share(problem.offices["office_id"], plan.leader_offices["office_id"]),
    }


def visits(problem: Problem, plan: Plan) -> pd.DataFrame:
    """Visits with parsed dates, month, and the community and office each visit lands in (NaN for reception)."""
    v = plan.visits.copy()
    if v.empty:
        return v.assign(date=pd.Series(dtype="datetime64[ns]"), month=pd.Series(dtype=int),
                        community_id=pd.Series(dtype=object), office_id=pd.Series(dtype=object))
    v["date"] = pd.to_datetime(v["date"].astype(str))
    v["month"] = v["date"].dt.month
    for column in ("person_id", "target_id", "target_kind", "activity", "person_kind"):
        v[column] = v[column].astype(str)
    hh_comm = dict(zip(problem.households["household_id"], problem.households["community_id"], strict=True))
    comm_office = dict(zip(problem.communities["community_id"], problem.communities["office_id"], strict=True))
    community = pd.Series(np.nan, index=v.index, dtype=object)
    is_comm = v["target_kind"] == "community"
    is_hh = v["target_kind"] == "household"
    community[is_comm] = v.loc[is_comm, "target_id"]
    community[is_hh] = v.loc[is_hh, "target_id"].map(hh_comm)
    office = community.map(comm_office)
    is_office = v["target_kind"] == "office"
    office[is_office] = v.loc[is_office, "target_id"]
    v["community_id"] = community
    v["office_id"] = office
    return v


def month_office_heat(problem: Problem, plan: Plan) -> pd.DataFrame:
    """Visits per (month, office): long form for a heat map, every cell present (zeros included)."""
    v = visits(problem, plan)
    v = v[v["office_id"].notna()]
    counts = v.groupby(["office_id", "month"]).size().rename("visits")
    names = dict(zip(problem.offices["office_id"], problem.offices["name"], strict=True))
    full = pd.MultiIndex.from_product([problem.offices["office_id"].tolist(), range(1, 13)],
                                      names=["office_id", "month"])
    out = counts.reindex(full, fill_value=0).reset_index()
    out["office_name"] = out["office_id"].map(names)
    return out


def community_burden(problem: Problem, plan: Plan) -> pd.DataFrame:
    """Distinct visiting parties per (community, date): the 不给群众增加负担 cap's left-hand side."""
    v = visits(problem, plan)
    v = v[v["community_id"].notna()]
    if v.empty:
        return pd.DataFrame(columns=["community_id", "date", "parties", "office_id", "community_name"])
    parties = (v.drop_duplicates(["community_id", "date", "person_kind", "person_id"])
               .groupby(["community_id", "date"]).size().rename("parties").reset_index())
    info = problem.communities[["community_id", "name", "office_id"]].rename(columns={"name": "community_name"})
    return parties.merge(info, on="community_id", how="left").sort_values(
        ["parties", "date", "community_id"], ascending=[False, True, True], ignore_index=True)


def workload(problem: Problem, plan: Plan) -> dict[str, pd.DataFrame]:
    """Counts per person/entity for the distribution charts (value → how many have it)."""
    per_cadre = plan.cadre_households.groupby("cadre_id").size().reindex(
        problem.cadres["cadre_id"].astype(str), fill_value=0)
    per_unit = plan.unit_communities.groupby("unit_id").size().reindex(
        problem.units["unit_id"].astype(str), fill_value=0)
    per_office = plan.leader_offices.groupby("office_id").size().reindex(
        problem.offices["office_id"].astype(str), fill_value=0)
    v = visits(problem, plan)
    days = (v.drop_duplicates(["person_kind", "person_id", "date"]).groupby(["person_kind", "person_id"]).size()
            .rename("days").reset_index())

    def dist(series: pd.Series) -> pd.DataFrame:
        return series.value_counts().sort_index().rename_axis("value").rename("count").reset_index()

    return {"households_per_cadre": dist(per_cadre), "communities_per_unit": dist(per_unit),
            "leaders_per_office": dist(per_office), "days_per_person": days}


def map_points(problem: Problem, plan: Plan) -> pd.DataFrame:
    """Communities and households with coordinates, each with its unit and a colour per unit."""
    unit_of_comm = dict(zip(plan.unit_communities["community_id"].astype(str),
                            plan.unit_communities["unit_id"].astype(str), strict=True))
    comm = problem.communities[["community_id", "name", "office_id", "lat", "lon"]].copy()
    comm["unit_id"] = comm["community_id"].map(unit_of_comm)
    comm["kind"] = "community"
    comm = comm.rename(columns={"community_id": "id"})
    hh = problem.households[["household_id", "community_id", "lat", "lon"]].copy()
    hh["unit_id"] = hh["community_id"].map(unit_of_comm)
    hh["office_id"] = hh["community_id"].map(dict(zip(problem.communities["community_id"],
                                                       problem.communities["office_id"], strict=True)))
    hh["name"] = hh["community_id"]
    hh["kind"] = "household"
    hh = hh.rename(columns={"household_id": "id"})[["id", "name", "office_id", "lat", "lon", "unit_id", "kind"]]
    points = pd.concat([comm[["id", "name", "office_id", "lat", "lon", "unit_id", "kind"]], hh], ignore_index=True)
    points = points.dropna(subset=["lat", "lon"])
    codes = pd.factorize(points["unit_id"].fillna(""))[0]
    colours = TAB20[codes % len(TAB20)]
    points["r"], points["g"], points["b"] = colours[:, 0], colours[:, 1], colours[:, 2]
    points["radius"] = np.where(points["kind"] == "community", 120, 30)
    return points.reset_index(drop=True)


# Tableau 20: distinct, print-friendly colours; units beyond 20 reuse them (neighbours rarely share one).
TAB20 = np.array([
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75), (227, 119, 194),
    (127, 127, 127), (188, 189, 34), (23, 190, 207), (174, 199, 232), (255, 187, 120), (152, 223, 138),
    (255, 152, 150), (197, 176, 213), (196, 156, 148), (247, 182, 210), (199, 199, 199), (219, 219, 141),
    (158, 218, 229)])


def pair_differences(previous: Plan, plan: Plan) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Per pair kind: how many targets kept their subject; and the changed rows (target, before, after)."""
    specs = (("leader_office", "leader_offices", "leader_id", "office_id"),
             ("unit_community", "unit_communities", "community_id", "unit_id"),
             ("cadre_household", "cadre_households", "household_id", "cadre_id"))
    rows: list[dict[str, Any]] = []
    changed: dict[str, pd.DataFrame] = {}
    for kind, name, key, value in specs:
        before = getattr(previous, name)[[key, value]].astype(str).drop_duplicates(key)
        after = getattr(plan, name)[[key, value]].astype(str).drop_duplicates(key)
        both = after.merge(before, on=key, how="outer", suffixes=("_after", "_before"))
        same = both[f"{value}_after"] == both[f"{value}_before"]
        rows.append({"kind": kind, "kept": int(same.sum()), "changed": int((~same).sum()),
                     "share_kept": float(same.mean()) if len(both) else 1.0})
        changed[kind] = both[~same].rename(columns={f"{value}_before": "before", f"{value}_after": "after"})[
            [key, "before", "after"]].fillna("—").reset_index(drop=True)
    return pd.DataFrame(rows), changed


def id_names(problem: Problem) -> dict[str, str]:
    """id → what a person calls it: people, units, offices and communities by name; a household by its community
    (household names are personal data, kept off the shared tables)."""
    names: dict[str, str] = {}
    for table, key in ((problem.offices, "office_id"), (problem.communities, "community_id"),
                       (problem.leaders, "leader_id"), (problem.units, "unit_id"), (problem.cadres, "cadre_id"),
                       (problem.office_leaders, "person_id")):
        names.update(zip(table[key].astype(str), table["name"].astype(str), strict=True))
    communities = dict(zip(problem.communities["community_id"].astype(str), problem.communities["name"].astype(str),
                           strict=True))
    households = problem.households
    names.update(zip(households["household_id"].astype(str),
                     households["community_id"].astype(str).map(communities).fillna(""), strict=True))
    return names


def filter_frame(frame: pd.DataFrame, search: str, office: str | None, columns: list[str]) -> pd.DataFrame:
    """Rows whose id/name columns contain `search` (case-insensitive), in `office` when given."""
    out = frame
    if office:
        out = out[out["office_id"] == office]
    text = search.strip().lower()
    if text:
        hay = out[columns].astype(str).apply(lambda c: c.str.lower())
        mask = np.zeros(len(out), dtype=bool)
        for column in columns:
            mask |= hay[column].str.contains(text, regex=False).to_numpy()
        out = out[mask]
    return out


BUILDERS: dict[str, Callable[[Problem, Plan], Any]] = {
    "leader_pairs": leader_pairs,
    "unit_pairs": unit_pairs,
    "cadre_pairs": cadre_pairs,
    "office_leader_pairs": office_leader_pairs,
    "coverage": coverage,
    "visits": visits,
    "heat": month_office_heat,
    "burden": community_burden,
    "workload": workload,
    "map": map_points,
}


def _cached_builder() -> Callable[..., Any]:
    import streamlit as st

    @st.cache_data(max_entries=24, show_spinner=False)
    def build(name: str, problem_key: str, plan_key: str, _problem: Problem, _plan: Plan) -> Any:
        return BUILDERS[name](_problem, _plan)

    return build


_BUILD: Callable[..., Any] | None = None


def cached(name: str, problem: Problem, plan: Plan, problem_key: str, plan_key: str) -> Any:
    """`BUILDERS[name](problem, plan)`, cached on the identities of problem and plan (not their contents)."""
    global _BUILD
    if _BUILD is None:
        _BUILD = _cached_builder()
    return _BUILD(name, problem_key, plan_key, problem, plan)


_NAMES: Callable[..., Any] | None = None


def cached_names(problem: Problem, problem_key: str) -> dict[str, str]:
    """`id_names(problem)`, once per problem identity."""
    global _NAMES
    if _NAMES is None:
        import streamlit as st

        @st.cache_data(max_entries=8, show_spinner=False)
        def build(problem_key: str, _problem: Problem) -> dict[str, str]:
            return id_names(_problem)

        _NAMES = build
    result: dict[str, str] = _NAMES(problem_key, problem)
    return result
