"""Any small generated demo district validates, in memory and after a trip through its CSV folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.demo import demo_tables, generate_demo
from planner.io.read import read_problem
from planner.io.validate import build_problem
from planner.rules import Rules


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000), year=st.sampled_from([2025, 2026, 2027]))
def test_small_demo_validates(seed: int, year: int) -> None:
    tables, _ = demo_tables("small", seed=seed, year=year)
    problem = build_problem(tables, Rules(year=year))
    assert problem.n_households == len(tables["households"]) > 0
    assert (problem.households["community"] >= 0).all() and (problem.cadres["unit"] >= 0).all()


def test_demo_folder_reads_back_identically(tmp_path: Path) -> None:
    generate_demo(tmp_path / "demo", size="small", seed=3, year=2026)
    from_files = read_problem(tmp_path / "demo")
    tables, _ = demo_tables("small", seed=3, year=2026)
    in_memory = build_problem(tables, Rules(year=2026))
    assert from_files.rules.year == 2026
    for stem in in_memory.counts():
        pd.testing.assert_frame_equal(getattr(in_memory, stem), getattr(from_files, stem), obj=stem)
