"""The one place pages, exports and the store guard ask "may this account see / change this?".

Two questions and one tool:
- `can_view(account, kind, obj, scope)`: one object of a kind (an id, or a row for visits, cases and actual visits,
  or a version with its `published` flag);
- `can_change(account, action, obj, scope)`: an action (and, for the scoped roles, the row it touches);
- `scope_problem` / `scope_plan` / `scope_frame`: FILTER what a page receives, so that a unit's tables, map,
  calendars and downloads hold its part of the plan only. Pages never filter by role themselves.

A `Scope` is the set of ids an account reaches in one (problem, plan); `None` sets mean "everything". Anything the
policy does not know is refused (deny by default).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from planner.access.accounts import Account
from planner.access.roles import ROLES, Action, Reach, Role
from planner.plan import Plan
from planner.problem import Problem


class Kind(StrEnum):
    OFFICE = "office"
    COMMUNITY = "community"
    HOUSEHOLD = "household"
    CADRE = "cadre"
    UNIT = "unit"
    LEADER = "leader"
    VISIT = "visit"          # a planned visit (visits.csv row)
    VERSION = "version"      # a stored plan version (draft or published)
    CASE = "case"            # a case-ledger row
    ACTUAL = "actual"        # a recorded visit (actuals.csv row)


ID_KINDS = (Kind.OFFICE, Kind.COMMUNITY, Kind.HOUSEHOLD, Kind.CADRE, Kind.UNIT, Kind.LEADER)
# Plan report keys a scoped account may see (the rest, e.g. the checker's findings, names people out of scope).
SAFE_REPORT_KEYS = ("year", "status", "estimated_calendar", "rules", "seconds")


@dataclass(frozen=True)
class Scope:
    """Ids an account reaches; `persons` are the (person_kind, person_id) whose visits it sees."""

    offices: frozenset[str] = frozenset()
    communities: frozenset[str] = frozenset()
    households: frozenset[str] = frozenset()
    cadres: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()
    leaders: frozenset[str] = frozenset()
    persons: frozenset[tuple[str, str]] = frozenset()

    def ids(self, kind: Kind) -> frozenset[str]:
        return {Kind.OFFICE: self.offices, Kind.COMMUNITY: self.communities, Kind.HOUSEHOLD: self.households,
                Kind.CADRE: self.cadres, Kind.UNIT: self.units, Kind.LEADER: self.leaders}[kind]


def reach(account: Account | None) -> Reach | None:
    """None for no account (nothing is visible); local single-user mode passes an admin account."""
    return None if account is None else ROLES[account.role].reach


def _ids(series: pd.Series) -> set[str]:
    return set(series.astype(str))


def scope_of(account: Account, problem: Problem, plan: Plan | None) -> Scope | None:
    """The ids `account` reaches in this problem and plan; None when it reaches everything."""
    how = reach(account)
    if how is Reach.ALL:
        return None
    me = str(account.scope or "")
    uc = plan.unit_communities.astype(str) if plan is not None else pd.DataFrame(columns=["unit_id", "community_id"])
    ch = plan.cadre_households.astype(str) if plan is not None else pd.DataFrame(columns=["cadre_id", "household_id"])
    cadres = problem.cadres.astype({"cadre_id": str, "unit_id": str})
    households = problem.households.astype({"household_id": str, "community_id": str})
    if how is Reach.UNIT:
        if me not in _ids(problem.units["unit_id"]):
            return Scope()
        my_cadres = _ids(cadres.loc[cadres["unit_id"] == me, "cadre_id"])
        communities = _ids(uc.loc[uc["unit_id"] == me, "community_id"])
        linked = _ids(ch.loc[ch["cadre_id"].isin(my_cadres), "household_id"])   # "prefer" linkage may leave the area
        homes = _ids(households.loc[households["community_id"].isin(communities), "household_id"]) | linked
        units, persons = {me}, {("unit", me)} | {("cadre", c) for c in my_cadres}
    else:
        if me not in _ids(cadres["cadre_id"]):
            return Scope()
        my_cadres = {me}
        homes = _ids(ch.loc[ch["cadre_id"] == me, "household_id"])
        communities = set()
        units, persons = set(cadres.loc[cadres["cadre_id"] == me, "unit_id"]), {("cadre", me)}
    communities |= _ids(households.loc[households["household_id"].isin(homes), "community_id"])
    comms = problem.communities.astype({"community_id": str, "office_id": str})
    offices = _ids(comms.loc[comms["community_id"].isin(communities), "office_id"])
    return Scope(offices=frozenset(offices), communities=frozenset(communities), households=frozenset(homes),
                 cadres=frozenset(my_cadres), units=frozenset(units), persons=frozenset(persons))


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value) == ""


def can_view(account: Account | None, kind: Kind | str, obj: Any, scope: Scope | None = None) -> bool:
    """May `account` see `obj` of `kind`? `scope` comes from `scope_of` (needed for the unit and cadre roles)."""
    how = reach(account)
    if account is None or how is None:
        return False
    kind = Kind(kind)
    if kind is Kind.VERSION:
        return bool(ROLES[account.role].sees_drafts or _get(obj, "published"))
    if how is Reach.ALL:
        return True
    if scope is None:
        return False
    if kind in ID_KINDS:
        return str(obj) in scope.ids(kind)
    if kind in (Kind.VISIT, Kind.ACTUAL):
        return (str(_get(obj, "person_kind")), str(_get(obj, "person_id"))) in scope.persons
    # a case: its owner unit, its owner or the person it was raised with, or its household, is in scope
    if how is Reach.UNIT and str(_get(obj, "owner_unit")) in scope.units:
        return True
    people = {pid for _, pid in scope.persons}
    if any(not _blank(_get(obj, k)) and str(_get(obj, k)) in people for k in ("owner", "raised_with")):
        return True
    household = _get(obj, "household_id")
    return not _blank(household) and str(household) in scope.households


def can_change(account: Account | None, action: Action | str, obj: Any = None, scope: Scope | None = None) -> bool:
    """May `account` do `action`? For the unit and cadre roles, `obj` is the row changed (an actual visit or a
    case) and must lie in `scope`; without `obj` the answer is whether the role may do it at all."""
    if account is None:
        return False
    spec = ROLES[account.role]
    action = Action(action)
    if action not in spec.changes:
        return False
    if not spec.scoped_changes or obj is None:
        return True
    if action is Action.ACTUALS:   # one's own (or one's unit's) visit, to a household or community in scope
        return can_view(account, Kind.ACTUAL, obj, scope) and _target_in_scope(obj, scope)
    if action is Action.CASES:
        return account.role is Role.UNIT and str(_get(obj, "owner_unit")) == str(account.scope)
    return False


TARGET_KINDS = {"household": Kind.HOUSEHOLD, "community": Kind.COMMUNITY, "office": Kind.OFFICE}


def _target_in_scope(obj: Any, scope: Scope | None) -> bool:
    """A recorded visit's target must be one the account reaches: a cadre cannot record a visit to a household
    that is not its own, even under its own name."""
    kind = TARGET_KINDS.get(str(_get(obj, "target_kind")))
    target = _get(obj, "target_id")
    return scope is not None and kind is not None and not _blank(target) and str(target) in scope.ids(kind)


# -- filters: what a page receives ----------------------------------------------------------------------------------
def scope_frame(frame: pd.DataFrame, kind: Kind | str, column: str, scope: Scope | None) -> pd.DataFrame:
    """Rows of `frame` whose `column` holds an id of `kind` in scope (all rows when the scope is everything)."""
    if scope is None:
        return frame
    return frame[frame[column].astype(str).isin(scope.ids(Kind(kind)))].reset_index(drop=True)


def scope_visits(frame: pd.DataFrame, scope: Scope | None) -> pd.DataFrame:
    """Visit-like rows (planned or actual) of the persons in scope."""
    if scope is None:
        return frame
    keys = zip(frame["person_kind"].astype(str), frame["person_id"].astype(str), strict=True)
    mask = np.fromiter((k in scope.persons for k in keys), dtype=bool, count=len(frame))
    return frame.loc[mask].reset_index(drop=True)   # a boolean mask: an empty list would select no columns


def scope_problem(problem: Problem, scope: Scope | None) -> Problem:
    """The problem reduced to the scope: a display view (index columns are not renumbered; never solve on it).
    Household names and coordinates survive only for households in scope; locks are the organizers' own."""
    if scope is None:
        return problem
    persons = {pid for _, pid in scope.persons}
    unavailable = problem.unavailability
    return dataclasses.replace(
        problem,
        offices=scope_frame(problem.offices, Kind.OFFICE, "office_id", scope),
        communities=scope_frame(problem.communities, Kind.COMMUNITY, "community_id", scope),
        households=scope_frame(problem.households, Kind.HOUSEHOLD, "household_id", scope),
        leaders=problem.leaders.iloc[0:0].reset_index(drop=True),
        units=scope_frame(problem.units, Kind.UNIT, "unit_id", scope),
        cadres=scope_frame(problem.cadres, Kind.CADRE, "cadre_id", scope),
        unavailability=unavailable[unavailable["person_id"].astype(str).isin(persons)].reset_index(drop=True),
        pins=problem.pins.iloc[0:0].reset_index(drop=True),
        forbidden=problem.forbidden.iloc[0:0].reset_index(drop=True),
        source="")


