"""Reading input: a folder of CSVs, one .xlsx workbook, or uploaded bytes (.xlsx, .zip of CSVs, one .csv).

Everything is read as text so that ids keep their leading zeros; `planner.io.validate.build_problem` converts
numbers, dates and enums itself and reports every bad cell. Reading problems (unreadable encoding, broken CSV,
corrupt workbook, bad rules) are collected as Issues too, and the input is validated even when the rules are bad,
so the user sees every problem in one pass.

Where tables are found:
- folder: `<stem>.csv` (any case) or the template's Chinese table name (`联系户.csv`); `rules.toml` next to them.
  A folder with no table CSVs and exactly one workbook is read as that workbook.
- workbook: a sheet named by file stem (`households`) or the template's Chinese sheet name (`联系户`); rules from
  a `rules.toml` in the workbook's folder, or from a sheet `rules` / `规则` with columns key / value
  (规则项 / 值; dotted keys such as `visits.cadre_household`; rows with an empty value are ignored).
- zip: the same as a folder, members in any sub-folder; GBK-encoded member names (Windows zip) are decoded.
CSV encodings and headers: see `planner.io.parse`. Sizes: `planner.io.limits` (a file, a zip member, an input
over its limit, a zip bomb, a header of thousands of columns are refused before they are decompressed or parsed).
An input that cannot be read at all (no such path, not a zip, over a limit) gets that one message, not six
"missing table" messages besides.
"""

from __future__ import annotations

import importlib.util
import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from planner.errors import InputError, Issue
from planner.io import archive as zips
from planner.io import limits
from planner.io.normalize import header_issues
from planner.io.parse import decode_csv, parse_csv, promote_header, rules_from_bytes, rules_from_sheet
from planner.io.validate import build_problem
from planner.model import TABLES, TableSpec
from planner.problem import Problem
from planner.rules import Rules

__all__ = ["decode_csv", "parse_csv", "read_problem", "read_tables", "read_upload", "read_upload_problem",
           "rules_from_sheet", "table_for_name"]

RULES_FILE = "rules.toml"
RULES_SHEETS = ("rules", "规则")


class _Read:
    """What one reading pass found: tables, their user-facing labels, rules text/data, and reading issues."""

    def __init__(self, source: str):
        self.source = source
        self.tables: dict[str, pd.DataFrame] = {}
        self.labels: dict[str, str] = {}
        self.rules: Rules | None = None
        self.issues: list[Issue] = []
        self.failed: set[str] = set()  # tables present but unreadable: not "missing" as well
        self.fatal = False  # the input as a whole could not be read: its own message is the only one

    def stop(self, issue: Issue) -> None:
        """The whole input is unreadable (no such path, not a zip, over a limit): say so once."""
        self.issues.append(issue)
        self.fatal = True

    def fail(self, spec: TableSpec, issue: Issue) -> None:
        """One table present but unreadable: its issue, and no "missing table" on top of it."""
        self.issues.append(issue)
        self.failed.add(spec.stem)

    def add_table(self, spec: TableSpec, frame: pd.DataFrame, label: str) -> None:
        problems = header_issues(list(frame.columns), spec, label)
        if problems:
            self.issues.extend(problems)
            self.failed.add(spec.stem)
            return
        if spec.stem in self.tables:
            self.issues.append(Issue(label, None, None, f"表 {spec.zh} 出现了两次（另见 {self.labels[spec.stem]}）",
                                     f"table {spec.stem} appears twice (also {self.labels[spec.stem]})"))
            return
        frame.attrs["label"] = label
        self.tables[spec.stem] = frame
        self.labels[spec.stem] = label

    def set_rules(self, loader: Any, label: str) -> None:
        try:
            rules = loader()
        except InputError as exc:
            self.issues.extend(exc.issues)
            return
        if self.rules is not None:
            self.issues.append(Issue(label, None, None, "规则出现了两处（rules.toml 和 规则 表），只能保留一处",
                                     "rules given twice (rules.toml and a rules sheet); keep one"))
            return
        self.rules = rules


def table_for_name(name: str) -> TableSpec | None:
    """The table a file stem or sheet name stands for (English stem in any case, or the Chinese table name)."""
    key = name.strip().lower()
    for spec in TABLES:
        if key in (spec.stem, spec.zh):
            return spec
    return None


