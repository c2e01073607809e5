"""Scenarios and their current input: create, list, load, and save edits with optimistic locking and merge.

Several people edit one scenario for days: a save names the revision it was based on; if someone saved in between,
the save raises `ConflictError` saying who changed what, and the caller reloads or retries with `merge=True` (a
three-way merge by part: each table and the rules; it fails only when both sides changed the same part).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import select

from planner.messages import text
from planner.problem import Problem
from planner.rules import Rules
from planner.store import audit
from planner.store import schema as t
from planner.store.core import StoreCore
from planner.store.records import (
    TABLE_STEMS,
    ConflictError,
    ScenarioInfo,
    ScenarioInput,
    StoreError,
    aware,
    empty_table,
    frames_equal,
)


class Scenarios(StoreCore):
    # -- scenarios ------------------------------------------------------------------------------------------------
    def create_scenario(self, name: str, author: str, problem: Problem | None = None) -> ScenarioInfo:
        """A new scenario, empty or holding `problem`'s input as revision 1."""
        with self._tx() as conn:
            if conn.execute(select(t.scenarios.c.id).where(t.scenarios.c.name == name)).first():
                raise StoreError(*text("store.scenario_exists", name=name))
            row = self._create_row(conn, name, author)
            if problem is not None:
                self._make_current(conn, row, None, problem.raw_tables(), problem.rules, problem.source, author)
        return self.scenario(name)

    def list_scenarios(self) -> list[ScenarioInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.scenarios).order_by(t.scenarios.c.name)).all()
        return [self._info(r) for r in rows]

    def scenario(self, name: str) -> ScenarioInfo:
        with self.engine.connect() as conn:
            return self._info(self._scenario_row(conn, name))

    @staticmethod
    def _info(r: Any) -> ScenarioInfo:
        return ScenarioInfo(name=r.name, revision=r.revision, versions=r.last_version, created_at=aware(r.created_at),
                            created_by=r.created_by, updated_at=aware(r.updated_at), updated_by=r.updated_by)

    # -- scenario input -------------------------------------------------------------------------------------------
    def load_input(self, name: str) -> ScenarioInput:
        with self.engine.connect() as conn:
            row = self._scenario_row(conn, name)
            if row.current_input_id is None:
                return ScenarioInput({s: empty_table(s) for s in TABLE_STEMS}, Rules(), row.revision)
            return self._get_input(conn, row.current_input_id, row.revision)

    def load_problem(self, name: str) -> Problem:
        return self.load_input(name).problem()

    def save_input(self, name: str, *, author: str, expected_revision: int,
                   tables: Mapping[str, pd.DataFrame] | None = None, rules: Rules | None = None,
                   merge: bool = False, source: str | None = None) -> int:
        """Save changed parts (any tables, incl. locks `pins`/`forbidden`, and/or rules); returns the new revision.

        Parts not given stay as they are. A stale `expected_revision` raises ConflictError, unless `merge`:
        then parts only this caller changed are applied on top of the other edits, and only a part changed by
        both sides raises ConflictError (with `parts` naming them).
        """
        unknown = set(tables or {}) - set(TABLE_STEMS)
        if unknown:
            raise StoreError(*text("store.unknown_tables", tables=sorted(unknown)))
        with self._tx() as conn:
            row = self._scenario_row(conn, name)
            current = (self._get_input(conn, row.current_input_id, row.revision)
                       if row.current_input_id is not None else None)
            mine_tables = dict(tables or {})
            mine_rules = rules
            if row.revision != expected_revision:
                changes = self._changes_since(conn, row.id, expected_revision)
                if not merge:
                    raise ConflictError(name, expected_revision, int(row.revision), changes)
                base_id = audit.input_at(conn, row.id, expected_revision)
                base = self._get_input(conn, base_id) if base_id is not None else None
                clash = self._clashes(base, current, mine_tables, mine_rules)
                if clash:
                    raise ConflictError(name, expected_revision, int(row.revision), changes, tuple(clash))
            new_tables = {s: (mine_tables[s] if s in mine_tables else
                              current.tables[s] if current is not None else empty_table(s)) for s in TABLE_STEMS}
            new_rules = mine_rules or (current.rules if current is not None else Rules())
            new_source = source if source is not None else (current.source if current is not None else "")
            return self._make_current(conn, row, current, new_tables, new_rules, new_source, author)

    @staticmethod
    def _clashes(base: ScenarioInput | None, current: ScenarioInput | None, mine: Mapping[str, pd.DataFrame],
                 rules: Rules | None) -> list[str]:
        """Parts that both this caller and someone else changed relative to `base`."""
        def table(src: ScenarioInput | None, stem: str) -> pd.DataFrame:
            return src.tables[stem] if src is not None else empty_table(stem)

        out = []
        for stem, frame in mine.items():
            mine_changed = not frames_equal(table(base, stem), frame)
            theirs_changed = not frames_equal(table(base, stem), table(current, stem))
            if mine_changed and theirs_changed and not frames_equal(frame, table(current, stem)):
                out.append(stem)
        if rules is not None:
            base_rules = base.rules if base is not None else Rules()
            cur_rules = current.rules if current is not None else Rules()
            if rules != base_rules and cur_rules != base_rules and rules != cur_rules:
                out.append("rules")
        return out

    def save_rules(self, name: str, rules: Rules, *, author: str, expected_revision: int, merge: bool = False) -> int:
        return self.save_input(name, author=author, expected_revision=expected_revision, rules=rules, merge=merge)

    def save_locks(self, name: str, *, author: str, expected_revision: int, pins: pd.DataFrame | None = None,
                   forbidden: pd.DataFrame | None = None, merge: bool = False) -> int:
        tables = {k: v for k, v in (("pins", pins), ("forbidden", forbidden)) if v is not None}
        return self.save_input(name, author=author, expected_revision=expected_revision, tables=tables, merge=merge)
