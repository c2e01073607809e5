"""A workbook for printing and distribution: summary, month grid, reception roster, one sheet per office and unit.

Written with xlsxwriter row by row (no per-cell formats), so a district's ~100,000 visits export in seconds.
Every text cell passes `guard_text`, so no cell starts with a formula character even if a name does; the
workbook is also opened with strings_to_formulas/urls off so nothing is ever interpreted.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from planner.export.common import (
    OFFICE_ROLE_ZH,
    PERSON_KIND_ZH,
    TALK_ZH,
    TIER_ZH,
    NameBook,
    name_book,
    plan_rules,
    plan_year,
    visit_table,
    weekday_zh,
)
from planner.export.summary import NOT_MET_ZH, SUMMARY_HEADERS, summary_rows
from planner.io.outputs import XLSX_CREATOR, write_file
from planner.io.safe import guard_cells, guard_text
from planner.plan import Plan

SUMMARY_SHEET = "汇总"
MONTH_SHEET = "月度统计"
RECEPTION_SHEET = "信访接待"
UNLINKED_LEADERS_SHEET = "其他区级领导"
UNLINKED_CADRES_SHEET = "其他党员干部"
OFFICE_LEADERS_SHEET = "办事处领导"
OFFICE_LEADER_HEADERS = ("日期", "星期", "人员编号", "姓名", "职务", "办事处", "活动", "社区")
OFFICE_LEADER_WIDTHS = (12, 6, 10, 12, 12, 22, 10, 24)
SHEET_NAME_MAX = 31
RESERVED_SHEET_NAMES = frozenset({"history"})  # Excel refuses a sheet called "History" (any case)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
MONTHS = range(1, 13)
PAPER_A4 = 9
EXCEL_EPOCH = date(1899, 12, 30)  # serial day 0 of Excel's 1900 date system (right from 1900-03-01 on)

OFFICE_HEADERS = ("日期", "星期", "领导编号", "领导", "职务", "活动", "地点", "角色")
OFFICE_WIDTHS = (12, 6, 10, 12, 14, 10, 24, 6)
UNIT_HEADERS = ("日期", "星期", "走访人类型", "编号", "姓名", "活动", "社区", "联系户", TALK_ZH)
UNIT_WIDTHS = (12, 6, 10, 10, 12, 10, 20, 14, 10)
RECEPTION_HEADERS = ("日期", "星期", "A角编号", "A角", "B角编号", "B角")
RECEPTION_WIDTHS = (12, 6, 10, 14, 10, 14)
MONTH_HEADERS = ("类型", "编号", "姓名", *(f"{m}月" for m in MONTHS), "合计")
SUMMARY_WIDTHS = (10, 10, 14, 12, 8, 8, 10, 8, 10, 8, 10, 8, 8, 10, 40, 6, 30)


def sheet_names(wanted: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """Valid, distinct Excel sheet names: ≤31 chars, none of []:*?/\\, no edge apostrophes, unique ignoring case."""
    used = {t.lower() for t in taken}
    out: list[str] = []
    for raw in wanted:
        base = _BAD_SHEET_CHARS.sub("_", raw).strip("'").strip() or "_"
        if base.lower() in RESERVED_SHEET_NAMES:
            base += "_"
        candidate, n = base[:SHEET_NAME_MAX], 1
        while candidate.lower() in used:
            n += 1
            suffix = f"({n})"
            candidate = base[:SHEET_NAME_MAX - len(suffix)] + suffix
        used.add(candidate.lower())
        out.append(candidate)
    return out


def _cells(frame: pd.DataFrame) -> list[list[Any]]:
    """Column values (not rows): text guarded, missing values and empty text as None (blank cells)."""
    return [guard_cells(frame[name].to_numpy(dtype=object).tolist()) for name in frame.columns]


class _Writer:
    """Wraps the workbook with the few formats used; every sheet gets the same print and view setup."""

    def __init__(self, target: str | IO[bytes], title: str):
        self.book = xlsxwriter.Workbook(target, {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "default_date_format": "yyyy-mm-dd",
        })
        self.book.set_properties({"title": title, "author": XLSX_CREATOR, "comments": "党员干部直接联系服务群众"})
        self.header = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                            "valign": "vcenter", "align": "center"})
        self.bad = self.book.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.title = title

    def sheet(self, name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[int],
              freeze_cols: int = 0, columns: Sequence[list[Any]] | None = None) -> Worksheet:
        """A sheet from `rows` (small sheets) or from `columns` (the long office/unit sheets, see `_write_columns`)."""
        ws = self.book.add_worksheet(name)
        ws.write_row(0, 0, [guard_text(h) for h in headers], self.header)
        if columns is not None:
            rows = []
            n = self._write_columns(ws, columns)
        else:
            for r, row in enumerate(rows, start=1):
                ws.write_row(r, 0, row)
            n = len(rows)
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        ws.freeze_panes(1, freeze_cols)
        ws.autofilter(0, 0, max(n, 1), len(headers) - 1)
        ws.set_landscape()
        ws.set_paper(PAPER_A4)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.hide_gridlines(0)  # keep gridlines on screen and on paper
        ws.set_header(f"&L{self.title}&R&A")
        ws.set_footer("&C第 &P 页，共 &N 页")
        return ws

    def _write_columns(self, ws: Worksheet, columns: Sequence[list[Any]]) -> int:
        """Write column lists row by row (constant_memory needs row order) with the one typed call each column
        needs: the same cells `write_row` would make (dates as serial numbers in the default date format, blanks
        skipped) without its per-cell type dispatch. Returns the number of data rows."""
        date_format = self.book.default_date_format
        writers: list[tuple[Callable[..., Any], list[Any], tuple[Any, ...]]] = []
        for values in columns:
            kinds = {type(v) for v in values if v is not None}
            if kinds <= {str}:
                writers.append((ws.write_string, values, ()))
            elif kinds <= {date}:
                serial = {d: float((d - EXCEL_EPOCH).days) for d in set(values) if d is not None}
                writers.append((ws.write_number, [None if v is None else serial[v] for v in values],
                                (date_format,)))
            elif kinds <= {int, float}:
                writers.append((ws.write_number, values, ()))
            else:
                writers.append((ws.write, values, ()))
        n = len(columns[0]) if columns else 0
        for r in range(n):
            for c, (write, values, extra) in enumerate(writers):
                value = values[r]
                if value is not None:
                    write(r + 1, c, value, *extra)
        return n

    def close(self) -> None:
        self.book.close()


def _office_frames(plan: Plan, table: pd.DataFrame, book: NameBook) -> list[tuple[str, pd.DataFrame]]:
    """(sheet title, rows) per office: the full schedule of the leaders linked to it."""
    leaders = table[table["person_kind"] == "leader"]
    links = plan.leader_offices.astype(str) if len(plan.leader_offices) else pd.DataFrame(
        columns=["leader_id", "office_id"])
    rows = pd.DataFrame({
        "date": leaders["date"], "weekday": leaders["date"].map(weekday_zh), "leader_id": leaders["person_id"],
        "leader": leaders["person_name"],
        "tier": leaders["person_id"].map(lambda p: TIER_ZH.get(book.parent("leader", p), book.parent("leader", p))),
        "activity": leaders["activity_zh"], "place": leaders["place"], "role": leaders["role"],
    })
    offices = list(dict.fromkeys([*book.ids("office"), *links["office_id"]]))
    out: list[tuple[str, pd.DataFrame]] = []
    for office in offices:
        members = set(links.loc[links["office_id"] == office, "leader_id"])
        part = rows[rows["leader_id"].isin(members)].sort_values(["date", "leader_id"], kind="stable")
        out.append((book.name("office", office), part))
    unlinked = set(rows["leader_id"]) - set(links["leader_id"])
    if unlinked:
        out.append((UNLINKED_LEADERS_SHEET, rows[rows["leader_id"].isin(unlinked)].sort_values(
            ["date", "leader_id"], kind="stable")))
    return out


def _office_leader_frame(table: pd.DataFrame, book: NameBook) -> pd.DataFrame:
    """The office leaders' visits (the fourth level), by office, person and date; empty without office leaders."""
    part = table[table["person_kind"] == "office_leader"]
    office = part["person_id"].map(lambda p: book.parent("office_leader", p))
    rows = pd.DataFrame({
        "date": part["date"], "weekday": part["date"].map(weekday_zh), "person_id": part["person_id"],
        "person": part["person_name"],
        "role": part["person_id"].map(lambda p: OFFICE_ROLE_ZH.get(book.extra.get("office_leader", {}).get(p, ""), "")),
        "office": office.map(lambda o: book.name("office", o)), "activity": part["activity_zh"],
        "community": part["place"], "_office": office,
    })
    return rows.sort_values(["_office", "person_id", "date"], kind="stable").drop(columns=["_office"])


