"""The wall budget (planner/deadline.py): --first-valid writes a valid plan without improving it; --time-limit
binds on the district (the run stops improving at the budget's shares and its plan is valid). Not timed tests:
the elapsed-time assertion is generous because the machine is shared."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from planner.cli import main
from planner.deadline import TimedControl, expired, time_left
from planner.progress import SolveControl
from planner.workflow.solve import timed_control


def test_time_left_and_expired_follow_the_budget_and_its_shares() -> None:
    assert time_left(None) == float("inf") and not expired(SolveControl())
    control = TimedControl(budget=100.0)
    assert 40.0 < time_left(control, 0.45) <= 45.0 and not expired(control)
    control.started -= 60.0       # 60 s into a 100 s budget: the 45 % phase is over, the 85 % one is not
    assert expired(control, 0.45) and not expired(control, 0.85)
    assert expired(TimedControl(first_valid=True), 1.0)
    assert type(timed_control(None, None)) is SolveControl      # no budget: the deterministic run
    assert type(timed_control(None, 0.0)) is SolveControl       # 0 means no limit, as in the rules
    assert isinstance(timed_control(None, 5.0), TimedControl)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small") / "data"
    assert main(["demo", str(folder), "--size", "small", "--seed", "0"]) == 0
    return folder


def test_first_valid_writes_a_plan_the_checker_accepts(small: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "first"
    assert main(["--lang", "en", "plan", str(small), "--out", str(out), "--first-valid"]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    stages = {s["name"]: s for s in report["stages"]}
    assert "local_moves" not in stages["calendar.cadres"]          # no improvement phase ran
    assert "wall budget" in stages["assign.units"]["bound_scope"]   # nor the whole-problem search
    capsys.readouterr()
    assert main(["--lang", "en", "check", str(small), str(out)]) == 0
    assert "all rules hold" in capsys.readouterr().out.lower()


@pytest.mark.slow
def test_time_limit_binds_on_the_district(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "district"
    assert main(["demo", str(data), "--size", "district", "--seed", "0"]) == 0
    budget = 6.0
    out = tmp_path / "plan"
    started = time.monotonic()
    assert main(["--lang", "en", "plan", str(data), "--out", str(out), "--time-limit", str(budget)]) == 0
    elapsed = time.monotonic() - started
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    units = next(s for s in report["stages"] if s["name"] == "assign.units")
    # the default run bounds the whole problem in 79 rounds and spends ~40 CPU s; at 6 s it was cut short
    assert "wall budget" in units["bound_scope"] or units.get("bound_rounds", 0) < 79
    assert units["bound"] <= units["objective"]
    assert elapsed < budget + 180, elapsed      # generous: the constructive parts always finish, load varies
    capsys.readouterr()
    assert main(["--lang", "en", "check", str(data), str(out)]) == 0
    assert "all rules hold" in capsys.readouterr().out.lower()