def scope_plan(plan: Plan, scope: Scope | None) -> Plan:
    """The plan reduced to the scope: pairs, visits and names of what the account reaches; a report without the
    checker's findings (they name people out of scope)."""
    if scope is None:
        return plan
    uc = plan.unit_communities
    uc = uc[uc["unit_id"].astype(str).isin(scope.units) & uc["community_id"].astype(str).isin(scope.communities)]
    names = plan.names
    if len(names):
        kinds = names["kind"].astype(str)
        ids = names["id"].astype(str)
        keep = pd.Series(False, index=names.index)
        for kind in ID_KINDS:
            keep |= (kinds == kind.value) & ids.isin(scope.ids(kind))
        names = names[keep].reset_index(drop=True)
    return Plan(leader_offices=plan.leader_offices.iloc[0:0].reset_index(drop=True),
                unit_communities=uc.reset_index(drop=True),
                cadre_households=scope_frame(plan.cadre_households, Kind.HOUSEHOLD, "household_id", scope).pipe(
                    lambda f: f[f["cadre_id"].astype(str).isin(scope.cadres)].reset_index(drop=True)),
                visits=scope_visits(plan.visits, scope),
                report={k: plan.report[k] for k in SAFE_REPORT_KEYS if k in plan.report},
                names=names)
