"""The column-wise guard/unguard must be the per-cell definitions, value for value and byte for byte in the CSV."""

from __future__ import annotations

import io
import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.io.safe import FORMULA_START, guard_cells, guard_column, guard_text, unguard_column, unguard_text

# Text biased towards the interesting starts: formula characters, apostrophes, both, and empty strings.
_starts = st.sampled_from(["", "'", "''", *FORMULA_START, *("'" + c for c in FORMULA_START), "a", "中"])
texts = st.builds(lambda head, tail: head + tail, _starts, st.text(max_size=6))
cells = st.one_of(texts, st.none(), st.just(math.nan), st.integers(-5, 5), st.floats(allow_nan=False),
                  st.just(b"=x"), st.just(pd.NA))


def _missing(a: object) -> bool:
    return a is None or a is pd.NA or (isinstance(a, float) and math.isnan(a))


def _same(a: object, b: object) -> bool:
    """Equal value and type; missing values (None, NaN, NA) are all alike: the per-cell `map` re-infers dtypes."""
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    return type(a) is type(b) and a == b


def _csv(series: pd.Series) -> str:
    buffer = io.StringIO()
    series.to_frame("x").to_csv(buffer, index=False)
    return buffer.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.lists(cells, max_size=12))
def test_object_columns_match_the_per_cell_rules(values: list[object]) -> None:
    column = pd.Series(values, dtype=object)
    for vectorised, per_cell in ((guard_column, guard_text), (unguard_column, unguard_text)):
        # element by element, without Series.map's dtype re-inference (which turned [None, 0] into [NaN, 0.0])
        expected = pd.Series([per_cell(v) for v in values], dtype=object)
        got = vectorised(column)
        assert len(got) == len(expected)
        assert all(_same(a, b) for a, b in zip(got.tolist(), expected.tolist(), strict=True))
        assert _csv(got) == _csv(expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(texts, st.none()), max_size=12), st.sampled_from(["str", "string"]))
def test_string_columns_match_the_per_cell_rules(values: list[str | None], dtype: str) -> None:
    """read_plan reads every column as pandas' str dtype; the guard sees str, string and object columns."""
    column = pd.Series(values, dtype=dtype, index=[3] * len(values))  # duplicate labels: positions must rule
    for vectorised, per_cell in ((guard_column, guard_text), (unguard_column, unguard_text)):
        expected = [v if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else per_cell(v)
                    for v in column.tolist()]
        got = vectorised(column).tolist()
        assert [None if pd.isna(v) else v for v in got] == [None if pd.isna(v) else v for v in expected]


def test_round_trip_and_untouched_columns_are_returned_as_is() -> None:
    column = pd.Series(["=SUM(A1)", "-3", "plain", "@x", "\tx", None])
    guarded = guard_column(column)
    assert guarded.tolist()[:5] == ["'=SUM(A1)", "'-3", "plain", "'@x", "'\tx"]
    assert unguard_column(guarded).tolist()[:5] == column.tolist()[:5]
    assert unguard_column(pd.Series(["'-3", "'x", "'"])).tolist() == ["-3", "'x", "'"]  # as unguard_text
    plain = pd.Series(["a", "b"])
    assert guard_column(plain) is plain
    numbers = pd.Series([1, 2])
    assert guard_column(numbers) is numbers and unguard_column(numbers) is numbers


@settings(max_examples=300, deadline=None)
@given(st.lists(cells, max_size=12))
def test_sheet_cells_are_guarded_like_single_cells(values: list[object]) -> None:
    expected = [None if _missing(v) or v == "" else guard_text(v) for v in values]
    assert all(_same(a, b) for a, b in zip(guard_cells(values), expected, strict=True))
