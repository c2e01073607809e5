"""Plan folders: atomic writing, formula guarding, UTF-8 BOM, round trip, located errors on bad folders."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planner.errors import InputError
from planner.plan import Plan, read_plan, write_plan


def small_plan() -> Plan:
    visits = pd.DataFrame({
        "date": ["2027-01-05", "2027-01-06"], "person_kind": ["leader", "cadre"], "person_id": ["L01", "=G1"],
        "activity": ["contact", "household"], "target_kind": ["office", "household"], "target_id": ["B01", "007"],
        "role": ["", ""], "talk": [0, 1]})
    return Plan(
        leader_offices=pd.DataFrame({"leader_id": ["L01"], "office_id": ["B01"]}),
        unit_communities=pd.DataFrame({"unit_id": ["U1"], "community_id": ["C1"]}),
        cadre_households=pd.DataFrame({"cadre_id": ["=G1"], "household_id": ["007"]}),
        visits=visits, report={"status": "optimal", "名称": "测试"})


def test_round_trip_keeps_ids_and_guards_formulas(tmp_path: Path) -> None:
    out = write_plan(small_plan(), tmp_path / "plan")
    raw = (out / "cadre_households.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM so Excel opens Chinese correctly"
    assert b"'=G1" in raw and b"\n=G1" not in raw, "a formula-looking id is guarded"
    back = read_plan(out)
    assert back.cadre_households.to_dict("records") == [{"cadre_id": "=G1", "household_id": "007"}]
    assert list(back.visits["talk"]) == ["0", "1"] and back.visits["target_id"].iloc[1] == "007"
    assert back.report["名称"] == "测试"


def test_rewrite_replaces_atomically_and_leaves_no_temp_folders(tmp_path: Path) -> None:
    write_plan(small_plan(), tmp_path / "plan")
    write_plan(small_plan(), tmp_path / "plan")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


def test_failed_write_leaves_previous_plan_intact(tmp_path: Path) -> None:
    write_plan(small_plan(), tmp_path / "plan")
    broken = small_plan()
    broken.report[("tuple", "key")] = 1  # type: ignore[index]  # json cannot write it: the write fails midway
    with pytest.raises(TypeError):
        write_plan(broken, tmp_path / "plan")
    assert read_plan(tmp_path / "plan").report["status"] == "optimal"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


def test_missing_files_and_columns_are_all_reported(tmp_path: Path) -> None:
    folder = tmp_path / "plan"
    folder.mkdir()
    pd.DataFrame({"leader_id": ["L1"]}).to_csv(folder / "leader_offices.csv", index=False)
    with pytest.raises(InputError) as err:
        read_plan(folder, require_visits=True)
    rendered = err.value.render("en")
    assert "leader_offices.csv, row 1, column office_id" in rendered
    for name in ("unit_communities.csv", "cadre_households.csv", "visits.csv"):
        assert name in rendered
