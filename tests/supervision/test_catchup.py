"""Catch-up: history is exactly the actual rows before D, the checker passes (shortfalls only as warnings), the
shortfalls are the unmet minimums of people who cannot catch up, and the result is deterministic."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from planner.check import check_plan, run_check
from planner.cli import main
from planner.io.read import read_problem
from planner.plan import Plan, write_plan
from planner.solve import solve_plan
from planner.supervision.actuals import validate_actuals
from planner.supervision.demo_actuals import demo_actuals
from planner.workflow.catchup import catch_up, history_rows, split_shortfalls

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
FAST = {"solver": {"time_limit": 10.0, "workers": 2}}
KEY = ["date", "person_kind", "person_id", "activity", "target_kind", "target_id", "role", "talk"]


@pytest.fixture(scope="module")
def base() -> tuple:  # type: ignore[type-arg]
    problem = read_problem(DEMO, overrides=FAST)
    return problem, solve_plan(problem)


def _actuals(problem, plan: Plan, until: date) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    raw = demo_actuals(problem, plan, until, seed=3)
    return validate_actuals(raw.astype(str), problem, "actuals.csv").visits


def _rows(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=KEY).copy()
    out["date"] = pd.to_datetime(out["date"].astype(str)).dt.strftime("%Y-%m-%d")
    out["talk"] = out["talk"].astype(int)
    out["role"] = out["role"].fillna("").astype(str)
    for column in ("person_kind", "person_id", "activity", "target_kind", "target_id"):
        out[column] = out[column].astype(str)
    return out.sort_values(KEY).reset_index(drop=True)


def test_mid_year_catch_up_keeps_history_and_passes_the_checker(base) -> None:  # type: ignore[no-untyped-def]
    problem, plan = base
    since = date(2027, 7, 1)
    actuals = _actuals(problem, plan, date(2027, 6, 30))
    new = catch_up(problem, plan, since, actuals)
    history = _rows(history_rows(actuals, since))
    got = _rows(new.visits.loc[pd.to_datetime(new.visits["date"].astype(str)) < pd.Timestamp(since)])
    pd.testing.assert_frame_equal(got, history)          # history is exactly the recorded visits
    errors, _ = split_shortfalls(check_plan(problem, new), new.report)
    assert errors == []
    assert new.report["since"] == "2027-07-01" and new.report["history"] == "actuals"
    again = catch_up(problem, plan, since, actuals)
    pd.testing.assert_frame_equal(_rows(again.visits), _rows(new.visits))   # deterministic
    # previous visits from D on are kept where still valid: most of them
    after = _rows(plan.visits.loc[pd.to_datetime(plan.visits["date"].astype(str)) >= pd.Timestamp(since)])
    kept = after.merge(_rows(new.visits), how="inner", on=KEY)
    assert len(kept) >= 0.8 * len(after)


def test_late_catch_up_lists_shortfalls_and_check_warns(base, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    problem, plan = base
    since = date(2027, 12, 27)
    actuals = _actuals(problem, plan, date(2027, 12, 24))
    new = catch_up(problem, plan, since, actuals)
    short = new.report["shortfalls"]
    assert short, "someone far behind cannot catch up in the last days of the year"
    mins = run_check(problem, new).minimums
    for s in short:
        row = mins[(mins["person_id"] == s["person"]) & (mins["requirement"] == s["obligation"])
                   & (mins["target_id"].fillna("").astype(str) == s["target"])]
        assert len(row) == 1 and int(row["actual"].iloc[0]) == s["reachable"] < s["required"]
    errors, warnings = split_shortfalls(check_plan(problem, new), new.report)
    assert errors == [] and warnings
    # the CLI: planner check prints the warnings and exits 0
    write_plan(new, tmp_path / "catch")
    assert main(["check", str(DEMO), str(tmp_path / "catch")]) == 0
    out = capsys.readouterr().out
    assert "警告（缺口）" in out and "全部规则均满足" in out


def test_cli_catch_up_with_actuals(base, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    problem, plan = base
    write_plan(plan, tmp_path / "plan")
    raw = demo_actuals(problem, plan, date(2027, 3, 31), seed=1)
    raw.to_csv(tmp_path / "actuals.csv", index=False, encoding="utf-8-sig")
    out = tmp_path / "catch"
    assert main(["plan", str(DEMO), "--out", str(out), "--previous", str(tmp_path / "plan"), "--since", "2027-04-01",
                 "--actuals", str(tmp_path / "actuals.csv"), "--time-limit", "10"]) == 0
    assert main(["check", str(DEMO), str(out)]) == 0
    assert main(["plan", str(DEMO), "--out", str(tmp_path / "x"), "--since", "2027-04-01"]) == 2   # needs --previous
    assert not (tmp_path / "x").exists()


def test_replan_stored_scenario_with_actuals(base, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from planner.store.api import open_store

    problem, plan = base
    monkeypatch.setenv("PLANNER_DB_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    store = open_store()
    store.save_solved("s", problem, plan, author="t")
    raw = demo_actuals(problem, plan, date(2027, 4, 30), seed=2)
    raw.to_csv(tmp_path / "actuals.csv", index=False, encoding="utf-8-sig")
    assert main(["replan", "s", "--since", "2027-05-01", "--actuals", str(tmp_path / "actuals.csv"),
                 "--out", str(tmp_path / "out")]) == 0
    assert store.latest_version("s") == 2
    assert main(["check", str(DEMO), str(tmp_path / "out")]) == 0
    assert main(["replan", "nope", "--since", "2027-05-01", "--actuals", str(tmp_path / "actuals.csv")]) == 2
