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
    return ScopedView(account, scenario, version, scope, ws)


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
    """The account's recorded (actual) visits, already scoped; None while the store keeps no actual visits.

    Hook: when planner/supervision stores actual visits, load them here for `view.scenario` and return
    `policy.scope_visits(actuals, view.scope)`; the self-service pages then show done counts next to the plan."""
    loader = getattr(_supervision("actuals"), "load_recorded", None)
    if loader is None:
        return None
    try:
        frame = loader(view.scenario)
    except Exception:
        return None
    return scope_visits(frame, view.scope) if isinstance(frame, pd.DataFrame) else None


def progress_rows(view: ScopedView, as_of: date) -> pd.DataFrame | None:
    """Progress obligations (contract `progress.csv` columns) of the scope, when planner.supervision provides
    `progress.progress_frame(problem, plan, actuals, as_of)`; None otherwise."""
    actuals = recorded_visits(view)
    build = getattr(_supervision("progress"), "progress_frame", None)
    if actuals is None or build is None or view.ws.problem is None or view.ws.plan is None:
        return None
    try:
        rows = build(view.ws.problem, view.ws.plan, actuals, as_of)
    except Exception:
        return None
    return scope_visits(rows, view.scope) if isinstance(rows, pd.DataFrame) else None


def _supervision(name: str) -> object | None:
    try:
        return importlib.import_module(f"planner.supervision.{name}")
    except ImportError:
        return None
