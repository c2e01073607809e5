"""Raw tables → validated, index-based Problem, collecting every input problem at once.

`build_problem` is the single gate between user data and the engines: the CSV/xlsx reader, the app's editors and
the store's saved inputs all pass through it. It accepts cells as strings (what the reader gives) or already typed
values (what `Problem.raw_tables()` gives back), maps Chinese headers and Chinese enum labels, and checks, per
column and vectorised (city size in about a second): empty required cells, duplicate ids, enum values, numbers
and their ranges, dates, then references between tables. Each Issue names the file (or sheet), the row as the
user sees it in Excel (header = row 1, first data row = 2) and the column's English key, with the Chinese header
in the message. Fully blank rows are skipped (Excel leaves them behind) without shifting row numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from planner.errors import InputError, Issue
from planner.io.normalize import header_issues, normalize_codes, rename_columns
from planner.model import ENUM_LABELS_ZH, ENUMS, LOCK_TARGETS, TABLE_BY_STEM, TABLES, ColumnSpec, TableSpec
from planner.problem import Problem
from planner.rules import Rules

ENTITY_ZH = {"offices": "办事处", "communities": "社区", "households": "联系户", "leaders": "区级领导",
             "units": "区直单位", "cadres": "党员干部"}
PERSON_TABLES = (("leader", "leaders"), ("unit", "units"), ("cadre", "cadres"))
DEFAULT_PRIORITY = 1  # the contract: priority 1–3, 3 = most in need; an empty cell means an ordinary household
MAX_EXACT_INT = 2.0**53
MAX_ISSUES_PER_CHECK = 10_000  # one bad column of a city-size table is listed in full up to here, then counted


# -- cell conversion ---------------------------------------------------------------------------------------------
def _cell_text(value: Any) -> str:
    """One cell as trimmed text; integral floats (Excel numbers) lose their '.0'; missing is ''."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value).strip()


# The apostrophe our CSV writers put before = + - @ (planner.io.safe) so that Excel shows text, not a formula.
_GUARDED = re.compile(r"^'(?=[=+\-@\t\r])")


def as_text(series: pd.Series) -> pd.Series:
    """A column as trimmed strings ('' when empty), whatever the input dtype; string columns stay vectorised."""
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(series.dtype):
        return _unguard(series.fillna("").str.strip())
    if pd.api.types.is_integer_dtype(series.dtype) and not isinstance(series.dtype, pd.CategoricalDtype):
        return series.astype("Int64").astype(object).map(_cell_text).astype("str")
    return _unguard(series.astype(object).map(_cell_text).astype("str"))


def _unguard(text: pd.Series) -> pd.Series:
    if text.str.startswith("'").any():
        return text.str.replace(_GUARDED, "", regex=True)
    return text


_DATE_SEPARATORS = re.compile(r"[/.年月]")


def parse_dates(text: pd.Series) -> pd.Series:
    """Text → datetime64 (NaT when unparsable). Accepts 2027-03-01, 2027/3/1, 2027.3.1, 2027年3月1日, with or
    without a midnight time, and Excel serial day numbers."""
    cleaned = (text.str.replace(r"\s+00:00(:00(\.0+)?)?$", "", regex=True)
               .str.replace(_DATE_SEPARATORS, "-", regex=True).str.rstrip("日").str.strip())
    parsed = pd.to_datetime(cleaned, format="%Y-%m-%d", errors="coerce")
    serial = cleaned.str.fullmatch(r"\d{5}(\.0+)?") & parsed.isna()
    if serial.any():
        days = pd.to_numeric(cleaned[serial], errors="coerce")
        parsed.loc[serial] = pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D")
    return parsed


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


