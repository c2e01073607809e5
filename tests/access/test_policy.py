"""The policy, role × kind of object: what each of the five roles may see and change (contract, People and roles).

The expected answers are derived here from the plan's own tables in a few plain lines (which unit links which
community, which cadre which household), never from `scope_of`, so a wrong scope fails the matrix.
"""

from __future__ import annotations

import pandas as pd
import pytest

from planner.access.accounts import Account
from planner.access.policy import Kind, can_change, can_view, scope_of, scope_plan, scope_problem
from planner.access.roles import Action, Role
from planner.plan import Plan
from planner.problem import Problem

UNIT, CADRE = "U2", "G4"            # U2 links C04 only (office Z01); G4 is one of U2's cadres
ACCOUNTS = {
    Role.ADMIN: Account("a", Role.ADMIN), Role.ORGANIZER: Account("o", Role.ORGANIZER),
    Role.UNIT: Account("u", Role.UNIT, UNIT), Role.CADRE: Account("c", Role.CADRE, CADRE),
    Role.INSPECTOR: Account("i", Role.INSPECTOR),
}


def examples(problem: Problem, plan: Plan) -> dict[str, dict[str, object]]:
    """For each kind: an object inside the unit's scope, inside the cadre's, and outside both."""
    uc, ch = plan.unit_communities, plan.cadre_households
    unit_comms = set(uc.loc[uc["unit_id"] == UNIT, "community_id"])
    assert unit_comms == {"C04"}, "the tiny plan changed: pick another unit"
    cadre_homes = sorted(ch.loc[ch["cadre_id"] == CADRE, "household_id"])
    colleague = next(c for c in problem.cadres.loc[problem.cadres["unit_id"] == UNIT, "cadre_id"] if c != CADRE)
    colleague_home = sorted(ch.loc[ch["cadre_id"] == colleague, "household_id"])[0]
    outside_home = problem.households.loc[~problem.households["community_id"].isin(unit_comms), "household_id"].iloc[0]
    other_cadre = problem.cadres.loc[problem.cadres["unit_id"] != UNIT, "cadre_id"].iloc[0]
    visit = {"person_kind": "cadre", "person_id": CADRE}
    return {
        "office": {"in": "Z01", "out": "B01"},
        "community": {"in": "C04", "out": "C01"},
        "household": {"cadre": cadre_homes[0], "unit_only": colleague_home, "out": outside_home},
        "cadre": {"cadre": CADRE, "unit_only": colleague, "out": other_cadre},
        "unit": {"in": UNIT, "out": "U1"},
        "leader": {"out": "L1"},
        "visit": {"cadre": visit, "unit_only": {"person_kind": "unit", "person_id": UNIT},
                  "out": {"person_kind": "cadre", "person_id": other_cadre}},
        "actual": {"cadre": {**visit, "target_kind": "household", "target_id": cadre_homes[0]},
                   "unit_only": {"person_kind": "cadre", "person_id": colleague, "target_kind": "household",
                                 "target_id": colleague_home},
                   "out": {"person_kind": "unit", "person_id": "U1", "target_kind": "community", "target_id": "C01"}},
        "case": {"cadre": {"owner_unit": UNIT, "raised_with": CADRE, "household_id": cadre_homes[0]},
                 "unit_only": {"owner_unit": UNIT, "raised_with": "L1", "household_id": None},
                 "out": {"owner_unit": "U1", "raised_with": other_cadre, "household_id": outside_home}},
        "version": {"published": {"published": True}, "draft": {"published": False}},
    }


# expected visibility: role → (kind, example) → bool; "in" examples of office/community/unit are seen by the cadre
# too (the office, community and unit of its own households).
SEES = {
    Role.UNIT: {"in": True, "cadre": True, "unit_only": True, "out": False, "published": True, "draft": False},
    Role.CADRE: {"in": True, "cadre": True, "unit_only": False, "out": False, "published": True, "draft": False},
}


def _cases() -> list[tuple[Role, str, str]]:
    kinds = {"office": ["in", "out"], "community": ["in", "out"], "household": ["cadre", "unit_only", "out"],
             "cadre": ["cadre", "unit_only", "out"], "unit": ["in", "out"], "leader": ["out"],
             "visit": ["cadre", "unit_only", "out"], "actual": ["cadre", "unit_only", "out"],
             "case": ["cadre", "unit_only", "out"], "version": ["published", "draft"]}
    return [(role, kind, which) for role in Role for kind, whiches in kinds.items() for which in whiches]


@pytest.mark.parametrize(("role", "kind", "which"), _cases(), ids=lambda v: str(v))
def test_view_matrix(solved: tuple[Problem, Plan], role: Role, kind: str, which: str) -> None:
    problem, plan = solved
    account = ACCOUNTS[role]
    obj = examples(problem, plan)[kind][which]
    scope = scope_of(account, problem, plan)
    expected = SEES[role][which] if role in SEES else True
    assert can_view(account, Kind(kind), obj, scope) is expected


