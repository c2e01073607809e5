"""visits.csv as arrays, and the row-level rules: values, ids, allowed combinations, linked targets, rule 1.

Plan files are text; a plan built in memory may carry dates, ints or NaN instead — both are read through
`text_codes`, so every distinct value is parsed once (a city plan has ~1M rows but only ~250 distinct dates).
A row that is malformed (bad date, unknown code or id, forbidden combination) or an exact duplicate is reported
once here and then left out of every count, so that one broken row gives one violation, not a cascade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from planner.check.assignment import AssignmentLinks, Links
from planner.check.context import KIND_ZH, Context, text_codes
from planner.check.violation import Collector
from planner.model import PLAN_COLUMNS, Activity, PersonKind, TargetKind

PK = tuple(str(k) for k in PersonKind)          # leader, unit, cadre
ACT = tuple(str(a) for a in Activity)           # contact, research, reception, community, household
TK = tuple(str(t) for t in TargetKind)          # office, community, household, district
LEADER, UNIT, CADRE, OFFICE_LEADER = (PK.index(k) for k in ("leader", "unit", "cadre", "office_leader"))
CONTACT, RESEARCH, RECEPTION, COMMUNITY, HOUSEHOLD = (
    ACT.index(a) for a in ("contact", "research", "reception", "community", "household"))
T_OFFICE, T_COMMUNITY, T_HOUSEHOLD, T_DISTRICT = (TK.index(t) for t in ("office", "community", "household", "district"))
DISTRICT_ID = "district"
ROLE_NONE, ROLE_A, ROLE_B = 0, 1, 2
BAD_DATE, OUTSIDE_YEAR = -1, -2

ALLOWED = np.zeros((len(PK), len(ACT), len(TK)), dtype=bool)
for _pk, _act, _tk in ((LEADER, CONTACT, T_OFFICE), (LEADER, RESEARCH, T_OFFICE), (LEADER, RESEARCH, T_COMMUNITY),
                       (LEADER, RECEPTION, T_DISTRICT), (UNIT, COMMUNITY, T_COMMUNITY),
                       (CADRE, HOUSEHOLD, T_HOUSEHOLD), (CADRE, RESEARCH, T_COMMUNITY),
                       (OFFICE_LEADER, CONTACT, T_COMMUNITY), (OFFICE_LEADER, RESEARCH, T_COMMUNITY)):
    ALLOWED[_pk, _act, _tk] = True
ALLOWED_TEXT = ("leader: contact→office, research→office|community, reception→district; unit: community→community; "
                "cadre: household→household, research→community; office_leader: contact|research→community")

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
FILE = "visits.csv"


def _lut(texts: list[str], values: tuple[str, ...]) -> np.ndarray:
    return np.asarray([values.index(t) if t in values else -1 for t in texts], dtype=np.int64)


@dataclass(eq=False)
class Visits:
    """visits.csv decoded: one entry per row; -1 = invalid or unknown (day: -1 bad text, -2 outside the year)."""

    n: int
    pk: np.ndarray
    person: np.ndarray
    act: np.ndarray
    tk: np.ndarray
    target: np.ndarray
    day: np.ndarray
    role: np.ndarray
    talk: np.ndarray
    dup: np.ndarray
    ok: np.ndarray       # counts toward the rules: well formed, allowed, known, in the year, not a duplicate
    linked: np.ndarray   # ok and the target is one the person links (always True for reception/leader research)
    hist: np.ndarray     # history (dated before `since`): never judged; counts even if its person has left
    judged: np.ndarray   # not history
    raw: dict[str, tuple[np.ndarray, list[str]]]

    def text(self, column: str, i: int | np.integer) -> str:
        codes, texts = self.raw[column]
        return texts[codes[i]]

    def community(self, ctx: Context) -> np.ndarray:
        """Community index each row lands in (target community, or the household's), -1 otherwise."""
        out = np.full(self.n, -1, dtype=np.int64)
        known = self.target >= 0
        sel = known & (self.tk == T_COMMUNITY)
        out[sel] = self.target[sel]
        sel = known & (self.tk == T_HOUSEHOLD)
        out[sel] = ctx.household_community[self.target[sel]]
        return out


def decode_visits(ctx: Context, frame: pd.DataFrame) -> Visits:
    n = len(frame)
    raw = {c: text_codes(frame[c]) if c in frame else (np.zeros(n, dtype=np.int64), [""])
           for c in PLAN_COLUMNS["visits"]}

    def col(name: str, lut: np.ndarray) -> np.ndarray:
        codes, _ = raw[name]
        out: np.ndarray = lut[codes]
        return out

    pk = col("person_kind", _lut(raw["person_kind"][1], PK))
    act = col("activity", _lut(raw["activity"][1], ACT))
    tk = col("target_kind", _lut(raw["target_kind"][1], TK))
    role = col("role", np.asarray([{"": ROLE_NONE, "A": ROLE_A, "B": ROLE_B}.get(t, -1)
                                   for t in raw["role"][1]], dtype=np.int64))
    talk = col("talk", np.asarray([{"": 0, "0": 0, "1": 1}.get(t, -1) for t in raw["talk"][1]], dtype=np.int64))
    day = col("date", np.asarray([_day(ctx, t) for t in raw["date"][1]], dtype=np.int64))

    person_codes, person_texts = raw["person_id"]
    person = np.full(n, -1, dtype=np.int64)
    for kind, ids in ((LEADER, ctx.leaders), (UNIT, ctx.units), (CADRE, ctx.cadres),
                      (OFFICE_LEADER, ctx.office_leaders)):
        sel = pk == kind
        person[sel] = ids.lookup(person_texts)[person_codes[sel]]
    target_codes, target_texts = raw["target_id"]
    target = np.full(n, -1, dtype=np.int64)
    for kind, ids in ((T_OFFICE, ctx.offices), (T_COMMUNITY, ctx.communities), (T_HOUSEHOLD, ctx.households)):
        sel = tk == kind
        target[sel] = ids.lookup(target_texts)[target_codes[sel]]
    is_district = np.asarray([t == DISTRICT_ID for t in target_texts])
    sel = tk == T_DISTRICT
    target[sel] = np.where(is_district[target_codes[sel]], 0, -1)

    dup = pd.DataFrame({c: raw[c][0] for c in raw}).duplicated().to_numpy() if n else np.zeros(0, dtype=bool)
    valid_codes = (pk >= 0) & (act >= 0) & (tk >= 0)
    allowed = np.zeros(n, dtype=bool)
    allowed[valid_codes] = ALLOWED[pk[valid_codes], act[valid_codes], tk[valid_codes]]
    hist = (day >= 0) & (day < ctx.since_day)
    ok = ~dup & allowed & (target >= 0) & (day >= 0) & ((person >= 0) | hist)
    empty = np.zeros(n, dtype=bool)
    return Visits(n, pk, person, act, tk, target, day, role, talk, dup, ok, empty, hist, ~hist, raw)


def _day(ctx: Context, text: str) -> int:
    if not _DATE_RE.fullmatch(text):
        return BAD_DATE
    try:
        d = date.fromisoformat(text)
    except ValueError:
        return BAD_DATE
    return (d - ctx.first_day).days if d.year == ctx.year else OUTSIDE_YEAR


def mark_linked(ctx: Context, v: Visits, links: AssignmentLinks) -> None:
    """Set `v.linked`: ok rows whose target the person links (contact, community, household, cadre research).
    History rows of persons who left link nothing."""
    linked = v.ok & (v.person >= 0)
    known = v.ok & (v.person >= 0)
    sel = known & (v.pk == LEADER) & (v.act == CONTACT)
    linked[sel] = links.leader_offices.contains(v.person[sel], v.target[sel])
    sel = known & (v.pk == OFFICE_LEADER) & (v.act == CONTACT)   # the office level: its contact community
    linked[sel] = links.office_leader_communities.contains(v.person[sel], v.target[sel])
    sel = known & (v.pk == OFFICE_LEADER) & (v.act == RESEARCH)  # 走遍社区: any community of its own office
    linked[sel] = ctx.community_office[v.target[sel]] == ctx.office_leader_office[v.person[sel]]
    sel = known & (v.pk == UNIT)
    linked[sel] = links.unit_communities.contains(v.person[sel], v.target[sel])
    sel = known & (v.pk == CADRE) & (v.act == HOUSEHOLD)
    linked[sel] = links.cadre_households.contains(v.person[sel], v.target[sel])
    sel = known & (v.pk == CADRE) & (v.act == RESEARCH)
    if sel.any():
        ch = links.cadre_households
        own = Links.from_keys(ch.a * len(ctx.communities) + ctx.household_community[ch.b], len(ctx.communities))
        unit = ctx.cadre_unit[v.person[sel]]
        by_unit = (unit >= 0) & links.unit_communities.contains(np.maximum(unit, 0), v.target[sel])
        linked[sel] = by_unit | own.contains(v.person[sel], v.target[sel])
    v.linked = linked


def _where(i: int | np.integer) -> tuple[str, str]:
    return f"{FILE} 第{i + 2}行", f"{FILE} row {i + 2}"


def _who(v: Visits, i: int | np.integer) -> tuple[str, str]:
    kind = v.text("person_kind", i)
    pid = v.text("person_id", i)
    return f"{KIND_ZH.get(kind, kind)} {pid}", f"{kind} {pid}"


def check_rows(ctx: Context, v: Visits, links: AssignmentLinks, out: Collector) -> None:
    """Every row-level rule: formats, codes, ids, combinations, linked targets, role/talk, and calendar rule 1."""
    mark_linked(ctx, v, links)
    n = v.n
    for rule in ("visits.duplicate_row", "visits.bad_date", "visits.bad_value", "visits.unknown_person",
                 "visits.unknown_target", "visits.bad_combination", "visits.role_misuse"):
        out.count(rule, n)
    live = ~v.dup & v.judged
    for i in np.flatnonzero(v.dup & v.judged):
        wz, we = _where(i)
        out.add("visits.duplicate_row", f"{wz}：与前面某行完全重复", f"{we}: exact duplicate of an earlier row",
                (v.text("person_id", i),))
    for i in np.flatnonzero(live & (v.day == BAD_DATE)):
        wz, we = _where(i)
        value = v.text("date", i)
        out.add("visits.bad_date", f"{wz}：日期 “{value}” 不是 YYYY-MM-DD 格式的有效日期",
                f"{we}: date '{value}' is not a valid YYYY-MM-DD date", (v.text("person_id", i),))
    for column, codes, allowed_values in (("person_kind", v.pk, "|".join(PK)), ("activity", v.act, "|".join(ACT)),
                                          ("target_kind", v.tk, "|".join(TK)), ("role", v.role, "A|B|(空)"),
                                          ("talk", v.talk, "0|1")):
        for i in np.flatnonzero(live & (codes < 0)):
            wz, we = _where(i)
            value = v.text(column, i)
            out.add("visits.bad_value", f"{wz}：列 {column} 的值 “{value}” 无效（应为 {allowed_values}）",
                    f"{we}: {column} '{value}' is not one of {allowed_values.replace('(空)', '(empty)')}",
                    (v.text("person_id", i),))
    for i in np.flatnonzero(live & (v.pk >= 0) & (v.person < 0)):
        wz, we = _where(i)
        kind, pid = v.text("person_kind", i), v.text("person_id", i)
        out.add("visits.unknown_person", f"{wz}：{KIND_ZH[kind]} “{pid}” 不存在",
                f"{we}: {kind} '{pid}' does not exist", (pid,))
    for i in np.flatnonzero(live & (v.tk >= 0) & (v.target < 0)):
        wz, we = _where(i)
        kind, tid = v.text("target_kind", i), v.text("target_id", i)
        out.add("visits.unknown_target", f"{wz}：对象 {KIND_ZH[kind]} “{tid}” 不存在",
                f"{we}: target {kind} '{tid}' does not exist", (tid,))
    valid_codes = (v.pk >= 0) & (v.act >= 0) & (v.tk >= 0)
    allowed = np.zeros(n, dtype=bool)
    allowed[valid_codes] = ALLOWED[v.pk[valid_codes], v.act[valid_codes], v.tk[valid_codes]]
    for i in np.flatnonzero(live & valid_codes & ~allowed):
        wz, we = _where(i)
        combo = f"{v.text('person_kind', i)} / {v.text('activity', i)} → {v.text('target_kind', i)}"
        out.add("visits.bad_combination", f"{wz}：不允许的组合 {combo}（允许：{ALLOWED_TEXT}）",
                f"{we}: combination {combo} is not allowed (allowed: {ALLOWED_TEXT})", (v.text("person_id", i),))
    role_bad = live & (v.act >= 0) & (v.role >= 0) & ((v.act == RECEPTION) != (v.role != ROLE_NONE))
    talk_bad = live & (v.act >= 0) & (v.talk == 1) & (v.act != HOUSEHOLD)
    for i in np.flatnonzero(role_bad | talk_bad):
        wz, we = _where(i)
        activity = v.text("activity", i)
        if role_bad[i]:
            if v.act[i] == RECEPTION:
                zh, en = "信访接待行必须标明 A 或 B 角", "a reception row needs role A or B"
            else:
                zh, en = f"{activity} 行不能有 A/B 角", f"a {activity} row must have an empty role"
        else:
            zh, en = f"{activity} 行不能标记谈心谈话（talk=1 仅用于入户）", f"talk=1 on a {activity} row (household rows only)"
        out.add("visits.role_misuse", f"{wz}：{zh}", f"{we}: {en}", (v.text("person_id", i),))

    linkable = v.ok & v.judged & ((v.act == CONTACT) | (v.pk == UNIT) | (v.pk == CADRE) | (v.pk == OFFICE_LEADER))
    out.count("visits.target_not_linked", int(linkable.sum()))
    for i in np.flatnonzero(linkable & ~v.linked):
        wz, we = _where(i)
        (who_zh, who_en), tkind, tid = _who(v, i), v.text("target_kind", i), v.text("target_id", i)
        out.add("visits.target_not_linked", f"{wz}：{who_zh} 走访的 {KIND_ZH[tkind]} {tid} 不是其联系对象",
                f"{we}: {who_en} visits {tkind} {tid}, which it does not link", (v.text("person_id", i), tid))
    _rule1(ctx, v, out)


def _rule1(ctx: Context, v: Visits, out: Collector) -> None:
    """Calendar rule 1: within the year, on a workday, outside the person's unavailability."""
    known = ~v.dup & (v.pk >= 0) & (v.person >= 0)
    out.count("calendar.outside_year", int((~v.dup & (v.day != BAD_DATE)).sum()))
    for i in np.flatnonzero(~v.dup & (v.day == OUTSIDE_YEAR)):
        wz, we = _where(i)
        (who_zh, who_en), d = _who(v, i), v.text("date", i)
        out.add("calendar.outside_year", f"{wz}：{who_zh} 的日期 {d} 不在 {ctx.year} 年内",
                f"{we}: {who_en} date {d} is outside {ctx.year}", (v.text("person_id", i), d))
    in_year = ~v.dup & (v.day >= 0) & v.judged
    day = np.maximum(v.day, 0)
    off = in_year & ~ctx.is_workday[day]
    out.count("calendar.not_workday", int(in_year.sum()))
    for i in np.flatnonzero(off):
        wz, we = _where(i)
        (who_zh, who_en), d = _who(v, i), v.text("date", i)
        out.add("calendar.not_workday", f"{wz}：{who_zh} 在非工作日 {d} 有安排", f"{we}: {who_en} scheduled on {d}, "
                "which is not a workday", (v.text("person_id", i), d))
    sel = in_year & known & ctx.is_workday[day]
    out.count("calendar.unavailable", int(sel.sum()))
    codes = np.zeros(v.n, dtype=np.int64)
    for kind, name in ((LEADER, "leader"), (UNIT, "unit"), (CADRE, "cadre"), (OFFICE_LEADER, "office_leader")):
        m = v.pk == kind
        codes[m] = ctx.person_codes(name, v.person[m])
    away = np.zeros(v.n, dtype=bool)
    away[sel] = ~ctx.available[codes[sel], day[sel]]
    for i in np.flatnonzero(away):
        wz, we = _where(i)
        (who_zh, who_en), d = _who(v, i), v.text("date", i)
        out.add("calendar.unavailable", f"{wz}：{who_zh} 在 {d} 处于不可安排时间", f"{we}: {who_en} is unavailable on {d}",
                (v.text("person_id", i), d))
