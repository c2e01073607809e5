"""Dense arrays behind the progress table: the year's days and who is available, visits as integer codes, pairs
as int64 keys, and every count of the table for one set of visits. Split from progress.py (which assembles the
table); nothing here knows about statuses or output columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from planner.problem import Problem
from planner.workdays import work_calendar


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
PK = ("leader", "unit", "cadre", "office_leader")   # office_leader: the office level (supervision/office.py)
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
