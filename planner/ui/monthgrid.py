"""Pure helpers of the self-service pages: the year as twelve month grids (HTML), the walking order of a day's
households, and a printable day sheet. No Streamlit calls here, so they are tested directly."""

from __future__ import annotations

import calendar
import html
import math
from collections.abc import Mapping
from datetime import date

import pandas as pd

from planner.workdays import WorkCalendar

WEEKDAYS = {"zh": ("一", "二", "三", "四", "五", "六", "日"), "en": ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")}
MONTHS_ZH = [f"{m}月" for m in range(1, 13)]
EARTH_KM = 6371.0
GRID_CSS = """<style>
.mg-year{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:10px 14px}
.mg-month{border-collapse:collapse;width:100%;font-size:12px;table-layout:fixed}
.mg-month caption{font-weight:600;text-align:left;padding:2px 0}
.mg-month th{font-weight:400;color:#6b7280;padding:1px}
.mg-month td{text-align:center;padding:2px 0;border:1px solid #eef0f3;height:22px}
.mg-month td.off{background:#eceff3;color:#9aa1ab}
.mg-month td.hol{background:#fde2e2;color:#a23b3b}
.mg-month td.visit{background:#b22222;color:#fff;font-weight:700}
.mg-month td.makeup{background:#fff7d6}
.mg-month td sup{font-size:9px;margin-left:1px}
.mg-month td.today{outline:2px solid #1f2933}
.mg-legend span{display:inline-block;padding:0 6px;margin-right:8px;border:1px solid #eef0f3;font-size:12px}
@media (max-width:900px){.mg-year{grid-template-columns:repeat(2,minmax(0,1fr))}}
</style>"""


def year_grid_html(work: WorkCalendar, marks: Mapping[date, str], lang: str = "zh", today: date | None = None,
                   legend: Mapping[str, str] | None = None, makeup_label: str | None = None) -> str:
    """Every day of `work.year` in twelve month tables (Monday first): weekends and holidays shaded, make-up
    workdays plain (or, given `makeup_label`, tinted and tagged with it, e.g. 班), days in `marks` highlighted
    with the mark as tooltip."""
    holidays = set(work.holidays)
    makeup = set(work.makeup_days) if makeup_label else set()
    names = dict(work.names)
    heads = "".join(f"<th>{d}</th>" for d in WEEKDAYS["zh" if lang == "zh" else "en"])
    months = []
    for month in range(1, 13):
        rows = []
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(work.year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append("<td></td>")
                    continue
                classes = []
                title = names.get(day, "")
                if day in marks:
                    classes.append("visit")
                    title = (title + " " + marks[day]).strip()
                elif day in holidays:
                    classes.append("hol")
                elif not work.is_workday(day):
                    classes.append("off")
                tag = ""
                if day in makeup:
                    tag = f"<sup>{html.escape(str(makeup_label))}</sup>"
                    if "visit" not in classes:
                        classes.append("makeup")
                    title = (title or str(makeup_label)).strip()
                if today == day:
                    classes.append("today")
                attr = f' class="{" ".join(classes)}"' if classes else ""
                tip = f' title="{html.escape(title)}"' if title else ""
                cells.append(f"<td{attr}{tip}>{day.day}{tag}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        label = MONTHS_ZH[month - 1] if lang == "zh" else calendar.month_abbr[month]
        months.append(f'<table class="mg-month"><caption>{label}</caption><tr>{heads}</tr>{"".join(rows)}</table>')
    legend_html = ""
    if legend:
        legend_html = '<div class="mg-legend">' + "".join(
            f'<span class="{cls}" style="background:{_LEGEND_BG[cls]}">{html.escape(text)}</span>'
            for cls, text in legend.items()) + "</div>"
    return GRID_CSS + legend_html + '<div class="mg-year">' + "".join(months) + "</div>"


_LEGEND_BG = {"visit": "#b22222;color:#fff", "off": "#eceff3", "hol": "#fde2e2", "makeup": "#fff7d6"}


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def walking_order(rows: pd.DataFrame, start: tuple[float, float] | None = None) -> pd.DataFrame:
    """Rows (with lat, lon, household_id) in nearest-neighbour order: from the household nearest `start` (or the
    first by id), always on to the nearest not yet visited. Rows without coordinates follow, by id."""
    rows = rows.sort_values("household_id", kind="stable").reset_index(drop=True)
    placed = rows[rows["lat"].notna() & rows["lon"].notna()]
    rest = rows[~rows.index.isin(placed.index)]
    left = {int(i): (float(lat), float(lon)) for i, lat, lon in zip(placed.index, placed["lat"], placed["lon"],
                                                                       strict=True)}
    order: list[int] = []
    here = start
    while left:
        at = here
        i = min(left, key=lambda k: _km(at, left[k])) if at is not None else next(iter(left))
        order.append(i)
        here = left.pop(i)
    out = pd.concat([rows.loc[order], rest], ignore_index=True)
    out["leg_km"] = _legs(out, start)
    return out


def _legs(rows: pd.DataFrame, start: tuple[float, float] | None) -> list[float | None]:
    legs: list[float | None] = []
    here = start
    for lat, lon in zip(rows["lat"], rows["lon"], strict=True):
        if pd.isna(lat) or pd.isna(lon):
            legs.append(None)
            continue
        legs.append(None if here is None else round(_km(here, (float(lat), float(lon))), 2))
        here = (float(lat), float(lon))
    return legs


def day_sheet_html(title: str, subtitle: str, columns: Mapping[str, str], rows: pd.DataFrame) -> str:
    """A printable page (A4, black on white): title, subtitle, one numbered row per household, a blank note
    column to fill in by hand. Every cell is escaped."""
    head = "".join(f"<th>{html.escape(label)}</th>" for label in ["#", *columns.values()])
    body = []
    for n, (_, row) in enumerate(rows.iterrows(), start=1):
        cells = "".join(f"<td>{html.escape('' if pd.isna(row[c]) else str(row[c]))}</td>" for c in columns)
        body.append(f"<tr><td>{n}</td>{cells}</tr>")
    return ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>"
            "body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:16mm}"
            "table{border-collapse:collapse;width:100%}th,td{border:1px solid #333;padding:6px;font-size:13px;"
            "text-align:left;vertical-align:top}td:last-child{min-width:30mm}h1{font-size:20px}"
            "@page{size:A4;margin:12mm}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>"
            f"<table><tr>{head}</tr>{''.join(body)}</table></body></html>")
