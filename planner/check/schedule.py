"""Calendar rules 2–12 of SEMANTICS.md, and the per-person "minimums met" table.

Every rule is a few array operations over the decoded visits (`Visits`): rows are turned into integer keys
(person × day, pair × day, community × day × party ...), `np.unique` removes repeats (distinct dates, distinct
parties) and `np.bincount` counts per entity. Only rows that are well formed (`ok`) count; minimums count only rows
whose target the person links (`linked`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.check.assignment import AssignmentLinks
from planner.check.context import Context
from planner.check.minimums import Minimums, missed_periods
from planner.check.minimums import distinct_per as _distinct_per
from planner.check.minimums import periods_text as _periods_text
from planner.check.office import office_leader_calendar
from planner.check.reception import reception
from planner.check.violation import Collector
from planner.check.visits import (
    CADRE,
    COMMUNITY,
    CONTACT,
    HOUSEHOLD,
    LEADER,
    OFFICE_LEADER,
    RESEARCH,
    T_COMMUNITY,
    T_OFFICE,
    UNIT,
    Visits,
)


def _members(keys: np.ndarray, width: int, group: int) -> np.ndarray:
    """Members of `group` among sorted keys = group * width + member (binary search, not a scan)."""
    lo, hi = np.searchsorted(keys, [group * width, (group + 1) * width])
    members: np.ndarray = keys[lo:hi] % width
    return members


def _history_people(ctx: Context, v: Visits, kind: int, n: int) -> np.ndarray:
    """People of one kind with ≥1 history row (their grassroots minimums are not pro-rated)."""
    sel = v.hist & ~v.dup & (v.pk == kind) & (v.person >= 0)
    out = np.zeros(n, dtype=bool)
    out[v.person[sel]] = True
    return out


def _history_targets(v: Visits, act: int, n_targets: int, kind: int | None = None) -> np.ndarray:
    """Targets with ≥1 history row of this activity (of this person kind, when given; the others get pro-rated
    minimums)."""
    sel = v.ok & v.hist & (v.act == act) & ((v.pk == kind) if kind is not None else True)
    out = np.zeros(n_targets, dtype=bool)
    out[v.target[sel]] = True
    return out


def _counted_rows(v: Visits, own: np.ndarray, own_pair: np.ndarray, pairs_b: np.ndarray,
                  others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row index, pair index) of every row that counts for a linked pair: the pair's own rows (`own`, mapped by
    `own_pair`) and the history rows (`others`) to the pair's target by persons who do not link it now — each such
    row counts for every pair with that target (SEMANTICS "Mid-year replanning" 2)."""
    own_rows = np.flatnonzero(own)
    extra = np.flatnonzero(others)
    if not len(extra) or not len(pairs_b):
        return own_rows, own_pair
    order = np.argsort(pairs_b, kind="stable")
    sorted_b = pairs_b[order]
    lo = np.searchsorted(sorted_b, v.target[extra], "left")
    hi = np.searchsorted(sorted_b, v.target[extra], "right")
    counts = hi - lo
    total = int(counts.sum())
    start = np.repeat(lo, counts) + (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts))
    return np.concatenate([own_rows, np.repeat(extra, counts)]), np.concatenate([own_pair, order[start]])


def check_calendar(ctx: Context, v: Visits, links: AssignmentLinks, out: Collector) -> pd.DataFrame:
    """Rules 2–12; returns the minimums table."""
    mins = Minimums()
    leader_one_per_date(ctx, v, out)
    leader_grassroots_days(ctx, v, out, mins)
    leader_contact(ctx, v, links, out, mins)
    all_offices_once(ctx, v, out, mins)
    reception(ctx, v, out, mins)
    unit_visits(ctx, v, links, out, mins)
    cadre_visits(ctx, v, links, out, mins)
    cadre_grassroots_days(ctx, v, out, mins)
    cadre_one_community_per_date(ctx, v, out)
    community_daily_cap(ctx, v, out)
    office_daily_cap(ctx, v, out)
    office_leader_calendar(ctx, v, links, out, mins)
    return mins.frame()


