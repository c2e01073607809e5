"""Headers and codes as users mean them: which contract column each header names (English in any case, or the
template's Chinese), repeated headers found rather than renamed away, and ids, codes, numbers and dates freed of
what users cannot see.

Choice (README "Input hygiene"): every cell except free text (names, reasons) is normalised — Unicode NFKC
(full-width letters, digits and spaces become plain ones), control and invisible format characters (BOM,
zero-width space/joiner, word joiner, soft hyphen, direction marks, newline, tab) removed, outer spaces trimmed —
the same way in every table and every reference column, so an id means what it shows. Two ids that differ only
by such characters become one id and are reported as duplicates, naming the file and row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import pandas as pd

from planner.errors import Issue
from planner.io.limits import MAX_COLUMNS
from planner.model import TableSpec


def normalize_header(name: object) -> str:
    """Trim a header and drop a required-marker star, so '社区编号*' and ' community_id ' both match."""
    text = normalize_code(str(name)).rstrip("*＊").strip()
    return text


_MANGLED = re.compile(r"^(.*)\.(\d+)$")  # pandas' name for a repeated header: name, name.1, name.2


def _header_lookup(spec: TableSpec) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for col in spec.columns:
        lookup[col.name.lower()] = col.name
        lookup[col.zh.lower()] = col.name
    return lookup


def header_positions(columns: Sequence[object], spec: TableSpec) -> tuple[dict[str, list[int]], list[str]]:
    """Where each contract column is in a header: {name: [positions]} (two positions = a duplicate or an English
    and a Chinese header for the same column), and the headers that name no column (ignored). Linear in the
    header's width."""
    lookup = _header_lookup(spec)
    found: dict[str, list[int]] = {}
    unknown: list[str] = []
    for position, raw in enumerate(columns):
        header = normalize_header(raw)
        key = lookup.get(header.lower())
        if key is None and (match := _MANGLED.match(header)) and match.group(1).lower() in lookup:
            key = lookup[match.group(1).lower()]  # a frame pandas read itself: 'name.1' is a second 'name'
        if key is None:
            unknown.append(header)
        else:
            found.setdefault(key, []).append(position)
    return found, unknown


def header_issues(columns: Sequence[object], spec: TableSpec, label: str) -> list[Issue]:
    """A header wider than the limit, or naming one column twice: the table cannot be read unambiguously."""
    if len(columns) > MAX_COLUMNS.value():
        return [Issue(label, 1, None, f"表头有 {len(columns)} 列，超过上限 {MAX_COLUMNS.value()} 列（{MAX_COLUMNS.env}）",
                      f"the header has {len(columns)} columns, more than the limit of {MAX_COLUMNS.value()} "
                      f"({MAX_COLUMNS.env})")]
    found, _ = header_positions(columns, spec)
    issues = []
    for name, positions in found.items():
        if len(positions) > 1:
            col = spec.column(name)
            shown = "、".join(f"第{p + 1}列“{columns[p]}”" for p in positions)
            shown_en = ", ".join(f"column {p + 1} '{columns[p]}'" for p in positions)
            zh, en = f"“{col.zh}”（{col.name}）", f"'{col.name}' ({col.zh})"
            issues.append(Issue(label, 1, name, f"表头中 {zh} 出现了 {len(positions)} 次（{shown}），无法确定使用哪一列",
                                f"the header names {en} {len(positions)} times ({shown_en}); keep one"))
    return issues


def rename_columns(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Map English (any case) or the template's Chinese headers onto the contract's English names; the first of
    repeated headers wins (`header_issues` reports the repeat)."""
    found, _ = header_positions(list(frame.columns), spec)
    picked = sorted((positions[0], name) for name, positions in found.items())
    out = frame.iloc[:, [p for p, _ in picked]]
    out.columns = [name for _, name in picked]
    return out


# -- ids: what users cannot see must not make two ids differ ------------------------------------------------------
_PRINTABLE_ASCII = r"[\x20-\x7e]*"
_INVISIBLE = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))  # control, format (BOM, zero-width), surrogates, separators


def normalize_code(text: str) -> str:
    """An id, code, number or date cell as users mean it: Unicode NFKC (full-width letters, digits and spaces
    become plain ones), control and invisible format characters (BOM, zero-width space, newline, tab) removed,
    outer spaces trimmed."""
    if text.isascii() and text.isprintable():
        return text.strip()
    cleaned = "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch) not in _INVISIBLE)
    return cleaned.strip()


def normalize_codes(text: pd.Series) -> pd.Series:
    """`normalize_code` on a column; plain ASCII cells (nearly all) are left alone, vectorised."""
    odd = ~text.str.fullmatch(_PRINTABLE_ASCII).fillna(False).astype(bool)
    if not odd.any():
        return text
    out = text.copy()
    out[odd] = text[odd].map(normalize_code)
    return out