def build_problem(tables: Mapping[str, pd.DataFrame], rules: Rules, source: str = "", *,
                  labels: Mapping[str, str] | None = None) -> Problem:
    """Validate raw tables and build the Problem, or raise InputError with every issue found.

    `tables` maps file stems to DataFrames (English or Chinese headers; optional tables may be absent).
    `labels` maps stems to what the user calls the table (e.g. 'households.csv' or sheet '联系户'); default
    '<stem>.csv'.
    """
    attr_labels = {stem: str(frame.attrs["label"]) for stem, frame in tables.items()
                   if isinstance(frame, pd.DataFrame) and frame.attrs.get("label")}
    check = _Checker({**attr_labels, **(labels or {})})
    texts: dict[str, pd.DataFrame] = {}
    rows: dict[str, np.ndarray] = {}
    typed: dict[str, pd.DataFrame] = {}
    for spec in TABLES:
        raw = tables.get(spec.stem)
        if raw is None:
            if spec.required:
                check.add(spec.stem, None, None, f"缺少必需的表：{spec.zh}（{spec.file}）",
                          f"missing required table: {spec.stem} ({spec.file})")
            continue
        if not isinstance(raw, pd.DataFrame):
            check.add(spec.stem, None, None, f"表 {spec.zh} 无法读取", f"table {spec.stem} is not a table")
            continue
        prepared = _prepare_table(check, spec, raw)
        if prepared is None:
            continue
        text, table_rows = prepared
        if spec.required and len(text) == 0:
            check.add(spec.stem, None, None, f"表 {spec.zh}（{spec.stem}）没有数据，至少需要一行",
                      f"table {spec.stem} is empty; at least one row is required")
        texts[spec.stem], rows[spec.stem] = text, table_rows
        typed[spec.stem] = pd.DataFrame({col.name: _convert_column(check, spec, col, text[col.name], table_rows)
                                         for col in spec.columns}, index=text.index)
        if spec.id_column:
            _check_duplicates(check, spec, spec.id_column, text[spec.id_column], table_rows)
        if "lat" in spec.names and "lon" in spec.names:
            _check_coordinate_pairs(check, spec, text, table_rows)

    id_index = {stem: _unique_index(texts[stem][TABLE_BY_STEM[stem].id_column]) for stem in texts
                if TABLE_BY_STEM[stem].id_column}

    def resolve(stem: str, column: str, target: str) -> np.ndarray:
        return _resolve(check, TABLE_BY_STEM[stem], column, texts[stem][column], rows[stem], target,
                        id_index.get(target))

    out: dict[str, pd.DataFrame] = {}
    if "offices" in typed:
        out["offices"] = typed["offices"]
    if "communities" in typed:
        out["communities"] = typed["communities"].assign(office=resolve("communities", "office_id", "offices"))
    if "households" in typed:
        frame = typed["households"].assign(community=resolve("households", "community_id", "communities"))
        frame["priority"] = frame["priority"].fillna(DEFAULT_PRIORITY)
        frame["priority"] = frame["priority"].astype(np.int64)
        office = out["communities"]["office"].to_numpy() if "communities" in out else np.empty(0, dtype=np.int64)
        position = frame["community"].to_numpy()
        known = (position >= 0) & (position < len(office))
        frame["office"] = np.where(known, office[np.where(known, position, 0)] if len(office) else -1, -1)
        frame["office"] = frame["office"].astype(np.int64)
        out["households"] = frame
    if "leaders" in typed:
        out["leaders"] = typed["leaders"]
    if "units" in typed:
        out["units"] = typed["units"]
    if "cadres" in typed:
        frame = typed["cadres"].assign(unit=resolve("cadres", "unit_id", "units"))
        cap = frame["max_households"].to_numpy()
        frame["capacity"] = np.where(np.isnan(cap), rules.assign.cadre_max_households, cap).astype(np.int64)
        out["cadres"] = frame
    if "unavailability" in typed:
        out["unavailability"] = _unavailability(check, typed["unavailability"], texts["unavailability"],
                                                rows["unavailability"], id_index)
    for stem in ("pins", "forbidden"):
        if stem in typed:
            out[stem] = _locks(check, stem, typed[stem], texts[stem], rows[stem], id_index)
    if "pins" in out and "forbidden" in out:
        _pinned_and_forbidden(check, out["pins"], out["forbidden"], rows["forbidden"])
    if "holidays" in typed:
        out["holidays"] = _holidays(check, typed["holidays"], rows["holidays"])

    if check.issues:
        raise InputError(check.issues)
    extras = {"communities": {"office": "int64"}, "households": {"community": "int64", "office": "int64"},
              "cadres": {"unit": "int64", "capacity": "int64"},
              "unavailability": {"person_kind": "str", "person": "int64"},
              "pins": {"subject": "int64", "target": "int64"}, "forbidden": {"subject": "int64", "target": "int64"}}
    for spec in TABLES:
        if spec.stem not in out:
            out[spec.stem] = _empty_frame(spec, extras.get(spec.stem, {}))
        out[spec.stem] = out[spec.stem].reset_index(drop=True)
    return Problem(**out, rules=rules, source=source)


