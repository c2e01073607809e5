"""The self-service pages' helpers: the year's month grids, the walking order, the printable day sheet."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd

from planner.ui.monthgrid import day_sheet_html, walking_order, year_grid_html
from planner.workdays import work_calendar


def test_the_grid_has_every_day_with_weekends_and_holidays_shaded() -> None:
    work = work_calendar(2026)
    visit = date(2026, 3, 4)
    html = year_grid_html(work, {visit: "H01、H02"}, "zh")
    cells = re.findall(r"<td(?: class=\"([^\"]*)\")?(?: title=\"[^\"]*\")?>(\d+)</td>", html)
    assert len(cells) == 365
    days = [date(2026, 1, 1) + timedelta(i) for i in range(365)]
    for day, (classes, number) in zip(days, cells, strict=True):
        assert int(number) == day.day
        if day == visit:
            assert classes == "visit"
        elif work.is_workday(day):
            assert classes == ""                     # make-up Saturdays (调休) are plain workdays
        else:
            assert classes in ("off", "hol")
    assert 'class="hol"' in html and 'title="H01、H02"' in html
    assert html.count("<caption>") == 12 and "<caption>1月</caption>" in html


def test_walking_order_is_nearest_neighbour_from_the_start() -> None:
    rows = pd.DataFrame({"household_id": ["A", "B", "C", "D"], "lat": [34.00, 34.03, 34.01, None],
                         "lon": [113.0, 113.0, 113.0, None]})
    ordered = walking_order(rows, start=(34.035, 113.0))
    assert ordered["household_id"].tolist() == ["B", "C", "A", "D"]      # no coordinates: last
    assert abs(ordered["leg_km"].iloc[1] - 2.224) < 0.01                  # B → C: 0.02° of latitude
    assert walking_order(rows)["household_id"].tolist() == ["A", "C", "B", "D"]   # from the first by id


def test_day_sheet_escapes_every_cell() -> None:
    rows = pd.DataFrame({"household_id": ["H1"], "name": ["<script>x</script>"]})
    html = day_sheet_html("3月4日", "2 户", {"household_id": "联系户", "name": "户主"}, rows)
    assert "<script>x" not in html and "&lt;script&gt;" in html and "<td>1</td>" in html
