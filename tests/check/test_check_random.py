"""Hypothesis: random small districts get a clean bill, and random mutations of a valid plan are always caught."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.check import check_plan, run_check
from planner.io.validate import build_problem
from planner.plan import Plan
from planner.problem import Problem
from planner.rules import Rules
from tests.check.builder import valid_plan
from tests.check.helpers import add_rows, drop_rows, replace, rule_codes, set_cells, weekend_in_month
from tests.fixtures import tiny_problem

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def problem() -> Problem:
    return tiny_problem()


@pytest.fixture(scope="module")
def plan(problem) -> Plan:
    return valid_plan(problem)


Mutation = Callable[[Problem, Plan, st.DataObject], tuple[Plan, str]]


def _row(plan: Plan, data: st.DataObject, mask: pd.Series | None = None) -> int:
    index = plan.visits.index if mask is None else plan.visits.index[mask]
    return int(data.draw(st.sampled_from(list(index))))


def _weekend(problem: Problem, plan: Plan, data: st.DataObject) -> tuple[Plan, str]:
    i = _row(plan, data)
    return set_cells(plan, i, date=weekend_in_month(problem, int(plan.visits.loc[i, "date"][5:7]))), \
        "calendar.not_workday"


def _other_year(problem: Problem, plan: Plan, data: st.DataObject) -> tuple[Plan, str]:
    i = _row(plan, data)
    year = data.draw(st.sampled_from([problem.rules.year - 1, problem.rules.year + 1]))
    return set_cells(plan, i, date=f"{year}{plan.visits.loc[i, 'date'][4:]}"), "calendar.outside_year"


def _bad_date(problem: Problem, plan: Plan, data: st.DataObject) -> tuple[Plan, str]:
    text = data.draw(st.text(max_size=12).filter(lambda t: not _is_iso(t)))
    return set_cells(plan, _row(plan, data), date=text), "visits.bad_date"


def _is_iso(text: str) -> bool:
    try:
        return len(text) == 10 and date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _unknown_person(problem: Problem, plan: Plan, data: st.DataObject) -> tuple[Plan, str]:
    i = _row(plan, data)
    return set_cells(plan, i, person_id="X" + plan.visits.loc[i, "person_id"]), "visits.unknown_person"


def _duplicate(problem: Problem, plan: Plan, data: st.DataObject) -> tuple[Plan, str]:
    return add_rows(plan, plan.visits.loc[_row(plan, data)].to_dict()), "visits.duplicate_row"


def _drop_pair(problem: Problem, plan: Plan, data: st.DataObject) -> tuple[Plan, str]:
    ch = plan.cadre_households
    j = data.draw(st.sampled_from(list(ch.index)))
    return replace(plan, cadre_households=ch.drop(index=j)), "assign.household_exactly_one"


def _untalk(problem: Problem, plan: Plan, data: st.DataObject) -> tuple[Plan, str]:
    return set_cells(plan, _row(plan, data, plan.visits["talk"] == "1"), talk="0"), "calendar.cadre_talks"


def _drop_reception_row(problem: Problem, plan: Plan, data: st.DataObject) -> tuple[Plan, str]:
    return drop_rows(plan, [_row(plan, data, plan.visits["activity"] == "reception")]), "calendar.reception_roles"


def _role_on_visit(problem: Problem, plan: Plan, data: st.DataObject) -> tuple[Plan, str]:
    role = data.draw(st.sampled_from(["A", "B"]))
    return set_cells(plan, _row(plan, data, plan.visits["activity"] != "reception"), role=role), \
        "visits.role_misuse"


def _wrong_unit(problem: Problem, plan: Plan, data: st.DataObject) -> tuple[Plan, str]:
    i = _row(plan, data, plan.visits["person_kind"] == "unit")
    unit = plan.visits.loc[i, "person_id"]
    other = data.draw(st.sampled_from([u for u in problem.units["unit_id"] if u != unit]))
    return set_cells(plan, i, person_id=other), "visits.target_not_linked"


def _drop_household_visits(problem: Problem, plan: Plan, data: st.DataObject) -> tuple[Plan, str]:
    i = _row(plan, data, plan.visits["activity"] == "household")
    v = plan.visits
    same = v.index[(v["person_id"] == v.loc[i, "person_id"]) & (v["target_id"] == v.loc[i, "target_id"])]
    keep = data.draw(st.integers(0, len(same) - 1))
    return drop_rows(plan, same[keep:]), "calendar.cadre_min_visits"


MUTATIONS: dict[str, Mutation] = {
    "weekend": _weekend, "other_year": _other_year, "bad_date": _bad_date, "unknown_person": _unknown_person,
    "duplicate": _duplicate, "drop_pair": _drop_pair, "untalk": _untalk, "drop_reception_row": _drop_reception_row,
    "role_on_visit": _role_on_visit, "wrong_unit": _wrong_unit, "drop_household_visits": _drop_household_visits,
}


@SETTINGS
@given(data=st.data())
def test_random_mutation_is_detected(problem, plan, data):
    name = data.draw(st.sampled_from(sorted(MUTATIONS)))
    mutated, expected = MUTATIONS[name](problem, plan, data)
    codes = rule_codes(problem, mutated)
    assert expected in codes, (name, codes)
    assert not run_check(problem, mutated).valid


@st.composite
def small_districts(draw: st.DrawFn) -> Problem:
    n_offices = draw(st.integers(1, 3))
    per_office = draw(st.integers(1, 2))
    n_comm = n_offices * per_office
    communities = [f"C{i}" for i in range(n_comm)]
    households = [(f"H{c}{k}", c) for j, c in enumerate(communities) for k in range(draw(st.integers(j == 0, 4)))]
    tiers = ["secretary", "head", *draw(st.lists(st.sampled_from(["standing", "other"]), min_size=n_offices,
                                                 max_size=n_offices + 2))]
    n_units = draw(st.integers(max(1, -(-n_comm // 3)), n_comm))
    ranks = st.sampled_from(["head", "section", "staff"])
    cadres = [(f"G{u}{k}", f"U{u}", draw(ranks)) for u in range(n_units) for k in range(3)]
    tables = {
        "offices": pd.DataFrame({"office_id": [f"B{i}" for i in range(n_offices)], "name": "办事处"}),
        "communities": pd.DataFrame({"community_id": communities, "name": "社区",
                                     "office_id": [f"B{i // per_office}" for i in range(n_comm)]}),
        "households": pd.DataFrame(households, columns=["household_id", "community_id"]),
        "leaders": pd.DataFrame({"leader_id": [f"L{i}" for i in range(len(tiers))], "name": "领导", "tier": tiers}),
        "units": pd.DataFrame({"unit_id": [f"U{u}" for u in range(n_units)], "name": "单位"}),
        "cadres": pd.DataFrame(cadres, columns=["cadre_id", "unit_id", "rank"]).assign(name="干部"),
    }
    if draw(st.booleans()):
        person = draw(st.sampled_from([*tables["leaders"]["leader_id"], *tables["cadres"]["cadre_id"]]))
        start = draw(st.dates(date(2026, 1, 1), date(2026, 12, 20)))
        end = draw(st.dates(start, min(start + timedelta(days=45), date(2026, 12, 31))))  # longer: A fairness fails
        tables["unavailability"] = pd.DataFrame({"person_id": [person], "start": [start.isoformat()],
                                                 "end": [end.isoformat()]})
    rules = Rules().replace(year=2026, visits={"community_daily_cap": draw(st.integers(2, 4))})
    return build_problem(tables, rules, source="hypothesis")


@settings(max_examples=12, deadline=None)
@given(problem=small_districts())
def test_constructed_plans_of_random_districts_pass(problem):
    """No false alarms: the naive constructive plan (valid by construction, whatever the district) passes."""
    plan = valid_plan(problem)
    report = run_check(problem, plan)
    assert [v.render("en") for v in report.violations] == []
    assert report.every_minimum_met
    assert check_plan(problem, replace(plan, visits=plan.visits.iloc[::-1])) == []  # row order is irrelevant
