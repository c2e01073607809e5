"""The store's core: connections, content-addressed blobs, input snapshots, and moving a scenario's revision.

Why it is built this way:
- Tables are Parquet blobs addressed by their SHA-256 (schema.py), so an unchanged table is stored once; an input
  snapshot is the set of its tables' digests plus the rules, deduplicated by content within a scenario.
- Household names and coordinates are split off into `personal_data` (codec.split_personal) so they can be purged
  without touching the rest (privacy.py).
- A scenario's current input carries a `revision` counter (optimistic locking): `_make_current` moves it with an
  UPDATE guarded by the revision the caller read, so two saves can never both win; the loser gets ConflictError
  saying who changed what. Each changed part is audited in the same transaction (audit.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Self

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from planner.messages import text
from planner.rules import Rules, rules_from_dict
from planner.store import audit, codec
from planner.store import schema as t
from planner.store.audit import rules_change, summary, table_change
from planner.store.records import (
    LOCK_TABLES,
    TABLE_COLUMNS,
    TABLE_STEMS,
    AuditEntry,
    ConflictError,
    NotFoundError,
    ScenarioInput,
    empty_table,
    frames_equal,
    jsonable,
    part_of,
    utcnow,
)

log = logging.getLogger("planner.store")


class StoreCore:
    """Connection handling and the building blocks every part of the store writes with."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # -- building blocks ------------------------------------------------------------------------------------------------
    def _insert_ignore(self, conn: Connection, table: Any, values: dict[str, Any], keys: list[str]) -> None:
        dialect = conn.dialect.name
        stmt: Any
        if dialect == "postgresql":
            stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
        elif dialect == "sqlite":
            stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
        else:  # pragma: no cover - other databases: check, then insert
            if conn.execute(select(table).where(*(table.c[k] == values[k] for k in keys))).first():
                return
            stmt = insert(table).values(**values)
        conn.execute(stmt)

    def _put_blob(self, conn: Connection, frame: pd.DataFrame) -> str:
        data = codec.frame_to_bytes(frame)
        digest = codec.sha256(data)
        self._insert_ignore(conn, t.blobs, {"sha256": digest, "size": len(data), "data": data}, ["sha256"])
        return digest

    def _get_blob(self, conn: Connection, digest: str) -> pd.DataFrame:
        data = conn.execute(select(t.blobs.c.data).where(t.blobs.c.sha256 == digest)).scalar_one()
        return codec.frame_from_bytes(data)

    def _scenario_row(self, conn: Connection, name: str) -> Any:
        row = conn.execute(select(t.scenarios).where(t.scenarios.c.name == name)).first()
        if row is None:
            raise NotFoundError(*text("store.no_scenario", name=name))
        return row

    def _create_row(self, conn: Connection, name: str, author: str) -> Any:
        now = utcnow()
        conn.execute(insert(t.scenarios).values(name=name, created_at=now, created_by=author, revision=0,
                                                updated_at=now, updated_by=author, current_input_id=None,
                                                last_version=0))
        row = self._scenario_row(conn, name)
        self._audit(conn, row.id, author, "create", f"scenario '{name}' created", 0, None, None, {})
        log.info("scenario %s created", name)
        return row

    def _audit(self, conn: Connection, scenario_id: int, author: str, action: str, what: str, revision: int | None,
               version: int | None, input_id: int | None, details: dict[str, Any]) -> None:
        audit.write(conn, scenario_id, author, action, what, revision, version, input_id, details)

    def _put_input(self, conn: Connection, scenario_id: int, tables: Mapping[str, pd.DataFrame], rules: Rules,
                   source: str, author: str) -> int:
        """Store an input snapshot (deduplicated by content within the scenario) and return its id."""
        refs: dict[str, str] = {}
        personal_sha: str | None = None
        personal_id: int | None = None
        for stem in TABLE_STEMS:
            frame = tables.get(stem)
            frame = empty_table(stem) if frame is None else frame.reset_index(drop=True)
            if stem == codec.PERSONAL_TABLE:
                frame, personal = codec.split_personal(frame)
                data = codec.frame_to_bytes(personal)
                personal_sha = codec.sha256(data)
                self._insert_ignore(conn, t.personal_data, {"scenario_id": scenario_id, "sha256": personal_sha,
                                                            "data": data}, ["scenario_id", "sha256"])
                conn.execute(update(t.personal_data).where(   # given again after a purge: keep it again
                    t.personal_data.c.scenario_id == scenario_id, t.personal_data.c.sha256 == personal_sha,
                    t.personal_data.c.data.is_(None)).values(data=data, purged_at=None))
                personal_id = conn.execute(select(t.personal_data.c.id).where(
                    t.personal_data.c.scenario_id == scenario_id, t.personal_data.c.sha256 == personal_sha)
                ).scalar_one()
            refs[stem] = self._put_blob(conn, frame)
        rules_dict = jsonable(rules.to_dict())
        digest = codec.digest({"tables": refs, "personal": personal_sha, "rules": rules_dict})
        existing = conn.execute(select(t.inputs.c.id).where(t.inputs.c.scenario_id == scenario_id,
                                                            t.inputs.c.sha256 == digest)).first()
        if existing is not None:
            return int(existing.id)
        result = conn.execute(insert(t.inputs).values(
            scenario_id=scenario_id, sha256=digest, created_at=utcnow(), created_by=author, tables=refs,
            rules=rules_dict, personal_id=personal_id, source=source))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def _get_input(self, conn: Connection, input_id: int, revision: int = 0) -> ScenarioInput:
        row = conn.execute(select(t.inputs).where(t.inputs.c.id == input_id)).one()
        tables: dict[str, pd.DataFrame] = {}
        for stem in TABLE_STEMS:
            digest = row.tables.get(stem)
            frame = self._get_blob(conn, digest) if digest else empty_table(stem)
            if stem == codec.PERSONAL_TABLE:
                personal = None
                if row.personal_id is not None:
                    data = conn.execute(select(t.personal_data.c.data).where(
                        t.personal_data.c.id == row.personal_id)).scalar_one()
                    personal = codec.frame_from_bytes(data) if data is not None else None
                frame = codec.join_personal(frame, personal, TABLE_COLUMNS[stem])
            tables[stem] = frame
        return ScenarioInput(tables=tables, rules=rules_from_dict(row.rules, "store"), revision=revision,
                             source=row.source)

    def _changes_since(self, conn: Connection, scenario_id: int, revision: int) -> list[AuditEntry]:
        return audit.changes_since(conn, scenario_id, revision)

    def _make_current(self, conn: Connection, row: Any, old: ScenarioInput | None, new_tables: Mapping[str, Any],
                      rules: Rules, source: str, author: str, action: str | None = None, what: str = "",
                      extra: dict[str, Any] | None = None, stale_ok: bool = False) -> int:
        """Write the snapshot, move the scenario to it (guarded by its revision), audit each changed part.

        When the revision moved meanwhile: ConflictError, or with `stale_ok` leave the other edit current.
        """
        input_id = self._put_input(conn, row.id, new_tables, rules, source, author)
        if input_id == row.current_input_id and action is None:
            return int(row.revision)
        revision = row.revision + 1
        done = conn.execute(update(t.scenarios).where(t.scenarios.c.id == row.id,
                                                      t.scenarios.c.revision == row.revision)
                            .values(revision=revision, current_input_id=input_id, updated_at=utcnow(),
                                    updated_by=author))
        if done.rowcount != 1 and stale_ok:
            return int(row.revision)
        if done.rowcount != 1:
            current = conn.execute(select(t.scenarios.c.revision).where(t.scenarios.c.id == row.id)).scalar_one()
            raise ConflictError(row.name, int(row.revision), int(current),
                                self._changes_since(conn, row.id, int(row.revision)))
        changes: dict[str, dict[str, Any]] = {"data": {}, "locks": {}}
        for stem in TABLE_STEMS:
            before = old.tables[stem] if old is not None else empty_table(stem)
            after = new_tables.get(stem)
            after = empty_table(stem) if after is None else after
            if not frames_equal(before, after):
                changes[part_of(stem)][stem] = table_change(stem, before, after)
        rules_diff = rules_change(old.rules.to_dict() if old is not None else {}, rules.to_dict())
        if old is None and action is None:   # first input: one row per part, rules as their non-default values
            counts = {s: len(f) for s, f in new_tables.items() if f is not None and len(f)}
            self._audit(conn, row.id, author, "data", "initial input: " + ", ".join(
                f"{k} {v}" for k, v in counts.items() if k not in LOCK_TABLES), revision, None, input_id, counts)
            locks = {k: v for k, v in counts.items() if k in LOCK_TABLES}
            if locks:
                self._audit(conn, row.id, author, "locks", "initial locks: " + ", ".join(
                    f"{k} {v}" for k, v in locks.items()), revision, None, input_id, locks)
            custom = rules_change(Rules().to_dict(), rules.to_dict())
            self._audit(conn, row.id, author, "rules", "initial rules" + (
                " (non-default: " + ", ".join(f"{k}={v[1]}" for k, v in custom.items()) + ")" if custom else ""),
                revision, None, input_id, custom)
        elif action is not None:
            self._audit(conn, row.id, author, action, what, revision, None, input_id,
                        {**(extra or {}), "data": changes["data"], "locks": changes["locks"],
                         "rules": rules_diff})
        else:
            for category in ("data", "locks"):
                if changes[category]:
                    self._audit(conn, row.id, author, category, summary(category, changes[category]), revision,
                                None, input_id, changes[category])
            if rules_diff:
                self._audit(conn, row.id, author, "rules", summary("rules", rules_diff), revision, None,
                            input_id, rules_diff)
        log.info("scenario %s: revision %d by %s", row.name, revision, author)
        return revision

    # -- the audit trail ------------------------------------------------------------------------------------------
    def list_audit(self, name: str) -> list[AuditEntry]:
        with self.engine.connect() as conn:
            return audit.entries(conn, self._scenario_row(conn, name).id)

    def audit_frame(self, name: str) -> pd.DataFrame:
        """The audit trail as a table for display (at, author, action, what, revision, version)."""
        return audit.frame(self.list_audit(name))
