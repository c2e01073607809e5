"""The published plan as a unit or a cadre sees it: loaded from the store, then FILTERED by the policy.

Units and cadres never get the organizers' Workspace (drafts, data, rules, locks): they get a read-only view of
the version published last (`Store.current_publication`), reduced to their scope by `planner.access.policy`, in a
Workspace without a store (so no page can write through it). The Results and Export pages and the self-service
pages all draw from this reduced view, so their tables, map, calendars and downloads hold the scope only.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from planner.access.accounts import Account
from planner.access.policy import Scope, scope_of, scope_plan, scope_problem, scope_visits
from planner.store.api import Store
from planner.ui.state import Workspace, new_key

VIEW_KEY = "access_view"


@dataclass
class ScopedView:
    account: Account
    scenario: str
    version: int
    scope: Scope | None
    ws: Workspace           # problem and plan already reduced to the scope; store None (read-only)
    store: Store | None = None   # for the hooks below only (recorded visits, progress); never handed to pages


def build_view(store: Store, account: Account) -> ScopedView | None:
    """The published version reduced to `account`'s scope, or None when nothing is published yet."""
    current = store.current_publication()
    if current is None:
        return None
    scenario, version = current
    problem, plan = store.load_version(scenario, version)
    scope = scope_of(account, problem, plan)
    ws = Workspace(store=None, scenario=scenario, author=account.name)
    ws.problem, ws.problem_key, ws.rules = scope_problem(problem, scope), new_key(), problem.rules
    ws.plan, ws.plan_key, ws.version, ws.violations = scope_plan(plan, scope), new_key(), version, None
    return ScopedView(account, scenario, version, scope, ws, store)


def scoped_view(store: Store | None, account: Account) -> ScopedView | None:
    """This session's view, rebuilt when another version has been published since."""
    if store is None:
        return None
    current = store.current_publication()
    view = st.session_state.get(VIEW_KEY)
    if (isinstance(view, ScopedView) and current == (view.scenario, view.version)
            and view.account == account):
        return view
    view = build_view(store, account)
    st.session_state[VIEW_KEY] = view
    return view


# -- hooks for recording actual visits and progress (Part 2 "actual visits", planner/supervision) ----------------
def recorded_visits(view: ScopedView) -> pd.DataFrame | None:
    """The account's recorded (actual) visits, reduced to its scope; None while the store keeps none.

    Hook for the actual-visits work (planner/store/actuals.py `load_actuals(store, scenario)`, being built beside
    this): once present, the self-service pages show done counts next to the plan; recording from these pages
    goes through the same module, with `policy.can_change(account, Action.ACTUALS, row, view.scope)` per row."""
    load = getattr(_module("planner.store.actuals"), "load_actuals", None)
    if load is None or view.store is None:
        return None
    try:
        frame = load(view.store, view.scenario)
    except Exception:   # an older store without the table: nothing recorded yet
        return None
    return scope_visits(frame, view.scope) if isinstance(frame, pd.DataFrame) else None


def progress_rows(view: ScopedView, as_of: date) -> pd.DataFrame | None:
    """Progress obligations (contract `progress.csv` columns) of the scope: computed on the whole published
    version by planner.supervision.progress `compute_progress`, then reduced to the scope's persons."""
    actuals = recorded_visits(view)
    compute = getattr(_module("planner.supervision.progress"), "compute_progress", None)
    if actuals is None or compute is None or view.store is None:
        return None
    try:
        problem, plan = view.store.load_version(view.scenario, view.version)
        pairs = {"leader_offices": plan.leader_offices, "unit_communities": plan.unit_communities,
                 "cadre_households": plan.cadre_households}
        rows = compute(problem, pairs, plan.visits, load_all_actuals(view), as_of).table
    except Exception:
        return None
    return scope_visits(rows, view.scope) if isinstance(rows, pd.DataFrame) else None


def load_all_actuals(view: ScopedView) -> pd.DataFrame:
    """Every recorded visit of the scenario (progress counts need them; only scoped rows leave this module)."""
    load = getattr(_module("planner.store.actuals"), "load_actuals", None)
    assert load is not None and view.store is not None
    frame = load(view.store, view.scenario)
    assert isinstance(frame, pd.DataFrame)
    return frame


def _module(name: str) -> object | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