# -- folder and zip ---------------------------------------------------------------------------------------------
def _read_file(path: Path, found: _Read, spec: TableSpec | None = None) -> bytes | None:
    """A file's bytes, unless it is over the size limit (then an issue, and None)."""
    cap = limits.MAX_FILE.value()
    try:
        size = path.stat().st_size
        if size > cap:
            issue = limits.too_big(path.name, size)
        else:
            with path.open("rb") as stream:  # capped: a file can grow, or be a /proc file that says size 0
                data = stream.read(cap + 1)
            if len(data) <= cap:
                return data
            issue = limits.too_big(path.name, len(data), at_least=True)
    except OSError as exc:
        issue = Issue(path.name, None, None, f"无法读取文件：{exc.strerror or exc}", f"cannot read file: {exc}")
    if spec is not None:
        found.fail(spec, issue)
    else:
        found.stop(issue)
    return None


def _is_rules_name(name: str) -> bool:
    return name.strip().lower() == RULES_FILE


def _folder_not_file(path: Path) -> Issue:
    return Issue(path.name, None, None, f"“{path.name}” 是一个文件夹，应为文件", f"'{path.name}' is a folder, not a file")


def _read_folder(folder: Path, found: _Read) -> None:
    total = 0
    for path in sorted(folder.iterdir()):
        is_csv = path.suffix.lower() == ".csv"
        spec = table_for_name(path.stem) if is_csv else None
        if path.is_dir() and (spec is not None or _is_rules_name(path.name)):
            issue = _folder_not_file(path)
            found.fail(spec, issue) if spec is not None else found.issues.append(issue)
        elif path.is_file() and spec is not None:
            data = _read_file(path, found, spec)
            if data is None:
                continue
            total += len(data)
            if total > limits.MAX_TOTAL.value():
                found.stop(limits.too_big(folder.name, total, limits.MAX_TOTAL))
                return
            frame, problem = parse_csv(data, path.name)
            del data
            if problem:
                found.fail(spec, problem)
            elif frame is not None:
                found.add_table(spec, frame, path.name)
        elif path.is_file() and _is_rules_name(path.name):
            found.set_rules(lambda p=path: Rules.from_toml(p, p.name), path.name)
    for table in TABLES:
        found.labels.setdefault(table.stem, table.file)


def _read_zip(data: bytes, name: str, found: _Read) -> None:
    """Tables and rules.toml from a zip: members are chosen by name, checked against the limits by what their
    headers declare, then decompressed in chunks and stopped at the limits whatever the headers say."""
    count = zips.zip_entry_count(data)
    if count is not None and count > limits.MAX_MEMBERS.value():
        found.stop(limits.too_many_members(name, count))
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except limits.ARCHIVE_ERRORS as exc:
        found.stop(Issue(name, None, None, f"无法打开压缩包：{exc}", f"cannot open zip archive: {exc}"))
        return
    with archive:
        if len(archive.infolist()) > limits.MAX_MEMBERS.value():
            found.stop(limits.too_many_members(name, len(archive.infolist())))
            return
        wanted: list[tuple[zipfile.ZipInfo, str, TableSpec | None]] = []
        for info in archive.infolist():
            member = zips.member_name(info)
            base = member.rsplit("/", 1)[-1]
            if info.is_dir() or member.startswith("__MACOSX") or base.startswith("."):
                continue
            stem, _, suffix = base.rpartition(".")
            spec = table_for_name(stem) if suffix.lower() == "csv" else None
            if spec is not None or _is_rules_name(base):
                wanted.append((info, base, spec))
        total = 0
        for info, base, spec in wanted:
            issue = zips.member_issue(info, base, total)
            if issue is None and spec is None and info.file_size > limits.MAX_RULES.value():
                issue = limits.too_big(base, info.file_size, limits.MAX_RULES)
            if issue is not None:
                found.stop(issue)
                return
            total += info.file_size
        budget = limits.MAX_TOTAL.value()
        for info, base, spec in wanted:
            try:
                content = (zips.read_member(archive, info, base, budget=budget) if spec is not None
                           else zips.read_member(archive, info, base, limits.MAX_RULES))
            except limits.ARCHIVE_ERRORS as exc:
                issue = Issue(base, None, None, f"无法解压：{exc}", f"cannot extract: {exc}")
                found.fail(spec, issue) if spec is not None else found.issues.append(issue)
                continue
            if isinstance(content, Issue):
                found.stop(content)
                return
            budget -= len(content)
            if spec is None:
                found.set_rules(lambda c=content, b=base: rules_from_bytes(c, b), base)
                continue
            frame, issue = parse_csv(content, base)
            del content
            if issue:
                found.fail(spec, issue)
            elif frame is not None:
                found.add_table(spec, frame, base)
    for table in TABLES:
        found.labels.setdefault(table.stem, table.file)


