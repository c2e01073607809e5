"""Garbage in, InputError out: no other exception escapes reading or validation."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from planner.errors import InputError
from planner.io.read import read_upload_problem
from planner.io.validate import build_problem
from planner.rules import Rules
from tests.fixtures import TINY_YEAR, tiny_tables


def _all_tables() -> dict[str, pd.DataFrame]:
    """tiny_tables plus one row in every optional table, so their columns get fuzzed too."""
    tables = tiny_tables()
    tables["unavailability"] = pd.DataFrame({"person_id": ["G1"], "start": ["2026-03-02"], "end": ["2026-03-06"],
                                             "reason": [""]})
    tables["pins"] = pd.DataFrame({"kind": ["cadre_household"], "subject_id": ["G1"], "target_id": ["H01"]})
    tables["forbidden"] = pd.DataFrame({"kind": ["leader_office"], "subject_id": ["L1"], "target_id": ["Z01"]})
    tables["holidays"] = pd.DataFrame({"date": ["2026-10-10"], "kind": ["workday"]})
    return tables


TABLE_NAMES = sorted(_all_tables())
CELLS = st.one_of(
    st.text(max_size=12), st.none(), st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "nan", "NaN", "None", "=1+1", "0001", "1e400", "2026-02-30", "区委书记", "\ufeff", "∞"]),
    st.booleans(), st.dates(), st.datetimes(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.sampled_from(TABLE_NAMES), st.integers(0, 30), st.integers(0, 6), CELLS),
                      min_size=1, max_size=6))
@example(edits=[("communities", 0, 0, ""), ("communities", 1, 0, "")])  # found once: empty duplicate ids
def test_garbage_cells_never_crash(edits: list[tuple[str, int, int, object]]) -> None:
    tables = {name: frame.astype(object) for name, frame in _all_tables().items()}
    for name, row, col, value in edits:
        frame = tables[name]
        frame.iat[row % len(frame), col % frame.shape[1]] = value
    try:
        problem = build_problem(tables, Rules(year=TINY_YEAR))
    except InputError as exc:
        assert exc.issues and all(i.message_zh and i.message_en for i in exc.issues)
    else:
        assert problem.n_households <= 20  # a fully blanked row is skipped, not an error


@settings(max_examples=40, deadline=None)
@given(header=st.lists(st.text(max_size=8), max_size=5), body=st.binary(max_size=200))
def test_garbage_csv_bytes_never_crash(header: list[str], body: bytes) -> None:
    data = (",".join(header) + "\n").encode("utf-8", "surrogatepass") + body
    try:
        read_upload_problem("households.csv", data)
    except InputError as exc:
        assert exc.issues


@settings(max_examples=25, deadline=None)
@given(columns=st.lists(st.text(max_size=6), min_size=1, max_size=4, unique=True),
       rows=st.integers(0, 3))
def test_garbage_headers_never_crash(columns: list[str], rows: int) -> None:
    tables = tiny_tables()
    tables["cadres"] = pd.DataFrame([["x"] * len(columns)] * rows, columns=columns)
    try:
        build_problem(tables, Rules(year=TINY_YEAR))
    except InputError as exc:
        assert any(i.file == "cadres.csv" for i in exc.issues)