def _cadre_units(plan: Plan, table: pd.DataFrame, book: NameBook) -> dict[str, str]:
    """Each cadre's unit: from names, else the unit linking the community of its households."""
    units = dict(book.parents.get("cadre", {}))
    missing = set(table.loc[table["person_kind"] == "cadre", "person_id"]) - {c for c, u in units.items() if u}
    if missing and len(plan.unit_communities):
        unit_of = dict(zip(plan.unit_communities["community_id"].astype(str),
                           plan.unit_communities["unit_id"].astype(str), strict=True))
        visits = table[table["person_id"].isin(missing) & (table["person_kind"] == "cadre")]
        for cadre, community in zip(visits["person_id"], visits["community_id"], strict=True):
            if not units.get(cadre) and unit_of.get(community):
                units[cadre] = unit_of[community]
    return {c: u for c, u in units.items() if u}


def _unit_frames(plan: Plan, table: pd.DataFrame, book: NameBook) -> list[tuple[str, pd.DataFrame]]:
    """(sheet title, rows) per unit: its community visits first, then each of its cadres' visits by date."""
    part = table[table["person_kind"].isin(("unit", "cadre"))]
    cadre_unit = _cadre_units(plan, table, book)
    unit = part["person_id"].where(part["person_kind"] == "unit", part["person_id"].map(cadre_unit))
    is_hh = part["target_kind"] == "household"
    rows = pd.DataFrame({
        "date": part["date"], "weekday": part["date"].map(weekday_zh),
        "kind": part["person_kind"].map(PERSON_KIND_ZH), "person_id": part["person_id"],
        "person": part["person_name"], "activity": part["activity_zh"], "community": part["place"],
        "household": part["target_label"].where(is_hh, ""),
        "talk": part["talk"].map(lambda t: "是" if t == 1 else ""),
        "_unit": unit.fillna(""), "_order": (part["person_kind"] != "unit").astype(int),
    })
    rows = rows.sort_values(["_unit", "_order", "person_id", "date"], kind="stable")
    pair_units: list[str] = plan.unit_communities["unit_id"].astype(str).tolist() if len(plan.unit_communities) else []
    units = list(dict.fromkeys([*book.ids("unit"), *pair_units]))
    groups = {str(k): g.drop(columns=["_unit", "_order"]) for k, g in rows.groupby("_unit", sort=False)}
    out = [(book.name("unit", u), groups.get(u, rows.iloc[0:0].drop(columns=["_unit", "_order"]))) for u in units]
    if "" in groups:
        out.append((UNLINKED_CADRES_SHEET, groups[""]))
    return out


