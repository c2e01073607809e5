"""The tiny district (year 2026) with an office level, for the research-report tests.

Owed by default: L1, L2, L3 (district leaders, 2 each: 06-30 and 12-31); G1, G4, G7 (cadres of rank head) and the
office secretary B01-S and director B01-D (main heads, 1 each: 12-31). B01-M (member) and the other cadres owe none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from planner.io.validate import build_problem
from planner.problem import Problem
from planner.rules import Rules
from tests.fixtures import TINY_YEAR, tiny_tables

OFFICE_LEADERS = pd.DataFrame({"person_id": ["B01-S", "B01-D", "B01-M"], "name": ["赵书记", "钱主任", "孙委员"],
                               "office_id": ["B01", "B01", "B01"], "role": ["secretary", "director", "member"]})


def office_problem(unavailability: list[tuple[str, str, str]] | None = None, office: bool = True,
                   **rule_changes: Any) -> Problem:
    tables = tiny_tables()
    if office:
        tables["office_leaders"] = OFFICE_LEADERS.copy()
    if unavailability:
        tables["unavailability"] = pd.DataFrame(unavailability, columns=["person_id", "start", "end"])
    return build_problem(tables, Rules().replace(**{"year": TINY_YEAR, **rule_changes}), source="tiny")


def reports(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """(person_id, date, title) rows as a raw text table."""
    return pd.DataFrame(list(rows), columns=["person_id", "date", "title"], dtype=object)


def write_data(folder: Path, office: bool = True) -> Path:
    """The tiny district as an input folder (CSV + rules.toml for 2026)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = tiny_tables()
    if office:
        tables["office_leaders"] = OFFICE_LEADERS.copy()
    for stem, frame in tables.items():
        frame.to_csv(folder / f"{stem}.csv", index=False, encoding="utf-8-sig")
    (folder / "rules.toml").write_text(f"year = {TINY_YEAR}\n", encoding="utf-8")
    return folder
