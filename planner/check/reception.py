"""Calendar rule 6 (信访接待) in the checker: one function per rule code of the catalogue (calendar.reception_*)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.check.context import Context
from planner.check.minimums import MAIN_TIERS, OTHER_TIERS, Minimums, distinct_per, periods_text
from planner.check.violation import Collector
from planner.check.visits import LEADER, RECEPTION, ROLE_A, ROLE_B, Visits


@dataclass
class Reception:
    """The reception rows the rules judge: every reception row, and the judged ones' leader, day and role."""

    every: np.ndarray          # bool per visit row: a well-formed reception row (history included)
    past: np.ndarray           # bool per day: a reception day before `since`
    is_rec: np.ndarray         # bool per day: a judged reception day
    leader: np.ndarray
    day: np.ndarray
    role: np.ndarray

    @property
    def days(self) -> np.ndarray:
        return np.flatnonzero(self.is_rec)


def reception(ctx: Context, v: Visits, out: Collector, mins: Minimums) -> None:
    """Rule 6: reception days per ISO week; one A and one B per day; main leaders A monthly; fair A rotation."""
    every = v.ok & (v.pk == LEADER) & (v.act == RECEPTION)
    past = np.zeros(ctx.n_days, dtype=bool)
    past[v.day[every & v.hist]] = True
    sel = every & v.judged                     # history reception rows only count (toward the week's dates)
    is_rec = np.zeros(ctx.n_days, dtype=bool)
    is_rec[v.day[sel]] = True
    rec = Reception(every, past, is_rec, v.person[sel], v.day[sel], v.role[sel])
    reception_week_days(ctx, rec, out)
    reception_roles(ctx, rec, out)
    main_leader_monthly_a(ctx, v, rec, out, mins)
    reception_fairness(ctx, rec, out)


def reception_week_days(ctx: Context, rec: Reception, out: Collector) -> None:
    """Reception days per ISO week: per_week (fewer in short weeks; a week under way at `since` only what its
    history lacks)."""
    rr = ctx.rules.reception
    past, is_rec = rec.past, rec.is_rec
    weeks = ctx.day_week
    rest = np.arange(ctx.n_days) >= ctx.since_day
    workdays_per_week = np.bincount(weeks, weights=ctx.is_workday).astype(np.int64)
    n_weeks = len(workdays_per_week)
    rest_workdays = np.bincount(weeks, weights=ctx.is_workday & rest, minlength=n_weeks).astype(np.int64)
    past_per_week = np.bincount(weeks, weights=past, minlength=n_weeks).astype(np.int64)
    rec_per_week = np.bincount(weeks, weights=is_rec, minlength=n_weeks).astype(np.int64)
    # a week under way at `since` needs only what its history lacks, on the workdays it has left
    need = np.clip(np.minimum(rr.per_week, workdays_per_week) - past_per_week, 0, rest_workdays)
    counted = (workdays_per_week > 0) & (np.bincount(weeks, weights=rest, minlength=n_weeks) > 0)
    out.count("calendar.reception_week_days", int(counted.sum()))
    for w in np.flatnonzero(counted & (rec_per_week != need)):
        first = ctx.day_text[int(np.flatnonzero(weeks == w)[0])]
        out.add("calendar.reception_week_days", f"{first} 所在周有 {rec_per_week[w]} 个信访接待日，应为 {need[w]} 个",
                f"the week of {first} has {rec_per_week[w]} reception days, must have {need[w]}", (first,),
                abs(int(rec_per_week[w] - need[w])))


def reception_roles(ctx: Context, rec: Reception, out: Collector) -> None:
    """Exactly one A and one B per reception day, different leaders."""
    leader, day, role, rec_days = rec.leader, rec.day, rec.role, rec.days
    n_leaders = len(ctx.leaders)
    rows = np.bincount(day, minlength=ctx.n_days)
    n_a = np.bincount(day[role == ROLE_A], minlength=ctx.n_days)
    n_b = np.bincount(day[role == ROLE_B], minlength=ctx.n_days)
    people = distinct_per(day, leader, ctx.n_days, max(n_leaders, 1))
    out.count("calendar.reception_roles", len(rec_days))
    bad = rec_days[(rows[rec_days] != 2) | (n_a[rec_days] != 1) | (n_b[rec_days] != 1) | (people[rec_days] != 2)]
    for d in bad:
        who = ", ".join(f"{ctx.leaders.ids[l_]}({'A' if r == ROLE_A else 'B' if r == ROLE_B else '-'})"
                        for l_, r in zip(leader[day == d], role[day == d], strict=True))
        text = ctx.day_text[d]
        out.add("calendar.reception_roles", f"信访接待日 {text}：{who}，应恰有一名 A 角和一名 B 角且为不同领导",
                f"reception day {text}: {who}; needs exactly one A and one B, different leaders", (text,),
                abs(int(n_a[d]) - 1) + abs(int(n_b[d]) - 1) + abs(int(rows[d]) - 2))