def _month_grid(table: pd.DataFrame, book: NameBook) -> list[list[Any]]:
    if not len(table):
        return []
    months = pd.to_datetime(table["date"]).dt.month
    grid = pd.crosstab([table["person_kind"], table["person_id"]], months).reindex(columns=list(MONTHS),
                                                                                    fill_value=0)
    order = {k: i for i, k in enumerate(PERSON_KIND_ZH)}
    keys = sorted(grid.index, key=lambda k: (order.get(k[0], len(order)), k[1]))
    grid = grid.loc[keys]
    values = grid.to_numpy().tolist()
    return [[guard_text(PERSON_KIND_ZH.get(k, k)), guard_text(p), guard_text(book.name(k, p)), *counts,
             sum(counts)] for (k, p), counts in zip(keys, values, strict=True)]


def _reception_rows(table: pd.DataFrame) -> list[list[Any]]:
    rec = table[table["activity"] == "reception"]
    out: list[list[Any]] = []
    for key, part in rec.groupby("date", sort=True):
        day: date = key  # type: ignore[assignment]
        a = part[part["role"] == "A"]
        b = part[part["role"] == "B"]
        a_id = "、".join(a["person_id"])
        b_id = "、".join(b["person_id"])
        out.append([day, weekday_zh(day), *(guard_text(x) for x in (
            a_id, "、".join(a["person_name"]), b_id, "、".join(b["person_name"])))])
    return out


