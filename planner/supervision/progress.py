"""Progress as of a date: the contract's obligations table, computed with numpy over dense indices.

One row per obligation of the plan (the assignment in PLAN, the rules in the Problem); counts come from actual
visits dated ≤ D (`done`) and from the plan's visits dated ≤ D (`planned_to_date`). Everything is vectorised:
ids become dense indices once, a (person, target) pair becomes one int64 key looked up in a hash index, distinct
dates are `np.unique` of pair × day keys, periods are a pairs × periods boolean matrix. A city's year of actuals
(~1 M rows) takes a few seconds (bench/progress_bench.py).

Anomalies: a `contact`, `community` or `household` row whose person is not linked to its target in PLAN counts
toward no obligation (not even grassroots days) and is listed. `research` and `reception` rows need no link.
The independent recomputation is planner/check/progress.py; it shares no code with this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from planner.problem import Problem
from planner.rules import Rules
from planner.workdays import work_calendar

OBLIGATIONS = ("leader_contact", "leader_days", "all_offices", "unit_visits", "unit_days", "cadre_visits",
               "cadre_days", "talks", "cadre_grassroots_days")
COLUMNS = ("obligation", "person_kind", "person_id", "target_kind", "target_id", "required", "planned_to_date",
           "done", "left_days", "periods_missed", "status")
STATUSES = ("met", "cannot_meet", "behind", "on_track")
# obligations whose spread periods are judged, with the rule giving their period length in months
SPREAD = {"leader_contact": "leader_period_months", "unit_visits": "unit_period_months",
          "cadre_visits": "cadre_period_months"}
# the visit-count obligations that make up the by-office / by-unit completion figures
COMPLETION = ("leader_contact", "unit_visits", "cadre_visits")
VISIT_COLUMNS = ("date", "person_kind", "person_id", "activity", "target_kind", "target_id", "role", "talk")


@dataclass(frozen=True, eq=False)
class Progress:
    """The obligations table and what the bulletin and the app draw from it."""

    as_of: date
    table: pd.DataFrame        # COLUMNS, one row per obligation
    missed: pd.DataFrame       # obligation, person_kind, person_id, target_id, period, first_month, last_month
    anomalies: pd.DataFrame    # the unlinked actual rows (visit columns)
    monthly: pd.DataFrame      # level (office|unit), id, month (1..12), done, planned, required — cumulative, capped
    target_office: pd.Series   # table row → office id of its target ('' when none); for the office view
    person_unit: pd.Series     # table row → unit id of its person ('' for leaders)


# -- the year ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Year:
    first: date
    n_days: int
    month_start: np.ndarray          # day offset of each month's first day
    day_month: np.ndarray            # month (0..11) of each day offset
    workday: np.ndarray              # bool per day offset


def _year(problem: Problem) -> _Year:
    year = problem.rules.year
    first = date(year, 1, 1)
    n_days = (date(year + 1, 1, 1) - first).days
    workday = np.zeros(n_days, dtype=bool)
    offsets = [(d - first).days for d in work_calendar(year, problem.holidays).days if d.year == year]
    workday[offsets] = True
    month_start = np.asarray([(date(year, m, 1) - first).days for m in range(1, 13)], dtype=np.int64)
    day_month = np.searchsorted(month_start, np.arange(n_days), side="right") - 1
    return _Year(first, n_days, month_start, day_month, workday)


def _available(problem: Problem, yr: _Year, kind: str, ids: pd.Index) -> np.ndarray:
    """people × days: a workday outside the person's unavailability (start..end inclusive)."""
    blocked = np.zeros((len(ids), yr.n_days + 1), dtype=np.int32)
    un = problem.unavailability
    if len(un):
        mine = un.loc[(un["person_kind"] == kind).to_numpy()] if "person_kind" in un else un
        pos = ids.get_indexer(pd.Index(mine["person_id"].astype(str)))
        start = np.asarray([(d - yr.first).days for d in mine["start"]], dtype=np.int64)
        end = np.asarray([(d - yr.first).days for d in mine["end"]], dtype=np.int64) + 1
        start, end = np.clip(start, 0, yr.n_days), np.clip(end, 0, yr.n_days)
        keep = (pos >= 0) & (start < end)
        np.add.at(blocked, (pos[keep], start[keep]), 1)
        np.add.at(blocked, (pos[keep], end[keep]), -1)
    inside = np.cumsum(blocked, axis=1)[:, : yr.n_days] > 0
    result: np.ndarray = yr.workday[None, :] & ~inside
    return result


