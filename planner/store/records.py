"""What the store hands out and raises: errors (zh/en), value objects, and the table names it knows.

Kept apart from the Store class so callers (the app, access, workflow) can name these types without pulling in the
database code, and so the store modules share one definition of a table's empty shape and of "unchanged".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from planner.errors import Lang
from planner.io.validate import build_problem
from planner.model import TABLES
from planner.problem import Problem
from planner.rules import Rules
from planner.store import codec

LOCK_TABLES = ("pins", "forbidden")
TABLE_STEMS = tuple(spec.stem for spec in TABLES)
TABLE_COLUMNS = {spec.stem: list(spec.names) for spec in TABLES}
PLAN_TABLES = ("leader_offices", "unit_communities", "cadre_households", "visits", "names", "office_leader_communities")


# -- errors ---------------------------------------------------------------------------------------------------------
class StoreError(Exception):
    """A store request that cannot be served (unknown scenario or version, ...), in Chinese and English."""

    def __init__(self, message_zh: str, message_en: str):
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(message_en)

    def render(self, lang: Lang = "zh") -> str:
        return self.message_zh if lang == "zh" else self.message_en


class NotFoundError(StoreError, LookupError):
    pass


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    author: str
    action: str       # create | data | rules | locks | restore | version | purge
    what: str
    revision: int | None
    version: int | None
    details: dict[str, Any]


class ConflictError(StoreError):
    """Saving on a stale revision: `changes` says who changed what since `expected` (the app offers merge/reload)."""

    def __init__(self, scenario: str, expected: int, current: int, changes: list[AuditEntry],
                 parts: tuple[str, ...] = ()):
        self.scenario, self.expected, self.current, self.changes, self.parts = (
            scenario, expected, current, changes, parts)
        who = sorted({c.author for c in changes}) or ["?"]
        what = "; ".join(f"{c.author} {c.at:%Y-%m-%d %H:%M} {c.what}" for c in changes[-5:])
        clash = ", ".join(parts)
        zh = (f"方案“{scenario}”已被 {'、'.join(who)} 修改（您基于第 {expected} 版编辑，当前为第 {current} 版）：{what}。"
              + (f"双方都修改了：{clash}。" if clash else "") + "请合并或重新加载。")
        en = (f"scenario '{scenario}' was changed by {', '.join(who)} (you edited revision {expected}, it is now "
              f"{current}): {what}. " + (f"Both sides changed: {clash}. " if clash else "") + "Merge or reload.")
        super().__init__(zh, en)


# -- value objects ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    revision: int
    versions: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True, eq=False)
class ScenarioInput:
    """A scenario's input: contract tables (English columns; locks are `pins`/`forbidden`), rules, revision."""

    tables: dict[str, pd.DataFrame]
    rules: Rules
    revision: int
    source: str = ""

    @property
    def locks(self) -> dict[str, pd.DataFrame]:
        return {k: self.tables[k] for k in LOCK_TABLES}

    def problem(self) -> Problem:
        """Validated Problem (raises InputError if the stored tables no longer validate)."""
        return build_problem(dict(self.tables), self.rules, self.source)


@dataclass(frozen=True)
class VersionInfo:
    number: int
    created_at: datetime
    author: str
    kind: str
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float | None
    since: date | None
    base_version: int | None
    counts: dict[str, int]
    note: str



# -- small helpers shared by the store modules ----------------------------------------------------------------------------------------------------------
def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def jsonable(value: Any) -> Any:
    """What a JSON column gives back, so a stored report compares equal to the loaded one."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def empty_table(stem: str) -> pd.DataFrame:
    return pd.DataFrame(columns=TABLE_COLUMNS[stem])


def frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Same content (dtype differences of empty or all-text columns do not count as a change)."""
    if a.shape != b.shape or list(a.columns) != list(b.columns):
        return False
    if codec.frame_to_bytes(a) == codec.frame_to_bytes(b):
        return True
    return bool((a.astype(str).to_numpy() == b.astype(str).to_numpy()).all())


def part_of(stem: str) -> str:
    return "locks" if stem in LOCK_TABLES else "data"

