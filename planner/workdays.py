"""The workdays of a plan year: Monday–Friday, minus public holidays, plus 调休 make-up workdays.

Sources, in order of authority:

1. `holidays.csv` overrides (`date`, `kind` = holiday | workday) win day by day: a `holiday` row takes a date out,
   a `workday` row puts one in (a make-up Saturday, or an office's own working day).
2. `chinesecalendar` — the State Council's published schedules (国务院办公厅放假安排), with make-up workdays. It
   covers only the years it ships data for (1.11: 2004–2026) and raises NotImplementedError beyond; we catch that.
3. Otherwise the `holidays` package's rule-based CN estimate. It knows the statutory holidays and their "observed"
   extension days, but not the make-up workdays, which the State Council announces only in the autumn before.
   Such a year is marked `estimated=True` and its `source` says so, so the app can warn the user to add the
   published schedule as holidays.csv rows once it is out. `estimated_makeup_days()` proposes plausible make-up
   Saturdays/Sundays for such a year (used by `planner demo` to write a realistic holidays.csv).
4. A year neither library knows: plain Monday–Friday, estimated.

`estimated` rule: a year is estimated whenever the published table does not cover it, even when holidays.csv has
rows for it — those rows correct the estimate day by day, but nothing tells us they are the complete published
schedule (`planner demo` itself writes guessed make-up days there). The source text then says how many rows were
applied, so the user sees both facts: "estimated calendar, corrected by N holidays.csv rows".

`spring_festival` is the Lunar New Year's day (正月初一) from the `holidays` package's lunisolar calendar; it feeds the
soft goal "avoid the first working days after Spring Festival". None when the package cannot tell.
"""

from __future__ import annotations

import calendar as _calendar
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache
from importlib.metadata import PackageNotFoundError, version

import pandas as pd

_SPRING_FESTIVAL_EN = "Chinese New Year (Spring Festival)"
_MONDAY_TO_FRIDAY = 5


