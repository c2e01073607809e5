"""Research reports handed in (`reports.csv`, the `调研报告` sheet): person_id, date, title — read and validated like
the actual visits (planner/supervision/actuals.py), through the same raw-table reader and column machinery.

Reading: UTF-8 / GBK CSV or a workbook sheet, English or Chinese headers, blank rows skipped, rows numbered as in
Excel. Each bad cell is an Issue (file, row, column; Chinese with English), all raised together (exit 2):
an empty cell, an unreadable date, a date outside the plan year, a person id that is no district leader, office
leader or cadre, an empty or over-long title.

Titles are free text: control and invisible format characters (newlines, tabs, direction overrides, zero-width
marks) are taken out — line breaks and tabs become one space — and runs of spaces collapse, so a title prints on
one line in the bulletin and cannot hide text. A report is (person, title): the same title entered twice (a
resubmission, a corrected date) counts once, on its first date. A report by a person who owes none (a staff cadre)
is kept and counts toward no obligation; planner progress lists it as an anomaly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import InputError, Issue
from planner.io.validate import _Checker, _convert_column, _prepare_table
from planner.model import ColumnSpec, TableSpec
from planner.problem import Problem
from planner.supervision.tables import raw_table

SHEET = "调研报告"
SHEET_NAMES = (SHEET, "reports")
COLUMNS = ("person_id", "date", "title")
MAX_TITLE = 200
_SPACES = re.compile(r"\s+")
_BREAKS = frozenset(("Cc", "Zl", "Zp"))     # become a space
_HIDDEN = frozenset(("Cf", "Cs", "Co"))     # removed

REPORTS_SPEC = TableSpec("reports", SHEET, (
    ColumnSpec("person_id", "人员编号", "id", True, help_zh="区级领导、办事处领导或干部编号",
               help_en="district leader, office leader or cadre id"),
    ColumnSpec("date", "完成日期", "date", True, help_zh="报告完成（报送）的日期", help_en="date the report was handed in"),
    ColumnSpec("title", "报告题目", "text", True, help_zh=f"不超过 {MAX_TITLE} 字", help_en=f"at most {MAX_TITLE} characters"),
), required=False, help_zh="已完成的调研报告", help_en="Research reports handed in",
    example=(("L001", "2027-06-20", "关于老旧小区加装电梯的调研报告"),))


@dataclass(frozen=True, eq=False)
class Reports:
    """Validated reports: `reports` has person_id, date (datetime64), title — one row per (person, title), at its
    first date; `duplicates` counts the rows folded away; `source` names the file."""

    reports: pd.DataFrame
    source: str = "reports.csv"
    duplicates: int = 0


def clean_title(text: str) -> str:
    """A title on one visible line: breaks and control characters → space, invisible format marks removed."""
    if text.isascii() and text.isprintable():
        return _SPACES.sub(" ", text).strip()
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in _BREAKS:
            kept.append(" ")
        elif category not in _HIDDEN:
            kept.append(ch)
    return _SPACES.sub(" ", "".join(kept)).strip()


def known_people(problem: Problem) -> pd.Index:
    """Every id that may hand in a report: district leaders, office leaders (when present), cadres."""
    parts = [problem.leaders["leader_id"].astype(str), problem.cadres["cadre_id"].astype(str)]
    office = getattr(problem, "office_leaders", None)
    if office is not None and len(office):
        parts.append(office["person_id"].astype(str))
    return pd.Index(pd.concat(parts, ignore_index=True))


def validate_reports(raw: pd.DataFrame, problem: Problem, label: str | None = None) -> Reports:
    """Raw text table → Reports, or InputError listing every bad cell (file, Excel row, column)."""
    label = label or str(raw.attrs.get("label") or "reports.csv")
    check = _Checker({"reports": label})
    prepared = _prepare_table(check, REPORTS_SPEC, raw)
    if prepared is None:
        raise InputError(check.issues)
    text, rows = prepared
    typed = {c.name: _convert_column(check, REPORTS_SPEC, c, text[c.name], rows) for c in REPORTS_SPEC.columns}
    dates = typed["date"]
    year = problem.rules.year
    outside = (dates.notna() & (dates.dt.year != year)).to_numpy()
    if outside.any():
        check.add_rows("reports", rows[outside], text["date"][outside], "date",
                       f"日期 “{{value}}” 不在计划年度 {year} 年内", f"date '{{value}}' is outside the plan year {year}")
    people = text["person_id"]
    unknown = ((people != "") & (known_people(problem).get_indexer(pd.Index(people)) < 0)).to_numpy() \
        if len(people) else np.zeros(0, dtype=bool)
    if unknown.any():
        check.add_rows("reports", rows[unknown], people[unknown], "person_id",
                       "“person_id” “{value}” 不是已知的区级领导、办事处领导或干部编号",
                       "'person_id' '{value}' is not a known district leader, office leader or cadre id")
    titles = text["title"].map(clean_title) if len(text) else text["title"]
    blank = ((titles == "") & (text["title"] != "")).to_numpy()
    if blank.any():
        check.add_rows("reports", rows[blank], text["title"][blank].map(repr), "title",
                       "“报告题目”（title）只有不可见字符 {value}", "'title' holds only invisible characters {value}")
    long = (titles.str.len() > MAX_TITLE).to_numpy() if len(titles) else np.zeros(0, dtype=bool)
    if long.any():
        check.add_rows("reports", rows[long], titles[long].str.slice(0, 20) + "…", "title",
                       f"“报告题目”（title）超过 {MAX_TITLE} 字：{{value}}",
                       f"'title' is longer than {MAX_TITLE} characters: {{value}}")
    if check.issues:
        raise InputError(check.issues)
    frame = pd.DataFrame({"person_id": people.to_numpy(), "date": dates.dt.normalize().to_numpy(),
                          "title": titles.to_numpy()})
    first = frame.sort_values(["date"], kind="stable").drop_duplicates(["person_id", "title"], keep="first")
    first = first.sort_index().reset_index(drop=True)
    return Reports(first, label, len(frame) - len(first))


def raw_reports(name: str, data: bytes) -> pd.DataFrame:
    """Bytes of a .csv or .xlsx (the app's upload) → raw text table."""
    return raw_table(name, data, SHEET, SHEET_NAMES)


def read_reports(path: str | Path, problem: Problem) -> Reports:
    """Read and validate a reports file (CSV or workbook sheet 调研报告)."""
    path = Path(path)
    if not path.is_file():
        raise InputError([Issue(str(path), None, None, "找不到调研报告文件", "reports file not found")])
    return validate_reports(raw_reports(path.name, path.read_bytes()), problem)


def empty_reports() -> Reports:
    return Reports(pd.DataFrame({"person_id": pd.Series([], dtype=object),
                                 "date": pd.Series([], dtype="datetime64[ns]"),
                                 "title": pd.Series([], dtype=object)}))


def write_reports(reports: Reports | pd.DataFrame, path: str | Path) -> Path:
    """reports.csv (UTF-8 with BOM, formula-safe)."""
    from planner.io.safe import write_csv

    frame = (reports.reports if isinstance(reports, Reports) else reports).copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
    out = Path(path)
    write_csv(frame[list(COLUMNS)], out)
    return out
