"""Assignment rules 1–5 of SEMANTICS.md, recomputed from the three pair files alone.

Each pair file is read as text, duplicates and unknown ids are reported row by row (Excel row numbers, header =
row 1), and the remaining pairs become `Links` (index arrays) that the calendar rules reuse to know what is linked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.check.context import Context, Ids, text_codes
from planner.check.office_assign import office_leader_assignment
from planner.check.violation import Collector
from planner.plan import Plan


@dataclass(frozen=True, eq=False)
class Links:
    """The valid pairs of one pair file (known ids, no duplicates), sorted by key = a * n_b + b."""

    a: np.ndarray
    b: np.ndarray
    n_b: int

    @classmethod
    def from_keys(cls, keys: np.ndarray, n_b: int) -> Links:
        keys = np.unique(keys)
        return cls(keys // max(n_b, 1), keys % max(n_b, 1), n_b)

    @property
    def keys(self) -> np.ndarray:
        keys: np.ndarray = self.a * self.n_b + self.b
        return keys

    def __len__(self) -> int:
        return len(self.a)

    def index_of(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Position of each (a, b) among the pairs, -1 where not linked."""
        keys = self.keys
        probe = a * self.n_b + b
        if not len(keys):
            return np.full(len(probe), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(keys, probe), len(keys) - 1)
        out: np.ndarray = np.where(keys[pos] == probe, pos, -1)
        return out

    def contains(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        found: np.ndarray = self.index_of(a, b) >= 0
        return found


def _read_links(frame: pd.DataFrame, file: str, columns: tuple[str, str], ids: tuple[Ids, Ids],
                out: Collector) -> Links:
    n = len(frame)
    out.count("assign.duplicate_row", n)
    out.count("assign.unknown_id", n)
    if n == 0:
        return Links.from_keys(np.zeros(0, dtype=np.int64), len(ids[1]))
    code_a, text_a = text_codes(frame[columns[0]])
    code_b, text_b = text_codes(frame[columns[1]])
    dup = pd.DataFrame({"a": code_a, "b": code_b}).duplicated().to_numpy()
    for i in np.flatnonzero(dup):
        pair = f"{text_a[code_a[i]]}–{text_b[code_b[i]]}"
        out.add("assign.duplicate_row", f"{file} 第{i + 2}行：结对 {pair} 重复", f"{file} row {i + 2}: pair {pair} "
                "is duplicated", (text_a[code_a[i]], text_b[code_b[i]]))
    idx_a = ids[0].lookup(text_a)[code_a]
    idx_b = ids[1].lookup(text_b)[code_b]
    for i in np.flatnonzero(~dup & ((idx_a < 0) | (idx_b < 0))):
        for column, idx, code, text in ((columns[0], idx_a, code_a, text_a), (columns[1], idx_b, code_b, text_b)):
            if idx[i] < 0:
                value = text[code[i]]
                out.add("assign.unknown_id", f"{file} 第{i + 2}行：{column} “{value}” 不存在",
                        f"{file} row {i + 2}: {column} '{value}' does not exist", (value,))
    keep = ~dup & (idx_a >= 0) & (idx_b >= 0)
    return Links.from_keys(idx_a[keep] * len(ids[1]) + idx_b[keep], len(ids[1]))


@dataclass(frozen=True, eq=False)
class AssignmentLinks:
    leader_offices: Links
    unit_communities: Links
    cadre_households: Links
    office_leader_communities: Links = field(default_factory=lambda: Links.from_keys(np.zeros(0, dtype=np.int64), 1))


def read_assignment(ctx: Context, plan: Plan, out: Collector) -> AssignmentLinks:
    return AssignmentLinks(
        _read_links(plan.leader_offices, "leader_offices.csv", ("leader_id", "office_id"),
                    (ctx.leaders, ctx.offices), out),
        _read_links(plan.unit_communities, "unit_communities.csv", ("unit_id", "community_id"),
                    (ctx.units, ctx.communities), out),
        _read_links(plan.cadre_households, "cadre_households.csv", ("cadre_id", "household_id"),
                    (ctx.cadres, ctx.households), out),
        _read_links(_office_pairs(plan), "office_leader_communities.csv", ("person_id", "community_id"),
                    (ctx.office_leaders, ctx.communities), out),
    )


def _office_pairs(plan: Plan) -> pd.DataFrame:
    """office_leader_communities of the plan (plans made before the office level have none)."""
    frame = getattr(plan, "office_leader_communities", None)
    if frame is None or not {"person_id", "community_id"} <= set(frame.columns):
        return pd.DataFrame({"person_id": pd.Series([], dtype=object), "community_id": pd.Series([], dtype=object)})
    return frame


def check_assignment(ctx: Context, plan: Plan, out: Collector) -> AssignmentLinks:
    links = read_assignment(ctx, plan, out)
    leader_offices(ctx, links.leader_offices, out)
    unit_communities(ctx, links.unit_communities, out)
    cadre_households(ctx, links.cadre_households, out)
    linkage(ctx, links, out)
    office_leader_assignment(ctx, links.office_leader_communities, out)
    pins_and_forbidden(ctx, links, out)
    return links


def leader_offices(ctx: Context, lo: Links, out: Collector) -> None:
    """Rule 1: each leader 1..leader_max_offices offices; each office ≥1 leader; office counts differ by ≤1."""
    cap = ctx.rules.assign.leader_max_offices
    per_leader = np.bincount(lo.a, minlength=len(ctx.leaders))
    out.count("assign.leader_office_count", len(ctx.leaders))
    for i in np.flatnonzero((per_leader < 1) | (per_leader > cap)):
        lid, n = ctx.leaders.ids[i], int(per_leader[i])
        out.add("assign.leader_office_count", f"领导 {lid} 联系 {n} 个办事处，应为 1 至 {cap} 个",
                f"leader {lid} links {n} offices, must be 1 to {cap}", (lid,), 1 - n if n < 1 else n - cap)
    per_office = np.bincount(lo.b, minlength=len(ctx.offices))
    out.count("assign.office_min_leader", len(ctx.offices))
    for o in np.flatnonzero(per_office < 1):
        oid = ctx.offices.ids[o]
        out.add("assign.office_min_leader", f"办事处 {oid} 没有联系领导", f"office {oid} has no leader", (oid,))
    out.count("assign.leader_spread", 1 if len(ctx.offices) else 0)
    if len(ctx.offices) and per_office.max() - per_office.min() > 1:
        hi, lo_ = int(np.argmax(per_office)), int(np.argmin(per_office))
        oh, ol = ctx.offices.ids[hi], ctx.offices.ids[lo_]
        nh, nl = int(per_office[hi]), int(per_office[lo_])
        out.add("assign.leader_spread", f"领导分布不均：办事处 {oh} 有 {nh} 名领导，办事处 {ol} 只有 {nl} 名（相差应≤1）",
                f"leaders uneven: office {oh} has {nh} leaders, office {ol} has {nl} (difference must be ≤ 1)",
                (oh, ol), nh - nl - 1)


def unit_communities(ctx: Context, uc: Links, out: Collector) -> None:
    """Rule 2: every community exactly one unit; every unit ≥1 community when units ≤ communities."""
    per_community = np.bincount(uc.b, minlength=len(ctx.communities))
    out.count("assign.community_exactly_one", len(ctx.communities))
    for c in np.flatnonzero(per_community != 1):
        cid, n = ctx.communities.ids[c], int(per_community[c])
        units = ", ".join(ctx.units.ids[uc.a[uc.b == c]])
        out.add("assign.community_exactly_one", f"社区 {cid} 由 {n} 个单位联系（{units or '无'}），应恰为 1 个",
                f"community {cid} is linked by {n} units ({units or 'none'}), must be exactly 1", (cid,), abs(n - 1))
    if len(ctx.units) <= len(ctx.communities):
        per_unit = np.bincount(uc.a, minlength=len(ctx.units))
        out.count("assign.unit_min_community", len(ctx.units))
        for u in np.flatnonzero(per_unit < 1):
            uid = ctx.units.ids[u]
            out.add("assign.unit_min_community", f"单位 {uid} 没有联系社区", f"unit {uid} links no community", (uid,))


def cadre_households(ctx: Context, ch: Links, out: Collector) -> None:
    """Rule 3: every household exactly one cadre; a cadre's households ≤ its capacity."""
    per_household = np.bincount(ch.b, minlength=len(ctx.households))
    out.count("assign.household_exactly_one", len(ctx.households))
    bad = np.flatnonzero(per_household != 1)
    if len(bad):
        by_household = pd.Series(ctx.cadres.ids[ch.a]).groupby(ch.b).agg(", ".join) if len(ch) else pd.Series()
        for h in bad:
            hid, n = ctx.households.ids[h], int(per_household[h])
            cadres = by_household.get(h, "")
            out.add("assign.household_exactly_one", f"联系户 {hid} 由 {n} 名干部联系（{cadres or '无'}），应恰为 1 名",
                    f"household {hid} is linked by {n} cadres ({cadres or 'none'}), must be exactly 1", (hid,),
                    abs(n - 1))
    per_cadre = np.bincount(ch.a, minlength=len(ctx.cadres))
    out.count("assign.cadre_capacity", len(ctx.cadres))
    for c in np.flatnonzero(per_cadre > ctx.cadre_capacity):
        cid, n, cap = ctx.cadres.ids[c], int(per_cadre[c]), int(ctx.cadre_capacity[c])
        out.add("assign.cadre_capacity", f"干部 {cid} 联系 {n} 户，上限 {cap} 户",
                f"cadre {cid} links {n} households, capacity {cap}", (cid,), n - cap)


def linkage(ctx: Context, links: AssignmentLinks, out: Collector) -> None:
    """Rule 4 (strict only): the cadre's unit links the household's community."""
    if ctx.rules.assign.linkage != "strict":
        return
    ch = links.cadre_households
    out.count("assign.linkage", len(ch))
    unit = ctx.cadre_unit[ch.a]
    community = ctx.household_community[ch.b]
    ok = (unit >= 0) & (community >= 0) & links.unit_communities.contains(np.maximum(unit, 0),
                                                                          np.maximum(community, 0))
    for p in np.flatnonzero(~ok):
        cid, hid = ctx.cadres.ids[ch.a[p]], ctx.households.ids[ch.b[p]]
        uid, com = ctx.units.ids[unit[p]], ctx.communities.ids[community[p]]
        out.add("assign.linkage", f"三级联动不满足：干部 {cid}（单位 {uid}）联系联系户 {hid}，但单位 {uid} 不联系其社区 {com}",
                f"linkage broken: cadre {cid} (unit {uid}) links household {hid}, but unit {uid} does not link its "
                f"community {com}", (cid, hid, uid, com))


def pins_and_forbidden(ctx: Context, links: AssignmentLinks, out: Collector) -> None:
    """Rule 5: every pin row is a linked pair; no forbidden row is."""
    tables = {
        "leader_offices": ("leader_office", links.leader_offices, ctx.leaders, ctx.offices, "领导", "办事处",
                           "leader", "office"),
        "unit_communities": ("unit_community", links.unit_communities, ctx.units, ctx.communities, "单位", "社区",
                             "unit", "community"),
        "cadre_households": ("cadre_household", links.cadre_households, ctx.cadres, ctx.households, "干部", "联系户",
                             "cadre", "household"),
        "office_leader_communities": ("office_leader_community", links.office_leader_communities,
                                      ctx.office_leaders, ctx.communities, "办事处领导", "社区", "office leader",
                                      "community"),
    }
    for rule, frame, must in (("assign.pin_missing", ctx.problem.pins, True),
                              ("assign.forbidden_pair", ctx.problem.forbidden, False)):
        out.count(rule, len(frame))
        if not len(frame):
            continue
        kinds = frame["kind"].astype(str).to_numpy()
        subjects = frame["subject_id"].astype(str).to_numpy()
        targets = frame["target_id"].astype(str).to_numpy()
        for kind, pairs, ids_s, ids_t, zs, zt, es, et in tables.values():
            sel = kinds == kind
            if not sel.any():
                continue
            s = ids_s.lookup(subjects[sel])
            t = ids_t.lookup(targets[sel])
            known = (s >= 0) & (t >= 0)
            linked = known & pairs.contains(np.maximum(s, 0), np.maximum(t, 0))
            broken = ~linked if must else linked
            for sid, tid in zip(subjects[sel][broken], targets[sel][broken], strict=True):
                if must:
                    out.add(rule, f"锁定结对未保留：{zs} {sid} – {zt} {tid}",
                            f"pinned pair missing: {es} {sid} – {et} {tid}", (sid, tid))
                else:
                    out.add(rule, f"出现禁止结对：{zs} {sid} – {zt} {tid}",
                            f"forbidden pair present: {es} {sid} – {et} {tid}", (sid, tid))
