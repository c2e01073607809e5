"""What every check needs from the input, computed once: id lookups, the year's days, who is available when.

Built only from the Problem (input reading), `planner.workdays` (the year's calendar) and `planner.rules`; nothing
from the engines. Days are integer offsets from 1 January of `rules.year` (0..364/365); people get one global code
(leaders, then units, then cadres, then office leaders) so that availability is one dense boolean matrix people × days — 40,000 cadres
× 366 days is 15 MB, and every rule-1 and spread test becomes an array lookup.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from planner.problem import Problem

PERSON_KINDS = ("leader", "unit", "cadre", "office_leader")
KIND_ZH = {"leader": "领导", "unit": "单位", "cadre": "干部", "office": "办事处", "community": "社区",
           "household": "联系户", "district": "全区", "office_leader": "办事处领导"}


def cell_text(value: Any) -> str:
    """A cell as the text a plan file would hold: NaN/None → "", dates → ISO, integral numbers → "3"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    return str(value)


def _parse_since(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def text_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Factorize a column: codes (missing → last slot) and the text of each distinct value, so that per-value work
    (parsing dates, looking ids up) runs once per distinct value instead of once per row."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    texts = [cell_text(u) for u in uniques.tolist()]   # plain list: Arrow string iteration is slow
    codes = np.where(codes < 0, len(texts), codes).astype(np.int64)
    texts.append("")
    return codes, texts


@dataclass(frozen=True, eq=False)
class Ids:
    """One entity table's ids: position = dense index."""

    ids: np.ndarray
    index: pd.Index

    @classmethod
    def of(cls, frame: pd.DataFrame, column: str) -> Ids:
        ids = np.asarray([cell_text(v) for v in frame[column].tolist()], dtype=object)
        return cls(ids, pd.Index(ids, dtype=object))

    def __len__(self) -> int:
        return len(self.ids)

    def lookup(self, texts: list[str] | np.ndarray) -> np.ndarray:
        if not len(texts):
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self.index.get_indexer(pd.Index(list(texts), dtype=object)), dtype=np.int64)


