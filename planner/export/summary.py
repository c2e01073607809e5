"""Per-person minimums for the printed summary: counts from the visits, against report["rules"].

The verdict columns (达标, 未达标项) have one source when the checker's table is at hand: pass
`minimums=planner.check.minimums_table(problem, plan)` and they are read from it (every requirement the checker
judges, pro-rated for a replan, spread periods included). A plan folder alone (`planner export PLAN` has no input
data, and the checker needs the Problem) falls back to a plain display of the yearly minimums recomputed from the
visits (visits per linked target, distinct days, talks, grassroots days, 三走遍); `planner check` verifies
everything independently.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.export.common import OFFICE_ROLE_ZH, PERSON_KIND_ZH, PERSON_KINDS, TIER_ZH, NameBook
from planner.model import ENUM_LABELS_ZH
from planner.plan import Plan
from planner.rules import Rules

LEADER_GRASSROOTS = ("contact", "research")
CADRE_GRASSROOTS = ("household", "research")

SUMMARY_HEADERS: tuple[str, ...] = (
    "类型", "编号", "姓名", "职务/职级", "联系对象数", "走访总次数", "每对象最少次数", "要求次数",
    "每对象最少天数", "要求天数", "每户最少谈心谈话", "要求谈心谈话", "基层天数", "要求基层天数", "备注", "达标",
    "未达标项",
)
MET_ZH, NOT_MET_ZH = "是", "否"


def _pair_minimums(pairs: pd.DataFrame, subject: str, target: str, visits: pd.DataFrame) -> pd.DataFrame:
    """Per subject: linked targets, and the minimum over them of rows, distinct dates and talks."""
    columns = ["targets", "min_rows", "min_days", "min_talks"]
    if not len(pairs):
        return pd.DataFrame(columns=columns)
    links = pairs[[subject, target]].astype(str).drop_duplicates()
    if len(visits):
        stats = visits.groupby(["person_id", "target_id"]).agg(
            rows=("date", "size"), days=("date", "nunique"), talks=("talk", "sum"))
        links = links.merge(stats, left_on=[subject, target], right_index=True, how="left")
    else:
        links = links.assign(rows=0, days=0, talks=0)
    links[["rows", "days", "talks"]] = links[["rows", "days", "talks"]].fillna(0).astype(int)
    out = links.groupby(subject).agg(targets=(target, "nunique"), min_rows=("rows", "min"),
                                     min_days=("days", "min"), min_talks=("talks", "min"))
    return out[columns]


def _distinct_days(visits: pd.DataFrame, kind: str, activities: tuple[str, ...]) -> pd.Series:
    part = visits[(visits["person_kind"] == kind) & visits["activity"].isin(activities)]
    return part.groupby("person_id")["date"].nunique()


def _office_communities(book: NameBook) -> dict[str, list[str]]:
    """Office id → its communities' ids (from the plan's names)."""
    out: dict[str, list[str]] = {}
    for community, office in book.parents.get("community", {}).items():
        out.setdefault(office, []).append(community)
    return out


def _people(plan: Plan, book: NameBook, table: pd.DataFrame) -> list[tuple[str, str]]:
    found: dict[tuple[str, str], None] = {}
    for kind in PERSON_KINDS:
        for ident in book.ids(kind):
            found[(kind, ident)] = None
    for kind, frame, column in (("leader", plan.leader_offices, "leader_id"), ("unit", plan.unit_communities,
                                 "unit_id"), ("cadre", plan.cadre_households, "cadre_id")):
        if column in frame:
            for ident in frame[column].astype(str).unique():
                found[(kind, ident)] = None
    office = getattr(plan, "office_leader_communities", None)
    if office is not None and "person_id" in office:
        for ident in office["person_id"].astype(str).unique():
            found[("office_leader", ident)] = None
    for kind, ident in zip(table["person_kind"].tolist(), table["person_id"].tolist(), strict=True):
        found[(str(kind), str(ident))] = None
    order = {k: i for i, k in enumerate(PERSON_KINDS)}
    return sorted(found, key=lambda p: (order.get(p[0], len(order)), p[1]))


def _int(value: Any) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


REQUIREMENT_ZH = {
    "contact_days": "联系点天数", "contact_periods": "每月到联系点", "grassroots_days": "基层天数",
    "offices_visited": "三走遍", "reception_a_months": "每月任A角", "community_visits": "次数",
    "community_days": "天数", "community_periods": "每月进社区", "household_visits": "次数", "household_days": "天数",
    "household_periods": "定期入户", "talks": "谈心谈话", "communities_visited": "走遍社区",
}


def checker_failures(minimums: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """Per (person_kind, person_id): the unmet requirements of the checker's minimums table, as the summary's
    "未达标项" texts ("次数 3<6 (H00012)"), in the table's order."""
    out: dict[tuple[str, str], list[str]] = {}
    unmet = minimums[~minimums["met"].astype(bool)]
    for kind, ident, requirement, target, actual, required in zip(
            unmet["person_kind"].astype(str), unmet["person_id"].astype(str), unmet["requirement"].astype(str),
            unmet["target_id"].astype(str), unmet["actual"].astype(int), unmet["required"].astype(int), strict=True):
        where = f"（{target}）" if target else ""
        out.setdefault((kind, ident), []).append(f"{REQUIREMENT_ZH.get(requirement, requirement)} {actual}<{required}{where}")
    return out


