"""A hand-made plan on the tiny district (year 2026) and helpers to build actual visits for it.

Links: L1→B01, L2→Z01, L3→B01; U1→C01, U2→C03; G1 (head)→H01, H02; G3 (staff)→H03; G4 (head)→H06.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from planner.io.validate import build_problem
from planner.problem import Problem
from planner.rules import Rules
from planner.supervision.actuals import Actuals, validate_actuals
from planner.supervision.progress import Progress, compute_progress
from tests.fixtures import TINY_YEAR, tiny_tables

COLUMNS = ["date", "person_kind", "person_id", "activity", "target_kind", "target_id", "role", "talk"]
PAIRS = {
    "leader_offices": pd.DataFrame({"leader_id": ["L1", "L2", "L3"], "office_id": ["B01", "Z01", "B01"]}),
    "unit_communities": pd.DataFrame({"unit_id": ["U1", "U2"], "community_id": ["C01", "C03"]}),
    "cadre_households": pd.DataFrame({"cadre_id": ["G1", "G1", "G3", "G4"], "household_id": ["H01", "H02", "H03",
                                                                                          "H06"]}),
}


def problem(unavailability: list[tuple[str, str, str]] | None = None, **rule_changes: Any) -> Problem:
    tables = tiny_tables()
    if unavailability:
        tables["unavailability"] = pd.DataFrame(unavailability, columns=["person_id", "start", "end"])
    rules = Rules().replace(**{"year": TINY_YEAR, **rule_changes})
    return build_problem(tables, rules, source="tiny")


def visits(*rows: tuple[Any, ...]) -> pd.DataFrame:
    """Rows (date, person_kind, person_id, activity, target_kind, target_id[, talk]) as a visits frame."""
    out = []
    for row in rows:
        d, pk, pid, act, tk, tid, *rest = row
        out.append({"date": d, "person_kind": pk, "person_id": pid, "activity": act, "target_kind": tk,
                    "target_id": tid, "role": "", "talk": rest[0] if rest else 0})
    return pd.DataFrame(out, columns=COLUMNS).astype({"talk": int}) if out else pd.DataFrame(columns=COLUMNS)


def actuals(prob: Problem, frame: pd.DataFrame) -> Actuals:
    return validate_actuals(frame.astype(str), prob, "actuals.csv")


def progress(prob: Problem, done: pd.DataFrame, as_of: date, plan: pd.DataFrame | None = None) -> Progress:
    act = actuals(prob, done)
    return compute_progress(prob, PAIRS, plan if plan is not None else visits(), act.visits, as_of)


def row(p: Progress, obligation: str, person: str, target: str = "") -> dict[str, Any]:
    t = p.table
    hit = t[(t["obligation"] == obligation) & (t["person_id"] == person) & (t["target_id"] == target)]
    assert len(hit) == 1, (obligation, person, target, len(hit))
    out: dict[str, Any] = hit.iloc[0].to_dict()
    return out
