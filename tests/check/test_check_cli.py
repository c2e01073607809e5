"""`planner check DATA PLAN`: exit 0 when every rule holds, 1 with violations, 2 on bad input; files round-trip."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from planner.check import check_plan
from planner.cli import main
from planner.plan import read_plan, write_plan
from tests.check.builder import valid_plan
from tests.check.helpers import set_cells
from tests.fixtures import TINY_YEAR, tiny_problem, tiny_tables


@pytest.fixture(scope="module")
def problem():
    return tiny_problem()


@pytest.fixture(scope="module")
def plan(problem):
    return dataclasses.replace(valid_plan(problem), report={"rules": {"year": TINY_YEAR}})


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    for stem, frame in tiny_tables().items():
        frame.to_csv(folder / f"{stem}.csv", index=False, encoding="utf-8-sig")
    return folder


def test_files_round_trip_keeps_the_plan_valid(problem, plan, tmp_path):
    write_plan(plan, tmp_path / "plan")
    back = read_plan(tmp_path / "plan", require_visits=True)
    assert check_plan(problem, back) == []


def test_typed_in_memory_plan_is_read_like_text(problem, plan):
    visits = plan.visits.copy()
    typed = visits.assign(date=[date.fromisoformat(d) for d in visits["date"]], talk=visits["talk"].astype(int),
                          role=visits["role"].replace("", None))
    assert check_plan(problem, dataclasses.replace(plan, visits=typed)) == []


def test_cli_exit_0_when_valid(data_dir, plan, tmp_path, capsys):
    write_plan(plan, tmp_path / "plan")
    assert main(["--lang", "en", "check", str(data_dir), str(tmp_path / "plan")]) == 0
    assert "All rules hold" in capsys.readouterr().out


def test_cli_exit_1_lists_violations(data_dir, plan, tmp_path, capsys):
    row = plan.visits.index[plan.visits["activity"] == "household"][0]
    write_plan(set_cells(plan, row, date=f"{TINY_YEAR}-10-01"), tmp_path / "plan")
    assert main(["--lang", "en", "check", str(data_dir), str(tmp_path / "plan")]) == 1
    out = capsys.readouterr().out
    assert "[calendar.not_workday]" in out and "violations." in out
    assert main(["--lang", "zh", "check", str(data_dir), str(tmp_path / "plan")]) == 1
    assert "非工作日" in capsys.readouterr().out


def test_cli_exit_2_without_visits_file(data_dir, plan, tmp_path, capsys):
    folder = write_plan(plan, tmp_path / "plan")
    (folder / "visits.csv").unlink()
    assert main(["--lang", "en", "check", str(data_dir), str(folder)]) == 2
    assert "visits.csv" in capsys.readouterr().err


def test_cli_exit_2_on_missing_column(data_dir, plan, tmp_path, capsys):
    folder = write_plan(plan, tmp_path / "plan")
    pd.DataFrame({"cadre_id": ["G1"]}).to_csv(folder / "cadre_households.csv", index=False)
    assert main(["--lang", "en", "check", str(data_dir), str(folder)]) == 2
    assert "household_id" in capsys.readouterr().err