def _required_periods(avail: np.ndarray, yr: _Year, months: int, min_days: int) -> np.ndarray:
    per_month = np.add.reduceat(avail.astype(np.int32), yr.month_start, axis=1) if len(avail) else \
        np.zeros((0, 12), dtype=np.int32)
    per_period = np.add.reduceat(per_month, np.arange(0, 12, months), axis=1) if len(avail) else \
        np.zeros((0, -(-12 // months)), dtype=np.int32)
    out: np.ndarray = per_period >= min_days
    return out


# -- visits as dense arrays ----------------------------------------------------------------------------------------
PK = ("leader", "unit", "cadre")
ACT = ("contact", "research", "reception", "community", "household")
TK = ("office", "community", "household", "district")
LEADER, UNIT, CADRE = range(3)
CONTACT, RESEARCH, RECEPTION, COMMUNITY, HOUSEHOLD = range(5)
T_OFFICE, T_COMMUNITY, T_HOUSEHOLD, T_DISTRICT = range(4)


@dataclass(frozen=True, eq=False)
class _Rows:
    day: np.ndarray
    pk: np.ndarray          # code in PK, -1 unknown
    person: np.ndarray      # index in its kind's table, -1 unknown
    act: np.ndarray         # code in ACT
    tk: np.ndarray          # code in TK
    target: np.ndarray      # index in its kind's table, -1 unknown
    talk: np.ndarray


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Factorize once (arrow strings dictionary-encode fast); per-value work then runs on the few uniques."""
    codes, uniques = pd.factorize(column.astype(str), use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]


def _enum(column: pd.Series, values: tuple[str, ...]) -> np.ndarray:
    codes, uniques = _codes(column)
    lut = np.asarray([values.index(u) if u in values else -1 for u in uniques] + [-1], dtype=np.int64)
    out: np.ndarray = lut[codes]
    return out


def _days(column: pd.Series, yr: _Year) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        dates = column
    else:
        dates = pd.to_datetime(column.astype(str).str.slice(0, 10), errors="coerce", format="%Y-%m-%d")
    out: np.ndarray = ((dates - pd.Timestamp(yr.first)).dt.days).to_numpy(dtype=float)
    return out


def _rows(frame: pd.DataFrame, yr: _Year, as_of_day: int, idx: dict[str, pd.Index]) -> tuple[_Rows, np.ndarray]:
    """Visits dated ≤ D (and in the year) as integer arrays, exact duplicates once; also the frame positions kept."""
    if len(frame) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _Rows(empty, empty, empty, empty, empty, empty, empty), empty
    day = _days(frame["date"], yr)
    keep = np.flatnonzero(~np.isnan(day) & (day >= 0) & (day <= as_of_day) & (day < yr.n_days))
    sub = frame.iloc[keep]
    pk, act, tk = _enum(sub["person_kind"], PK), _enum(sub["activity"], ACT), _enum(sub["target_kind"], TK)
    pid_codes, pid_uniques = _codes(sub["person_id"])
    tid_codes, tid_uniques = _codes(sub["target_id"])
    person = np.full(len(sub), -1, dtype=np.int64)
    target = np.full(len(sub), -1, dtype=np.int64)
    for code, kind in enumerate(PK):
        sel = pk == code
        if sel.any():
            lut = np.append(idx[kind].get_indexer(pd.Index(pid_uniques, dtype=object)), -1)
            person[sel] = lut[pid_codes[sel]]
    for code, kind in enumerate(TK[:3]):
        sel = tk == code
        if sel.any():
            lut = np.append(idx[kind].get_indexer(pd.Index(tid_uniques, dtype=object)), -1)
            target[sel] = lut[tid_codes[sel]]
    talk = pd.to_numeric(sub["talk"], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
    role = _codes(sub["role"])[0] if "role" in sub else np.zeros(len(sub), dtype=np.int64)
    day_kept = day[keep].astype(np.int64)
    # exact duplicate rows count once (the contract): compare integer codes, not strings
    codes = pd.DataFrame({"day": day_kept, "pk": pk, "pid": pid_codes, "act": act, "tk": tk, "tid": tid_codes,
                          "talk": talk, "role": role})
    first = ~codes.duplicated().to_numpy()
    return _Rows(day_kept[first], pk[first], person[first], act[first], tk[first], target[first], talk[first]), \
        keep[first]


def _pair_lookup(person: np.ndarray, target: np.ndarray, pair_person: np.ndarray, pair_target: np.ndarray,
                 n_targets: int) -> np.ndarray:
    """Pair index of each (person, target), -1 when the person is not linked to the target."""
    width = max(n_targets, 1)
    index = pd.Index(pair_person.astype(np.int64) * width + pair_target)
    out: np.ndarray = index.get_indexer(person.astype(np.int64) * width + target)
    out[(person < 0) | (target < 0)] = -1
    return np.asarray(out, dtype=np.int64)


def _count(group: np.ndarray, n: int, day: np.ndarray | None = None, n_days: int = 367) -> np.ndarray:
    """Rows per group (or distinct days per group when `day` is given: a groups × days bitmap, cheaper than
    sorting a million keys); group −1 is ignored."""
    ok = group >= 0
    if day is None:
        return np.bincount(group[ok], minlength=n).astype(np.int64)
    seen = np.zeros((n, n_days), dtype=bool)
    seen[group[ok], day[ok]] = True
    return np.count_nonzero(seen, axis=1).astype(np.int64)


@dataclass(frozen=True, eq=False)
class _Links:
    lo_person: np.ndarray
    lo_target: np.ndarray
    uc_person: np.ndarray
    uc_target: np.ndarray
    ch_person: np.ndarray
    ch_target: np.ndarray


def _links(plan_pairs: dict[str, pd.DataFrame], idx: dict[str, pd.Index]) -> _Links:
    def pairs(name: str, pcol: str, pkind: str, tcol: str, tkind: str) -> tuple[np.ndarray, np.ndarray]:
        frame = plan_pairs[name]
        p = idx[pkind].get_indexer(pd.Index(frame[pcol].astype(str)))
        t = idx[tkind].get_indexer(pd.Index(frame[tcol].astype(str)))
        keep = (p >= 0) & (t >= 0)
        key = pd.DataFrame({"p": p[keep], "t": t[keep]}).drop_duplicates().sort_values(["p", "t"])
        return key["p"].to_numpy(np.int64), key["t"].to_numpy(np.int64)

    lo = pairs("leader_offices", "leader_id", "leader", "office_id", "office")
    uc = pairs("unit_communities", "unit_id", "unit", "community_id", "community")
    ch = pairs("cadre_households", "cadre_id", "cadre", "household_id", "household")
    return _Links(lo[0], lo[1], uc[0], uc[1], ch[0], ch[1])


@dataclass(frozen=True, eq=False)
class _Counts:
    """Every count of the table for one set of visits (actuals or the plan)."""

    lc_dates: np.ndarray
    leader_days: np.ndarray
    all_offices: np.ndarray      # leaders × offices
    uc_rows: np.ndarray
    uc_dates: np.ndarray
    ch_rows: np.ndarray
    ch_dates: np.ndarray
    ch_talks: np.ndarray
    cadre_days: np.ndarray
    lc_pair: np.ndarray          # pair of each row (for periods and months), -1 elsewhere
    uc_pair: np.ndarray
    ch_pair: np.ndarray
    anomaly: np.ndarray          # row positions (in _Rows) of unlinked rows


def _counts(r: _Rows, links: _Links, n: dict[str, int], community_office: np.ndarray, n_days: int) -> _Counts:
    is_leader, is_unit, is_cadre = r.pk == LEADER, r.pk == UNIT, r.pk == CADRE
    contact = is_leader & (r.act == CONTACT)
    research_l = is_leader & (r.act == RESEARCH)
    lc_pair = np.where(contact, _pair_lookup(r.person, r.target, links.lo_person, links.lo_target, n["office"]), -1)
    community = is_unit & (r.act == COMMUNITY)
    uc_pair = np.where(community, _pair_lookup(r.person, r.target, links.uc_person, links.uc_target,
                                               n["community"]), -1)
    household = is_cadre & (r.act == HOUSEHOLD)
    ch_pair = np.where(household, _pair_lookup(r.person, r.target, links.ch_person, links.ch_target,
                                               n["household"]), -1)
    anomaly = (contact & (lc_pair < 0)) | (community & (uc_pair < 0)) | (household & (ch_pair < 0))

    lc_dates = _count(lc_pair, len(links.lo_person), r.day, n_days)
    leader_day_rows = ((contact & (lc_pair >= 0)) | research_l) & (r.person >= 0)
    leader_days = _count(np.where(leader_day_rows, r.person, -1), n["leader"], r.day, n_days)
    # 三走遍: contact (linked) or research rows to the office or one of its communities
    office = np.full(len(r.day), -1, dtype=np.int64)
    to_office = (r.tk == T_OFFICE) & (r.target >= 0)
    office[to_office] = r.target[to_office]
    to_comm = (r.tk == T_COMMUNITY) & (r.target >= 0)
    office[to_comm] = community_office[r.target[to_comm]]
    counted = ((contact & (lc_pair >= 0)) | research_l) & (office >= 0) & (r.person >= 0)
    n_off = max(n["office"], 1)
    all_offices = _count(np.where(counted, r.person * n_off + office, -1), n["leader"] * n_off)
    all_offices = all_offices.reshape(n["leader"], n_off)

    n_uc, n_ch = len(links.uc_person), len(links.ch_person)
    cadre_day_rows = ((household & (ch_pair >= 0)) | (is_cadre & (r.act == RESEARCH))) & (r.person >= 0)
    return _Counts(
        lc_dates=lc_dates, leader_days=leader_days, all_offices=all_offices,
        uc_rows=_count(uc_pair, n_uc), uc_dates=_count(uc_pair, n_uc, r.day, n_days),
        ch_rows=_count(ch_pair, n_ch), ch_dates=_count(ch_pair, n_ch, r.day, n_days),
        ch_talks=_count(np.where(r.talk == 1, ch_pair, -1), n_ch),
        cadre_days=_count(np.where(cadre_day_rows, r.person, -1), n["cadre"], r.day, n_days),
        lc_pair=lc_pair, uc_pair=uc_pair, ch_pair=ch_pair, anomaly=np.flatnonzero(anomaly))


# -- the table -----------------------------------------------------------------------------------------------------
def compute_progress(problem: Problem, plan_pairs: dict[str, pd.DataFrame], plan_visits: pd.DataFrame,
                     actuals: pd.DataFrame, as_of: date) -> Progress:
    """The obligations table as of `as_of` (rows of either visits frame dated after it are ignored).

    `plan_pairs` holds the plan's leader_offices, unit_communities and cadre_households; `actuals` has the visit
    columns (validated by planner.supervision.actuals)."""
    rules: Rules = problem.rules
    yr = _year(problem)
    as_of_day = int(np.clip((as_of - yr.first).days, -1, yr.n_days - 1))
    ids = {"leader": problem.leaders["leader_id"], "unit": problem.units["unit_id"],
           "cadre": problem.cadres["cadre_id"], "office": problem.offices["office_id"],
           "community": problem.communities["community_id"], "household": problem.households["household_id"]}
    idx = {k: pd.Index(v.astype(str)) for k, v in ids.items()}
    n = {k: len(v) for k, v in idx.items()}
    community_office = idx["office"].get_indexer(pd.Index(problem.communities["office_id"].astype(str)))
    household_community = idx["community"].get_indexer(pd.Index(problem.households["community_id"].astype(str)))
    household_office = np.where(household_community >= 0, community_office[household_community], -1)
    cadre_unit = idx["unit"].get_indexer(pd.Index(problem.cadres["unit_id"].astype(str)))
    links = _links(plan_pairs, idx)

    act_rows, act_keep = _rows(actuals, yr, as_of_day, idx)
    plan_rows, _ = _rows(plan_visits, yr, as_of_day, idx)
    done = _counts(act_rows, links, n, community_office, yr.n_days + 1)
    planned = _counts(plan_rows, links, n, community_office, yr.n_days + 1)

    avail = {k: _available(problem, yr, k, idx[k]) for k in ("leader", "unit", "cadre")}
    left = {k: avail[k][:, as_of_day + 1:].sum(axis=1).astype(np.int64) for k in avail}
    v = rules.visits
    blocks: list[pd.DataFrame] = []
    missed_parts: list[pd.DataFrame] = []

    def block(obligation: str, pkind: str, person: np.ndarray, tkind: str, target: np.ndarray | None,
              required: np.ndarray | int, plan_n: np.ndarray, done_n: np.ndarray,
              periods: np.ndarray | None = None, office: np.ndarray | None = None,
              unit: np.ndarray | None = None) -> None:
        m = len(person)
        pid = idx[pkind].to_numpy()[person] if m else np.zeros(0, dtype=object)
        tid = idx[tkind].to_numpy()[target] if (target is not None and m) else np.full(m, "", dtype=object)
        off = idx["office"].to_numpy()
        office_id = np.where(office >= 0, off[np.maximum(office, 0)], "") if (office is not None and m) else \
            np.full(m, "", dtype=object)
        un = idx["unit"].to_numpy()
        unit_id = np.where(unit >= 0, un[np.maximum(unit, 0)], "") if (unit is not None and m) else \
            np.full(m, "", dtype=object)
        blocks.append(pd.DataFrame({
            "obligation": obligation, "person_kind": pkind, "person_id": pid,
            "target_kind": tkind if target is not None else "", "target_id": tid,
            "required": np.broadcast_to(np.asarray(required, dtype=np.int64), (m,)),
            "planned_to_date": plan_n, "done": done_n, "left_days": left[pkind][person],
            "periods_missed": pd.array(periods, dtype="Int64") if periods is not None else pd.array([None] * m,
                                                                                                   dtype="Int64"),
            "_office": office_id, "_unit": unit_id}))

    def spread(obligation: str, pkind: str, pair_person: np.ndarray, pair_target: np.ndarray, pair_of_row: np.ndarray,
               target_kind: str) -> np.ndarray:
        months = int(getattr(v, SPREAD[obligation]))
        n_periods = -(-12 // months)
        required = _required_periods(avail[pkind], yr, months, v.spread_min_workdays)[pair_person]
        period_end = np.append(yr.month_start[np.arange(months, 12, months)], yr.n_days) - 1
        ended = period_end <= as_of_day
        covered = np.zeros((len(pair_person), n_periods), dtype=bool)
        ok = pair_of_row >= 0
        covered[pair_of_row[ok], yr.day_month[act_rows.day[ok]] // months] = True
        missed = required & ended[None, :] & ~covered
        rows, periods = np.nonzero(missed)
        if len(rows):
            missed_parts.append(pd.DataFrame({
                "obligation": obligation, "person_kind": pkind,
                "person_id": idx[pkind].to_numpy()[pair_person[rows]], "target_kind": target_kind,
                "target_id": idx[target_kind].to_numpy()[pair_target[rows]],
                "period": periods, "first_month": periods * months + 1,
                "last_month": np.minimum(periods * months + months, 12)}))
        out: np.ndarray = missed.sum(axis=1)
        return out

    # leaders
    lp, lt = links.lo_person, links.lo_target
    block("leader_contact", "leader", lp, "office", lt, v.leader_contact, planned.lc_dates, done.lc_dates,
          spread("leader_contact", "leader", lp, lt, done.lc_pair, "office"), office=lt)
    tiers = problem.leaders["tier"].astype(str).to_numpy()
    all_leaders = np.arange(n["leader"])
    block("leader_days", "leader", all_leaders, "", None,
          np.asarray([rules.grassroots_days.for_tier(t) for t in tiers], dtype=np.int64),
          planned.leader_days, done.leader_days)
    if v.all_offices_once and n["leader"] and n["office"]:
        grid_l, grid_o = np.divmod(np.arange(n["leader"] * n["office"]), n["office"])
        block("all_offices", "leader", grid_l, "office", grid_o, 1, planned.all_offices.ravel(),
              done.all_offices.ravel(), office=grid_o)
    # units
    up, ut = links.uc_person, links.uc_target
    uc_office = community_office[ut] if len(ut) else ut
    block("unit_visits", "unit", up, "community", ut, v.unit_community, planned.uc_rows, done.uc_rows,
          spread("unit_visits", "unit", up, ut, done.uc_pair, "community"), office=uc_office, unit=up)
    block("unit_days", "unit", up, "community", ut, v.unit_community_days, planned.uc_dates, done.uc_dates,
          office=uc_office, unit=up)
    # cadres
    cp, ct = links.ch_person, links.ch_target
    ch_office, ch_unit = (household_office[ct], cadre_unit[cp]) if len(ct) else (ct, ct)
    block("cadre_visits", "cadre", cp, "household", ct, v.cadre_household, planned.ch_rows, done.ch_rows,
          spread("cadre_visits", "cadre", cp, ct, done.ch_pair, "household"), office=ch_office, unit=ch_unit)
    block("cadre_days", "cadre", cp, "household", ct, v.cadre_household_days, planned.ch_dates, done.ch_dates,
          office=ch_office, unit=ch_unit)
    block("talks", "cadre", cp, "household", ct, v.talks_per_household, planned.ch_talks, done.ch_talks,
          office=ch_office, unit=ch_unit)
    ranks = problem.cadres["rank"].astype(str).replace("", "staff").to_numpy() if n["cadre"] else np.zeros(0, str)
    counted = np.flatnonzero(np.isin(ranks, ("head", "section")))
    block("cadre_grassroots_days", "cadre", counted, "", None,
          np.asarray([rules.grassroots_days.for_rank(r) for r in ranks[counted]], dtype=np.int64),
          planned.cadre_days[counted], done.cadre_days[counted], unit=cadre_unit[counted])

    table = pd.concat(blocks, ignore_index=True)
    table["status"] = status_of(table["required"].to_numpy(), table["done"].to_numpy(),
                                table["planned_to_date"].to_numpy(), table["left_days"].to_numpy())
    target_office, person_unit = table.pop("_office"), table.pop("_unit")
    missed_frame = pd.concat(missed_parts, ignore_index=True) if missed_parts else pd.DataFrame(
        columns=["obligation", "person_kind", "person_id", "target_kind", "target_id", "period", "first_month",
                 "last_month"])
    kept = actuals.iloc[act_keep] if len(actuals) else actuals
    anomalies = kept.iloc[done.anomaly][[c for c in VISIT_COLUMNS if c in kept.columns]].reset_index(drop=True)
    monthly = _monthly(problem, yr, as_of_day, links, act_rows, plan_rows, done, planned, rules, idx,
                       community_office, household_office, cadre_unit)
    return Progress(as_of, table[list(COLUMNS)], missed_frame, anomalies, monthly, target_office, person_unit)


def status_of(required: np.ndarray, done: np.ndarray, planned: np.ndarray, left: np.ndarray) -> np.ndarray:
    """met ≥ required; cannot_meet when the gap exceeds the days left; behind when under the plan; else on_track."""
    return np.select([done >= required, required - done > left, done < planned], ["met", "cannot_meet", "behind"],
                     "on_track").astype(object)


def _monthly(problem: Problem, yr: _Year, as_of_day: int, links: _Links, act_rows: _Rows, plan_rows: _Rows,
             done: _Counts, planned: _Counts, rules: Rules, idx: dict[str, pd.Index], community_office: np.ndarray,
             household_office: np.ndarray, cadre_unit: np.ndarray) -> pd.DataFrame:
    """Cumulative visits per month end, each pair capped at its minimum, summed by office and by unit."""
    last_month = int(yr.day_month[max(as_of_day, 0)]) + 1 if as_of_day >= 0 else 0
    v = rules.visits
    parts = []
    spec = ((links.lo_target, None, v.leader_contact, done.lc_pair, planned.lc_pair, True, "office"),
            (links.uc_target, links.uc_person, v.unit_community, done.uc_pair, planned.uc_pair, False, "community"),
            (links.ch_target, links.ch_person, v.cadre_household, done.ch_pair, planned.ch_pair, False, "household"))
    for target, person, required, done_pair, plan_pair, distinct, tkind in spec:
        n_pairs = len(target)
        if n_pairs == 0:
            continue
        office = target if tkind == "office" else community_office[target] if tkind == "community" else \
            household_office[target]
        unit = None if person is None else person if tkind == "community" else cadre_unit[person]

        def cumulative(pair: np.ndarray, rows: _Rows, distinct: bool = distinct, n_pairs: int = n_pairs,
                       required: int = required) -> np.ndarray:
            ok = pair >= 0
            keys = pair[ok] * (yr.n_days + 1) + rows.day[ok]
            if distinct:
                keys = np.unique(keys)
            month = yr.day_month[keys % (yr.n_days + 1)]
            grid = np.bincount((keys // (yr.n_days + 1)) * 12 + month, minlength=n_pairs * 12).reshape(n_pairs, 12)
            capped: np.ndarray = np.minimum(np.cumsum(grid, axis=1), required)
            return capped

        d, p = cumulative(done_pair, act_rows), cumulative(plan_pair, plan_rows)
        for level, group, ids in (("office", office, idx["office"]), ("unit", unit, idx["unit"])):
            if group is None:
                continue
            ok = group >= 0
            frame = pd.DataFrame(d[ok], columns=range(1, 13)).assign(_g=group[ok]).groupby("_g").sum()
            plan_frame = pd.DataFrame(p[ok], columns=range(1, 13)).assign(_g=group[ok]).groupby("_g").sum()
            req = pd.Series(required, index=group[ok]).groupby(level=0).sum()
            for month in range(1, last_month + 1):
                parts.append(pd.DataFrame({"level": level, "id": ids.to_numpy()[frame.index.to_numpy()],
                                           "month": month, "done": frame[month].to_numpy(),
                                           "planned": plan_frame[month].to_numpy(), "required": req.to_numpy()}))
    if not parts:
        return pd.DataFrame(columns=["level", "id", "month", "done", "planned", "required"])
    out = pd.concat(parts, ignore_index=True)
    return out.groupby(["level", "id", "month"], as_index=False, sort=True)[["done", "planned", "required"]].sum()


def period_label(first_month: int, last_month: int, lang: str = "zh") -> str:
    if first_month == last_month:
        return f"{first_month}月" if lang == "zh" else f"month {first_month}"
    return f"{first_month}–{last_month}月" if lang == "zh" else f"months {first_month}–{last_month}"


def day_after(d: date) -> date:
    return d + timedelta(days=1)