def summary_rows(plan: Plan, table: pd.DataFrame, rules: Rules, book: NameBook,
                 minimums: pd.DataFrame | None = None) -> list[list[Any]]:
    """One row per person, columns SUMMARY_HEADERS. Numbers are plain ints; a blank means "no such rule".
    With the checker's `minimums` table the verdict columns come from it (module docstring)."""
    from_checker = checker_failures(minimums) if minimums is not None else None
    v = table
    contact = v[(v["person_kind"] == "leader") & (v["activity"] == "contact")]
    leader_min = _pair_minimums(plan.leader_offices, "leader_id", "office_id", contact)
    unit_min = _pair_minimums(plan.unit_communities, "unit_id", "community_id",
                              v[(v["person_kind"] == "unit") & (v["activity"] == "community")])
    cadre_min = _pair_minimums(plan.cadre_households, "cadre_id", "household_id",
                               v[(v["person_kind"] == "cadre") & (v["activity"] == "household")])
    leader_days = _distinct_days(v, "leader", LEADER_GRASSROOTS).to_dict()
    cadre_days = _distinct_days(v, "cadre", CADRE_GRASSROOTS).to_dict()
    totals = v.groupby(["person_kind", "person_id"]).size().to_dict()
    offices = set(book.ids("office")) | set(plan.leader_offices.get("office_id", pd.Series(dtype=str)).astype(str))
    toured = v[(v["person_kind"] == "leader") & v["activity"].isin(LEADER_GRASSROOTS)
               & (v["target_kind"] == "office")].groupby("person_id")["target_id"].nunique().to_dict()
    reception = v[v["activity"] == "reception"].groupby(["person_id", "role"]).size().to_dict()
    office_pairs = getattr(plan, "office_leader_communities", None)
    office_min = _pair_minimums(office_pairs if office_pairs is not None else pd.DataFrame(
        columns=["person_id", "community_id"]), "person_id", "community_id",
        v[(v["person_kind"] == "office_leader") & (v["activity"] == "contact")])
    office_seen = v[v["person_kind"] == "office_leader"].groupby("person_id")["target_id"].nunique().to_dict()
    office_size = {o: len(c) for o, c in _office_communities(book).items()}
    # plain dicts per person id: the loop below looks every person up, and .loc per lookup was most of its time
    per_id = {kind: frame.to_dict("index") for kind, frame in
                (("leader", leader_min), ("unit", unit_min), ("cadre", cadre_min), ("office_leader", office_min))}
    rank_zh = ENUM_LABELS_ZH["rank"]
    vr = rules.visits

    rows: list[list[Any]] = []
    for kind, ident in _people(plan, book, table):
        name = book.name(kind, ident)
        total = int(totals.get((kind, ident), 0))
        failed: list[str] = []
        note = ""
        role_zh = ""
        targets = min_rows = min_days = min_talks = grassroots = None
        need_rows = need_days = need_talks = need_grassroots = None
        if kind == "leader":
            tier = book.parent("leader", ident)
            role_zh = TIER_ZH.get(tier, tier)
            stats = per_id["leader"].get(ident)
            targets = _int(stats["targets"]) if stats is not None else 0
            min_rows = _int(stats["min_rows"]) if stats is not None else 0
            min_days = _int(stats["min_days"]) if stats is not None else 0
            need_days = vr.leader_contact  # contact visits count on distinct dates
            grassroots = int(leader_days.get(ident, 0))
            need_grassroots = rules.grassroots_days.for_tier(tier) if tier in TIER_ZH else None
            seen = int(toured.get(ident, 0))
            a_count, b_count = int(reception.get((ident, "A"), 0)), int(reception.get((ident, "B"), 0))
            note = f"走遍办事处 {seen}/{len(offices)}；信访接待 A角{a_count}次 B角{b_count}次"
            if vr.all_offices_once and seen < len(offices):
                failed.append(f"三走遍（{seen}/{len(offices)}）")
        elif kind == "unit":
            stats = per_id["unit"].get(ident)
            targets = _int(stats["targets"]) if stats is not None else 0
            min_rows = _int(stats["min_rows"]) if stats is not None else 0
            min_days = _int(stats["min_days"]) if stats is not None else 0
            need_rows, need_days = vr.unit_community, vr.unit_community_days
        elif kind == "cadre":
            rank = book.extra.get("cadre", {}).get(ident, "")
            role_zh = rank_zh.get(rank, "")
            stats = per_id["cadre"].get(ident)
            targets = _int(stats["targets"]) if stats is not None else 0
            min_rows = _int(stats["min_rows"]) if stats is not None else 0
            min_days = _int(stats["min_days"]) if stats is not None else 0
            min_talks = _int(stats["min_talks"]) if stats is not None else 0
            need_rows, need_days, need_talks = vr.cadre_household, vr.cadre_household_days, vr.talks_per_household
            grassroots = int(cadre_days.get(ident, 0))
            need_grassroots = rules.grassroots_days.for_rank(rank) if rank in rank_zh else None
        elif kind == "office_leader":
            role_zh = OFFICE_ROLE_ZH.get(book.extra.get("office_leader", {}).get(ident, ""), "")
            stats = per_id["office_leader"].get(ident)
            targets = _int(stats["targets"]) if stats is not None else 0
            min_days = _int(stats["min_days"]) if stats is not None else 0
            need_days = vr.office_leader_contact
            seen, size = int(office_seen.get(ident, 0)), office_size.get(book.parent("office_leader", ident), 0)
            note = f"走遍社区 {seen}/{size}"
            if vr.office_all_communities and seen < size:
                failed.append(f"走遍社区（{seen}/{size}）")
        # Per-target minimums apply only when there are targets; grassroots days apply to the person.
        checks = [("基层天数", grassroots, need_grassroots)]
        if targets:
            checks = [("次数", min_rows, need_rows), ("天数", min_days, need_days),
                      ("谈心谈话", min_talks, need_talks), *checks]
        failed.extend(f"{label} {have}<{need}" for label, have, need in checks
                      if have is not None and need is not None and have < need)
        if from_checker is not None:
            failed = from_checker.get((kind, ident), [])
        if targets == 0 and kind in PERSON_KINDS:
            note = (note + "；" if note else "") + "无联系对象"
        rows.append([PERSON_KIND_ZH.get(kind, kind), ident, name, role_zh, targets, total, min_rows, need_rows,
                     min_days, need_days, min_talks, need_talks, grassroots, need_grassroots, note,
                     NOT_MET_ZH if failed else MET_ZH, "；".join(failed)])
    return rows