def _unavailability(check: _Checker, frame: pd.DataFrame, text: pd.DataFrame, rows: np.ndarray,
                    id_index: Mapping[str, pd.Index]) -> pd.DataFrame:
    """Resolve person_id against leaders, units and cadres; an id found in two of them is ambiguous."""
    ids = text["person_id"]
    kind = pd.Series([""] * len(ids), index=ids.index, dtype=object)
    person = np.full(len(ids), -1, dtype=np.int64)
    hits = np.zeros(len(ids), dtype=np.int64)
    for person_kind, stem in PERSON_TABLES:
        index = id_index.get(stem)
        if index is None:
            continue
        pos = index.get_indexer(pd.Index(ids))
        found = pos >= 0
        hits += found
        kind[found & (person < 0)] = person_kind
        person = np.where(found & (person < 0), pos, person)
    col = TABLE_BY_STEM["unavailability"].column("person_id")
    zh, en = _col_label(col)
    nonempty = (ids != "").to_numpy()
    unknown = nonempty & (hits == 0)
    if unknown.any():
        check.add_rows("unavailability", rows[unknown], ids[unknown], "person_id",
                       f"{zh} “{{value}}” 不是已知的区级领导、区直单位或党员干部编号",
                       f"{en} '{{value}}' is not a known leader, unit or cadre id")
    ambiguous = hits > 1
    if ambiguous.any():
        check.add_rows("unavailability", rows[ambiguous], ids[ambiguous], "person_id",
                       f"{zh} “{{value}}” 同时是多类人员的编号，无法区分，请使用不重复的编号",
                       f"{en} '{{value}}' is the id of more than one kind of person; use distinct ids")
    start, end = frame["start"], frame["end"]
    inverted = (start.notna() & end.notna() & (start > end)).to_numpy()
    if inverted.any():
        shown = [f"{s:%Y-%m-%d} > {e:%Y-%m-%d}" for s, e in zip(start[inverted], end[inverted], strict=True)]
        check.add_rows("unavailability", rows[inverted], shown, "start",
                       "“开始日期”（start）晚于“结束日期”（end）：{value}", "start is after end: {value}")
    out = frame.copy()
    out["start"] = _to_dates(start)
    out["end"] = _to_dates(end)
    out["person_kind"] = kind.astype("str")
    out["person"] = person
    return out


def _locks(check: _Checker, stem: str, frame: pd.DataFrame, text: pd.DataFrame, rows: np.ndarray,
           id_index: Mapping[str, pd.Index]) -> pd.DataFrame:
    """Resolve subject/target per lock kind (leader→office, unit→community, cadre→household)."""
    subject = np.full(len(frame), -1, dtype=np.int64)
    target = np.full(len(frame), -1, dtype=np.int64)
    spec = TABLE_BY_STEM[stem]
    for kind, (subject_table, target_table) in LOCK_TARGETS.items():
        mask = (frame["kind"] == kind).to_numpy()
        if not mask.any():
            continue
        for column, table, out_array in (("subject_id", subject_table, subject), ("target_id", target_table, target)):
            out_array[mask] = _resolve(check, spec, column, text[column][mask], rows[mask], table,
                                       id_index.get(table))
    out = frame.copy()
    out["subject"] = subject
    out["target"] = target
    return out


def _pinned_and_forbidden(check: _Checker, pins: pd.DataFrame, forbidden: pd.DataFrame, rows: np.ndarray) -> None:
    """A pair both pinned and forbidden is a contradiction in the input itself, reported on the forbidden row."""
    keys = ["kind", "subject_id", "target_id"]
    pinned = pd.MultiIndex.from_frame(pins[keys].astype(object))
    both = pd.MultiIndex.from_frame(forbidden[keys].astype(object)).isin(pinned) & (forbidden["kind"] != "").to_numpy()
    if both.any():
        shown = [f"{k} {s} → {t}" for k, s, t in forbidden.loc[both, keys].itertuples(index=False)]
        check.add_rows("forbidden", rows[both], shown, "subject_id",
                       f"结对 {{value}} 同时出现在锁定结对表（{check.label('pins')}）和禁止结对表中",
                       f"pair {{value}} is both pinned ({check.label('pins')}) and forbidden")


def _holidays(check: _Checker, frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    dates = frame["date"]
    dup = (dates.duplicated(keep="first") & dates.notna()).to_numpy()
    if dup.any():
        check.add_rows("holidays", rows[dup], [f"{d:%Y-%m-%d}" for d in dates[dup]], "date",
                       "“日期”（date）{value} 重复出现", "date {value} appears more than once")
    out = frame.copy()
    out["date"] = _to_dates(dates)
    return out


def _to_dates(series: pd.Series) -> pd.Series:
    """datetime64 → object column of datetime.date (None when missing), as the Problem promises."""
    return pd.Series([None if pd.isna(v) else v.date() for v in series], index=series.index, dtype=object)
