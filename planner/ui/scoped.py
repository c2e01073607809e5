"""The published plan as a unit or a cadre sees it: loaded from the store, then FILTERED by the policy.

Units and cadres never get the organizers' Workspace (drafts, data, rules, locks): they get a read-only view of
the version published last (`Store.current_publication`), reduced to their scope by `planner.access.policy`, in a
Workspace without a store (so no page can write through it). The Results and Export pages and the self-service
pages all draw from this reduced view, so their tables, map, calendars and downloads hold the scope only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from planner.access.accounts import Account
from planner.access.guard import record_own_visits
from planner.access.policy import Scope, scope_of, scope_plan, scope_problem, scope_visits
from planner.store.actuals import VISIT_COLUMNS, Record, load_actuals, load_records
from planner.store.api import Store
from planner.supervision.progress import compute_progress
from planner.ui.state import Workspace, new_key

VIEW_KEY = "access_view"
log = logging.getLogger(__name__)


@dataclass
class ScopedView:
    account: Account
    scenario: str
    version: int
    scope: Scope | None
    ws: Workspace           # problem and plan already reduced to the scope; store None (read-only)
    store: Store | None = None   # for the functions below only (recorded visits, progress); never handed to pages


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


# -- recorded (actual) visits and progress of the scope ---------------------------------------------------------------
def recorded_visits(view: ScopedView) -> pd.DataFrame | None:
    """The recorded visits that happened (actuals.csv columns), reduced to the scope; None without a store."""
    if view.store is None:
        return None
    return scope_visits(load_actuals(view.store, view.scenario), view.scope)


def recorded_list(view: ScopedView) -> pd.DataFrame:
    """Every record of the scope's persons, latest visit first, with notes (the scope's own notes only)."""
    if view.store is None:
        return pd.DataFrame(columns=["id", *VISIT_COLUMNS, "outcome", "note"])
    frame = scope_visits(load_records(view.store, view.scenario, with_notes=True), view.scope)
    return frame.sort_values(["date", "id"], ascending=False, na_position="last").reset_index(drop=True)


def visit_record(plan_visits: pd.DataFrame, person: tuple[str, str], target: tuple[str, str], day: date,
                 talk: bool, note: str) -> Record:
    """A record of a visit that happened on `day`: `as_planned` when the plan has this person → target on that
    day, else `other_day` answering the nearest planned visit (its activity and role are taken over)."""
    v = plan_visits
    rows = v[(v["person_kind"].astype(str) == person[0]) & (v["person_id"].astype(str) == person[1])
             & (v["target_kind"].astype(str) == target[0]) & (v["target_id"].astype(str) == target[1])]
    planned: date | None = None
    activity, role = "", ""
    if len(rows):
        days = [pd.Timestamp(str(d)).date() for d in rows["date"]]
        at = min(range(len(days)), key=lambda i: (abs((days[i] - day).days), days[i]))
        row = rows.iloc[at]
        planned, activity, role = days[at], str(row["activity"]), _text(row["role"])
    return Record(person[0], person[1], activity, target[0], target[1],
                  "as_planned" if planned == day else "other_day", date=day, planned_date=planned,
                  talk=int(talk), role=role, note=note.strip())


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def record_visit(view: ScopedView, record: Record) -> int:
    """Store the account's own record (the policy decides; PermissionDenied when the row is not its to record)."""
    assert view.store is not None
    return record_own_visits(view.store, view.account, view.scope, view.scenario, [record])[0]


def progress_rows(view: ScopedView, as_of: date) -> pd.DataFrame | None:
    """Progress obligations (contract `progress.csv` columns) of the scope: computed on the whole published
    version by planner.supervision.progress `compute_progress`, then reduced to the scope's persons."""
    if view.store is None:
        return None
    try:
        problem, plan = view.store.load_version(view.scenario, view.version)
        pairs = {"leader_offices": plan.leader_offices, "unit_communities": plan.unit_communities,
                 "cadre_households": plan.cadre_households}
        rows = compute_progress(problem, pairs, plan.visits, load_actuals(view.store, view.scenario), as_of).table
    except Exception:   # the page then shows what the plan alone says; the error is logged, not shown
        log.exception("progress of the published version could not be computed")
        return None
    return scope_visits(rows, view.scope)
