"""The validator's column machinery: collect issues with their location, convert and check one column at a time.

Each check is vectorised over a column (city size in about a second) and reports every bad row with the file
(or sheet), the row as the user sees it in Excel and the column's English key, with the Chinese header in the
message. Used by build_problem (planner.io.validate) and by the actual-visits reader (planner.supervision.actuals).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from planner.errors import Issue
from planner.io.cells import as_text, parse_dates
from planner.io.normalize import header_issues, normalize_codes, rename_columns
from planner.model import ENUM_LABELS_ZH, ENUMS, ColumnSpec, TableSpec

ENTITY_ZH = {"offices": "办事处", "communities": "社区", "households": "联系户", "leaders": "区级领导",
             "units": "区直单位", "cadres": "党员干部", "office_leaders": "办事处领导"}
MAX_EXACT_INT = 2.0**53
MAX_ISSUES_PER_CHECK = 10_000  # one bad column of a city-size table is listed in full up to here, then counted


# -- the validator ----------------------------------------------------------------------------------------------
class _Checker:
    """Collects issues; knows how to name a table's file and a column's Chinese header."""

    def __init__(self, labels: Mapping[str, str] | None):
        self.labels = dict(labels or {})
        self.issues: list[Issue] = []

    def label(self, stem: str) -> str:
        return self.labels.get(stem, f"{stem}.csv")

    def add(self, stem: str, row: int | None, column: str | None, zh: str, en: str, value: str | None = None) -> None:
        self.issues.append(Issue(self.label(stem), row, column, zh, en, value))

    def add_rows(self, stem: str, rows: np.ndarray, values: pd.Series | list[str], column: str | None,
                 zh: str, en: str) -> None:
        """One issue per bad row; `zh`/`en` are templates with {value}. Long runs are cut and counted."""
        total = len(values)
        cut = MAX_ISSUES_PER_CHECK + 1
        shown = values[:cut] if isinstance(values, list) else values.iloc[:cut].tolist()
        for i, (row, value) in enumerate(zip(rows[:cut].tolist(), shown, strict=True)):
            if i == MAX_ISSUES_PER_CHECK:
                more = total - i
                self.add(stem, None, column, f"同类问题另有 {more} 行未逐一列出", f"{more} more rows with the same problem")
                break
            self.add(stem, int(row), column, zh.format(value=value), en.format(value=value), str(value))


def _col_label(col: ColumnSpec) -> tuple[str, str]:
    return f"“{col.zh}”（{col.name}）", f"'{col.name}' ({col.zh})"


def _prepare_table(check: _Checker, spec: TableSpec, raw: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Rename headers, report missing columns, drop blank rows. Returns text frame and Excel row numbers."""
    header_problems = header_issues(list(raw.columns), spec, check.label(spec.stem))
    if header_problems:
        check.issues.extend(header_problems)
        return None
    frame = rename_columns(raw, spec)
    missing = [c for c in spec.columns if c.required and c.name not in frame.columns]
    for col in missing:
        zh, en = _col_label(col)
        check.add(spec.stem, 1, col.name, f"缺少必需的列 {zh}", f"missing required column {en}")
    if missing:
        return None
    text = pd.DataFrame({c.name: _column_text(frame[c.name], c) if c.name in frame.columns
                         else pd.Series([""] * len(frame), index=frame.index, dtype=object)
                         for c in spec.columns})
    rows = np.arange(len(text)) + 2
    attr_rows = raw.attrs.get("excel_rows")
    if attr_rows is not None and len(attr_rows) == len(text):
        rows = np.asarray(attr_rows, dtype=np.int64)
    blank = (text == "").all(axis=1).to_numpy() if len(text.columns) else np.zeros(len(text), dtype=bool)
    text = text.loc[~blank].reset_index(drop=True)
    return text, rows[~blank]


def _column_text(series: pd.Series, col: ColumnSpec) -> pd.Series:
    """A column as text; every column but free text (names, reasons) is normalised like an id, so an invisible
    character or a full-width digit never makes a value differ from what the user sees."""
    text = as_text(series)
    return text if col.type == "text" else normalize_codes(text)


