"""Synthetic districts: deterministic, sized as promised, valid input, and feasible by construction."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.demo import CAPACITY_SLACK, SIZES, demo_tables, generate_demo
from planner.io.validate import build_problem
from planner.model import TABLES
from planner.rules import Rules, next_year
from planner.workdays import work_calendar

YEAR = 2027  # not covered by the published table: exercises the estimated holidays.csv


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo_small")
    generate_demo(out, "small", seed=0, year=YEAR)
    return out


@pytest.fixture(scope="module")
def district() -> tuple[dict[str, pd.DataFrame], object]:
    return demo_tables("district", seed=3, year=YEAR)


def test_same_seed_same_bytes(small: Path, tmp_path: Path) -> None:
    generate_demo(tmp_path, "small", seed=0, year=YEAR)
    files = sorted(p.name for p in small.iterdir())
    assert files == sorted(p.name for p in tmp_path.iterdir())
    for name in files:
        assert (small / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_other_seed_other_data(small: Path, tmp_path: Path) -> None:
    generate_demo(tmp_path, "small", seed=1, year=YEAR)
    assert (small / "households.csv").read_bytes() != (tmp_path / "households.csv").read_bytes()


def test_files_have_bom_and_exact_columns(small: Path) -> None:
    for spec in TABLES:
        raw = (small / spec.file).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), spec.file
        header = raw[3:].split(b"\n", 1)[0].decode("utf-8")
        assert tuple(header.split(",")) == spec.names, spec.file
    assert "year = 2027" in (small / "rules.toml").read_text(encoding="utf-8")
    assert Rules.from_toml(small / "rules.toml").year == YEAR


def test_default_year_is_rules_default(tmp_path: Path) -> None:
    generate_demo(tmp_path, "small", seed=0)
    assert Rules.from_toml(tmp_path / "rules.toml").year == next_year() == Rules().year


def test_counts_returned_match_files(small: Path, tmp_path: Path) -> None:
    counts = generate_demo(tmp_path, "small", seed=0, year=YEAR)
    for stem, n in counts.items():
        assert len(pd.read_csv(small / f"{stem}.csv", encoding="utf-8-sig")) == n


@pytest.mark.parametrize("size", ["small", "district"])
def test_sizes_roughly_as_specified(size: str) -> None:
    tables, _ = demo_tables(size, seed=0, year=YEAR)
    s = SIZES[size]
    assert len(tables["households"]) == s.households
    assert len(tables["communities"]) == s.communities
    assert len(tables["units"]) == s.units
    assert len(tables["offices"]) == s.offices
    assert s.cadres * 0.9 <= len(tables["cadres"]) <= s.cadres * 1.2
    assert (tables["offices"]["kind"] == "zone").sum() == 1


def test_small_matches_product_card() -> None:
    tables, _ = demo_tables("small", seed=0, year=YEAR)
    assert len(tables["households"]) == 300
    assert 4 <= (tables["offices"]["kind"] == "office").sum() <= 5
    assert 15 <= len(tables["communities"]) <= 25
    assert 70 <= len(tables["cadres"]) <= 110
    assert 10 <= len(tables["leaders"]) <= 14


def test_district_shape(district: tuple[dict[str, pd.DataFrame], object]) -> None:
    tables, _ = district
    hh = tables["households"]
    share3 = (hh["priority"] == 3).mean()
    assert 0.07 <= share3 <= 0.13
    assert set(hh["priority"]) == {1, 2, 3}
    per_community = hh.groupby("community_id").size()
    assert per_community.max() >= 2 * per_community.min()            # uneven sizes
    leaders = tables["leaders"]
    assert (leaders["tier"] == "secretary").sum() == 1 and (leaders["tier"] == "head").sum() == 1
    assert (leaders["tier"] == "standing").sum() >= 3
    assert len(leaders) >= len(tables["offices"]) + 5
    cadres = tables["cadres"]
    assert (cadres["rank"] == "head").groupby(cadres["unit_id"]).sum().eq(1).all()   # one head per unit
    explicit = cadres["max_households"].dropna()
    assert len(explicit) > 0 and explicit.between(3, 5).all()
    assert cadres["max_households"].isna().mean() > 0.5
    assert cadres.groupby("unit_id").size().std() > 1                 # varied cadre counts
    una = tables["unavailability"]
    assert 0 < len(una) < 0.1 * (len(cadres) + len(tables["units"]) + len(leaders))
    days = (pd.to_datetime(una["end"]) - pd.to_datetime(una["start"])).dt.days
    assert days.between(4, 11).all()
    assert (pd.to_datetime(una["start"]).dt.year == YEAR).all() and (pd.to_datetime(una["end"]).dt.year == YEAR).all()
    assert not una["person_id"].isin(leaders["leader_id"].iloc[:2]).any()
    assert tables["offices"]["name"].is_unique and tables["communities"]["name"].is_unique
    assert tables["units"]["name"].is_unique


@pytest.mark.parametrize(("size", "seed"), [("small", 0), ("small", 7), ("district", 3), ("city", 11)])
def test_hidden_plan_is_feasible_by_counting(size: str, seed: int) -> None:
    """Under default rules: capacities per unit cover its communities' households; the counts allow every rule."""
    tables, hidden = demo_tables(size, seed=seed, year=YEAR)
    rules = Rules(year=YEAR)
    unit_of_community = hidden.unit_of_community  # type: ignore[attr-defined]
    n_units, n_comm = len(tables["units"]), len(tables["communities"])
    assert n_units <= n_comm
    assert set(unit_of_community) == set(range(n_units))           # every unit links ≥1 community
    households = hidden.unit_households(tables["households"], tables["communities"])  # type: ignore[attr-defined]
    cadres = tables["cadres"]
    capacity = cadres["max_households"].fillna(rules.assign.cadre_max_households).astype(int)
    unit_pos = pd.Index(tables["units"]["unit_id"]).get_indexer(cadres["unit_id"])
    unit_capacity = np.bincount(unit_pos, weights=capacity, minlength=n_units)
    assert (unit_capacity >= CAPACITY_SLACK * households).all()
    # leaders: every office gets one, evenly
    assert len(tables["leaders"]) >= len(tables["offices"])
    # community burden (不给群众增加负担), counted on the hidden plan with half the daily cap as margin:
    # per community, the unit's days plus household days of the fewest cadres at the smallest explicit capacity (3);
    # per unit, its communities' unit days, every cadre's days (household days or grassroots days, whichever is
    # more) and one extra set of household days per community for cadres straddling two communities.
    cal = work_calendar(YEAR, tables["holidays"])
    margin_days = rules.visits.community_daily_cap * len(cal.days) / 2
    per_community = tables["households"].groupby("community_id").size().reindex(tables["communities"]["community_id"])
    need = rules.visits.unit_community_days + np.ceil(per_community.to_numpy() / 3) * rules.visits.cadre_household_days
    assert (need <= margin_days).all()
    cadre_days = np.maximum(rules.visits.cadre_household_days,
                            cadres["rank"].map(rules.grassroots_days.for_rank).to_numpy())
    communities_of_unit = np.bincount(unit_of_community, minlength=n_units)
    unit_need = (communities_of_unit * (rules.visits.unit_community_days + rules.visits.cadre_household_days)
                 + np.bincount(unit_pos, weights=cadre_days, minlength=n_units))
    assert (unit_need <= margin_days * communities_of_unit).all()
    # grassroots days are reachable: even with two weeks away, heads have enough workdays
    assert len(cal.days) - 10 >= rules.grassroots_days.unit_head * 3