@dataclass(frozen=True)
class WorkCalendar:
    """The workdays of one year, sorted, plus where they came from.

    `holidays` are the Monday–Friday dates taken out; `makeup_days` the Saturday/Sunday dates put in (调休).
    """

    year: int
    days: tuple[date, ...]
    estimated: bool
    source: str
    spring_festival: date | None = None
    holidays: tuple[date, ...] = ()
    makeup_days: tuple[date, ...] = ()
    source_zh: str = ""
    names: tuple[tuple[date, str], ...] = field(default=(), compare=False)

    # -- lookups --------------------------------------------------------------------------------------------------
    @cached_property
    def _index(self) -> dict[date, int]:
        return {d: i for i, d in enumerate(self.days)}

    def __len__(self) -> int:
        return len(self.days)

    def is_workday(self, d: date) -> bool:
        return _as_date(d) in self._index

    def index_of(self, d: date) -> int:
        """Position of a workday in `days` (engines use day indices); KeyError if d is not a workday."""
        return self._index[_as_date(d)]

    def days_in_month(self, month: int) -> tuple[date, ...]:
        """Workdays of one calendar month (1..12)."""
        return self.days_between(date(self.year, month, 1),
                                 date(self.year, month, _calendar.monthrange(self.year, month)[1]))

    def days_between(self, start: date, end: date) -> tuple[date, ...]:
        """Workdays in start..end, both inclusive."""
        lo = bisect_left(self.days, _as_date(start))
        hi = bisect_right(self.days, _as_date(end))
        return self.days[lo:hi]

    @staticmethod
    def period_of(d: date, months: int = 1) -> int:
        """0-based period of a date for periods of `months` months starting in January (SEMANTICS: periods)."""
        return (_as_date(d).month - 1) // months

    def n_periods(self, months: int = 1) -> int:
        return -(-12 // months)

    def periods(self, months: int = 1) -> list[tuple[date, ...]]:
        """Workdays grouped by period of `months` months: Jan–Feb, Mar–Apr, ... for months=2."""
        out: list[list[date]] = [[] for _ in range(self.n_periods(months))]
        for d in self.days:
            out[self.period_of(d, months)].append(d)
        return [tuple(p) for p in out]

    def period_index(self, months: int = 1) -> list[int]:
        """Period of each workday, aligned with `days` (handy for numpy masks)."""
        return [self.period_of(d, months) for d in self.days]

    def name_of(self, d: date) -> str:
        """Chinese name of a holiday or make-up day ("" for ordinary days)."""
        return dict(self.names).get(_as_date(d), "")

    def overrides_table(self) -> pd.DataFrame:
        """The calendar as holidays.csv rows: every weekday off (`holiday`) and weekend workday (`workday`).

        Feeding this table back as overrides reproduces `days` exactly, whatever the library versions.
        """
        rows = [(d, "holiday") for d in self.holidays] + [(d, "workday") for d in self.makeup_days]
        rows.sort()
        return pd.DataFrame({"date": [r[0] for r in rows], "kind": [r[1] for r in rows]}, dtype=object)


def work_calendar(year: int, overrides: pd.DataFrame | None = None) -> WorkCalendar:
    """The workdays of `year`: published schedule or estimate, then holidays.csv rows applied day by day."""
    base_off, base_on, base_names, base_source, base_zh, published = _base_calendar(year)
    off, on, names = set(base_off), set(base_on), dict(base_names)
    override_rows = _override_rows(overrides, year)
    for d, kind in override_rows:
        if kind == "holiday":
            on.discard(d)
            if d.weekday() < _MONDAY_TO_FRIDAY:
                off.add(d)
            names.setdefault(d, "放假（holidays.csv）")
        else:
            off.discard(d)
            if d.weekday() >= _MONDAY_TO_FRIDAY:
                on.add(d)
            names.setdefault(d, "调休上班（holidays.csv）")
    days = tuple(d for d in _all_days(year)
                 if (d.weekday() < _MONDAY_TO_FRIDAY and d not in off) or d in on)
    source, source_zh = base_source, base_zh
    if override_rows:
        source += f" + holidays.csv ({len(override_rows)} rows)"
        source_zh += f" + holidays.csv（{len(override_rows)} 行）"
    estimated = not published
    if estimated:
        source += " — ESTIMATED calendar: check make-up workdays against the published schedule (holidays.csv)"
        source_zh += " —— 估算日历：请按国务院公布的放假安排核对 holidays.csv 中的调休"
    return WorkCalendar(
        year=year, days=days, estimated=estimated, source=source, source_zh=source_zh,
        spring_festival=spring_festival(year),
        holidays=tuple(sorted(off)), makeup_days=tuple(sorted(on)),
        names=tuple(sorted((d, n) for d, n in names.items() if d.year == year)),
    )


@lru_cache(maxsize=64)
def spring_festival(year: int) -> date | None:
    """Lunar New Year's day of `year`, from the `holidays` package (None if it does not know the year)."""
    try:
        import holidays as hol

        table = hol.country_holidays("CN", years=year, language="en_US")
    except Exception:  # an unsupported year or a missing package must never break planning
        return None
    days = [d for d, name in table.items() if name == _SPRING_FESTIVAL_EN and d.year == year]
    return min(days) if days else None


def estimated_makeup_days(cal: WorkCalendar) -> tuple[date, ...]:
    """Plausible 调休 make-up workdays for an estimated year (a heuristic, not a forecast).

    China's practice: long holiday blocks (Spring Festival, Labour Day, National Day) are lengthened and the extra
    weekdays are paid back by working a Saturday or Sunday next to the block. The `holidays` package marks weekday
    days off that it adds to a block "补假" (observed). For each block of consecutive days off (holidays plus
    weekends), we pay back each such weekday with the nearest weekend day outside the block, alternating
    before/after, never on a holiday. In the published 2026 schedule this gives the same count per block (2, 1, 2)
    give or take one. Empty unless `cal.estimated` (a published year already has its make-up days).
    """
    if not cal.estimated:
        return ()
    observed = {d for d, n in cal.names if "补假" in n}
    holidays_ = set(cal.holidays)
    off_all = holidays_ | {d for d in _all_days(cal.year) if d.weekday() >= _MONDAY_TO_FRIDAY}
    picked: list[date] = []
    for block in _blocks(sorted(off_all)):
        owed = sum(1 for d in block if d in observed and d.weekday() < _MONDAY_TO_FRIDAY)
        if not owed:
            continue
        taken = holidays_ | set(picked)
        before = _weekend_days(block[0], -1, cal.year, taken)
        after = _weekend_days(block[-1], +1, cal.year, taken)
        candidates = [d for pair in zip(before, after, strict=False) for d in pair]
        picked.extend(candidates[:owed])
    return tuple(sorted(picked))


# -- internals ------------------------------------------------------------------------------------------------------

def _as_date(d: date | datetime | pd.Timestamp | str) -> date:
    if isinstance(d, pd.Timestamp | datetime):
        return d.date()
    if isinstance(d, date):
        return d
    return pd.Timestamp(d).date()


def _all_days(year: int) -> Iterable[date]:
    d = date(year, 1, 1)
    while d.year == year:
        yield d
        d += timedelta(days=1)


def _pkg_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


@lru_cache(maxsize=64)
def _base_calendar(year: int) -> tuple[frozenset[date], frozenset[date], tuple[tuple[date, str], ...], str, str, bool]:
    """(weekdays off, weekend workdays, names, source, source_zh, published) before overrides.

    Cached per year: the `holidays` package takes ~0.1 s per call and engines may ask for the calendar often.
    """
    off, on, names, source, source_zh, published = _base_calendar_uncached(year)
    return frozenset(off), frozenset(on), tuple(sorted(names.items())), source, source_zh, published


def _base_calendar_uncached(year: int) -> tuple[set[date], set[date], dict[date, str], str, str, bool]:
    names = _holiday_names_zh(year)
    try:
        import chinese_calendar as cc

        start, end = date(year, 1, 1), date(year, 12, 31)
        workdays = set(cc.get_workdays(start, end, include_weekends=True))
        off = {d for d in _all_days(year) if d.weekday() < _MONDAY_TO_FRIDAY and d not in workdays}
        on = {d for d in workdays if d.weekday() >= _MONDAY_TO_FRIDAY}
        for d in off:
            names.setdefault(d, "法定节假日")
        for d in on:
            names[d] = "调休上班"
        version_ = _pkg_version("chinesecalendar")
        return (off, on, names, f"chinesecalendar {version_} (published State Council schedule)",
                f"chinesecalendar {version_}（国务院办公厅公布的放假安排）", True)
    except (NotImplementedError, ImportError):
        pass
    try:
        import holidays as hol

        table = hol.country_holidays("CN", years=year, language="en_US")
        off = {d for d in table if d.year == year and d.weekday() < _MONDAY_TO_FRIDAY}
        if table:
            version_ = _pkg_version("holidays")
            return (off, set(), names, f"holidays {version_} CN rule-based estimate (no make-up workdays)",
                    f"holidays {version_} 按规则估算（不含调休上班日）", False)
    except Exception:  # an unsupported year falls through to plain Monday–Friday
        pass
    return set(), set(), names, "Monday–Friday only (no holiday data for this year)", "仅周一至周五（本年无节假日数据）", False


def _holiday_names_zh(year: int) -> dict[date, str]:
    try:
        import holidays as hol

        return {d: str(n) for d, n in hol.country_holidays("CN", years=year, language="zh_CN").items()
                if d.year == year}
    except Exception:
        return {}


def _override_rows(overrides: pd.DataFrame | None, year: int) -> list[tuple[date, str]]:
    """Rows of holidays.csv inside `year`, in file order (a later row for the same date wins)."""
    if overrides is None or len(overrides) == 0:
        return []
    rows: list[tuple[date, str]] = []
    for raw, kind in zip(overrides["date"], overrides["kind"], strict=True):
        if raw is None or (isinstance(raw, float) and pd.isna(raw)):
            continue
        d = _as_date(raw)
        if d.year == year:
            rows.append((d, str(kind).strip()))
    return rows


def _blocks(days: list[date]) -> list[list[date]]:
    out: list[list[date]] = []
    for d in days:
        if out and (d - out[-1][-1]).days == 1:
            out[-1].append(d)
        else:
            out.append([d])
    return out


def _weekend_days(edge: date, step: int, year: int, taken: set[date]) -> list[date]:
    """Weekend days walking away from `edge` (up to two weeks), staying in `year` and off `taken`.

    The walk starts at a workday (blocks are maximal), so the weekends it meets are ordinary ones.
    """
    out: list[date] = []
    d = edge
    for _ in range(14):
        d += timedelta(days=step)
        if d.year != year:
            break
        if d.weekday() >= _MONDAY_TO_FRIDAY and d not in taken:
            out.append(d)
    return out