def _enum_lookup(enum: str) -> dict[str, str]:
    lookup = {code: code for code in ENUMS[enum]}
    lookup.update({code.upper(): code for code in ENUMS[enum]})
    lookup.update({code.capitalize(): code for code in ENUMS[enum]})
    lookup.update({zh: code for code, zh in ENUM_LABELS_ZH.get(enum, {}).items()})
    # Drop-downs may offer "code 中文" or "中文（code）": accept both spellings.
    for code, zh in ENUM_LABELS_ZH.get(enum, {}).items():
        lookup[f"{code} {zh}"] = code
        lookup[f"{zh}（{code}）"] = code
        lookup[f"{zh}({code})"] = code
    return lookup


def _convert_column(check: _Checker, spec: TableSpec, col: ColumnSpec, text: pd.Series, rows: np.ndarray) -> pd.Series:
    """Typed column; bad cells are reported and become missing/default so later checks still run."""
    stem = spec.stem
    zh, en = _col_label(col)
    empty = (text == "").to_numpy()
    if col.required and empty.any():
        check.add_rows(stem, rows[empty], text[empty], col.name, f"{zh}为必填项，不能为空", f"{en} is required")
    if col.type in ("id", "text", "ref"):
        return text.astype("str")
    if col.type == "enum":
        assert col.enum is not None
        lookup = _enum_lookup(col.enum)
        mapped = text.map(lookup)
        bad = mapped.isna().to_numpy() & ~empty
        if bad.any():
            allowed = " / ".join(f"{c} {ENUM_LABELS_ZH.get(col.enum, {}).get(c, '')}".strip() for c in ENUMS[col.enum])
            check.add_rows(stem, rows[bad], text[bad], col.name, f"{zh}的值 “{{value}}” 无效，应为：{allowed}",
                           f"{en}: invalid value '{{value}}', expected one of: {allowed}")
        default = str(col.default) if col.default is not None else ""
        return mapped.fillna(default).astype("str")
    if col.type in ("int", "float"):
        cells = text.where(~empty, None)
        try:  # fast path: every cell is a plain number
            numbers = cells.astype("float64")
        except (ValueError, TypeError):
            numbers = pd.to_numeric(cells, errors="coerce").astype(float)
        numbers = numbers.where(np.isfinite(numbers.to_numpy()) | empty)  # 'inf' and '1e400' are not numbers
        bad = numbers.isna().to_numpy() & ~empty
        if bad.any():
            check.add_rows(stem, rows[bad], text[bad], col.name, f"{zh}的值 “{{value}}” 不是数字",
                           f"{en}: '{{value}}' is not a number")
        values = numbers.to_numpy()
        finite = ~np.isnan(values)
        out_of_range = np.zeros(len(values), dtype=bool)
        if col.type == "int":  # beyond 2**53 a float is no longer an exact integer, nor would int64 hold it
            out_of_range |= finite & ((np.floor(values) != values) | (np.abs(values) > MAX_EXACT_INT))
        if col.minimum is not None:
            out_of_range |= finite & (values < col.minimum)
        if col.maximum is not None:
            out_of_range |= finite & (values > col.maximum)
        if out_of_range.any():
            kind_zh = "整数" if col.type == "int" else "数"
            kind_en = "an integer" if col.type == "int" else "a number"
            lo = "" if col.minimum is None else f"{col.minimum:g}"
            hi = "" if col.maximum is None else f"{col.maximum:g}"
            span_zh = f"{lo}–{hi}" if lo and hi else (f"≥ {lo}" if lo else f"≤ {hi}")
            check.add_rows(stem, rows[out_of_range], text[out_of_range], col.name,
                           f"{zh}的值 “{{value}}” 无效，应为{span_zh}的{kind_zh}",
                           f"{en}: '{{value}}' is invalid, expected {kind_en} {span_zh}")
        values = np.where(out_of_range, np.nan, values)
        return pd.Series(values, index=text.index, dtype=float)
    if col.type == "date":
        parsed = parse_dates(text)
        bad = parsed.isna().to_numpy() & ~empty
        if bad.any():
            check.add_rows(stem, rows[bad], text[bad], col.name, f"{zh}的值 “{{value}}” 不是有效日期（应为 YYYY-MM-DD）",
                           f"{en}: '{{value}}' is not a valid date (expected YYYY-MM-DD)")
        return parsed
    raise AssertionError(col.type)  # pragma: no cover - the schema has no other types