# -- xlsx -------------------------------------------------------------------------------------------------------
def excel_engine() -> Literal["calamine", "openpyxl"]:
    """calamine (Rust) reads a city-size workbook about 7× faster than openpyxl; openpyxl is the fallback."""
    return "calamine" if importlib.util.find_spec("python_calamine") is not None else "openpyxl"


def _wanted_sheet(sheet: object) -> bool:
    """Sheets planner reads: a table's or the rules'; any other sheet (notes, pivots) is never parsed."""
    return table_for_name(str(sheet)) is not None or str(sheet).strip().lower() in RULES_SHEETS


def _workbook_issues(source: Path | bytes, name: str) -> list[Issue]:
    """An .xlsx is a zip: its members are checked against the limits before a reader decompresses them."""
    if isinstance(source, bytes):
        count = zips.zip_entry_count(source)
        if count is not None and count > limits.MAX_MEMBERS.value():
            return [limits.too_many_members(name, count)]
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as book:
            return zips.archive_issues(book, name, _wanted_sheet)
    except limits.ARCHIVE_ERRORS as exc:
        return [Issue(name, None, None, f"无法打开工作簿（须为 .xlsx）：{exc}", f"cannot open workbook (must be .xlsx): {exc}")]


def _read_workbook(source: Path | bytes, name: str, found: _Read) -> None:
    problems = _workbook_issues(source, name)
    if problems:
        found.stop(problems[0])
        return
    try:
        with pd.ExcelFile(io.BytesIO(source) if isinstance(source, bytes) else source, engine=excel_engine()) as book:
            wanted = [sheet for sheet in book.sheet_names if _wanted_sheet(sheet)]
            raw = book.parse(sheet_name=wanted, header=None, dtype=str, keep_default_na=False,
                             na_filter=False) if wanted else {}
    except Exception as exc:  # openpyxl raises many kinds (zip, xml, key errors) on a corrupt workbook
        found.stop(Issue(name, None, None, f"无法打开工作簿（须为 .xlsx）：{exc}",
                         f"cannot open workbook (must be .xlsx): {exc}"))
        return
    sheets = {sheet: promote_header(frame) for sheet, frame in raw.items()}
    del raw
    for sheet, frame in sheets.items():
        label = f"{name}[{sheet}]"
        if str(sheet).strip().lower() in RULES_SHEETS:
            found.set_rules(lambda f=frame, lab=label: rules_from_sheet(f, lab), label)
            continue
        spec = table_for_name(str(sheet))
        if spec is not None:
            found.add_table(spec, frame, label)
    for spec in TABLES:
        found.labels.setdefault(spec.stem, f"{name}[{spec.stem}]")


# -- entry points -----------------------------------------------------------------------------------------------
def _read_path(path: Path) -> _Read:
    found = _Read(str(path))
    suffix = path.suffix.lower()
    if not path.exists():
        found.stop(Issue(str(path), None, None, "找不到输入：路径不存在", "input not found: no such path"))
    elif path.is_dir():
        books = sorted(p for p in path.iterdir()
                       if p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith("~$") and p.is_file())
        has_csv = any(table_for_name(p.stem) for p in path.glob("*.csv"))
        if not has_csv and len(books) == 1:  # a folder holding just the filled-in template
            return _read_path(books[0])
        _read_folder(path, found)
    elif suffix in (".xlsx", ".xlsm") and path.is_file():
        size = path.stat().st_size
        if size > limits.MAX_FILE.value():
            found.stop(limits.too_big(path.name, size))
            return found
        _read_workbook(path, path.name, found)
        sibling = path.with_name(RULES_FILE)
        if sibling.is_dir():
            found.issues.append(_folder_not_file(sibling))
        elif sibling.is_file():
            found.set_rules(lambda: Rules.from_toml(sibling, sibling.name), sibling.name)
    elif suffix in (".zip", ".csv") and path.is_file():
        data = _read_file(path, found)
        if data is not None:
            _read_bytes(path.name, data, found)
    else:
        found.stop(Issue(path.name, None, None, "不支持的输入：请给出 CSV 文件夹、.xlsx 工作簿或 .zip",
                         "unsupported input: give a folder of CSVs, an .xlsx workbook or a .zip"))
    return found