def leader_one_per_date(ctx: Context, v: Visits, out: Collector) -> None:
    """Rule 2: at most one row per leader per date (contact, research, reception all count)."""
    sel = v.ok & v.judged & (v.pk == LEADER)
    keys, counts = np.unique(v.person[sel] * ctx.n_days + v.day[sel], return_counts=True)
    out.count("calendar.leader_one_per_date", len(keys))
    for key, n in zip(keys[counts > 1], counts[counts > 1], strict=True):
        lid, d = ctx.leaders.ids[key // ctx.n_days], ctx.day_text[key % ctx.n_days]
        out.add("calendar.leader_one_per_date", f"领导 {lid} 在 {d} 有 {n} 项活动，每日至多 1 项",
                f"leader {lid} has {n} activities on {d}, at most 1 a day", (lid, d), int(n) - 1)


def leader_grassroots_days(ctx: Context, v: Visits, out: Collector, mins: Minimums) -> None:
    """Rule 3: distinct dates with contact or research ≥ grassroots_days.<tier>."""
    sel = v.ok & (v.person >= 0) & (v.pk == LEADER) & ((v.act == CONTACT) | (v.act == RESEARCH))
    days = _distinct_per(v.person[sel], v.day[sel], len(ctx.leaders), ctx.n_days)
    need = np.asarray([ctx.rules.grassroots_days.for_tier(t) for t in ctx.leader_tier], dtype=np.int64)
    need = np.where(_history_people(ctx, v, LEADER, len(ctx.leaders)), need, ctx.prorate(need))
    out.count("calendar.leader_grassroots_days", len(ctx.leaders))
    mins.add("leader", ctx.leaders.ids, "grassroots_days", "", None, days, need)
    for i in np.flatnonzero(days < need):
        lid = ctx.leaders.ids[i]
        out.add("calendar.leader_grassroots_days", f"领导 {lid}（{ctx.leader_tier[i]}）基层调研 {days[i]} 天，应≥{need[i]} 天",
                f"leader {lid} ({ctx.leader_tier[i]}) has {days[i]} grassroots days, needs ≥ {need[i]}", (lid,),
                int(need[i] - days[i]))


def leader_contact(ctx: Context, v: Visits, links: AssignmentLinks, out: Collector, mins: Minimums) -> None:
    """Rule 4: per linked office ≥ leader_contact contact dates; ≥1 contact in every required period."""
    lo = links.leader_offices
    sel = v.linked & (v.pk == LEADER) & (v.act == CONTACT)
    pair = lo.index_of(v.person[sel], v.target[sel])
    others = v.ok & v.hist & ~v.linked & (v.act == CONTACT) & (v.tk == T_OFFICE)
    rows_all, pair_all = _counted_rows(v, sel, pair, lo.b, others)
    days = _distinct_per(pair_all, v.day[rows_all], len(lo), ctx.n_days)
    need = np.where(_history_targets(v, CONTACT, len(ctx.offices), LEADER)[lo.b], ctx.rules.visits.leader_contact,
                    ctx.prorate(ctx.rules.visits.leader_contact))
    out.count("calendar.leader_contact_visits", len(lo))
    mins.add("leader", ctx.leaders.ids[lo.a], "contact_days", "office", ctx.offices.ids[lo.b], days, need)
    for p in np.flatnonzero(days < need):
        lid, oid = ctx.leaders.ids[lo.a[p]], ctx.offices.ids[lo.b[p]]
        out.add("calendar.leader_contact_visits", f"领导 {lid} 到联系点办事处 {oid} {days[p]} 天，应≥{need[p]} 天",
                f"leader {lid} visits linked office {oid} on {days[p]} dates, needs ≥ {need[p]}", (lid, oid),
                int(need[p] - days[p]))
    months = ctx.rules.visits.leader_period_months
    n_leaders = len(ctx.leaders)
    before = v.ok & v.hist & (v.person >= 0) & (v.pk == LEADER) & (v.act == CONTACT)
    has_office = np.bincount(lo.a, minlength=n_leaders) > 0
    required, missing = missed_periods(ctx, "leader", n_leaders, months, (v.person[before], v.day[before]),
                                       (v.person[sel], v.day[sel]), has_office)
    out.count("calendar.leader_contact_spread", int(has_office.sum()))
    mins.add("leader", ctx.leaders.ids[has_office], "contact_periods", "", None,
             (required & ~missing).sum(axis=1)[has_office], required.sum(axis=1)[has_office])
    for i in np.flatnonzero(missing.any(axis=1)):
        lid = ctx.leaders.ids[i]
        zh, en = _periods_text(ctx, np.flatnonzero(missing[i]), months)
        out.add("calendar.leader_contact_spread", f"领导 {lid} 在 {zh} 没有到联系点", f"leader {lid} has no contact visit "
                f"in {en}", (lid,), int(missing[i].sum()))


def all_offices_once(ctx: Context, v: Visits, out: Collector, mins: Minimums) -> None:
    """Rule 5 (三走遍): every leader has a contact or research row targeting each office."""
    if not ctx.rules.visits.all_offices_once:
        return
    sel = v.ok & (v.person >= 0) & (v.pk == LEADER) & ((v.act == CONTACT) | (v.act == RESEARCH)) & (v.tk == T_OFFICE)
    visited = np.zeros((len(ctx.leaders), len(ctx.offices)), dtype=bool)
    visited[v.person[sel], v.target[sel]] = True
    out.count("calendar.all_offices_once", len(ctx.leaders))
    mins.add("leader", ctx.leaders.ids, "offices_visited", "", None, visited.sum(axis=1), len(ctx.offices))
    for i in np.flatnonzero(~visited.all(axis=1)):
        lid = ctx.leaders.ids[i]
        missing = ctx.offices.ids[~visited[i]]
        names = ", ".join(missing)
        out.add("calendar.all_offices_once", f"三走遍未完成：领导 {lid} 未到过办事处 {names}",
                f"三走遍 incomplete: leader {lid} has not visited office(s) {names}", (lid, *missing), len(missing))


def _pair_visits(ctx: Context, v: Visits, rows_idx: np.ndarray, pairs_index: np.ndarray, n_pairs: int,
                 months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows, distinct days, covered periods and periods with a history visit (pairs × periods) per linked pair."""
    day = v.day[rows_idx]
    rows = np.bincount(pairs_index, minlength=n_pairs)
    days = _distinct_per(pairs_index, day, n_pairs, ctx.n_days)
    covered = np.zeros((n_pairs, ctx.n_periods(months)), dtype=bool)
    covered[pairs_index, ctx.day_period(day, months)] = True
    early = v.hist[rows_idx]
    qualified = np.zeros_like(covered)
    qualified[pairs_index[early], ctx.day_period(day[early], months)] = True
    return rows, days, covered, qualified


def unit_visits(ctx: Context, v: Visits, links: AssignmentLinks, out: Collector, mins: Minimums) -> None:
    """Rule 7: per linked community ≥ unit_community rows on ≥ unit_community_days dates, every required period."""
    uc = links.unit_communities
    vr = ctx.rules.visits
    months = vr.unit_period_months
    sel = v.linked & (v.pk == UNIT) & (v.act == COMMUNITY)
    pair = uc.index_of(v.person[sel], v.target[sel])
    others = v.ok & v.hist & ~v.linked & (v.pk == UNIT) & (v.act == COMMUNITY)
    rows_idx, pair_all = _counted_rows(v, sel, pair, uc.b, others)
    rows, days, covered, qualified = _pair_visits(ctx, v, rows_idx, pair_all, len(uc), months)
    required = ctx.required_since("unit", len(ctx.units), months, qualified, uc.a)
    uid, cid = ctx.units.ids[uc.a], ctx.communities.ids[uc.b]
    full = _history_targets(v, COMMUNITY, len(ctx.communities))[uc.b]
    min_rows = np.where(full, vr.unit_community, ctx.prorate(vr.unit_community))
    min_days = np.where(full, vr.unit_community_days, ctx.prorate(vr.unit_community_days))
    mins.add("unit", uid, "community_visits", "community", cid, rows, min_rows)
    mins.add("unit", uid, "community_days", "community", cid, days, min_days)
    mins.add("unit", uid, "community_periods", "community", cid, (required & covered).sum(axis=1),
             required.sum(axis=1))
    out.count("calendar.unit_min_visits", len(uc))
    for p in np.flatnonzero((rows < min_rows) | (days < min_days)):
        out.add("calendar.unit_min_visits",
                f"单位 {uid[p]} 进社区 {cid[p]} {rows[p]} 次、{days[p]} 天，应≥{min_rows[p]} 次、≥{min_days[p]} 天",
                f"unit {uid[p]} visits community {cid[p]} {rows[p]} times on {days[p]} dates, needs ≥ "
                f"{min_rows[p]} times on ≥ {min_days[p]} dates", (uid[p], cid[p]),
                int(max(min_rows[p] - rows[p], min_days[p] - days[p])))
    missing = required & ~covered
    out.count("calendar.unit_spread", len(uc))
    for p in np.flatnonzero(missing.any(axis=1)):
        zh, en = _periods_text(ctx, np.flatnonzero(missing[p]), months)
        out.add("calendar.unit_spread", f"单位 {uid[p]} 在 {zh} 没有进社区 {cid[p]}",
                f"unit {uid[p]} does not visit community {cid[p]} in {en}", (uid[p], cid[p]), int(missing[p].sum()))


def cadre_visits(ctx: Context, v: Visits, links: AssignmentLinks, out: Collector, mins: Minimums) -> None:
    """Rule 8: per linked household ≥ cadre_household rows on ≥ cadre_household_days dates, every required
    period, ≥ talks_per_household talks."""
    ch = links.cadre_households
    vr = ctx.rules.visits
    months = vr.cadre_period_months
    sel = v.linked & (v.pk == CADRE) & (v.act == HOUSEHOLD)
    pair = ch.index_of(v.person[sel], v.target[sel])
    others = v.ok & v.hist & ~v.linked & (v.pk == CADRE) & (v.act == HOUSEHOLD)
    rows_idx, pair_all = _counted_rows(v, sel, pair, ch.b, others)
    rows, days, covered, qualified = _pair_visits(ctx, v, rows_idx, pair_all, len(ch), months)
    talks = np.bincount(pair_all[v.talk[rows_idx] == 1], minlength=len(ch))
    required = ctx.required_since("cadre", len(ctx.cadres), months, qualified, ch.a)
    gid, hid = ctx.cadres.ids[ch.a], ctx.households.ids[ch.b]
    full = _history_targets(v, HOUSEHOLD, len(ctx.households))[ch.b]
    min_rows = np.where(full, vr.cadre_household, ctx.prorate(vr.cadre_household))
    min_days = np.where(full, vr.cadre_household_days, ctx.prorate(vr.cadre_household_days))
    min_talks = np.where(full, vr.talks_per_household, ctx.prorate(vr.talks_per_household))
    mins.add("cadre", gid, "household_visits", "household", hid, rows, min_rows)
    mins.add("cadre", gid, "household_days", "household", hid, days, min_days)
    mins.add("cadre", gid, "household_periods", "household", hid, (required & covered).sum(axis=1),
             required.sum(axis=1))
    mins.add("cadre", gid, "talks", "household", hid, talks, min_talks)
    out.count("calendar.cadre_min_visits", len(ch))
    for p in np.flatnonzero((rows < min_rows) | (days < min_days)):
        out.add("calendar.cadre_min_visits",
                f"干部 {gid[p]} 入户 {hid[p]} {rows[p]} 次、{days[p]} 天，应≥{min_rows[p]} 次、≥{min_days[p]} 天",
                f"cadre {gid[p]} visits household {hid[p]} {rows[p]} times on {days[p]} dates, needs ≥ "
                f"{min_rows[p]} times on ≥ {min_days[p]} dates", (gid[p], hid[p]),
                int(max(min_rows[p] - rows[p], min_days[p] - days[p])))
    missing = required & ~covered
    out.count("calendar.cadre_spread", len(ch))
    for p in np.flatnonzero(missing.any(axis=1)):
        zh, en = _periods_text(ctx, np.flatnonzero(missing[p]), months)
        out.add("calendar.cadre_spread", f"干部 {gid[p]} 在 {zh} 没有入户 {hid[p]}",
                f"cadre {gid[p]} does not visit household {hid[p]} in {en}", (gid[p], hid[p]), int(missing[p].sum()))
    out.count("calendar.cadre_talks", len(ch))
    for p in np.flatnonzero(talks < min_talks):
        out.add("calendar.cadre_talks", f"干部 {gid[p]} 与联系户 {hid[p]} 谈心谈话 {talks[p]} 次，应≥{min_talks[p]} 次",
                f"cadre {gid[p]} has {talks[p]} talks with household {hid[p]}, needs ≥ {min_talks[p]}",
                (gid[p], hid[p]), int(min_talks[p] - talks[p]))


def cadre_grassroots_days(ctx: Context, v: Visits, out: Collector, mins: Minimums) -> None:
    """Rule 9: distinct dates with household or research rows ≥ grassroots_days.for_rank(rank)."""
    sel = v.ok & (v.person >= 0) & (v.pk == CADRE) & ((v.act == HOUSEHOLD) | (v.act == RESEARCH))
    days = _distinct_per(v.person[sel], v.day[sel], len(ctx.cadres), ctx.n_days)
    need = np.asarray([ctx.rules.grassroots_days.for_rank(r) for r in ctx.cadre_rank], dtype=np.int64)
    need = np.where(_history_people(ctx, v, CADRE, len(ctx.cadres)), need, ctx.prorate(need))
    due = need > 0
    out.count("calendar.cadre_grassroots_days", int(due.sum()))
    mins.add("cadre", ctx.cadres.ids[due], "grassroots_days", "", None, days[due], need[due])
    for i in np.flatnonzero(due & (days < need)):
        gid = ctx.cadres.ids[i]
        out.add("calendar.cadre_grassroots_days", f"干部 {gid}（{ctx.cadre_rank[i]}）基层调研 {days[i]} 天，应≥{need[i]} 天",
                f"cadre {gid} ({ctx.cadre_rank[i]}) has {days[i]} grassroots days, needs ≥ {need[i]}", (gid,),
                int(need[i] - days[i]))


def cadre_one_community_per_date(ctx: Context, v: Visits, out: Collector) -> None:
    """Rule 10: a cadre's household and research rows on one date lie in one community."""
    sel = v.ok & v.judged & (v.pk == CADRE)
    community = v.community(ctx)[sel]
    n_comm = max(len(ctx.communities), 1)
    group = v.person[sel] * ctx.n_days + v.day[sel]
    keys = np.unique(group * n_comm + community)
    groups, counts = np.unique(keys // n_comm, return_counts=True)
    out.count("calendar.cadre_one_community_per_date", len(groups))
    for g in groups[counts > 1]:
        gid, d = ctx.cadres.ids[g // ctx.n_days], ctx.day_text[g % ctx.n_days]
        names = ctx.communities.ids[_members(keys, n_comm, g)]
        out.add("calendar.cadre_one_community_per_date", f"干部 {gid} 在 {d} 去了 {len(names)} 个社区（{', '.join(names)}），应只去一个",
                f"cadre {gid} is in {len(names)} communities on {d} ({', '.join(names)}), must be one", (gid, d),
                len(names) - 1)


def _party_codes(ctx: Context, v: Visits) -> np.ndarray:
    codes = np.full(v.n, -1, dtype=np.int64)
    for kind, name in ((LEADER, "leader"), (UNIT, "unit"), (CADRE, "cadre"), (OFFICE_LEADER, "office_leader")):
        m = (v.pk == kind) & (v.person >= 0)
        codes[m] = ctx.person_codes(name, v.person[m])
    return codes


def _party_name(ctx: Context, code: int) -> str:
    nl, nu = len(ctx.leaders), len(ctx.units)
    if code < nl:
        return f"leader {ctx.leaders.ids[code]}"
    if code < nl + nu:
        return f"unit {ctx.units.ids[code - nl]}"
    if code >= ctx.person_offset["office_leader"]:
        return f"office_leader {ctx.office_leaders.ids[code - ctx.person_offset['office_leader']]}"
    return f"cadre {ctx.cadres.ids[code - nl - nu]}"


def community_daily_cap(ctx: Context, v: Visits, out: Collector) -> None:
    """Rule 11: distinct parties with a row in a community (itself or one of its households) per date ≤ cap."""
    cap = ctx.rules.visits.community_daily_cap
    community = v.community(ctx)
    sel = v.ok & v.judged & (community >= 0)
    parties = max(ctx.n_people, 1)
    group = community[sel] * ctx.n_days + v.day[sel]
    keys = np.unique(group * parties + _party_codes(ctx, v)[sel])
    groups, counts = np.unique(keys // parties, return_counts=True)
    out.count("calendar.community_daily_cap", len(groups))
    for g, n in zip(groups[counts > cap], counts[counts > cap], strict=True):
        cid, d = ctx.communities.ids[g // ctx.n_days], ctx.day_text[g % ctx.n_days]
        who = ", ".join(_party_name(ctx, int(p)) for p in _members(keys, parties, g))
        out.add("calendar.community_daily_cap", f"社区 {cid} 在 {d} 有 {n} 方到访（{who}），上限 {cap}",
                f"community {cid} on {d} has {n} visiting parties ({who}), cap {cap}", (cid, d), int(n - cap))


def office_daily_cap(ctx: Context, v: Visits, out: Collector) -> None:
    """Rule 12: distinct leaders with contact/research in an office (itself or one of its communities) per date."""
    cap = ctx.rules.visits.office_daily_cap
    sel = v.ok & v.judged & (v.pk == LEADER) & ((v.act == CONTACT) | (v.act == RESEARCH))
    office = np.full(v.n, -1, dtype=np.int64)
    m = sel & (v.tk == T_OFFICE)
    office[m] = v.target[m]
    m = sel & (v.tk == T_COMMUNITY)
    office[m] = ctx.community_office[v.target[m]]
    sel &= office >= 0
    n_leaders = max(len(ctx.leaders), 1)
    keys = np.unique((office[sel] * ctx.n_days + v.day[sel]) * n_leaders + v.person[sel])
    groups, counts = np.unique(keys // n_leaders, return_counts=True)
    out.count("calendar.office_daily_cap", len(groups))
    for g, n in zip(groups[counts > cap], counts[counts > cap], strict=True):
        oid, d = ctx.offices.ids[g // ctx.n_days], ctx.day_text[g % ctx.n_days]
        who = ", ".join(ctx.leaders.ids[_members(keys, n_leaders, g)])
        out.add("calendar.office_daily_cap", f"办事处 {oid} 在 {d} 有 {n} 名领导到访（{who}），上限 {cap}",
                f"office {oid} on {d} has {n} visiting leaders ({who}), cap {cap}", (oid, d), int(n - cap))
