"""Tiny named instances every test area can import: `from tests.fixtures import tiny_problem`.

The tiny district (year 2026, covered by chinesecalendar): 2 offices (one a zone), 4 communities (2 per office),
20 households (5 per community, ids H01..H20), 3 leaders (secretary, head, standing), 3 units, 8 cadres
(U1: 3, U2: 3, U3: 2; capacity 5 each, so any unit can take two communities = 10 households). Feasible under
the default rules.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.io.validate import build_problem
from planner.problem import Problem
from planner.rules import Rules

TINY_YEAR = 2026


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Raw input tables (English headers, ids as strings), as the reader would hand them to build_problem."""
    offices = pd.DataFrame({
        "office_id": ["B01", "Z01"],
        "name": ["东城办事处", "集聚区管委会"],
        "kind": ["office", "zone"],
        "lat": [34.750, 34.800],
        "lon": [113.620, 113.700],
    })
    communities = pd.DataFrame({
        "community_id": ["C01", "C02", "C03", "C04"],
        "name": ["幸福里社区", "和平社区", "新区一社区", "新区二社区"],
        "office_id": ["B01", "B01", "Z01", "Z01"],
        "lat": [34.751, 34.748, 34.801, 34.803],
        "lon": [113.621, 113.618, 113.702, 113.698],
    })
    community_of = [communities["community_id"][i // 5] for i in range(20)]
    households = pd.DataFrame({
        "household_id": [f"H{i + 1:02d}" for i in range(20)],
        "community_id": community_of,
        "name": [f"户主{i + 1}" for i in range(20)],
        "priority": [3 if i % 5 == 0 else 1 + i % 2 for i in range(20)],
        "lat": [34.75 + 0.05 * (i >= 10) + 0.0004 * (i % 5) for i in range(20)],
        "lon": [113.62 + 0.08 * (i >= 10) + 0.0004 * (i % 5) for i in range(20)],
    })
    leaders = pd.DataFrame({
        "leader_id": ["L1", "L2", "L3"],
        "name": ["书记甲", "区长乙", "常委丙"],
        "tier": ["secretary", "head", "standing"],
    })
    units = pd.DataFrame({
        "unit_id": ["U1", "U2", "U3"],
        "name": ["区财政局", "区民政局", "区教育局"],
        "lat": [34.760, 34.770, 34.780],
        "lon": [113.630, 113.650, 113.670],
    })
    cadres = pd.DataFrame({
        "cadre_id": ["G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8"],
        "name": ["干部1", "干部2", "干部3", "干部4", "干部5", "干部6", "干部7", "干部8"],
        "unit_id": ["U1", "U1", "U1", "U2", "U2", "U2", "U3", "U3"],
        "rank": ["head", "section", "staff", "head", "section", "staff", "head", "staff"],
        "max_households": [None, None, None, None, None, None, None, None],
        "lat": [None] * 8,
        "lon": [None] * 8,
    })
    return {"offices": offices, "communities": communities, "households": households, "leaders": leaders,
            "units": units, "cadres": cadres}


def tiny_problem(**rule_changes: Any) -> Problem:
    """The tiny district as a validated Problem; `rule_changes` as for Rules.replace (year defaults to 2026)."""
    rules = Rules().replace(**{"year": TINY_YEAR, **rule_changes})
    return build_problem(tiny_tables(), rules, source="tiny")


def tiny_office_leaders() -> pd.DataFrame:
    """The office level of the tiny district: B01 (C01, C02) and Z01 (C03, C04) each have a secretary and a
    director, so each office has exactly as many communities as leaders."""
    return pd.DataFrame({
        "person_id": ["OB1", "OB2", "OZ1", "OZ2"],
        "name": ["书记丁", "主任戊", "书记己", "主任庚"],
        "office_id": ["B01", "B01", "Z01", "Z01"],
        "role": ["secretary", "director", "secretary", "director"],
    })


def tiny_office_problem(office_leaders: pd.DataFrame | None = None, **rule_changes: Any) -> Problem:
    """The tiny district with its office level (tiny_office_leaders unless another table is given)."""
    tables = tiny_tables()
    tables["office_leaders"] = tiny_office_leaders() if office_leaders is None else office_leaders
    rules = Rules().replace(**{"year": TINY_YEAR, **rule_changes})
    return build_problem(tables, rules, source="tiny-office")
