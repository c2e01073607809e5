"""The workflow layer: solve + check in one call, and one district end to end as the batch runner sees it."""

from __future__ import annotations

from pathlib import Path

from planner.plan import read_plan
from planner.workflow.district import EXIT_BAD_INPUT, EXIT_OK, plan_district
from planner.workflow.solve import CHECK_KEY, plan_and_check, record_findings, stored_findings
from tests.fixtures import TINY_YEAR, tiny_problem, tiny_tables
from tests.io.test_read import write_csv_folder


def test_plan_and_check_returns_a_plan_the_checker_accepts() -> None:
    problem = tiny_problem()
    seen: list[str] = []
    checked = plan_and_check(problem, on_checking=lambda: seen.append("checking"))
    assert seen == ["checking"]
    assert checked.violations == ()
    assert len(checked.plan.visits) > 0
    assert CHECK_KEY not in checked.plan.report         # recorded only when asked (the app)
    assert record_findings(checked) == [] and stored_findings(checked.plan) == []


def test_plan_district_writes_the_plan_and_reports_a_row(tmp_path: Path) -> None:
    data = write_csv_folder(tmp_path / "in", tiny_tables())
    result = plan_district(data, tmp_path / "out", year=TINY_YEAR)
    assert (result.status, result.exit_code, result.violations) == ("ok", EXIT_OK, 0)
    assert result.households == len(tiny_tables()["households"])
    assert result.seconds > 0
    assert len(read_plan(tmp_path / "out", require_visits=True).visits) > 0


def test_plan_district_bad_input_is_a_row_and_writes_nothing(tmp_path: Path) -> None:
    tables = tiny_tables()
    tables["households"] = tables["households"].assign(community_id="NOPE")
    data = write_csv_folder(tmp_path / "in", tables)
    result = plan_district(data, tmp_path / "out", year=TINY_YEAR, lang="en")
    assert (result.status, result.exit_code, result.violations) == ("bad_input", EXIT_BAD_INPUT, None)
    assert "households" in result.message and "NOPE" in result.message
    assert not (tmp_path / "out").exists()


def test_compare_versions_runs_the_checker_outside_the_store(tmp_path: Path) -> None:
    """Two stored versions, the second with a household's visits removed: the workflow's checker counts differ."""
    import dataclasses

    from planner.store.api import open_store
    from planner.workflow.solve import compare_versions, save

    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    problem = tiny_problem()
    plan = plan_and_check(problem).plan
    household = str(plan.cadre_households["household_id"].iat[0])
    fewer = dataclasses.replace(plan, visits=plan.visits[plan.visits["target_id"] != household].reset_index(drop=True))
    v1 = save(store, "tiny", problem, plan, "甲")
    v2 = save(store, "tiny", problem, fewer, "甲")
    diff = compare_versions(store, "tiny", v1, v2, check_rules=True)
    assert diff.violations[0] == 0 and diff.violations[1] > 0
    assert "calendar.cadre_min_visits" in diff.violations_by_rule[1]
    assert compare_versions(store, "tiny", v1, v2).violations == store.compare("tiny", v1, v2).violations
