"""Hostile values per column type, written as CSV into the tiny district and uploaded as the app would: the
result is an InputError or a valid Problem whose values are in range and whose ids are normalised, never another
exception. A few extreme-but-allowed instances are solved and checked by the independent checker."""

from __future__ import annotations

import io
import math
import unicodedata
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.check import check_plan
from planner.errors import InputError
from planner.io.read import read_upload_problem
from planner.model import MAX_HOUSEHOLDS_PER_CADRE, TABLE_BY_STEM
from planner.problem import Problem
from planner.rules import MAX_WEIGHT, RULE_RANGES
from planner.solve import solve_plan
from tests.fixtures import TINY_YEAR, tiny_tables

INVISIBLE = st.sampled_from(["\ufeff", "\u200b", "\u200d", "\u2060", "\n", "\t", "\r", "\x00", "\x07", "\u3000",
                             "\u00a0", "\u202e", "\u2028", "\u00ad"])
NUMBERS = st.one_of(
    st.integers(-(2**80), 2**80).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e30", "-1e30", "1e400", "nan", "NaN", "inf", "-inf", "Infinity", "-0", "0x10", "1_000",
                     "３", "1,5", "9223372036854775808", "-9223372036854775809", "4.5", "  7  "]),
)
JUNK = st.one_of(st.text(max_size=8), st.just(""), st.just(" "), st.text(INVISIBLE, min_size=1, max_size=3))


def cell_values(column_type: str, original: str) -> st.SearchStrategy[str]:
    """Hostile text for one cell: numbers of every kind, junk, and the original value with invisible characters
    or full-width forms mixed in (which must still mean the original)."""
    salted = st.tuples(INVISIBLE, st.integers(0, len(original))).map(
        lambda t: original[:t[1]] + t[0] + original[t[1]:])
    fullwidth = st.just("".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in original))
    if column_type in ("int", "float"):
        return st.one_of(NUMBERS, JUNK, salted)
    return st.one_of(JUNK, NUMBERS, salted, fullwidth)


def _zip(tables: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for stem, frame in tables.items():
            archive.writestr(f"{stem}.csv", frame.to_csv(index=False).encode("utf-8"))
        archive.writestr("rules.toml", f"year = {TINY_YEAR}\n")
    return buffer.getvalue()


EDIT = st.sampled_from(sorted(tiny_tables())).flatmap(
    lambda stem: st.tuples(st.just(stem), st.integers(0, 19), st.sampled_from(TABLE_BY_STEM[stem].names)))


def _assert_sane(problem: Problem) -> None:
    """What a Problem promises the engines: ids free of invisible characters, numbers finite and in range."""
    for spec in TABLE_BY_STEM.values():
        frame = getattr(problem, spec.stem)
        for col in spec.columns:
            if col.type in ("id", "ref") and col.name in frame:
                for value in frame[col.name].astype(str):
                    assert value == value.strip() and all(unicodedata.category(c)[0] != "C" for c in value), value
            if col.type in ("int", "float") and col.name in frame and len(frame):
                values = frame[col.name].to_numpy(dtype=float)
                known = values[~np.isnan(values)]
                assert np.isfinite(known).all()
                assert col.minimum is None or (known >= col.minimum).all()
                assert col.maximum is None or (known <= col.maximum).all()
        if {"lat", "lon"} <= set(frame.columns) and len(frame):
            assert (frame["lat"].isna() == frame["lon"].isna()).all()
    assert (problem.cadres["capacity"] <= MAX_HOUSEHOLDS_PER_CADRE).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), edits=st.lists(EDIT, min_size=1, max_size=3))
def test_hostile_cells_give_input_error_or_a_sane_problem(data: st.DataObject,
                                                          edits: list[tuple[str, int, str]]) -> None:
    tables = {stem: frame.astype(object).where(frame.notna(), "").astype(str) for stem, frame in tiny_tables().items()}
    for stem, row, column in edits:
        frame = tables[stem]
        row %= len(frame)
        col_type = TABLE_BY_STEM[stem].column(column).type
        frame.loc[row, column] = data.draw(cell_values(col_type, str(frame.loc[row, column])))
    try:
        problem = read_upload_problem("data.zip", _zip(tables))
    except InputError as exc:
        assert exc.issues and all(i.message_zh and i.message_en for i in exc.issues)
    else:
        _assert_sane(problem)


EXTREMES = [
    pytest.param({"weights": dict.fromkeys(("continuity", "priority", "distance", "balance", "unit_one_office",
                                            "linkage"), MAX_WEIGHT),
                  "assign": {"between_office_km": 20_000, "linkage": "prefer"}}, True, id="weights_at_max_far_apart"),
    pytest.param({"weights": dict.fromkeys(("continuity", "priority", "distance", "balance", "unit_one_office",
                                            "linkage"), 0)}, False, id="weights_zero"),
    pytest.param({"assign": {"cadre_max_households": MAX_HOUSEHOLDS_PER_CADRE, "candidate_cadres": RULE_RANGES["assign.candidate_cadres"][1]}}, False,
                 id="capacity_and_candidates_at_max"),
]


@pytest.mark.parametrize(("changes", "spread"), EXTREMES)
def test_extreme_allowed_rules_solve_and_check(changes: dict[str, object], spread: bool) -> None:
    """The largest allowed weights, with points on opposite sides of the globe, still fit the solvers."""
    tables = tiny_tables()
    if spread:
        tables["units"] = tables["units"].assign(lat=[89.9, -89.9, 0.0], lon=[179.9, -179.9, 0.0])
        tables["households"] = tables["households"].assign(lat=-tables["households"]["lat"],
                                                           lon=tables["households"]["lon"] - 180)
        tables["cadres"] = tables["cadres"].assign(max_households=[MAX_HOUSEHOLDS_PER_CADRE] + [None] * 7)
    buffer = _zip(tables)
    problem = read_upload_problem("data.zip", buffer, overrides={"solver": {"time_limit": 5.0}, **changes})
    plan = solve_plan(problem)
    assert check_plan(problem, plan) == []
    assert math.isfinite(float(plan.report.get("seconds", 0)))


def _valid_uploads() -> dict[str, bytes]:
    import tempfile
    from pathlib import Path

    from tests.io import hostile

    with tempfile.TemporaryDirectory() as folder:
        book = hostile.workbook(Path(folder)).read_bytes()
    return {"data.zip": _zip(tiny_tables()), "data.xlsx": book}


UPLOADS = _valid_uploads()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(UPLOADS)), flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True),
                                                                        st.integers(0, 255)), min_size=1, max_size=8),
       cut=st.one_of(st.none(), st.floats(0, 1)))
def test_corrupted_archives_give_input_error_or_a_problem(name: str, flips: list[tuple[float, int]],
                                                          cut: float | None) -> None:
    """Bytes flipped or cut anywhere in an uploaded zip or workbook (headers, compressed streams, the end record):
    an InputError or a Problem, never zlib.error, struct.error, KeyError or a reader's own exception."""
    data = bytearray(UPLOADS[name])
    for where, value in flips:
        data[int(where * len(data))] = value
    if cut is not None:
        data = data[: int(cut * len(data))]
    try:
        read_upload_problem(name, bytes(data))
    except InputError as exc:
        assert exc.issues
