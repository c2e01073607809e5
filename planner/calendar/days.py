"""The planning horizon as dense day indices: availability, spread periods and the days we prefer to avoid.

Every engine model works on indices 0..D-1 of the horizon's workdays (dates ≥ `since`), never on dates, so the
masks below are plain numpy arrays: `avail[p]` for a person, `period_of[N][d]` for N-month periods.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from planner.problem import Problem


@dataclass(frozen=True)
class WorkYear:
    """What the calendar engine needs from `planner.workdays.WorkCalendar`."""

    days: tuple[date, ...]
    estimated: bool
    source: str
    spring_festival: date | None


def work_year(problem: Problem) -> WorkYear:
    """The year's workdays from planner.workdays (the shared holiday logic); never re-implemented here."""
    from planner.workdays import work_calendar

    cal: Any = work_calendar(problem.rules.year, problem.holidays)
    return WorkYear(tuple(cal.days), bool(cal.estimated), str(cal.source), cal.spring_festival)


@dataclass(frozen=True, eq=False)
class Horizon:
    """Workdays of the year, the slice that is planned (≥ since), and per-person availability over that slice."""

    year_days: tuple[date, ...]          # every workday of the year
    days: tuple[date, ...]               # planned workdays (≥ since)
    since: date | None
    spread_min_workdays: int
    unavailable: dict[str, list[tuple[date, date]]] = field(default_factory=dict)
    avoid: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # periods of everyone without unavailability, by period length (the common case, computed once)
    _common_periods: dict[int, list[tuple[int, np.ndarray]]] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.days)

    def month(self, d: date) -> int:
        return d.month

    def _available_dates(self, person_id: str, dates: Iterable[date]) -> list[bool]:
        spans = self.unavailable.get(person_id, [])
        return [not any(s <= d <= e for s, e in spans) for d in dates]

    def avail(self, person_id: str) -> np.ndarray:
        """Boolean mask over planned days: a workday outside the person's unavailability."""
        spans = self.unavailable.get(person_id)
        if not spans:
            return np.ones(self.n, dtype=bool)
        return np.array(self._available_dates(person_id, self.days), dtype=bool)

    def required_periods(self, person_id: str, months: int) -> list[tuple[int, np.ndarray]]:
        """(period key, day-index array) of the N-month periods in which a visit must be planned for this person.

        A period is required when the person has ≥ spread_min_workdays available workdays in it (whole period,
        as the checker counts). With mid-year replanning only the part ≥ since can be planned: a period that
        starts before `since` stays required only if the planned part alone still has ≥ spread_min_workdays
        available days (pro-rata choice); frozen visits inside it are handled by the caller.
        """
        if not self.unavailable.get(person_id):
            cached = self._common_periods.get(months)
            if cached is None:
                cached = self._compute_periods(person_id, months)
                self._common_periods[months] = cached
            return cached
        return self._compute_periods(person_id, months)

    def _compute_periods(self, person_id: str, months: int) -> list[tuple[int, np.ndarray]]:
        year_avail = self._available_dates(person_id, self.year_days) if self.unavailable.get(person_id) else None
        counts: dict[int, int] = {}
        for i, d in enumerate(self.year_days):
            if year_avail is None or year_avail[i]:
                key = (d.month - 1) // months
                counts[key] = counts.get(key, 0) + 1
        mask = self.avail(person_id)
        by_period: dict[int, list[int]] = {}
        for i, d in enumerate(self.days):
            if mask[i]:
                by_period.setdefault((d.month - 1) // months, []).append(i)
        out: list[tuple[int, np.ndarray]] = []
        for key in sorted(by_period):
            if counts.get(key, 0) < self.spread_min_workdays:
                continue
            start = date(self.days[0].year, key * months + 1, 1)
            planned = by_period[key]
            if self.since is not None and start < self.since and len(planned) < self.spread_min_workdays:
                continue
            out.append((key, np.array(planned, dtype=np.int64)))
        return out

    def period_keys(self, months: int) -> np.ndarray:
        return np.array([(d.month - 1) // months for d in self.days], dtype=np.int64)


def avoided_days(days: tuple[date, ...], month_end: int, spring_festival: date | None, after_festival: int) -> np.ndarray:
    """Soft: the last `month_end` workdays of each month and the first `after_festival` workdays after 春节."""
    avoid = np.zeros(len(days), dtype=bool)
    by_month: dict[int, list[int]] = {}
    for i, d in enumerate(days):
        by_month.setdefault(d.month, []).append(i)
    for idx in by_month.values():
        if month_end > 0:
            avoid[idx[-month_end:]] = True
    if spring_festival is not None and after_festival > 0:
        after = [i for i, d in enumerate(days) if d > spring_festival][:after_festival]
        avoid[after] = True
    return avoid


def build_horizon(problem: Problem, year: WorkYear, since: date | None) -> Horizon:
    days = tuple(d for d in year.days if since is None or d >= since)
    spans: dict[str, list[tuple[date, date]]] = {}
    un = problem.unavailability
    if len(un):
        for pid, s, e in zip(un["person_id"], un["start"], un["end"], strict=True):
            spans.setdefault(str(pid), []).append((_as_date(s), _as_date(e)))
    cal = problem.rules.calendar
    # month-end is judged on the whole year's workdays so that replanning does not move it
    year_avoid = avoided_days(year.days, cal.avoid_month_end_days, year.spring_festival,
                              cal.avoid_after_spring_festival_days)
    avoid = np.array([a for d, a in zip(year.days, year_avoid, strict=True) if since is None or d >= since], dtype=bool)
    return Horizon(tuple(year.days), days, since, problem.rules.visits.spread_min_workdays, spans, avoid)


def _as_date(value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if hasattr(value, "date"):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def iso_weeks(days: tuple[date, ...]) -> list[list[int]]:
    """Indices of `days` grouped by ISO week (Mon–Sun), in order."""
    weeks: dict[date, list[int]] = {}
    for i, d in enumerate(days):
        weeks.setdefault(d - timedelta(days=d.weekday()), []).append(i)
    return [weeks[k] for k in sorted(weeks)]
