"""A small, independent verifier of the assignment rules (SEMANTICS.md "Assignment") and instance builders.

Deliberately shares no code with planner.assign: it recomputes every rule from the plan's id tables.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.io.validate import build_problem
from planner.problem import Problem
from planner.result import Assignment
from planner.rules import Rules
from tests.fixtures import TINY_YEAR, tiny_tables


def verify(problem: Problem, assignment: Assignment) -> list[str]:
    """Every assignment-rule violation, in words (empty = all hold)."""
    out: list[str] = []
    frames = assignment.frames(problem)
    lo, uc, ch = frames["leader_offices"], frames["unit_communities"], frames["cadre_households"]
    rules = problem.rules
    # 1. leaders
    per_leader = lo.groupby("leader_id").size()
    for leader in problem.leaders["leader_id"]:
        n = int(per_leader.get(leader, 0))
        if not 1 <= n <= rules.assign.leader_max_offices:
            out.append(f"leader {leader} links {n} offices")
    per_office = lo.groupby("office_id").size().reindex(problem.offices["office_id"], fill_value=0)
    if (per_office < 1).any():
        out.append(f"offices without leader: {list(per_office[per_office < 1].index)}")
    if len(per_office) and per_office.max() - per_office.min() > 1:
        out.append(f"leader counts per office differ by {per_office.max() - per_office.min()}")
    # 2. units
    if uc["community_id"].duplicated().any() or set(uc["community_id"]) != set(problem.communities["community_id"]):
        out.append("a community is not linked by exactly one unit")
    if problem.n_units <= problem.n_communities:
        missing = set(problem.units["unit_id"]) - set(uc["unit_id"])
        if missing:
            out.append(f"units without community: {sorted(missing)}")
    # 3. cadres
    if ch["household_id"].duplicated().any() or set(ch["household_id"]) != set(problem.households["household_id"]):
        out.append("a household is not linked by exactly one cadre")
    cap = dict(zip(problem.cadres["cadre_id"], problem.cadres["capacity"], strict=True))
    for cadre, n in ch.groupby("cadre_id").size().items():
        if n > cap[cadre]:
            out.append(f"cadre {cadre} has {n} households > capacity {cap[cadre]}")
    # 4. linkage
    if rules.assign.linkage == "strict":
        unit_of_cadre = dict(zip(problem.cadres["cadre_id"], problem.cadres["unit_id"], strict=True))
        comm_of_hh = dict(zip(problem.households["household_id"], problem.households["community_id"], strict=True))
        linked = set(zip(uc["unit_id"], uc["community_id"], strict=True))
        for cadre, hh in zip(ch["cadre_id"], ch["household_id"], strict=True):
            if (unit_of_cadre[cadre], comm_of_hh[hh]) not in linked:
                out.append(f"cadre {cadre} links household {hh} outside its unit's communities")
    # 5. pins / forbidden
    plan_pairs = {"leader_office": set(zip(lo["leader_id"], lo["office_id"], strict=True)),
                  "unit_community": set(zip(uc["unit_id"], uc["community_id"], strict=True)),
                  "cadre_household": set(zip(ch["cadre_id"], ch["household_id"], strict=True))}
    for _, row in problem.pins.iterrows():
        if (row["subject_id"], row["target_id"]) not in plan_pairs[str(row["kind"])]:
            out.append(f"pin {row['kind']} {row['subject_id']}->{row['target_id']} missing")
    for _, row in problem.forbidden.iterrows():
        if (row["subject_id"], row["target_id"]) in plan_pairs[str(row["kind"])]:
            out.append(f"forbidden {row['kind']} {row['subject_id']}->{row['target_id']} present")
    return out


def check_with_checker(problem: Problem, assignment: Assignment) -> list[Any]:
    """Assignment violations reported by planner.check (written independently of the engine)."""
    from planner.check import check_plan
    from planner.plan import Plan

    return check_plan(problem, Plan(**assignment.frames(problem)), calendar=False)


def fast_rules(**changes: Any) -> Rules:
    """Default rules with a small solver budget and one worker, for tests on a shared machine."""
    base: dict[str, Any] = {"year": TINY_YEAR, "solver": {"time_limit": 5.0, "workers": 1}}
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return Rules().replace(**base)


def tiny(pins: list[tuple[str, str, str]] | None = None, forbidden: list[tuple[str, str, str]] | None = None,
         edit: Any = None, **rule_changes: Any) -> Problem:
    """The tiny district with optional pins/forbidden rows, an edit(tables) hook and rule changes."""
    tables = tiny_tables()
    if pins:
        tables["pins"] = pd.DataFrame(pins, columns=["kind", "subject_id", "target_id"])
    if forbidden:
        tables["forbidden"] = pd.DataFrame(forbidden, columns=["kind", "subject_id", "target_id"])
    if edit is not None:
        edit(tables)
    return build_problem(tables, fast_rules(**rule_changes), source="tiny")