def _check_duplicates(check: _Checker, spec: TableSpec, column: str, values: pd.Series, rows: np.ndarray) -> None:
    nonempty = values != ""
    dup = (values.duplicated(keep="first") & nonempty).to_numpy()
    if not dup.any():
        return
    first_row = pd.Series(rows, index=values.index).groupby(values).transform("first").to_numpy()
    col = spec.column(column)
    zh, en = _col_label(col)
    bad = np.flatnonzero(dup)
    shown = bad[:MAX_ISSUES_PER_CHECK + 1]  # messages only for what is listed (a million duplicates cost 1 GB)
    firsts = first_row[shown].tolist()
    dup_values = values.iloc[shown].tolist()
    messages = [(f"{zh} “{v}” 重复（与第{f}行相同）", f"duplicate {en} '{v}' (same as row {f})") for v, f in
                zip(dup_values, firsts, strict=True)]
    for i, (row, value, (m_zh, m_en)) in enumerate(zip(rows[shown].tolist(), dup_values, messages, strict=True)):
        if i == MAX_ISSUES_PER_CHECK:
            check.add(spec.stem, None, column, f"另有 {len(bad) - i} 个重复编号未逐一列出",
                      f"{len(bad) - i} more duplicate ids")
            break
        check.add(spec.stem, int(row), column, m_zh, m_en, str(value))


def _check_coordinate_pairs(check: _Checker, spec: TableSpec, text: pd.DataFrame, rows: np.ndarray) -> None:
    """A point needs both coordinates: lat without lon (or the reverse) is a mistake, not "no location"."""
    lat_empty, lon_empty = (text["lat"] == "").to_numpy(), (text["lon"] == "").to_numpy()
    for given, missing, lonely in (("lat", "lon", ~lat_empty & lon_empty), ("lon", "lat", lat_empty & ~lon_empty)):
        if lonely.any():
            zh_given, en_given = _col_label(spec.column(given))
            zh_missing, en_missing = _col_label(spec.column(missing))
            check.add_rows(spec.stem, rows[lonely], text[given][lonely], missing,
                           f"填写了{zh_given}（{{value}}）却缺少{zh_missing}：坐标须成对填写，或都留空",
                           f"{en_given} is given ({{value}}) but {en_missing} is empty: give both or neither")


def _resolve(check: _Checker, spec: TableSpec, column: str, values: pd.Series, rows: np.ndarray,
             target: str, index: pd.Index | None) -> np.ndarray:
    """Positions of `values` in the target table's ids (-1 when unknown, reported; empties already reported)."""
    if index is None:
        return np.full(len(values), -1, dtype=np.int64)
    positions = index.get_indexer(pd.Index(values))
    bad = (positions < 0) & (values != "").to_numpy()
    if bad.any():
        col = spec.column(column)
        zh, en = _col_label(col)
        check.add_rows(spec.stem, rows[bad], values[bad], column,
                       f"{zh} “{{value}}” 在{ENTITY_ZH[target]}表（{check.label(target)}）中不存在",
                       f"{en} '{{value}}' is not in {target} ({check.label(target)})")
    return positions.astype(np.int64)


def _unique_index(ids: pd.Series) -> pd.Index:
    """Ids → Index whose positions are row positions; later duplicates (already reported) become unmatchable."""
    dup = ids.duplicated(keep="first").to_numpy()
    if dup.any():
        ids = ids.astype(object).copy()
        ids[dup] = [f"\0duplicate-{i}" for i in np.flatnonzero(dup)]
    return pd.Index(ids)


def _empty_frame(spec: TableSpec, extra: Mapping[str, str]) -> pd.DataFrame:
    columns: dict[str, pd.Series] = {}
    for col in spec.columns:
        dtype = {"float": float, "int": np.int64, "date": object}.get(col.type, "str")
        if col.name == "max_households":
            dtype = float
        columns[col.name] = pd.Series([], dtype=dtype)
    for name, dtype in extra.items():
        columns[name] = pd.Series([], dtype=dtype)
    return pd.DataFrame(columns)
