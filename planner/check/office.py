"""The office level's calendar rules, recomputed from visits.csv and office_leader_communities.csv alone.

- `calendar.office_leader_one_per_date`: at most one row per office leader per date;
- `calendar.office_leader_contact`: ≥ visits.office_leader_contact contact rows on distinct dates to its contact
  community (history rows to that community by office leaders who no longer link it count, as for the other levels;
  a community without history gets the pro-rated minimum);
- `calendar.office_leader_spread`: ≥1 contact in every required period of visits.office_leader_period_months;
- `calendar.office_all_communities` (办事处领导干部走遍社区, when visits.office_all_communities): a contact or
  research row to every community of its own office.
Office leaders also count toward `calendar.community_daily_cap` (schedule.py) like every other visiting party.
"""

from __future__ import annotations

import numpy as np

from planner.check.assignment import AssignmentLinks
from planner.check.context import Context
from planner.check.minimums import Minimums, distinct_per, missed_periods, periods_text
from planner.check.violation import Collector
from planner.check.visits import CONTACT, OFFICE_LEADER, RESEARCH, T_COMMUNITY, Visits


def office_leader_calendar(ctx: Context, v: Visits, links: AssignmentLinks, out: Collector, mins: Minimums) -> None:
    """Every rule of the module docstring, in that order."""
    if not len(ctx.office_leaders):
        return
    office_leader_one_per_date(ctx, v, out)
    office_leader_contact(ctx, v, links, out, mins)
    office_all_communities(ctx, v, out, mins)


def office_leader_one_per_date(ctx: Context, v: Visits, out: Collector) -> None:
    sel = v.ok & v.judged & (v.pk == OFFICE_LEADER) & (v.person >= 0)
    keys, counts = np.unique(v.person[sel] * ctx.n_days + v.day[sel], return_counts=True)
    out.count("calendar.office_leader_one_per_date", len(keys))
    for key, n in zip(keys[counts > 1], counts[counts > 1], strict=True):
        pid, d = ctx.office_leaders.ids[key // ctx.n_days], ctx.day_text[key % ctx.n_days]
        out.add("calendar.office_leader_one_per_date", f"办事处领导 {pid} 在 {d} 有 {n} 项活动，每日至多 1 项",
                f"office leader {pid} has {n} activities on {d}, at most 1 a day", (pid, d), int(n) - 1)


def office_leader_contact(ctx: Context, v: Visits, links: AssignmentLinks, out: Collector, mins: Minimums) -> None:
    pairs = links.office_leader_communities
    vr = ctx.rules.visits
    contact = (v.pk == OFFICE_LEADER) & (v.act == CONTACT) & (v.tk == T_COMMUNITY)
    sel = v.linked & contact
    pair = pairs.index_of(v.person[sel], v.target[sel])
    own_rows = np.flatnonzero(sel)
    rows_idx, pair_idx = own_rows, pair
    others = np.flatnonzero(v.ok & v.hist & ~v.linked & contact)
    if len(others) and len(pairs):   # history rows of office leaders who no longer link the community
        hit = [(r, q) for r in others for q in np.flatnonzero(pairs.b == v.target[r])]
        if hit:
            rows_idx = np.concatenate([own_rows, np.asarray([r for r, _ in hit], dtype=np.int64)])
            pair_idx = np.concatenate([pair, np.asarray([q for _, q in hit], dtype=np.int64)])
    days = distinct_per(pair_idx, v.day[rows_idx], len(pairs), ctx.n_days)
    history = np.zeros(len(ctx.communities), dtype=bool)
    history[v.target[v.ok & v.hist & contact]] = True
    need = np.where(history[pairs.b], vr.office_leader_contact, ctx.prorate(vr.office_leader_contact))
    pid, cid = ctx.office_leaders.ids[pairs.a], ctx.communities.ids[pairs.b]
    out.count("calendar.office_leader_contact", len(pairs))
    mins.add("office_leader", pid, "contact_days", "community", cid, days, need)
    for p in np.flatnonzero(days < need):
        out.add("calendar.office_leader_contact", f"办事处领导 {pid[p]} 到联系社区 {cid[p]} {days[p]} 天，应≥{need[p]} 天",
                f"office leader {pid[p]} visits contact community {cid[p]} on {days[p]} dates, needs ≥ {need[p]}",
                (pid[p], cid[p]), int(need[p] - days[p]))
    months = vr.office_leader_period_months
    n = len(ctx.office_leaders)
    before = v.ok & v.hist & (v.person >= 0) & contact
    has_pair = np.bincount(pairs.a, minlength=n) > 0
    required, missing = missed_periods(ctx, "office_leader", n, months, (v.person[before], v.day[before]),
                                       (v.person[sel], v.day[sel]), has_pair)
    out.count("calendar.office_leader_spread", int(has_pair.sum()))
    mins.add("office_leader", ctx.office_leaders.ids[has_pair], "contact_periods", "", None,
             (required & ~missing).sum(axis=1)[has_pair], required.sum(axis=1)[has_pair])
    for i in np.flatnonzero(missing.any(axis=1)):
        zh, en = periods_text(ctx, np.flatnonzero(missing[i]), months)
        who = ctx.office_leaders.ids[i]
        out.add("calendar.office_leader_spread", f"办事处领导 {who} 在 {zh} 没有到联系社区",
                f"office leader {who} has no contact visit in {en}", (who,), int(missing[i].sum()))


def office_all_communities(ctx: Context, v: Visits, out: Collector, mins: Minimums) -> None:
    if not ctx.rules.visits.office_all_communities:
        return
    n, n_c = len(ctx.office_leaders), len(ctx.communities)
    sel = (v.ok & (v.person >= 0) & (v.pk == OFFICE_LEADER) & ((v.act == CONTACT) | (v.act == RESEARCH))
           & (v.tk == T_COMMUNITY))
    visited = np.zeros((n, n_c), dtype=bool)
    visited[v.person[sel], v.target[sel]] = True
    mine = (ctx.office_leader_office[:, None] == ctx.community_office[None, :]) & (ctx.office_leader_office[:, None] >= 0)
    done = (visited & mine).sum(axis=1)
    out.count("calendar.office_all_communities", n)
    mins.add("office_leader", ctx.office_leaders.ids, "communities_visited", "", None, done, mine.sum(axis=1))
    for i in np.flatnonzero((mine & ~visited).any(axis=1)):
        who = ctx.office_leaders.ids[i]
        missing = ctx.communities.ids[mine[i] & ~visited[i]]
        names = ", ".join(missing[:8]) + (f" …（共 {len(missing)} 个）" if len(missing) > 8 else "")
        out.add("calendar.office_all_communities", f"走遍社区未完成：办事处领导 {who} 未到过本办事处社区 {names}",
                f"走遍社区 incomplete: office leader {who} has not visited communit(ies) {names} of its office",
                (who, *missing), len(missing))