def test_pins_and_forbidden_consistent_with_hidden_plan(district: tuple[dict[str, pd.DataFrame], object]) -> None:
    tables, hidden = district
    pins, forbidden = tables["pins"], tables["forbidden"]
    comm_pos = pd.Index(tables["communities"]["community_id"])
    unit_ids = tables["units"]["unit_id"].to_numpy()
    for _, row in pins[pins["kind"] == "unit_community"].iterrows():
        assert unit_ids[hidden.unit_of_community[comm_pos.get_loc(row["target_id"])]] == row["subject_id"]  # type: ignore[attr-defined]
    leader_pins = pins[pins["kind"] == "leader_office"]
    assert leader_pins["target_id"].is_unique
    assert len(forbidden) >= 1
    # forbidden cadres belong to the unit of the household's community (else the pair would be vacuous)
    hh = tables["households"].set_index("household_id")
    cadre_unit = tables["cadres"].set_index("cadre_id")["unit_id"]
    for _, row in forbidden.iterrows():
        community = hh.loc[row["target_id"], "community_id"]
        assert unit_ids[hidden.unit_of_community[comm_pos.get_loc(community)]] == cadre_unit[row["subject_id"]]  # type: ignore[attr-defined]


def test_holidays_csv_for_estimated_year_has_makeup_days(small: Path) -> None:
    frame = pd.read_csv(small / "holidays.csv", encoding="utf-8-sig")
    assert set(frame["kind"]) == {"holiday", "workday"}
    assert "2027-10-01" in set(frame.loc[frame["kind"] == "holiday", "date"])
    workday_dates = pd.to_datetime(frame.loc[frame["kind"] == "workday", "date"])
    assert (workday_dates.dt.day_of_week >= 5).all()


def test_holidays_csv_for_published_year_reproduces_it(tmp_path: Path) -> None:
    generate_demo(tmp_path, "small", seed=0, year=2026)
    frame = pd.read_csv(tmp_path / "holidays.csv", encoding="utf-8-sig")
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    assert work_calendar(2026, frame).days == work_calendar(2026).days


def test_generated_tables_validate(small: Path) -> None:
    """The written CSVs, read back as text, pass the problem-level validation."""
    raw = {spec.stem: pd.read_csv(small / spec.file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
           for spec in TABLES}
    problem = build_problem(raw, Rules(year=YEAR))
    assert problem.n_households == 300
    assert len(problem.unavailability) > 0 and len(problem.holidays) > 0
    assert problem.cadres["capacity"].between(3, 5).all()


@pytest.mark.skipif(importlib.util.find_spec("planner.io.read") is None, reason="planner.io.read not written yet")
def test_generated_demo_reads_with_read_problem(small: Path) -> None:
    from planner.io.read import read_problem

    problem = read_problem(small)
    assert problem.rules.year == YEAR
    assert problem.counts()["households"] == 300


def test_bundled_demo_is_small_seed_0() -> None:
    """data/demo is `planner demo data/demo --size small --seed 0` for its year (regenerate it if this fails)."""
    bundled = Path(__file__).resolve().parents[1] / "data" / "demo"
    if not bundled.exists():
        pytest.skip("data/demo not generated")
    year = Rules.from_toml(bundled / "rules.toml").year
    tables, _ = demo_tables("small", seed=0, year=year)
    households = pd.read_csv(bundled / "households.csv", encoding="utf-8-sig", dtype=str)
    assert list(households["household_id"]) == list(tables["households"]["household_id"])
    assert math.isclose(len(households), 300)


def test_unknown_size_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown demo size"):
        generate_demo(tmp_path, "huge")
