"""Spreadsheet safety: no cell a spreadsheet could run as a formula (CSV injection), UTF-8 with BOM.

A text cell starting with = + - @ TAB or CR gets a leading apostrophe, which Excel shows as plain text; reading our
own files back removes it again. Shared by the plan writer and the exporters.

`guard_text`/`unguard_text` are the per-cell definitions; `guard_column`/`unguard_column` do the same to a whole
column with pandas string methods (a district plan has ~1 M cells: per-cell `Series.map` was most of the I/O time).
A property test holds the column versions to the per-cell ones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_STARTS = frozenset(FORMULA_START)
GUARD = "'"
# A guarded cell as a regular expression (anchored by str.match): the apostrophe, then a formula start.
_GUARDED = GUARD + "[" + "".join("\\" + c if c in "-\\]^" else c for c in FORMULA_START) + "]"


def guard_text(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return GUARD + value
    return value


def unguard_text(value: object) -> object:
    if isinstance(value, str) and len(value) > 1 and value[0] == GUARD and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def guard_cells(values: list[object]) -> list[object]:
    """Spreadsheet cells from plain values: `guard_text` each, and None for missing values and empty text (both
    blank in a sheet). One pass with a first-character test: the exporters' columns are short object lists, where
    pandas' str methods cost more than they save."""
    out: list[object] = []
    append = out.append
    for v in values:
        if isinstance(v, str):
            append((GUARD + v if v[0] in _STARTS else v) if v else None)
        elif v is None or v is pd.NA or (isinstance(v, float) and v != v):
            append(None)
        else:
            append(v)
    return out


def _replace_hits(column: pd.Series, hit: pd.Series, change: Callable[[str], str]) -> pd.Series:
    """Apply `change` to the (few) hit cells that are real str values, positionally (duplicate index labels are
    fine); everything else, and the dtype, stays as it was."""
    positions = np.flatnonzero(hit.to_numpy(dtype=bool))
    values = column.to_numpy(dtype=object, copy=True)
    for i in positions:
        value = values[i]
        if isinstance(value, str):   # pandas' str methods also answer for bytes; the per-cell rule does not
            values[i] = change(value)
    return pd.Series(values, index=column.index, name=column.name,
                     dtype=column.dtype if pd.api.types.is_string_dtype(column.dtype) else object)


def guard_column(column: pd.Series) -> pd.Series:
    """`column.map(guard_text)` for a whole column at once: the column itself if nothing starts with a formula
    character (the usual case), else a copy with those cells guarded."""
    try:
        hit = column.str.startswith(FORMULA_START, na=False)
    except (AttributeError, TypeError):   # no text in it at all (.str refuses): nothing to guard
        return column
    hit = hit.fillna(False).astype(bool)
    if not hit.any():
        return column
    return _replace_hits(column, hit, lambda v: GUARD + v)


def unguard_column(column: pd.Series) -> pd.Series:
    """`column.map(unguard_text)` for a whole column at once."""
    try:
        hit = column.str.match(_GUARDED, na=False)
    except (AttributeError, TypeError):
        return column
    hit = hit.fillna(False).astype(bool)
    if not hit.any():
        return column
    return _replace_hits(column, hit, lambda v: v[1:])


def guard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Guard text columns only: numbers and dates stay numbers and dates."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = guard_column(out[column])
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM so that Excel on Chinese Windows opens it correctly; formula-guarded."""
    guard_frame(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
