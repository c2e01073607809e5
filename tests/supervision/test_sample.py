"""Spot checks: largest-remainder allocation, reproducibility, proportionality, the filled file read back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from planner.errors import InputError
from planner.supervision.sample import allocate, confirmation_rates, draw_sample, read_checks, write_sample
from tests.supervision.helpers import problem, visits


def test_allocate_largest_remainder() -> None:
    counts = pd.Series({"A": 50, "B": 30, "C": 20})
    assert allocate(counts, 10).tolist() == [5, 3, 2]
    assert allocate(counts, 7).tolist() == [4, 2, 1]    # quotas 3.5, 2.1, 1.4 → floors 3, 2, 1; A has the largest rest
    assert allocate(counts, 1000).tolist() == [50, 30, 20]
    assert allocate(pd.Series({"A": 1, "B": 1}), 1).tolist() == [1, 0]   # a tie goes to the smaller id


def _many() -> pd.DataFrame:
    rows = []
    for day in range(5, 30):
        d = f"2026-01-{day:02d}"
        rows += [(d, "cadre", "G1", "household", "household", "H01"), (d, "cadre", "G2", "household", "household",
                                                                         "H02"),
                 (d, "cadre", "G4", "household", "household", "H06"), (d, "cadre", "G7", "household", "household",
                                                                         "H11")]
    rows += [("2026-02-02", "cadre", "G1", "household", "household", "H01")]   # after as-of
    frame = visits(*rows)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def test_sample_is_reproducible_and_proportional() -> None:
    prob = problem()
    frame = _many()                      # U1: 50 visits (G1, G2), U2: 25 (G4), U3: 25 (G7)
    a = draw_sample(frame, date(2026, 1, 31), 8, seed=7, problem=prob)
    b = draw_sample(frame.sample(frac=1, random_state=3), date(2026, 1, 31), 8, seed=7, problem=prob)
    pd.testing.assert_frame_equal(a, b)   # row order of the input does not matter
    units = a["person_id"].map({"G1": "U1", "G2": "U1", "G4": "U2", "G7": "U3"}).value_counts().to_dict()
    assert units == {"U1": 4, "U2": 2, "U3": 2}
    assert (pd.to_datetime(a["date"]) <= "2026-01-31").all()
    assert list(a.columns) == ["date", "person_kind", "person_id", "activity", "target_kind", "target_id",
                               "confirmed", "checked_by", "note"]
    c = draw_sample(frame, date(2026, 1, 31), 8, seed=8, problem=prob)
    assert not a.equals(c)


def test_checks_read_back(tmp_path: Path) -> None:
    prob = problem()
    sample = draw_sample(_many(), date(2026, 1, 31), 4, seed=1, problem=prob)
    sample["confirmed"] = ["是", "no", "yes", ""]
    sample["checked_by"] = "督查组"
    path = write_sample(sample, tmp_path / "checks.csv")
    rates = confirmation_rates(read_checks(path, prob))
    assert int(rates["checked"].sum()) == 3 and int(rates["confirmed"].sum()) == 2
    assert int(rates["pending"].sum()) == 1
    sample["confirmed"] = ["maybe", "", "", ""]
    write_sample(sample, tmp_path / "bad.csv")
    with pytest.raises(InputError) as err:
        read_checks(tmp_path / "bad.csv", prob)
    assert (err.value.issues[0].row, err.value.issues[0].column) == (2, "confirmed")