def main_leader_monthly_a(ctx: Context, v: Visits, rec: Reception, out: Collector, mins: Minimums) -> None:
    """Secretary and head: ≥ main_leader_a_per_month A days in each required month with a reception day they
    can attend (history counts)."""
    every, rec_days = rec.every, rec.days
    n_leaders = len(ctx.leaders)
    mains = np.flatnonzero(np.isin(ctx.leader_tier, MAIN_TIERS))
    past_a = every & v.hist & (v.role == ROLE_A) & (v.person >= 0)
    qualified = np.zeros((n_leaders, 12), dtype=bool)
    qualified[v.person[past_a], ctx.day_month[v.day[past_a]]] = True
    required = ctx.required_since("leader", n_leaders, 1, qualified)
    per_month = ctx.rules.reception.main_leader_a_per_month
    out.count("calendar.main_leader_monthly_a", len(mains))
    all_a = every & (v.role == ROLE_A) & (v.person >= 0)
    a_keys = np.unique(v.person[all_a] * ctx.n_days + v.day[all_a])
    a_months = np.zeros((n_leaders, 12), dtype=np.int64)
    np.add.at(a_months, (a_keys // ctx.n_days, ctx.day_month[a_keys % ctx.n_days]), 1)
    for m in mains:
        code = ctx.person_codes("leader", np.asarray([m]))[0]
        available_rec = np.bincount(ctx.day_month[rec_days], weights=ctx.available[code, rec_days], minlength=12) > 0
        due = required[m] & available_rec
        short = due & (a_months[m] < per_month)
        mins.add("leader", ctx.leaders.ids[[m]], "reception_a_months", "", None,
                 np.asarray([int((due & ~short).sum())]), np.asarray([int(due.sum())]))
        if short.any():
            lid = ctx.leaders.ids[m]
            zh, en = periods_text(ctx, np.flatnonzero(short), 1)
            out.add("calendar.main_leader_monthly_a", f"领导 {lid}（{ctx.leader_tier[m]}）在 {zh} 担任 A 角少于 {per_month} 次",
                    f"leader {lid} ({ctx.leader_tier[m]}) is A fewer than {per_month} times in {en}", (lid,),
                    int((per_month - a_months[m][short]).sum()))


def reception_fairness(ctx: Context, rec: Reception, out: Collector) -> None:
    """A turns among standing and other leaders differ by at most fairness_max_diff."""
    rr = ctx.rules.reception
    n_leaders = len(ctx.leaders)
    a_leader = rec.leader[rec.role == ROLE_A]
    others = np.flatnonzero(np.isin(ctx.leader_tier, OTHER_TIERS))
    out.count("calendar.reception_fairness", 1 if len(others) > 1 else 0)
    if len(others) > 1:
        a_count = np.bincount(a_leader, minlength=n_leaders)[others]
        spread = int(a_count.max() - a_count.min())
        if spread > rr.fairness_max_diff:
            hi, lo = others[int(np.argmax(a_count))], others[int(np.argmin(a_count))]
            lh, ll = ctx.leaders.ids[hi], ctx.leaders.ids[lo]
            out.add("calendar.reception_fairness",
                    f"A 角轮换不均：领导 {lh} {a_count.max()} 次，领导 {ll} {a_count.min()} 次（相差应≤{rr.fairness_max_diff}）",
                    f"A turns uneven: leader {lh} {a_count.max()}, leader {ll} {a_count.min()} (difference must be ≤ "
                    f"{rr.fairness_max_diff})", (lh, ll), spread - rr.fairness_max_diff)
