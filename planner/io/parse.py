"""Bytes and sheets → text tables: CSV encodings and separators, headers kept verbatim, the rules sheet.

CSV encodings: UTF-8 with or without BOM, GB18030/GBK (what Excel writes on Chinese Windows), UTF-16 with BOM
(Excel's "Unicode text"); comma-, tab- or semicolon-separated. Headers are read as the first row, not by pandas'
header logic, which would rename a repeated `name` to `name.1` and so hide it.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import tomllib
from typing import Any

import pandas as pd

from planner.errors import InputError, Issue
from planner.io import limits
from planner.io.normalize import normalize_code, normalize_header
from planner.rules import RULES_NOT_UTF8_EN, RULES_NOT_UTF8_ZH, Rules, rules_from_dict

RULES_KEY_HEADERS = ("key", "规则项")
RULES_VALUE_HEADERS = ("value", "值")


def csv_encoding(data: bytes) -> str:
    """UTF-16 when it says so, else strict UTF-8 (BOM optional), else GB18030 (a superset of GBK and GB2312).

    Checked incrementally, so a large file is never held twice as text. Raises UnicodeDecodeError when none fits.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    view = memoryview(data)
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(view), limits.CHUNK):
                decoder.decode(view[start:start + limits.CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if encoding == "gb18030":
                raise exc
            continue
        return encoding
    raise AssertionError("unreachable")  # pragma: no cover


def decode_csv(data: bytes) -> str:
    """The bytes of a CSV as text (see `csv_encoding`)."""
    return data.decode(csv_encoding(data))


def _separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", "\t", ";")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def _header_line(data: bytes, encoding: str) -> tuple[str, bool]:
    """The first line of the file, and whether it ends within the first MB (no sane header is longer)."""
    head = data[:limits.MB].decode(encoding, errors="ignore")
    end = head.find("\n")
    if end < 0:
        return head, len(data) <= limits.MB
    return head[:end], True


def parse_csv(data: bytes, label: str) -> tuple[pd.DataFrame | None, Issue | None]:
    """Bytes → all-text DataFrame (blank lines kept, so row numbers match Excel), or an Issue saying why not.

    The header is taken verbatim (pandas would rename a second `name` to `name.1`, hiding the duplicate), and a
    header wider than the column limit is refused before anything is parsed.
    """
    if len(data) > limits.MAX_FILE.value():
        return None, limits.too_big(label, len(data))
    try:
        encoding = csv_encoding(data)
    except UnicodeDecodeError:
        return None, Issue(label, None, None, "无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV",
                           "unreadable encoding: save the file as UTF-8 or GBK CSV")
    header, whole = _header_line(data, encoding)
    sep = _separator(header)
    width = header.count(sep) + 1
    if not whole:
        return None, Issue(label, 1, None, "表头（第一行）超过 1 MB，不是有效的表头",
                           "the header (first line) is longer than 1 MB: not a valid header")
    if width > limits.MAX_COLUMNS.value():
        return None, Issue(label, 1, None,
                           f"表头过宽（{width} 列），上限 {limits.MAX_COLUMNS.value()} 列（{limits.MAX_COLUMNS.env}）",
                           f"header too wide ({width} columns), limit {limits.MAX_COLUMNS.value()} "
                           f"({limits.MAX_COLUMNS.env})")
    newline = "\n".encode("utf-16-le" if encoding == "utf-16" else "ascii")
    size_issue = limits.table_size_issue(label, data.count(newline), width)
    if size_issue is not None:
        return None, size_issue
    try:
        raw = pd.read_csv(io.BytesIO(data), header=None, dtype=str, keep_default_na=False, na_filter=False,
                          skip_blank_lines=False, sep=sep, quoting=csv.QUOTE_MINIMAL, encoding=encoding)
    except pd.errors.EmptyDataError:
        return pd.DataFrame(), None
    except (pd.errors.ParserError, ValueError, csv.Error, UnicodeDecodeError) as exc:
        return None, Issue(label, None, None, f"CSV 格式有误：{exc}", f"malformed CSV: {exc}")
    return promote_header(raw), None


def promote_header(raw: pd.DataFrame) -> pd.DataFrame:
    """First row → column names, kept verbatim (duplicates included); the rest → data, row 2 onwards."""
    if raw.empty:
        return pd.DataFrame()
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = pd.Index(["" if pd.isna(v) else str(v) for v in raw.iloc[0].tolist()], dtype=object)
    return frame


def _toml_value(text: str) -> Any:
    """A rules-sheet cell as TOML would read it (numbers, true/false, quoted text); bare words stay text."""
    lowered = text.strip()
    if lowered in ("是", "TRUE", "True"):
        return True
    if lowered in ("否", "FALSE", "False"):
        return False
    try:
        return tomllib.loads(f"v = {lowered}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return lowered


def rules_from_sheet(frame: pd.DataFrame, label: str) -> Rules:
    """A key/value sheet (dotted keys) → Rules; rows with an empty value keep the default. Issues name the row."""
    positions: dict[str, list[int]] = {}
    for position, column in enumerate(frame.columns):
        positions.setdefault(normalize_header(column).lower(), []).append(position)
    found = [[p for h in names for p in positions.get(h, [])] for names in (RULES_KEY_HEADERS, RULES_VALUE_HEADERS)]
    if any(len(columns) != 1 for columns in found):
        raise InputError([Issue(label, 1, None, "规则表须有且只有一列“规则项”（key）和一列“值”（value）",
                                "the rules sheet needs exactly one column key and one column value")])
    data: dict[str, Any] = {}
    issues: list[Issue] = []
    row_of: dict[str, int] = {}
    keys, values = frame.iloc[:, found[0][0]], frame.iloc[:, found[1][0]]
    for position, (key, value) in enumerate(zip(keys, values, strict=True)):
        key, value = normalize_code(str(key)), str(value).strip()
        if not key or not value or value.lower() == "nan":
            continue
        if key in row_of:
            issues.append(Issue(label, position + 2, key, f"规则项 “{key}” 重复（与第{row_of[key]}行相同）",
                                f"rule '{key}' given twice (also row {row_of[key]})"))
            continue
        row_of[key] = position + 2
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
    try:
        rules = rules_from_dict(data, label)
    except InputError as exc:
        issues.extend(dataclasses.replace(i, row=row_of.get(i.column or "", i.row)) for i in exc.issues)
    if issues:
        raise InputError(issues)
    return rules


def rules_from_bytes(content: bytes, label: str) -> Rules:
    if len(content) > limits.MAX_RULES.value():
        raise InputError([limits.too_big(label, len(content), limits.MAX_RULES)])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([Issue(label, None, None, RULES_NOT_UTF8_ZH, RULES_NOT_UTF8_EN)]) from exc
    return Rules.from_toml(text + "\n", label)
