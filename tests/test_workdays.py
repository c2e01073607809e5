"""The year's workdays: published schedule, estimate, and holidays.csv overrides."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from planner.workdays import WorkCalendar, estimated_makeup_days, spring_festival, work_calendar


def _overrides(*rows: tuple[date, str]) -> pd.DataFrame:
    return pd.DataFrame({"date": [r[0] for r in rows], "kind": [r[1] for r in rows]}, dtype=object)


def test_2026_published_schedule() -> None:
    cal = work_calendar(2026)
    assert not cal.estimated
    assert "chinesecalendar" in cal.source
    assert cal.spring_festival == date(2026, 2, 17)
    assert not cal.is_workday(date(2026, 2, 17))          # 春节
    assert not cal.is_workday(date(2026, 2, 23))          # Monday inside the Spring Festival break
    assert cal.is_workday(date(2026, 2, 14))              # 调休 Saturday
    assert cal.is_workday(date(2026, 2, 28))              # 调休 Saturday
    assert not cal.is_workday(date(2026, 10, 1))          # 国庆节
    assert not cal.is_workday(date(2026, 10, 7))
    assert cal.is_workday(date(2026, 10, 10))             # 调休 Saturday
    assert not cal.is_workday(date(2026, 3, 7))           # ordinary Saturday
    assert cal.is_workday(date(2026, 3, 9))               # ordinary Monday
    assert len(cal.days) == 248
    assert date(2026, 2, 14) in cal.makeup_days and date(2026, 10, 1) in cal.holidays
    assert cal.name_of(date(2026, 2, 17)) == "春节"


def test_2025_published_schedule() -> None:
    cal = work_calendar(2025)
    assert not cal.estimated
    assert cal.spring_festival == date(2025, 1, 29)
    assert cal.is_workday(date(2025, 1, 26))              # 调休 Sunday
    assert not cal.is_workday(date(2025, 1, 28))          # 除夕 (statutory from 2025)
    assert not cal.is_workday(date(2025, 5, 5))


def test_days_sorted_and_in_year() -> None:
    cal = work_calendar(2026)
    assert list(cal.days) == sorted(cal.days)
    assert len(set(cal.days)) == len(cal.days)
    assert all(d.year == 2026 for d in cal.days)


def test_2027_does_not_crash_and_is_estimated() -> None:
    cal = work_calendar(2027)
    assert cal.estimated
    assert "estimate" in cal.source.lower() and "估算" in cal.source_zh
    assert cal.makeup_days == ()                          # the estimate knows no 调休
    assert cal.spring_festival == date(2027, 2, 6)
    assert not cal.is_workday(date(2027, 10, 1))
    assert not cal.is_workday(date(2027, 2, 8))
    assert 240 <= len(cal.days) <= 255


def test_far_year_falls_back_without_crashing() -> None:
    cal = work_calendar(2300)
    assert cal.estimated
    assert len(cal.days) >= 240


def test_overrides_apply_both_ways() -> None:
    base = work_calendar(2026)
    cal = work_calendar(2026, _overrides((date(2026, 3, 9), "holiday"), (date(2026, 3, 7), "workday"),
                                         (date(2026, 10, 1), "workday")))
    assert base.is_workday(date(2026, 3, 9)) and not cal.is_workday(date(2026, 3, 9))
    assert not base.is_workday(date(2026, 3, 7)) and cal.is_workday(date(2026, 3, 7))
    assert cal.is_workday(date(2026, 10, 1))
    assert len(cal.days) == len(base.days) + 1
    assert "holidays.csv" in cal.source
    assert work_calendar(2026) == base            # overrides never leak into the per-year cache


def test_overrides_accept_strings_and_ignore_other_years() -> None:
    cal = work_calendar(2026, _overrides(("2026-03-09", "holiday"), ("2025-03-10", "holiday")))  # type: ignore[arg-type]
    assert not cal.is_workday(date(2026, 3, 9))
    assert "1 rows" in cal.source


def test_overrides_correct_an_estimated_year_which_stays_flagged() -> None:
    cal = work_calendar(2027, _overrides((date(2027, 2, 13), "workday")))
    assert cal.estimated, "rows in holidays.csv are not proof of the complete published schedule"
    assert "holidays.csv (1 rows)" in cal.source and "ESTIMATED" in cal.source
    assert cal.is_workday(date(2027, 2, 13))


def test_overrides_table_round_trips_across_sources() -> None:
    """Writing a year's calendar as holidays.csv rows and reading it back on any year source gives the same days."""
    cal = work_calendar(2026)
    again = work_calendar(2026, cal.overrides_table())
    assert again.days == cal.days


def test_estimated_makeup_days_are_weekends_next_to_blocks() -> None:
    cal = work_calendar(2027)
    extra = estimated_makeup_days(cal)
    assert extra, "the 2027 estimate has observed days, so some make-up days are proposed"
    assert all(d.weekday() >= 5 and d.year == 2027 for d in extra)
    assert not set(extra) & set(cal.holidays)
    # each lies within two weeks of some holiday
    assert all(min(abs((d - h).days) for h in cal.holidays) <= 14 for d in extra)
    assert estimated_makeup_days(work_calendar(2026)) == ()  # a published year has its own make-up days


def test_helpers_months_and_periods() -> None:
    cal = work_calendar(2026)
    assert sum(len(cal.days_in_month(m)) for m in range(1, 13)) == len(cal.days)
    assert len(cal.days_in_month(2)) == 16  # Feb 2026: 20 weekdays − 6 off + 2 make-up Saturdays
    two = cal.periods(2)
    assert len(two) == 6 and sum(map(len, two)) == len(cal.days)
    assert WorkCalendar.period_of(date(2026, 4, 30), 2) == 1
    assert WorkCalendar.period_of(date(2026, 12, 1), 1) == 11
    assert cal.index_of(cal.days[10]) == 10
    assert cal.period_index(2)[0] == 0
    assert cal.days_between(date(2026, 2, 14), date(2026, 2, 14)) == (date(2026, 2, 14),)
    with pytest.raises(KeyError):
        cal.index_of(date(2026, 10, 1))


@pytest.mark.parametrize(("year", "expected"), [(2024, date(2024, 2, 10)), (2028, date(2028, 1, 26))])
def test_spring_festival(year: int, expected: date) -> None:
    assert spring_festival(year) == expected
