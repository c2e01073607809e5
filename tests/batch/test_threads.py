"""--threads-per-district: the batch's plan with N CP-SAT threads is the plan `planner plan` makes when the
district's rules.toml says `[solver] workers = N`; the setting is part of the rerun digest; `auto` keeps
workers × threads within the cores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from planner.batch.cli import threads_per_district
from planner.batch.inputs import find_districts, read_job
from planner.batch.run import plan_many
from planner.check import check_plan
from planner.cli import EXIT_OK, main
from planner.io.read import read_problem
from planner.plan import read_plan

PLAN_CSVS = ("leader_offices.csv", "unit_communities.csv", "cadre_households.csv", "visits.csv", "names.csv")


def _report(folder: Path) -> dict[str, Any]:
    report = json.loads((folder / "report.json").read_text("utf-8"))
    for key in ("seconds", "seconds_per_stage", "source"):  # wall clock, and the input's path
        report.pop(key)
    for stage in report["stages"]:
        stage.pop("seconds")
    return report


@pytest.mark.slow
def test_one_thread_per_district_is_planner_plan_with_the_same_setting(demos: Path, client: Any,
                                                                      tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(demos / "d2", root / "a")
    out = tmp_path / "plans"
    (row,) = plan_many(root, out, client=client, lang="en", threads=1)
    assert row.status == "ok"
    alone_input = Path(shutil.copytree(demos / "d2", tmp_path / "alone_input"))
    with (alone_input / "rules.toml").open("a", encoding="utf-8") as rules:
        rules.write("\n[solver]\nworkers = 1\n")
    alone = tmp_path / "alone"
    assert main(["plan", str(alone_input), "--out", str(alone)]) == EXIT_OK
    for name in PLAN_CSVS:
        assert (out / "a" / name).read_bytes() == (alone / name).read_bytes(), name
    ours = _report(out / "a")
    assert ours == _report(alone) and ours["rules"]["solver"]["workers"] == 1
    assert check_plan(read_problem(root / "a"), read_plan(out / "a", require_visits=True)) == []
    (again,) = plan_many(root, out, client=client, lang="en", threads=1)
    assert again.skipped
    (district,) = find_districts(root)
    assert read_job(district, {"solver": {"workers": 1}}).digest != read_job(district).digest  # replanned at 8


def test_threads_setting_rules_number_and_auto() -> None:
    import os

    cores = os.cpu_count() or 1
    assert threads_per_district("rules", None, 2) is None
    assert threads_per_district("3", None, 2) == 3
    assert threads_per_district("auto", None, 1) == cores
    assert threads_per_district("auto", None, 2) == max(1, cores // 2)
    assert threads_per_district("auto", None, None) == 1
    assert threads_per_district("auto", "tcp://h:8786", 2) is None
    with pytest.raises(SystemExit):
        main(["plan-many", "r", "--out", "o", "--threads-per-district", "0"])
