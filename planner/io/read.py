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
CSV encodings: UTF-8 with or without BOM, GB18030/GBK (what Excel writes on Chinese Windows), UTF-16 with BOM
(Excel's "Unicode text"); comma-, tab- or semicolon-separated.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import tomllib
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from planner.errors import InputError, Issue
from planner.io.validate import build_problem
from planner.model import TABLES, TableSpec
from planner.problem import Problem
from planner.rules import Rules, rules_from_dict

RULES_FILE = "rules.toml"
RULES_SHEETS = ("rules", "规则")
RULES_KEY_HEADERS = ("key", "规则项")
RULES_VALUE_HEADERS = ("value", "值")


class _Read:
    """What one reading pass found: tables, their user-facing labels, rules text/data, and reading issues."""

    def __init__(self, source: str):
        self.source = source
        self.tables: dict[str, pd.DataFrame] = {}
        self.labels: dict[str, str] = {}
        self.rules: Rules | None = None
        self.issues: list[Issue] = []
        self.failed: set[str] = set()  # tables present but unreadable: not "missing" as well

    def add_table(self, spec: TableSpec, frame: pd.DataFrame, label: str) -> None:
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


# -- CSV --------------------------------------------------------------------------------------------------------
def decode_csv(data: bytes) -> str:
    """UTF-16 when it says so, else strict UTF-8 (BOM optional), else GB18030 (a superset of GBK and GB2312).

    Raises UnicodeDecodeError when none fits.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _separator(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", "\t", ";")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def parse_csv(data: bytes, label: str) -> tuple[pd.DataFrame | None, Issue | None]:
    """Bytes → all-text DataFrame (blank lines kept, so row numbers match Excel), or an Issue saying why not."""
    try:
        text = decode_csv(data)
    except UnicodeDecodeError:
        return None, Issue(label, None, None, "无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV",
                           "unreadable encoding: save the file as UTF-8 or GBK CSV")
    if text.strip() == "":
        return pd.DataFrame(), None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False,
                            skip_blank_lines=False, sep=_separator(text), quoting=csv.QUOTE_MINIMAL)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
        return None, Issue(label, None, None, f"CSV 格式有误：{exc}", f"malformed CSV: {exc}")
    return frame, None


def _read_folder(folder: Path, found: _Read) -> None:
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() == ".csv":
            spec = table_for_name(path.stem)
            if spec is None:
                continue
            frame, issue = parse_csv(path.read_bytes(), path.name)
            if issue:
                found.issues.append(issue)
                found.failed.add(spec.stem)
            elif frame is not None:
                found.add_table(spec, frame, path.name)
        elif path.is_file() and path.name.lower() == RULES_FILE:
            found.set_rules(lambda p=path: Rules.from_toml(p, p.name), path.name)
    for spec in TABLES:
        found.labels.setdefault(spec.stem, spec.file)


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Windows zips store Chinese names in GBK without the UTF-8 flag; Python then decodes them as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _read_zip(data: bytes, name: str, found: _Read) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        found.issues.append(Issue(name, None, None, f"无法打开压缩包：{exc}", f"cannot open zip archive: {exc}"))
        return
    with archive:
        for info in archive.infolist():
            member = _zip_name(info)
            base = member.rsplit("/", 1)[-1]
            if info.is_dir() or member.startswith("__MACOSX") or base.startswith("."):
                continue
            stem, _, suffix = base.rpartition(".")
            try:
                content = archive.read(info)
            except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
                found.issues.append(Issue(base, None, None, f"无法解压：{exc}", f"cannot extract: {exc}"))
                continue
            if suffix.lower() == "csv" and (spec := table_for_name(stem)) is not None:
                frame, issue = parse_csv(content, base)
                if issue:
                    found.issues.append(issue)
                    found.failed.add(spec.stem)
                elif frame is not None:
                    found.add_table(spec, frame, base)
            elif base.lower() == RULES_FILE:
                found.set_rules(lambda c=content, b=base: _rules_from_bytes(c, b), base)
    for spec in TABLES:
        found.labels.setdefault(spec.stem, spec.file)


def _rules_from_bytes(content: bytes, label: str) -> Rules:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([Issue(label, None, None, "规则文件须为 UTF-8 编码", "rules file must be UTF-8")]) from exc
    return Rules.from_toml(text + "\n", label)


# -- xlsx -------------------------------------------------------------------------------------------------------
def excel_engine() -> Literal["calamine", "openpyxl"]:
    """calamine (Rust) reads a city-size workbook about 7× faster than openpyxl; openpyxl is the fallback."""
    return "calamine" if importlib.util.find_spec("python_calamine") is not None else "openpyxl"


def _read_workbook(source: Path | bytes, name: str, found: _Read) -> None:
    try:
        sheets = pd.read_excel(io.BytesIO(source) if isinstance(source, bytes) else source, sheet_name=None,
                               dtype=str, keep_default_na=False, na_filter=False, engine=excel_engine())
    except Exception as exc:  # openpyxl raises many kinds (zip, xml, key errors) on a corrupt workbook
        found.issues.append(Issue(name, None, None, f"无法打开工作簿（须为 .xlsx）：{exc}",
                                  f"cannot open workbook (must be .xlsx): {exc}"))
        return
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


def _toml_value(text: str) -> Any:
    """A rules-sheet cell as TOML would read it (numbers, true/false, quoted text); bare words stay text."""
    lowered = text.strip()
    if lowered in ("是", "TRUE", "True"):
        return True
    if lowered in ("否", "FALSE", "False"):
        return False
    try:
        return tomllib.loads(f"v = {lowered}")["v"]
    except tomllib.TOMLDecodeError:
        return lowered


def rules_from_sheet(frame: pd.DataFrame, label: str) -> Rules:
    """A key/value sheet (dotted keys) → Rules; rows with an empty value keep the default."""
    headers = {str(c).strip().rstrip("*").strip().lower(): c for c in frame.columns}
    key_col = next((headers[h] for h in RULES_KEY_HEADERS if h in headers), None)
    value_col = next((headers[h] for h in RULES_VALUE_HEADERS if h in headers), None)
    if key_col is None or value_col is None:
        raise InputError([Issue(label, 1, None, "规则表须有“规则项”（key）和“值”（value）两列",
                                "the rules sheet needs columns key and value")])
    data: dict[str, Any] = {}
    issues: list[Issue] = []
    for position, (key, value) in enumerate(zip(frame[key_col], frame[value_col], strict=True)):
        key, value = str(key).strip(), str(value).strip()
        if not key or not value or value.lower() == "nan":
            continue
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                issues.append(Issue(label, position + 2, "key", f"规则项 “{key}” 无效", f"invalid rule key '{key}'"))
                break
            node = child
        else:
            node[parts[-1]] = _toml_value(value)
    if issues:
        raise InputError(issues)
    return rules_from_dict(data, label)


# -- entry points -----------------------------------------------------------------------------------------------
def _read_path(path: Path) -> _Read:
    found = _Read(str(path))
    if not path.exists():
        found.issues.append(Issue(str(path), None, None, "找不到输入：路径不存在", "input not found: no such path"))
    elif path.is_dir():
        books = sorted(p for p in path.iterdir()
                       if p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith("~$"))
        has_csv = any(table_for_name(p.stem) for p in path.glob("*.csv"))
        if not has_csv and len(books) == 1:  # a folder holding just the filled-in template
            return _read_path(books[0])
        _read_folder(path, found)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        _read_workbook(path, path.name, found)
        sibling = path.with_name(RULES_FILE)
        if sibling.is_file():
            found.set_rules(lambda: Rules.from_toml(sibling, sibling.name), sibling.name)
    elif path.suffix.lower() in (".zip", ".csv"):
        _read_bytes(path.name, path.read_bytes(), found)
    else:
        found.issues.append(Issue(path.name, None, None, "不支持的输入：请给出 CSV 文件夹、.xlsx 工作簿或 .zip",
                                  "unsupported input: give a folder of CSVs, an .xlsx workbook or a .zip"))
    return found


def _read_bytes(name: str, data: bytes, found: _Read) -> None:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ("xlsx", "xlsm"):
        _read_workbook(data, name, found)
    elif suffix == "zip":
        _read_zip(data, name, found)
    elif suffix == "csv":
        spec = table_for_name(name.rsplit("/", 1)[-1][: -len(".csv")])
        if spec is None:
            found.issues.append(Issue(name, None, None, "无法判断这是哪张表：请按模板命名文件（如 households.csv）",
                                      "unknown table: name the file by its table (e.g. households.csv)"))
            return
        frame, issue = parse_csv(data, name)
        if issue:
            found.issues.append(issue)
            found.failed.add(spec.stem)
        elif frame is not None:
            found.add_table(spec, frame, name)
    elif suffix == "toml":
        found.set_rules(lambda: _rules_from_bytes(data, name), name)
    else:
        found.issues.append(Issue(name, None, None, "不支持的文件类型：请上传 .xlsx、.zip 或 .csv",
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