def write_workbook(plan: Plan, target: str | IO[bytes], redact: bool = False,
                   table: pd.DataFrame | None = None) -> None:
    """Write the whole workbook to a path or a binary stream (`table`: `visit_table(plan, redact)` if at hand)."""
    table = visit_table(plan, redact=redact) if table is None else table
    book = name_book(plan)
    rules = plan_rules(plan)
    year = plan_year(plan, table)
    writer = _Writer(target, f"{year}年党员干部直接联系服务群众计划")
    offices = _office_frames(plan, table, book)
    units = _unit_frames(plan, table, book)
    office_leaders = _office_leader_frame(table, book)
    fixed = [SUMMARY_SHEET, MONTH_SHEET, RECEPTION_SHEET, *([OFFICE_LEADERS_SHEET] if len(office_leaders) else [])]
    names = sheet_names([t for t, _ in offices] + [t for t, _ in units], taken=fixed)

    summary = summary_rows(plan, table, rules, book)
    ws = writer.sheet(SUMMARY_SHEET, SUMMARY_HEADERS, [[guard_text(x) for x in row] for row in summary],
                      SUMMARY_WIDTHS, freeze_cols=3)
    met_col = SUMMARY_HEADERS.index("达标")
    if summary:
        ws.conditional_format(1, met_col, len(summary), met_col, {
            "type": "cell", "criteria": "==", "value": f'"{NOT_MET_ZH}"', "format": writer.bad})
    writer.sheet(MONTH_SHEET, MONTH_HEADERS, _month_grid(table, book), (10, 10, 14, *([6] * 12), 8), freeze_cols=3)
    writer.sheet(RECEPTION_SHEET, RECEPTION_HEADERS, _reception_rows(table), RECEPTION_WIDTHS)
    if len(office_leaders):
        writer.sheet(OFFICE_LEADERS_SHEET, OFFICE_LEADER_HEADERS, [], OFFICE_LEADER_WIDTHS,
                     columns=_cells(office_leaders))
    sheets: list[tuple[str, pd.DataFrame, Sequence[str], Sequence[int]]]
    sheets = [(n, f, OFFICE_HEADERS, OFFICE_WIDTHS) for n, (_, f) in zip(names, offices, strict=False)]
    sheets += [(n, f, UNIT_HEADERS, UNIT_WIDTHS) for n, (_, f) in zip(names[len(offices):], units, strict=True)]
    for name, frame, headers, widths in sheets:
        writer.sheet(name, headers, [], widths, columns=_cells(frame))
    writer.close()


def export_xlsx(plan: Plan, path: Path, redact: bool = False, inputs: Iterable[str | Path | None] = (),
                table: pd.DataFrame | None = None) -> None:
    """Write the workbook to `path` (a new path or a workbook we wrote, see planner.io.outputs); a failed write
    leaves no partial file behind."""
    write_file(path, lambda tmp: write_workbook(plan, str(tmp), redact=redact, table=table), inputs)


def xlsx_bytes(plan: Plan, redact: bool = False) -> bytes:
    """The workbook as bytes (the app's download button)."""
    buffer = io.BytesIO()
    write_workbook(plan, buffer, redact=redact)
    return buffer.getvalue()
