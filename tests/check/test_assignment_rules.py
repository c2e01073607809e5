"""Assignment rules 1–5: each has a not-violated case (the valid plan) and a violated case with the exact code."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.check import check_plan, plan_is_valid, run_check
from planner.plan import Plan
from tests.check.builder import valid_plan
from tests.check.helpers import replace, rule_codes, tiny_with
from tests.fixtures import tiny_problem


@pytest.fixture(scope="module")
def problem():
    return tiny_problem()


@pytest.fixture(scope="module")
def plan(problem):
    return valid_plan(problem)


def _pairs(plan: Plan, name: str, *rows: tuple[str, str], drop: list[tuple[str, str]] | None = None) -> Plan:
    frame = getattr(plan, name)
    a, b = frame.columns
    if drop:
        gone = set(drop)
        keep = [(x, y) not in gone for x, y in zip(frame[a], frame[b], strict=True)]
        assert len(keep) - sum(keep) == len(gone), "every dropped pair must exist"
        frame = frame[keep]
    frame = pd.concat([frame, pd.DataFrame(list(rows), columns=[a, b])], ignore_index=True)
    return replace(plan, **{name: frame})


def test_builder_assignment_is_as_the_tests_assume(plan):
    assert plan.unit_communities.values.tolist() == [["U1", "C01"], ["U2", "C02"], ["U3", "C03"], ["U1", "C04"]]
    by_cadre = plan.cadre_households.groupby("cadre_id")["household_id"].apply(list).to_dict()
    assert by_cadre["G1"] == ["H01", "H02", "H03", "H04", "H05"] and by_cadre["G2"][0] == "H16"


def test_valid_plan_passes_every_rule(problem, plan):
    assert check_plan(problem, plan) == []
    assert plan_is_valid(problem, plan)
    report = run_check(problem, plan)
    summary = report.summary()
    assert summary["ok"].all()
    assert (summary.loc[summary["rule"] == "assign.household_exactly_one", "checked"] == 20).all()
    assert report.every_minimum_met


def test_duplicate_pair_row(problem, plan):
    bad = _pairs(plan, "cadre_households", ("G1", "H01"))
    assert rule_codes(problem, bad) == {"assign.duplicate_row"}


def test_unknown_ids_in_pair_files(problem, plan):
    bad = _pairs(plan, "leader_offices", ("L9", "B01"))
    violations = check_plan(problem, bad, calendar=False)
    assert [v.rule for v in violations] == ["assign.unknown_id"]
    assert "L9" in violations[0].message_en and "row 5" in violations[0].message_en
    bad = _pairs(plan, "unit_communities", ("U1", "C99"))
    assert rule_codes(problem, bad, calendar=False) == {"assign.unknown_id"}


def test_leader_links_too_many_offices(problem, plan):
    bad = _pairs(plan, "leader_offices", ("L3", "Z01"))
    assert rule_codes(problem, bad, calendar=False) == {"assign.leader_office_count"}
    two = tiny_problem(assign={"leader_max_offices": 2})
    assert rule_codes(two, bad, calendar=False) == set()


def test_leader_links_no_office(problem, plan):
    bad = _pairs(plan, "leader_offices", drop=[("L3", "B01")])
    assert rule_codes(problem, bad, calendar=False) == {"assign.leader_office_count"}


def test_office_without_leader(problem, plan):
    bad = _pairs(plan, "leader_offices", ("L2", "B01"), drop=[("L2", "Z01")])
    # B01 3 leaders, Z01 none: both the minimum and the even spread break
    assert rule_codes(problem, bad, calendar=False) == {"assign.office_min_leader", "assign.leader_spread"}


def _five_leaders(tables):
    tables["leaders"] = pd.concat([tables["leaders"], pd.DataFrame(
        {"leader_id": ["L4", "L5"], "name": ["委员丁", "委员戊"], "tier": ["other", "other"]})], ignore_index=True)


def test_uneven_leader_spread():
    problem = tiny_with(edit=_five_leaders)
    plan = valid_plan(problem)
    assert rule_codes(problem, plan, calendar=False) == set()
    assert sorted(plan.leader_offices.groupby("office_id").size()) == [2, 3]
    bad = _pairs(plan, "leader_offices", ("L2", "B01"), drop=[("L2", "Z01")])  # 4 vs 1
    violations = check_plan(problem, bad, calendar=False)
    assert [v.rule for v in violations] == ["assign.leader_spread"]
    assert violations[0].amount == 2


def test_community_with_two_units(problem, plan):
    bad = _pairs(plan, "unit_communities", ("U2", "C01"))
    violations = check_plan(problem, bad, calendar=False)
    assert [v.rule for v in violations] == ["assign.community_exactly_one"]
    assert violations[0].entities == ("C01",)


def test_unit_without_community(problem, plan):
    # C02 moves from U2 to U3, and its households from U2's G4 to U3's G8: only U2 is left without a community
    moved = [("G4", h) for h in ("H06", "H07", "H08", "H09", "H10")]
    bad = _pairs(plan, "unit_communities", ("U3", "C02"), drop=[("U2", "C02")])
    bad = _pairs(bad, "cadre_households", *[("G8", h) for _, h in moved], drop=moved)
    assert rule_codes(problem, bad, calendar=False) == {"assign.unit_min_community"}


def test_household_without_cadre(problem, plan):
    bad = _pairs(plan, "cadre_households", drop=[("G1", "H01")])
    violations = check_plan(problem, bad, calendar=False)
    assert [v.rule for v in violations] == ["assign.household_exactly_one"]
    assert violations[0].entities == ("H01",)


def test_household_with_two_cadres(problem, plan):
    bad = _pairs(plan, "cadre_households", ("G3", "H01"))
    violations = check_plan(problem, bad, calendar=False)
    assert [v.rule for v in violations] == ["assign.household_exactly_one"]
    assert "G1" in violations[0].message_en and "G3" in violations[0].message_en


def test_cadre_over_capacity(plan):
    assert rule_codes(tiny_problem(assign={"cadre_max_households": 5}), plan, calendar=False) == set()
    violations = check_plan(tiny_problem(assign={"cadre_max_households": 4}), plan, calendar=False)
    assert {v.rule for v in violations} == {"assign.cadre_capacity"}
    assert all(v.amount == 1 for v in violations)


def test_own_max_households_overrides_default(plan):
    def g1_takes_three(tables):
        tables["cadres"].loc[tables["cadres"]["cadre_id"] == "G1", "max_households"] = 3

    violations = check_plan(tiny_with(edit=g1_takes_three), plan, calendar=False)
    assert [(v.rule, v.entities, v.amount) for v in violations] == [("assign.cadre_capacity", ("G1",), 2.0)]


def test_linkage_broken(problem, plan):
    bad = _pairs(plan, "cadre_households", ("G5", "H16"), drop=[("G2", "H16")])  # G5 is U2's, H16 is in C04 (U1)
    assert rule_codes(problem, bad, calendar=False) == {"assign.linkage"}
    assert rule_codes(tiny_problem(assign={"linkage": "prefer"}), bad, calendar=False) == set()


def _lock(kind: str, subject: str, target: str) -> pd.DataFrame:
    return pd.DataFrame({"kind": [kind], "subject_id": [subject], "target_id": [target]})


def test_pins_kept_and_dropped(plan):
    kept = tiny_with({"pins": _lock("cadre_household", "G1", "H01")})
    assert rule_codes(kept, plan, calendar=False) == set()
    dropped = tiny_with({"pins": _lock("cadre_household", "G3", "H01")})
    violations = check_plan(dropped, plan, calendar=False)
    assert [v.rule for v in violations] == ["assign.pin_missing"]
    assert violations[0].entities == ("G3", "H01")
    assert rule_codes(tiny_with({"pins": _lock("leader_office", "L1", "Z01")}), plan, calendar=False) == {
        "assign.pin_missing"}


def test_forbidden_pair(plan):
    assert rule_codes(tiny_with({"forbidden": _lock("cadre_household", "G3", "H01")}), plan, calendar=False) == set()
    violations = check_plan(tiny_with({"forbidden": _lock("unit_community", "U1", "C01")}), plan, calendar=False)
    assert [v.rule for v in violations] == ["assign.forbidden_pair"]
    assert "U1" in violations[0].message_zh and "C01" in violations[0].message_zh


def test_assignment_only_report_says_calendar_not_checked(problem, plan):
    report = run_check(problem, replace(plan, visits=plan.visits.iloc[0:0]), calendar=False)
    assert report.valid and not report.calendar_checked
    summary = report.summary().set_index("rule")
    assert summary.loc["calendar.cadre_talks", "ok"] is None
    assert bool(summary.loc["assign.linkage", "ok"]) is True
