"""Units and cadres record their own visits (planner.access.guard.record_own_visits, used by 我的走访 and 本单位):
the policy decides per row at the API, so a cadre cannot record a visit to another cadre's household, not even
under its own name, and a refused batch stores nothing."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from planner.access.accounts import Account
from planner.access.guard import PermissionDenied, record_own_visits
from planner.access.policy import scope_of
from planner.access.roles import Role
from planner.plan import Plan
from planner.problem import Problem
from planner.store.actuals import Record, load_actuals, load_records
from planner.store.api import Store
from planner.ui.scoped import build_view, recorded_visits, visit_record

CADRE, UNIT = "G4", "U2"


def _published(store: Store, solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    store.save_solved("a", problem, plan, "x")
    store.publish("a", 1, author="x")


def _homes(plan: Plan, cadre: str) -> list[str]:
    ch = plan.cadre_households
    return sorted(ch.loc[ch["cadre_id"] == cadre, "household_id"].astype(str))


def _visit(person: tuple[str, str], target: tuple[str, str], day: date = date(2027, 3, 2)) -> Record:
    return Record(person[0], person[1], "home_visit", target[0], target[1], "other_day", date=day)


def test_a_cadre_records_its_own_household_and_not_another(store: Store, solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    _published(store, solved)
    cadre = Account("干部四", Role.CADRE, CADRE)
    scope = scope_of(cadre, problem, plan)
    mine = _homes(plan, CADRE)[0]
    colleague = next(c for c in problem.cadres.loc[problem.cadres["unit_id"] == UNIT, "cadre_id"] if c != CADRE)
    theirs = _homes(plan, str(colleague))[0]
    ids = record_own_visits(store, cadre, scope, "a", [_visit(("cadre", CADRE), ("household", mine))])
    assert len(ids) == 1
    refused = [
        [_visit(("cadre", CADRE), ("household", theirs))],                 # another's household, own name
        [_visit(("cadre", str(colleague)), ("household", theirs))],        # in another cadre's name
        [_visit(("cadre", CADRE), ("household", mine)), _visit(("cadre", CADRE), ("household", theirs))],
        [_visit(("cadre", CADRE), ("community", "C01"))],                  # a community it does not reach
    ]
    for batch in refused:
        with pytest.raises(PermissionDenied):
            record_own_visits(store, cadre, scope, "a", batch)
    with pytest.raises(PermissionDenied):                                  # no scope: nothing is its own
        record_own_visits(store, cadre, None, "a", [_visit(("cadre", CADRE), ("household", mine))])
    stored = load_records(store, "a")
    assert stored["target_id"].tolist() == [mine] and stored["recorded_by"].tolist() == ["干部四"]


def test_a_unit_records_for_itself_and_its_cadres_only(store: Store, solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    _published(store, solved)
    unit = Account("财政局", Role.UNIT, UNIT)
    scope = scope_of(unit, problem, plan)
    community = str(plan.unit_communities.loc[plan.unit_communities["unit_id"] == UNIT, "community_id"].iloc[0])
    record_own_visits(store, unit, scope, "a", [_visit(("unit", UNIT), ("community", community)),
                                                _visit(("cadre", CADRE), ("household", _homes(plan, CADRE)[0]))])
    other_unit = str(problem.units.loc[problem.units["unit_id"] != UNIT, "unit_id"].iloc[0])
    with pytest.raises(PermissionDenied):
        record_own_visits(store, unit, scope, "a", [_visit(("unit", other_unit), ("community", community))])
    assert len(load_actuals(store, "a")) == 2


def test_the_record_follows_the_plan_and_the_view_shows_only_the_scope(store: Store,
                                                                       solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    _published(store, solved)
    v = plan.visits
    row = v[(v["person_kind"] == "cadre") & (v["person_id"] == CADRE) & (v["target_kind"] == "household")].iloc[0]
    planned = pd.Timestamp(str(row["date"])).date()
    on_day = visit_record(plan.visits, ("cadre", CADRE), ("household", str(row["target_id"])), planned, True, " 好 ")
    assert (on_day.outcome, on_day.planned_date, on_day.activity, on_day.talk, on_day.note) == (
        "as_planned", planned, row["activity"], 1, "好")
    later = visit_record(plan.visits, ("cadre", CADRE), ("household", str(row["target_id"])),
                         date(planned.year, 12, 31), False, "")
    assert later.outcome == "other_day" and later.planned_date is not None and later.planned_date != later.date
    colleague = next(c for c in problem.cadres.loc[problem.cadres["unit_id"] == UNIT, "cadre_id"] if c != CADRE)
    view = build_view(store, Account("c", Role.CADRE, CADRE))
    unit_view = build_view(store, Account("u", Role.UNIT, UNIT))
    assert view is not None and unit_view is not None
    record_own_visits(store, view.account, view.scope, "a", [on_day])
    record_own_visits(store, unit_view.account, unit_view.scope, "a",
                      [_visit(("cadre", str(colleague)), ("household", _homes(plan, str(colleague))[0]))])
    mine = recorded_visits(view)
    assert mine is not None and mine["person_id"].tolist() == [CADRE]           # not the colleague's
    theirs = recorded_visits(unit_view)
    assert theirs is not None and sorted(theirs["person_id"]) == sorted([CADRE, str(colleague)])
