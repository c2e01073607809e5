"""Spreadsheet safety: no cell a spreadsheet could run as a formula (CSV injection), UTF-8 with BOM.

A text cell starting with = + - @ TAB or CR gets a leading apostrophe, which Excel shows as plain text; reading our
own files back removes it again. Shared by the plan writer and the exporters.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_text(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unguard_text(value: object) -> object:
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def guard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Guard text columns only: numbers and dates stay numbers and dates."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(guard_text)
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM so that Excel on Chinese Windows opens it correctly; formula-guarded."""
    guard_frame(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
