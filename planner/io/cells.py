"""Cells as the user typed them → text, numbers' text form, and dates (ISO, 2027/3/1, 2027年3月1日, Excel serials).

The first step of validation (planner.io.validate): everything arrives as text from the reader or typed from
`Problem.raw_tables()`, and must end as the same canonical text before a column is converted.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

import pandas as pd


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
