"""The whole contract path on real files: demo → (GBK CSV | xlsx workbook) → plan → check, through the CLI.

Issue 3 asks for GBK/xlsx input end to end; the same plan must come out whichever form the input takes, and the
independent checker must accept it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from planner.cli import main
from planner.demo import generate_demo
from planner.model import TABLES
from planner.plan import read_plan
from planner.solve import solve_plan
from tests.fixtures import tiny_tables

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("e2e") / "demo"
    generate_demo(folder, size="small", seed=3)
    return folder


def _as_gbk(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for path in src.glob("*.csv"):
        text = path.read_text(encoding="utf-8-sig")
        (dst / path.name).write_bytes(text.encode("gb18030"))
    shutil.copy(src / "rules.toml", dst / "rules.toml")
    return dst


def _as_workbook(src: Path, dst: Path) -> Path:
    dst.mkdir()
    book = dst / "district.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for table in TABLES:
            path = src / table.file
            if path.exists():
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
                frame = frame.rename(columns={c.name: c.zh for c in table.columns})  # the template's headers
                frame.to_excel(writer, sheet_name=table.stem, index=False)
    shutil.copy(src / "rules.toml", dst / "rules.toml")
    return book


def _plan_and_check(data: Path, out: Path) -> pd.DataFrame:
    assert main(["plan", str(data), "--out", str(out)]) == 0
    assert main(["check", str(data), str(out)]) == 0
    return read_plan(out).cadre_households


def test_gbk_and_xlsx_inputs_give_the_same_valid_plan(demo: Path, tmp_path: Path) -> None:
    reference = _plan_and_check(demo, tmp_path / "plan_utf8")
    gbk = _plan_and_check(_as_gbk(demo, tmp_path / "gbk"), tmp_path / "plan_gbk")
    xlsx = _plan_and_check(_as_workbook(demo, tmp_path / "xlsx"), tmp_path / "plan_xlsx")
    pd.testing.assert_frame_equal(reference, gbk)
    pd.testing.assert_frame_equal(reference, xlsx)
    for name in ("visits.csv", "unit_communities.csv"):
        assert (tmp_path / "plan_utf8" / name).read_bytes() == (tmp_path / "plan_gbk" / name).read_bytes()


def test_two_offices_per_leader_when_leaders_are_few() -> None:
    """leader_max_offices = 2 with fewer leaders than offices: every office linked, every contact minimum met."""
    from planner.check import check_plan
    from planner.io.validate import build_problem
    from planner.rules import Rules

    tables = tiny_tables()
    tables["offices"] = pd.concat([tables["offices"], pd.DataFrame({
        "office_id": ["B02", "B03"], "name": ["西城办事处", "南关办事处"], "kind": ["office", "office"],
        "lat": [34.74, 34.73], "lon": [113.60, 113.59]})], ignore_index=True)
    tables["communities"] = pd.concat([tables["communities"], pd.DataFrame({
        "community_id": ["C05", "C06"], "name": ["西城社区", "南关社区"], "office_id": ["B02", "B03"],
        "lat": [34.741, 34.731], "lon": [113.601, 113.591]})], ignore_index=True)
    tables["units"] = pd.concat([tables["units"], pd.DataFrame({
        "unit_id": ["U4", "U5"], "name": ["区卫健委", "区住建局"], "lat": [34.74, 34.73], "lon": [113.60, 113.59]})],
        ignore_index=True)
    problem = build_problem(tables, Rules(year=2026).replace(assign={"leader_max_offices": 2}))
    assert problem.n_leaders < problem.n_offices
    plan = solve_plan(problem)
    offices_linked = plan.leader_offices.groupby("leader_id")["office_id"].nunique()
    assert set(plan.leader_offices["office_id"]) == set(problem.offices["office_id"])
    assert offices_linked.max() == 2
    assert check_plan(problem, plan) == []


def test_district_demo_plans_and_checks(tmp_path: Path) -> None:
    """The district size (≈15,000 households) end to end: a scale regression the small instances cannot catch."""
    data = tmp_path / "district"
    generate_demo(data, size="district", seed=0)
    assert main(["plan", str(data), "--out", str(tmp_path / "plan")]) == 0
    assert main(["check", str(data), str(tmp_path / "plan")]) == 0
    report = read_plan(tmp_path / "plan").report
    assert report["counts"]["households"] == 15000
    stages = {s["name"]: s for s in report["stages"]}   # the office level adds assign/calendar.office_leaders
    assert stages["calendar.reception"]["status"] == "optimal" and "assign.office_leaders" in stages