def _read_bytes(name: str, data: bytes, found: _Read) -> None:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if len(data) > limits.MAX_FILE.value():
        found.stop(limits.too_big(name, len(data)))
    elif suffix in ("xlsx", "xlsm"):
        _read_workbook(data, name, found)
    elif suffix == "zip":
        _read_zip(data, name, found)
    elif suffix == "csv":
        spec = table_for_name(name.replace("\\", "/").rsplit("/", 1)[-1][: -len(".csv")])
        if spec is None:
            found.stop(Issue(name, None, None, "无法判断这是哪张表：请按模板命名文件（如 households.csv）",
                             "unknown table: name the file by its table (e.g. households.csv)"))
            return
        frame, issue = parse_csv(data, name)
        if issue:
            found.fail(spec, issue)
        elif frame is not None:
            found.add_table(spec, frame, name)
    elif suffix == "toml":
        found.set_rules(lambda: rules_from_bytes(data, name), name)
    else:
        found.stop(Issue(name, None, None, "不支持的文件类型：请上传 .xlsx、.zip 或 .csv",
                         "unsupported file type: upload .xlsx, .zip or .csv"))


def read_tables(path: str | Path) -> tuple[dict[str, pd.DataFrame], Rules | None]:
    """Raw text tables (stem → DataFrame, each with attrs['label']) and the rules found with them, if any."""
    found = _read_path(Path(path))
    if found.issues:
        raise InputError(found.issues)
    return found.tables, found.rules


def read_upload(name: str, data: bytes) -> tuple[dict[str, pd.DataFrame], Rules | None]:
    """The app's upload: an .xlsx workbook, a .zip of CSVs (and rules.toml), or one table's .csv."""
    found = _Read(name)
    _read_bytes(name, data, found)
    if found.issues:
        raise InputError(found.issues)
    return found.tables, found.rules


def _problem(found: _Read, rules: Rules | None, year: int | None, overrides: Mapping[str, Any] | None) -> Problem:
    if found.fatal:  # nothing was read: "missing table" six times over would only bury the one message
        raise InputError(found.issues)
    issues = list(found.issues)
    chosen = rules or found.rules or Rules()
    try:
        if overrides:
            chosen = chosen.replace(**dict(overrides))
        if year is not None:
            chosen = chosen.replace(year=year)
    except InputError as exc:
        issues.extend(exc.issues)
    try:
        problem = build_problem(found.tables, chosen, found.source, labels=found.labels)
    except InputError as exc:
        failed_labels = {found.labels.get(stem) for stem in found.failed}
        issues.extend(i for i in exc.issues
                      if not (i.row is None and i.column is None and i.file in failed_labels))
        raise InputError(issues) from None
    if issues:
        raise InputError(issues)
    return problem


def read_problem(path: str | Path, rules: Rules | None = None, year: int | None = None,
                 overrides: Mapping[str, Any] | None = None) -> Problem:
    """Read and validate an input folder / workbook / zip into a Problem; raises InputError with every issue.

    Rules: `rules` if given, else the input's rules.toml / rules sheet, else defaults; then `overrides` (nested
    dict, as Rules.replace) and `year` on top.
    """
    return _problem(_read_path(Path(path)), rules, year, overrides)


def read_upload_problem(name: str, data: bytes, rules: Rules | None = None, year: int | None = None,
                        overrides: Mapping[str, Any] | None = None) -> Problem:
    """`read_problem` for uploaded bytes (the app)."""
    found = _Read(name)
    _read_bytes(name, data, found)
    return _problem(found, rules, year, overrides)
