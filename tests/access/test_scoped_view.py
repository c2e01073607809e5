"""The published plan as units and cadres get it (planner.ui.scoped): drafts never, the scope only, and the hook
through which recorded visits will arrive returns the scope's rows only."""

from __future__ import annotations

from datetime import date

from planner.access.accounts import Account
from planner.access.roles import Role
from planner.plan import Plan
from planner.problem import Problem
from planner.store.actuals import Record, record_visits
from planner.store.api import Store
from planner.ui.scoped import build_view, recorded_visits


def test_nothing_until_published_then_the_latest_publication(store: Store, solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    unit = Account("u", Role.UNIT, "U2")
    store.save_solved("a", problem, plan, "x")
    assert build_view(store, unit) is None                      # a draft is not shown
    store.publish("a", 1, author="x")
    store.save_solved("a", problem, plan, "x")                  # version 2: a draft again
    view = build_view(store, unit)
    assert view is not None and (view.scenario, view.version) == ("a", 1)
    assert view.ws.store is None                                 # pages cannot write through the view
    assert set(view.ws.problem.units["unit_id"]) == {"U2"}


def test_recorded_visits_return_the_scope_only(store: Store, solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    store.save_solved("a", problem, plan, "x")
    store.publish("a", 1, author="x")
    view = build_view(store, Account("c", Role.CADRE, "G4"))
    assert view is not None
    nothing = recorded_visits(view)   # the actual-visits store is there but holds no record yet
    assert nothing is not None and nothing.empty and {"person_kind", "person_id"} <= set(nothing.columns)
    day = date(2027, 3, 2)
    record_visits(store, "a", [Record("cadre", "G4", "home_visit", "household", "H16", "other_day", date=day),
                               Record("cadre", "G5", "home_visit", "household", "H17", "other_day", date=day),
                               Record("unit", "U2", "unit_visit", "community", "C04", "other_day", date=day)], "x")
    mine = recorded_visits(view)
    assert mine is not None and mine["person_id"].tolist() == ["G4"]
