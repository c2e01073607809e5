"""The office level's checker rules: each one violated and not violated on the tiny district with office leaders.

The base plan is the engines' own (tiny, four levels); every test first asserts the rule holds on it, then breaks
exactly that rule with a small edit and asserts the checker names it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from planner.check import run_check
from planner.plan import Plan
from planner.problem import Problem
from planner.solve import solve_plan
from tests.check.helpers import add_rows, community_load, drop_rows, replace, rule_codes, visits_of, workdays
from tests.fixtures import tiny_office_leaders, tiny_office_problem


@pytest.fixture(scope="module")
def solved() -> tuple[Problem, Plan]:
    problem = tiny_office_problem()
    return problem, solve_plan(problem)


def _pairs(plan: Plan) -> dict[str, str]:
    frame = plan.office_leader_communities
    return dict(zip(frame["person_id"], frame["community_id"], strict=True))


def _with_pairs(plan: Plan, pairs: dict[str, str]) -> Plan:
    return replace(plan, office_leader_communities=pd.DataFrame(
        {"person_id": list(pairs), "community_id": list(pairs.values())}))


def test_the_engines_plan_is_valid_at_four_levels(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    report = run_check(problem, plan)
    assert report.violations == ()
    assert report.checked["calendar.office_leader_contact"] == 4
    assert set(plan.visits["person_kind"]) == {"leader", "unit", "cadre", "office_leader"}


def test_one_community(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    pairs = _pairs(plan)
    del pairs["OB1"]
    assert "assign.office_leader_one_community" not in rule_codes(problem, plan, calendar=False)
    assert "assign.office_leader_one_community" in rule_codes(problem, _with_pairs(plan, pairs), calendar=False)


def test_own_office(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    assert "assign.office_leader_own_office" not in rule_codes(problem, plan, calendar=False)
    broken = _with_pairs(plan, {**_pairs(plan), "OB1": "C03"})   # C03 is in Z01
    assert "assign.office_leader_own_office" in rule_codes(problem, broken, calendar=False)


def test_no_sharing_while_the_office_has_enough_communities(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    pairs = _pairs(plan)
    assert "assign.office_leader_sharing" not in rule_codes(problem, plan, calendar=False)
    shared = _with_pairs(plan, {**pairs, "OB2": pairs["OB1"]})
    assert "assign.office_leader_sharing" in rule_codes(problem, shared, calendar=False)


def _three_in_b01() -> pd.DataFrame:
    extra = pd.DataFrame({"person_id": ["OB3"], "name": ["成员辛"], "office_id": ["B01"], "role": ["member"]})
    return pd.concat([tiny_office_leaders(), extra], ignore_index=True)


def test_sharing_when_communities_run_short_prefer_vs_strict() -> None:
    pairs = {"OB1": "C01", "OB2": "C02", "OB3": "C01", "OZ1": "C03", "OZ2": "C04"}
    plan = Plan(pd.DataFrame(columns=["leader_id", "office_id"]), pd.DataFrame(columns=["unit_id", "community_id"]),
                pd.DataFrame(columns=["cadre_id", "household_id"]),
                office_leader_communities=pd.DataFrame({"person_id": list(pairs), "community_id": list(pairs.values())}))
    prefer = tiny_office_problem(_three_in_b01())
    strict = tiny_office_problem(_three_in_b01(), assign={"office_no_sharing": "strict"})
    assert "assign.office_leader_sharing" not in rule_codes(prefer, plan, calendar=False)   # ⌈3/2⌉ = 2 allowed
    assert "assign.office_leader_sharing" in rule_codes(strict, plan, calendar=False)
    three = {**pairs, "OB2": "C01"}   # three on one community: more than ⌈3/2⌉ even under prefer
    assert "assign.office_leader_sharing" in rule_codes(prefer, _with_pairs(plan, three), calendar=False)


def test_pins_and_forbidden_of_the_office_kind(solved: tuple[Problem, Plan]) -> None:
    _problem, plan = solved
    pairs = _pairs(plan)
    other = "C01" if pairs["OB1"] == "C02" else "C02"
    lock = pd.DataFrame({"kind": ["office_leader_community"], "subject_id": ["OB1"]})
    tables_pin = {"pins": lock.assign(target_id=[pairs["OB1"]])}
    from tests.check.helpers import tiny_with

    kept = tiny_with({**tables_pin, "office_leaders": tiny_office_leaders()})
    assert "assign.pin_missing" not in rule_codes(kept, plan, calendar=False)
    moved = tiny_with({"pins": lock.assign(target_id=[other]), "office_leaders": tiny_office_leaders()})
    assert "assign.pin_missing" in rule_codes(moved, plan, calendar=False)
    banned = tiny_with({"forbidden": lock.assign(target_id=[pairs["OB1"]]), "office_leaders": tiny_office_leaders()})
    assert "assign.forbidden_pair" in rule_codes(banned, plan, calendar=False)


def test_contact_visits(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    contact = visits_of(plan, person_id="OB1", activity="contact")
    assert len(contact) == problem.rules.visits.office_leader_contact
    assert "calendar.office_leader_contact" not in rule_codes(problem, plan)
    # drop one contact in a month that has two, so that only the count is broken
    months = pd.to_datetime(contact["date"].astype(str)).dt.month
    doubled = months[months.duplicated(keep=False)]
    index = doubled.index[:1] if len(doubled) else contact.index[:1]
    codes = rule_codes(problem, drop_rows(plan, index))
    assert "calendar.office_leader_contact" in codes


def test_contact_spread(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    contact = visits_of(plan, person_id="OB1", activity="contact")
    march = contact[pd.to_datetime(contact["date"].astype(str)).dt.month == 3]
    assert len(march) >= 1 and "calendar.office_leader_spread" not in rule_codes(problem, plan)
    busy = set(visits_of(plan, person_id="OB1")["date"].astype(str))
    free = [d for d in workdays(problem, 4) if d not in busy][: len(march)]
    visits = plan.visits.copy()
    visits.loc[march.index, "date"] = free
    codes = rule_codes(problem, replace(plan, visits=visits))
    assert "calendar.office_leader_spread" in codes and "calendar.office_leader_contact" not in codes


def test_all_communities_of_the_office(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    research = visits_of(plan, person_id="OB1", activity="research")
    assert len(research) == 1 and "calendar.office_all_communities" not in rule_codes(problem, plan)
    dropped = drop_rows(plan, research.index)
    assert "calendar.office_all_communities" in rule_codes(problem, dropped)
    off = tiny_office_problem(visits={"office_all_communities": False})
    assert "calendar.office_all_communities" not in rule_codes(off, dropped)


def test_one_activity_per_date(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    row = visits_of(plan, person_id="OB1", activity="contact").iloc[0]
    assert "calendar.office_leader_one_per_date" not in rule_codes(problem, plan)
    pairs = _pairs(plan)
    other = "C01" if pairs["OB1"] == "C02" else "C02"
    doubled = add_rows(plan, {"date": str(row["date"]), "person_kind": "office_leader", "person_id": "OB1",
                              "activity": "research", "target_kind": "community", "target_id": other})
    assert "calendar.office_leader_one_per_date" in rule_codes(problem, doubled)


def test_rows_must_target_the_own_contact_community_and_office(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    d = workdays(problem, 5)[3]
    contact_elsewhere = add_rows(plan, {"date": d, "person_kind": "office_leader", "person_id": "OZ1",
                                        "activity": "contact", "target_kind": "community", "target_id": "C01"})
    assert "visits.target_not_linked" in rule_codes(problem, contact_elsewhere)
    to_office = add_rows(plan, {"date": d, "person_kind": "office_leader", "person_id": "OZ1",
                                "activity": "contact", "target_kind": "office", "target_id": "Z01"})
    assert "visits.bad_combination" in rule_codes(problem, to_office)
    unknown = add_rows(plan, {"date": d, "person_kind": "office_leader", "person_id": "NOBODY",
                              "activity": "research", "target_kind": "community", "target_id": "C01"})
    assert "visits.unknown_person" in rule_codes(problem, unknown)


def test_unavailability_of_an_office_leader(solved: tuple[Problem, Plan]) -> None:
    _problem, plan = solved
    d = str(visits_of(plan, person_id="OZ2", activity="contact").iloc[0]["date"])
    leave = pd.DataFrame({"person_id": ["OZ2"], "start": [d], "end": [d], "reason": ["会议"]})
    from tests.check.helpers import tiny_with

    away = tiny_with({"office_leaders": tiny_office_leaders(), "unavailability": leave})
    assert "calendar.unavailable" in rule_codes(away, plan)
    other = leave.assign(start=["2026-01-01"], end=["2026-01-01"])   # a holiday: nothing planned
    assert "calendar.unavailable" not in rule_codes(
        tiny_with({"office_leaders": tiny_office_leaders(), "unavailability": other}), plan)


def test_burden_cap_counts_office_leaders_with_the_other_levels(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    assert int(community_load(plan, problem).max()) <= problem.rules.visits.community_daily_cap
    row = visits_of(plan, person_kind="office_leader", activity="contact").iloc[0]
    key = (row["target_id"], row["date"])
    unit = str(plan.unit_communities.set_index("community_id").loc[row["target_id"], "unit_id"])
    busier = add_rows(plan, {"date": row["date"], "person_kind": "unit", "person_id": unit,
                             "activity": "community", "target_kind": "community", "target_id": row["target_id"]})
    n = int(community_load(busier, problem)[key])
    assert n >= 2

    def at_key(cap: int) -> list[str]:
        report = run_check(tiny_office_problem(visits={"community_daily_cap": cap}), busier)
        return [v.message_en for v in report.violations if v.rule == "calendar.community_daily_cap"
                and v.entities == (key[0], str(key[1]))]

    assert at_key(n) == []
    found = at_key(n - 1)
    assert found and f"office_leader {row['person_id']}" in found[0]