class Context:
    """Input facts shared by all rules. `calendar=False` skips the workday calendar (assignment-only check)."""

    def __init__(self, problem: Problem, calendar: bool = True, since: str | date | None = None):
        self.problem = problem
        self.rules = problem.rules
        self.since: date | None = _parse_since(since)
        self.offices = Ids.of(problem.offices, "office_id")
        self.communities = Ids.of(problem.communities, "community_id")
        self.households = Ids.of(problem.households, "household_id")
        self.leaders = Ids.of(problem.leaders, "leader_id")
        self.units = Ids.of(problem.units, "unit_id")
        self.cadres = Ids.of(problem.cadres, "cadre_id")
        office_leaders = getattr(problem, "office_leaders", None)
        if office_leaders is None:
            office_leaders = pd.DataFrame({"person_id": [], "office_id": []})
        self.office_leaders = Ids.of(office_leaders, "person_id")
        self.office_leader_office = self.offices.lookup([cell_text(v) for v in office_leaders["office_id"].tolist()])
        # references resolved from ids again (the checker trusts the input ids, not the engines' index columns)
        self.community_office = self.offices.lookup([cell_text(v) for v in problem.communities["office_id"].tolist()])
        self.household_community = self.communities.lookup(
            [cell_text(v) for v in problem.households["community_id"].tolist()])
        self.cadre_unit = self.units.lookup([cell_text(v) for v in problem.cadres["unit_id"].tolist()])
        self.cadre_capacity = problem.cadres["capacity"].to_numpy(dtype=np.int64)
        self.leader_tier = np.asarray([cell_text(v) for v in problem.leaders["tier"].tolist()], dtype=object)
        ranks = problem.cadres["rank"] if "rank" in problem.cadres else pd.Series("staff", index=problem.cadres.index)
        self.cadre_rank = np.asarray([cell_text(v) or "staff" for v in ranks], dtype=object)
        self.person_offset = {"leader": 0, "unit": len(self.leaders), "cadre": len(self.leaders) + len(self.units),
                              "office_leader": len(self.leaders) + len(self.units) + len(self.cadres)}
        self.n_people = len(self.leaders) + len(self.units) + len(self.cadres) + len(self.office_leaders)
        if calendar:
            self._build_calendar()

    # -- the year ---------------------------------------------------------------------------------------------
    def _build_calendar(self) -> None:
        from planner.workdays import work_calendar

        year = self.rules.year
        self.year = year
        self.first_day = date(year, 1, 1)
        self.n_days = (date(year + 1, 1, 1) - self.first_day).days
        self.day_dates = [self.first_day + timedelta(days=d) for d in range(self.n_days)]
        self.day_text = [d.isoformat() for d in self.day_dates]
        self.day_month = np.asarray([d.month - 1 for d in self.day_dates], dtype=np.int64)
        self.day_week = (self.first_day.weekday() + np.arange(self.n_days)) // 7
        wc = work_calendar(year, self.problem.holidays)
        self.work_calendar = wc
        is_wd = np.zeros(self.n_days, dtype=bool)
        for d in wc.days:
            if d.year == year:
                is_wd[(d - self.first_day).days] = True
        self.is_workday = is_wd
        self.available = self._availability()
        self.month_start = np.asarray([(date(year, m, 1) - self.first_day).days for m in range(1, 13)])
        self.available_per_month = np.add.reduceat(self.available.astype(np.int32), self.month_start, axis=1) \
            if self.n_people else np.zeros((0, 12), dtype=np.int32)
        # mid-year replanning: day offset of `since` (0 = the whole year is judged), and what is left after it
        since = self.since
        self.since_day = 0 if since is None or since.year < year else \
            self.n_days if since.year > year else (since - self.first_day).days
        rest = self.available.copy()
        rest[:, : self.since_day] = False
        self.available_rest_per_month = np.add.reduceat(rest.astype(np.int32), self.month_start, axis=1) \
            if self.n_people else np.zeros((0, 12), dtype=np.int32)
        self.workdays_rest = int(self.is_workday[self.since_day:].sum())
        self.workdays_year = int(self.is_workday.sum())

    def _availability(self) -> np.ndarray:
        """people × days: workday and not inside any of the person's unavailability rows (start..end inclusive)."""
        blocked = np.zeros((self.n_people, self.n_days + 1), dtype=np.int32)
        un = self.problem.unavailability
        if len(un):
            pid = np.asarray([cell_text(v) for v in un["person_id"]], dtype=object)
            kinds = (np.asarray([cell_text(v) for v in un["person_kind"]], dtype=object)
                     if "person_kind" in un else None)
            code = np.full(len(un), -1, dtype=np.int64)
            for kind, ids in (("leader", self.leaders), ("unit", self.units), ("cadre", self.cadres),
                              ("office_leader", self.office_leaders)):
                idx = ids.lookup(pid)
                hit = (idx >= 0) & (code < 0)
                if kinds is not None:
                    hit &= kinds == kind
                code[hit] = idx[hit] + self.person_offset[kind]
            start = np.clip(np.asarray([self._day_of(v) for v in un["start"]], dtype=np.int64), 0, self.n_days)
            end = np.clip(np.asarray([self._day_of(v) for v in un["end"]], dtype=np.int64), -1, self.n_days - 1) + 1
            keep = (code >= 0) & (start < end)
            np.add.at(blocked, (code[keep], start[keep]), 1)
            np.add.at(blocked, (code[keep], end[keep]), -1)
        inside = np.cumsum(blocked, axis=1)[:, : self.n_days] > 0
        result: np.ndarray = self.is_workday[None, :] & ~inside
        return result

    def _day_of(self, value: Any) -> int:
        return (pd.Timestamp(value).date() - self.first_day).days

    def person_codes(self, kind: str, idx: np.ndarray) -> np.ndarray:
        return idx + self.person_offset[kind]

    def n_periods(self, months: int) -> int:
        return -(-12 // months)

    def day_period(self, days: np.ndarray, months: int) -> np.ndarray:
        return self.day_month[days] // months

    def required_periods(self, kind: str, n: int, months: int) -> np.ndarray:
        """kind's first n people × periods of `months` months: True where the period is required for spread."""
        start = self.person_offset[kind]
        per_month = self.available_per_month[start:start + n]
        periods = np.add.reduceat(per_month, np.arange(0, 12, months), axis=1) if n else \
            np.zeros((0, self.n_periods(months)), dtype=np.int32)
        required: np.ndarray = periods >= self.rules.visits.spread_min_workdays
        return required

    def required_since(self, kind: str, n: int, months: int, qualified: np.ndarray | None = None,
                       rows: np.ndarray | None = None) -> np.ndarray:
        """Spread with mid-year replanning (SEMANTICS "Mid-year replanning" 4): a period starting on/after `since`
        is required as usual; one under way at `since` only when it has no qualifying visit before `since`
        (`qualified`, people × periods — or pairs × periods when `rows` gives each pair's person) and its rest still
        has ≥ spread_min_workdays available workdays; earlier periods are history. Without `since` this is
        `required_periods`."""
        required = self.required_periods(kind, n, months)
        if self.since_day == 0:
            return required if rows is None else required[rows]
        starts = self.month_start[np.arange(0, 12, months)]
        ends = np.append(starts[1:], self.n_days)
        start = self.person_offset[kind]
        rest = np.add.reduceat(self.available_rest_per_month[start:start + n], np.arange(0, 12, months), axis=1) \
            if n else np.zeros_like(required, dtype=np.int32)
        under_way = (starts < self.since_day) & (ends > self.since_day)
        out = required & (starts >= self.since_day)[None, :]
        ongoing = under_way[None, :] & (rest >= self.rules.visits.spread_min_workdays)
        if rows is not None:
            out, ongoing = out[rows], ongoing[rows]
        if qualified is not None:
            ongoing = ongoing & ~qualified
        out |= ongoing
        return out

    def prorate(self, minimum: int | np.ndarray) -> np.ndarray:
        """ceil(minimum × workdays ≥ since / workdays of the year) (SEMANTICS "Mid-year replanning" 3)."""
        return -(-np.asarray(minimum, dtype=np.int64) * self.workdays_rest // max(self.workdays_year, 1))

    def period_label(self, period: int, months: int, lang: str) -> str:
        first = period * months + 1
        last = min(first + months - 1, 12)
        if months == 1:
            return f"{first}月" if lang == "zh" else f"{self.year}-{first:02d}"
        return f"{first}–{last}月" if lang == "zh" else f"{self.year}-{first:02d}..{last:02d}"