CHANGES = {
    Role.ADMIN: set(Action),
    Role.ORGANIZER: {Action.DATA, Action.RULES, Action.LOCKS, Action.SOLVE, Action.PUBLISH, Action.CASES,
                     Action.ACTUALS},
    Role.UNIT: {Action.ACTUALS, Action.CASES},
    Role.CADRE: {Action.ACTUALS},
    Role.INSPECTOR: {Action.SPOT_CHECKS},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_change_matrix(role: Role, action: Action) -> None:
    assert can_change(ACCOUNTS[role], action) is (action in CHANGES[role])


def test_scoped_changes_only_touch_own_rows(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    ex = examples(problem, plan)
    unit, cadre = ACCOUNTS[Role.UNIT], ACCOUNTS[Role.CADRE]
    unit_scope, cadre_scope = scope_of(unit, problem, plan), scope_of(cadre, problem, plan)
    assert can_change(unit, Action.ACTUALS, ex["actual"]["unit_only"], unit_scope)
    assert not can_change(unit, Action.ACTUALS, ex["actual"]["out"], unit_scope)
    assert can_change(cadre, Action.ACTUALS, ex["actual"]["cadre"], cadre_scope)
    assert not can_change(cadre, Action.ACTUALS, ex["actual"]["unit_only"], cadre_scope)   # a colleague's
    own_name_other_home = {**ex["actual"]["cadre"], "target_id": ex["household"]["unit_only"]}
    assert not can_change(cadre, Action.ACTUALS, own_name_other_home, cadre_scope)         # a colleague's household
    assert not can_change(cadre, Action.ACTUALS, {**own_name_other_home, "target_id": ex["household"]["out"]},
                          cadre_scope)
    assert not can_change(cadre, Action.ACTUALS, {**ex["actual"]["cadre"], "target_id": None}, cadre_scope)
    assert can_change(unit, Action.ACTUALS, {**own_name_other_home, "person_id": ex["cadre"]["unit_only"]},
                      unit_scope)                                   # the unit records for its cadre
    assert not can_change(unit, Action.ACTUALS, {"person_kind": "unit", "person_id": UNIT,
                                                 "target_kind": "community", "target_id": "C01"}, unit_scope)
    assert can_change(unit, Action.CASES, ex["case"]["unit_only"], unit_scope)
    assert not can_change(unit, Action.CASES, ex["case"]["out"], unit_scope)
    assert not can_change(cadre, Action.CASES, ex["case"]["cadre"], cadre_scope)


def test_no_account_sees_and_changes_nothing(solved: tuple[Problem, Plan]) -> None:
    for kind in Kind:
        assert not can_view(None, kind, "B01")
    assert not any(can_change(None, action) for action in Action)


def test_a_scope_naming_an_unknown_id_sees_nothing(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    ghost = Account("g", Role.UNIT, "U99")
    scope = scope_of(ghost, problem, plan)
    assert scope is not None and not scope.households and not scope.persons
    assert scope_problem(problem, scope).households.empty
    assert scope_plan(plan, scope).visits.empty


def _persons(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["person_kind"].astype(str), frame["person_id"].astype(str), strict=True))


def test_unit_filter_keeps_exactly_its_part(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    scope = scope_of(ACCOUNTS[Role.UNIT], problem, plan)
    mine, view = scope_problem(problem, scope), scope_plan(plan, scope)
    cadres = set(problem.cadres.loc[problem.cadres["unit_id"] == UNIT, "cadre_id"])
    homes = set(problem.households.loc[problem.households["community_id"] == "C04", "household_id"])
    assert set(mine.households["household_id"]) == homes
    assert set(mine.households["name"]) == set(problem.households.set_index("household_id").loc[sorted(homes), "name"])
    assert set(mine.cadres["cadre_id"]) == cadres and set(mine.communities["community_id"]) == {"C04"}
    assert mine.leaders.empty and mine.pins.empty and set(mine.offices["office_id"]) == {"Z01"}
    assert _persons(view.visits) == {("unit", UNIT)} | {("cadre", c) for c in cadres}
    assert view.leader_offices.empty and set(view.cadre_households["household_id"]) <= homes
    assert "check_findings" not in view.report
    named = view.names[view.names["kind"] == "cadre"]
    assert set(named["id"]) == cadres


def test_cadre_filter_keeps_only_its_households_and_calendar(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    scope = scope_of(ACCOUNTS[Role.CADRE], problem, plan)
    mine, view = scope_problem(problem, scope), scope_plan(plan, scope)
    homes = set(plan.cadre_households.loc[plan.cadre_households["cadre_id"] == CADRE, "household_id"])
    assert set(mine.households["household_id"]) == homes
    assert set(mine.cadres["cadre_id"]) == {CADRE}
    assert _persons(view.visits) == {("cadre", CADRE)}
    assert set(view.visits.loc[view.visits["target_kind"] == "household", "target_id"]) <= homes


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ORGANIZER, Role.INSPECTOR])
def test_everything_roles_get_the_data_unfiltered(solved: tuple[Problem, Plan], role: Role) -> None:
    problem, plan = solved
    scope = scope_of(ACCOUNTS[role], problem, plan)
    assert scope is None
    assert scope_problem(problem, scope) is problem and scope_plan(plan, scope) is plan


def test_every_unit_and_cadre_scope_is_closed_and_private(solved: tuple[Problem, Plan]) -> None:
    """Exhaustively over the tiny district: each scoped view's visits are its own persons', its households are
    exactly the ones its pairs reach, and two cadres never share a household."""
    problem, plan = solved
    seen: dict[str, str] = {}
    for role, ids in ((Role.UNIT, problem.units["unit_id"]), (Role.CADRE, problem.cadres["cadre_id"])):
        for ident in ids:
            scope = scope_of(Account("x", role, str(ident)), problem, plan)
            assert scope is not None
            mine, view = scope_problem(problem, scope), scope_plan(plan, scope)
            assert _persons(view.visits) <= set(scope.persons)
            homes = set(mine.households["household_id"])
            assert set(view.cadre_households["household_id"]) <= homes
            visited = set(view.visits.loc[view.visits["target_kind"] == "household", "target_id"])
            assert visited <= homes
            assert set(mine.communities["community_id"]) >= set(mine.households["community_id"])
            if role is Role.CADRE:
                for home in homes:
                    assert seen.setdefault(home, str(ident)) == str(ident)
    assert set(seen) == set(problem.households["household_id"])   # every household belongs to one cadre's scope
