"""The scenario store: scenarios (input tables, rules, locks), immutable plan versions, and the audit trail.

Why it is built this way:
- Several people edit one scenario for days, so the scenario's current input carries a `revision` counter
  (optimistic locking): a save names the revision it was based on; if someone saved in between, the save raises
  `ConflictError` saying who changed what, and the caller reloads or retries with `merge=True` (a three-way merge
  by part: each table and the rules; it fails only when both sides changed the same part).
- A version is written in ONE transaction (blobs, version row, audit row), so a crash midway leaves the last good
  version readable and no half version; versions are never updated afterwards.
- Tables are Parquet blobs (content addressed, see schema.py); household names and coordinates are kept apart in
  `personal_data` so they can be purged; log lines carry scenario names, numbers and counts, never personal data.
- The same code runs on SQLite (WAL, foreign keys on) and PostgreSQL (`PLANNER_DB_URL`, psycopg 3).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's own locking only
    fcntl = None  # type: ignore[assignment]

import pandas as pd
from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from planner.errors import Lang
from planner.model import TABLES
from planner.plan import NAMES_COLUMNS, Plan
from planner.problem import Problem
from planner.rules import Rules, rules_from_dict
from planner.store import codec
from planner.store import schema as t
from planner.store.diff import PlanDiff, compare_plans

log = logging.getLogger("planner.store")

DB_ENV = "PLANNER_DB_URL"
DEFAULT_DB = Path("~/.planner/planner.db")
LOCK_TABLES = ("pins", "forbidden")
TABLE_STEMS = tuple(spec.stem for spec in TABLES)
TABLE_COLUMNS = {spec.stem: list(spec.names) for spec in TABLES}
PLAN_TABLES = ("leader_offices", "unit_communities", "cadre_households", "visits", "names")
SQLITE_BUSY_SECONDS = 30
STORE_DIR_MODE, STORE_FILE_MODE = 0o700, 0o600   # the store holds personal data: owner only
PG_MIGRATION_LOCK = 0x706C616E6E6572             # "planner": the advisory lock key of the first migration
AUDIT_ID_SAMPLE = 20   # ids listed per table in an audit row's details (counts are always complete)


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
        return Problem.from_tables(self.tables, self.rules, self.source)


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


# -- helpers ----------------------------------------------------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _jsonable(value: Any) -> Any:
    """What a JSON column gives back, so a stored report compares equal to the loaded one."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _empty(stem: str) -> pd.DataFrame:
    return pd.DataFrame(columns=TABLE_COLUMNS[stem])


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Same content (dtype differences of empty or all-text columns do not count as a change)."""
    if a.shape != b.shape or list(a.columns) != list(b.columns):
        return False
    if codec.frame_to_bytes(a) == codec.frame_to_bytes(b):
        return True
    return bool((a.astype(str).to_numpy() == b.astype(str).to_numpy()).all())


def _category(stem: str) -> str:
    return "locks" if stem in LOCK_TABLES else "data"


def _table_change(stem: str, old: pd.DataFrame, new: pd.DataFrame) -> dict[str, Any]:
    """Counts (and a sample of ids) of rows added, removed and changed; never names or coordinates."""
    spec = next(s for s in TABLES if s.stem == stem)
    out: dict[str, Any] = {"rows_before": len(old), "rows_after": len(new)}
    if spec.id_column and spec.id_column in old.columns and spec.id_column in new.columns:
        key = spec.id_column
        before = old.set_index(old[key].astype(str))
        after = new.set_index(new[key].astype(str))
        added = sorted(set(after.index) - set(before.index))
        removed = sorted(set(before.index) - set(after.index))
        common = sorted(set(before.index) & set(after.index))
        changed = []
        if common:
            b = before.loc[common].astype(str)
            a = after.loc[common].reindex(columns=b.columns).astype(str)
            changed = sorted(b.index[(a != b).any(axis=1).to_numpy()])
        out.update(added=len(added), removed=len(removed), changed=len(changed),
                   added_ids=added[:AUDIT_ID_SAMPLE], removed_ids=removed[:AUDIT_ID_SAMPLE],
                   changed_ids=changed[:AUDIT_ID_SAMPLE])
    else:
        rows_b = set(map(tuple, old.astype(str).to_numpy().tolist()))
        rows_a = set(map(tuple, new.astype(str).to_numpy().tolist()))
        out.update(added=len(rows_a - rows_b), removed=len(rows_b - rows_a))
        if stem in LOCK_TABLES:   # locks are few and are ids only: list them
            out.update(added_rows=sorted(rows_a - rows_b)[:AUDIT_ID_SAMPLE],
                       removed_rows=sorted(rows_b - rows_a)[:AUDIT_ID_SAMPLE])
    return out


def _rules_change(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out.update(_rules_change(a, b, f"{prefix}{key}."))
        elif a != b:
            out[f"{prefix}{key}"] = [a, b]
    return out


def _summary(action: str, details: dict[str, Any]) -> str:
    if action == "rules":
        return "rules: " + ", ".join(f"{k} {v[0]}→{v[1]}" for k, v in list(details.items())[:8])
    parts = []
    for stem, d in details.items():
        bits = [f"{sign}{d[k]}" for k, sign in (("added", "+"), ("removed", "-"), ("changed", "~")) if d.get(k)]
        parts.append(f"{stem} ({' '.join(bits) or 'rewritten'})")
    return f"{action}: " + ", ".join(parts)


# -- engine -------------------------------------------------------------------------------------------------------------
def default_url() -> str:
    url = os.environ.get(DB_ENV)
    if url:
        return url
    return f"sqlite:///{DEFAULT_DB.expanduser()}"


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (psycopg2 is not a dependency)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def sqlite_file(url: str) -> Path | None:
    """The database file of a sqlite URL (None for other databases and in-memory SQLite)."""
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return None
    database = url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""
    return Path(database).expanduser() if database and database != ":memory:" else None


def _private_file(path: Path) -> None:
    """Store folder 0700 and database 0600 when we create them (SQLite gives -wal/-shm the database's mode)."""
    path.parent.mkdir(mode=STORE_DIR_MODE, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, STORE_FILE_MODE))


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        database = sqlite_file(url)
        if database is not None:
            _private_file(database)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA secure_delete=ON")   # freed pages zeroed: a purge leaves no fragments
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """One migrating process at a time: an flock on `<db>.lock` for SQLite (released if the process dies);
    PostgreSQL takes a transaction-level advisory lock inside the migration transaction instead."""
    database = sqlite_file(engine.url.render_as_string(hide_password=False))
    if database is None or fcntl is None:
        yield
        return
    lock = database.with_name(database.name + ".lock")
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, STORE_FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def migrate(engine: Engine) -> None:
    """Alembic upgrade to head (skipped when already there). Concurrent first opens are serialized (a lock, and
    the revision re-read under it), so only one process creates the tables."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    with _migration_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def open_store(url: str | None = None) -> Store:
    """Open (creating if needed) the store at `url`, env PLANNER_DB_URL, or ~/.planner/planner.db."""
    engine = make_engine(url or default_url())
    migrate(engine)
    return Store(engine)


# -- the store ----------------------------------------------------------------------------------------------------------
class Store:
    def __init__(self, engine: Engine):
        self.engine = engine

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # -- low level ------------------------------------------------------------------------------------------------
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
            raise NotFoundError(f"没有名为“{name}”的方案", f"no scenario named '{name}'")
        return row

    def _create_row(self, conn: Connection, name: str, author: str) -> Any:
        now = _now()
        conn.execute(insert(t.scenarios).values(name=name, created_at=now, created_by=author, revision=0,
                                                updated_at=now, updated_by=author, current_input_id=None,
                                                last_version=0))
        row = self._scenario_row(conn, name)
        self._audit(conn, row.id, author, "create", f"scenario '{name}' created", 0, None, None, {})
        log.info("scenario %s created", name)
        return row

    def _audit(self, conn: Connection, scenario_id: int, author: str, action: str, what: str, revision: int | None,
               version: int | None, input_id: int | None, details: dict[str, Any]) -> None:
        conn.execute(insert(t.audit).values(scenario_id=scenario_id, at=_now(), author=author, action=action,
                                            what=what, revision=revision, version=version, input_id=input_id,
                                            details=_jsonable(details)))

    def _put_input(self, conn: Connection, scenario_id: int, tables: Mapping[str, pd.DataFrame], rules: Rules,
                   source: str, author: str) -> int:
        """Store an input snapshot (deduplicated by content within the scenario) and return its id."""
        refs: dict[str, str] = {}
        personal_sha: str | None = None
        personal_id: int | None = None
        for stem in TABLE_STEMS:
            frame = tables.get(stem)
            frame = _empty(stem) if frame is None else frame.reset_index(drop=True)
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
        rules_dict = _jsonable(rules.to_dict())
        digest = codec.digest({"tables": refs, "personal": personal_sha, "rules": rules_dict})
        existing = conn.execute(select(t.inputs.c.id).where(t.inputs.c.scenario_id == scenario_id,
                                                            t.inputs.c.sha256 == digest)).first()
        if existing is not None:
            return int(existing.id)
        result = conn.execute(insert(t.inputs).values(
            scenario_id=scenario_id, sha256=digest, created_at=_now(), created_by=author, tables=refs,
            rules=rules_dict, personal_id=personal_id, source=source))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def _get_input(self, conn: Connection, input_id: int, revision: int = 0) -> ScenarioInput:
        row = conn.execute(select(t.inputs).where(t.inputs.c.id == input_id)).one()
        tables: dict[str, pd.DataFrame] = {}
        for stem in TABLE_STEMS:
            digest = row.tables.get(stem)
            frame = self._get_blob(conn, digest) if digest else _empty(stem)
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
        rows = conn.execute(select(t.audit).where(t.audit.c.scenario_id == scenario_id,
                                                  t.audit.c.revision > revision,
                                                  t.audit.c.action.in_(("data", "rules", "locks", "restore")))
                            .order_by(t.audit.c.id)).all()
        return [self._entry(r) for r in rows]

    @staticmethod
    def _entry(r: Any) -> AuditEntry:
        return AuditEntry(at=_aware(r.at), author=r.author, action=r.action, what=r.what, revision=r.revision,
                          version=r.version, details=r.details or {})

    def _input_at(self, conn: Connection, scenario_id: int, revision: int) -> int | None:
        """The input that was current at `revision` (from the audit trail)."""
        row = conn.execute(select(t.audit.c.input_id).where(
            t.audit.c.scenario_id == scenario_id, t.audit.c.revision <= revision, t.audit.c.input_id.is_not(None))
            .order_by(t.audit.c.revision.desc(), t.audit.c.id.desc()).limit(1)).first()
        return None if row is None else row.input_id

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
                            .values(revision=revision, current_input_id=input_id, updated_at=_now(),
                                    updated_by=author))
        if done.rowcount != 1 and stale_ok:
            return int(row.revision)
        if done.rowcount != 1:
            current = conn.execute(select(t.scenarios.c.revision).where(t.scenarios.c.id == row.id)).scalar_one()
            raise ConflictError(row.name, int(row.revision), int(current),
                                self._changes_since(conn, row.id, int(row.revision)))
        changes: dict[str, dict[str, Any]] = {"data": {}, "locks": {}}
        for stem in TABLE_STEMS:
            before = old.tables[stem] if old is not None else _empty(stem)
            after = new_tables.get(stem)
            after = _empty(stem) if after is None else after
            if not _frames_equal(before, after):
                changes[_category(stem)][stem] = _table_change(stem, before, after)
        rules_diff = _rules_change(old.rules.to_dict() if old is not None else {}, rules.to_dict())
        if old is None and action is None:   # first input: one row per part, rules as their non-default values
            counts = {s: len(f) for s, f in new_tables.items() if f is not None and len(f)}
            self._audit(conn, row.id, author, "data", "initial input: " + ", ".join(
                f"{k} {v}" for k, v in counts.items() if k not in LOCK_TABLES), revision, None, input_id, counts)
            locks = {k: v for k, v in counts.items() if k in LOCK_TABLES}
            if locks:
                self._audit(conn, row.id, author, "locks", "initial locks: " + ", ".join(
                    f"{k} {v}" for k, v in locks.items()), revision, None, input_id, locks)
            custom = _rules_change(Rules().to_dict(), rules.to_dict())
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
                    self._audit(conn, row.id, author, category, _summary(category, changes[category]), revision,
                                None, input_id, changes[category])
            if rules_diff:
                self._audit(conn, row.id, author, "rules", _summary("rules", rules_diff), revision, None,
                            input_id, rules_diff)
        log.info("scenario %s: revision %d by %s", row.name, revision, author)
        return revision

    # -- scenarios ------------------------------------------------------------------------------------------------
    def create_scenario(self, name: str, author: str, problem: Problem | None = None) -> ScenarioInfo:
        """A new scenario, empty or holding `problem`'s input as revision 1."""
        with self._tx() as conn:
            if conn.execute(select(t.scenarios.c.id).where(t.scenarios.c.name == name)).first():
                raise StoreError(f"方案“{name}”已存在", f"scenario '{name}' already exists")
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
        return ScenarioInfo(name=r.name, revision=r.revision, versions=r.last_version, created_at=_aware(r.created_at),
                            created_by=r.created_by, updated_at=_aware(r.updated_at), updated_by=r.updated_by)

    # -- scenario input -------------------------------------------------------------------------------------------
    def load_input(self, name: str) -> ScenarioInput:
        with self.engine.connect() as conn:
            row = self._scenario_row(conn, name)
            if row.current_input_id is None:
                return ScenarioInput({s: _empty(s) for s in TABLE_STEMS}, Rules(), row.revision)
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
            raise StoreError(f"未知的表：{sorted(unknown)}", f"unknown tables: {sorted(unknown)}")
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
                base_id = self._input_at(conn, row.id, expected_revision)
                base = self._get_input(conn, base_id) if base_id is not None else None
                clash = self._clashes(base, current, mine_tables, mine_rules)
                if clash:
                    raise ConflictError(name, expected_revision, int(row.revision), changes, tuple(clash))
            new_tables = {s: (mine_tables[s] if s in mine_tables else
                              current.tables[s] if current is not None else _empty(s)) for s in TABLE_STEMS}
            new_rules = mine_rules or (current.rules if current is not None else Rules())
            new_source = source if source is not None else (current.source if current is not None else "")
            return self._make_current(conn, row, current, new_tables, new_rules, new_source, author)

    @staticmethod
    def _clashes(base: ScenarioInput | None, current: ScenarioInput | None, mine: Mapping[str, pd.DataFrame],
                 rules: Rules | None) -> list[str]:
        """Parts that both this caller and someone else changed relative to `base`."""
        def table(src: ScenarioInput | None, stem: str) -> pd.DataFrame:
            return src.tables[stem] if src is not None else _empty(stem)

        out = []
        for stem, frame in mine.items():
            mine_changed = not _frames_equal(table(base, stem), frame)
            theirs_changed = not _frames_equal(table(base, stem), table(current, stem))
            if mine_changed and theirs_changed and not _frames_equal(frame, table(current, stem)):
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

    # -- versions -------------------------------------------------------------------------------------------------
    def save_solved(self, scenario: str, problem: Problem, plan: Plan, author: str, *, kind: str = "solve",
                    since: date | None = None, base_version: int | None = None, note: str = "",
                    expected_revision: int | None = None) -> int:
        """Store `plan` as the next immutable version, with the input it was solved from; returns its number.

        Creates the scenario if absent. The solved input becomes the scenario's current input when it differs
        and `expected_revision` is None (the CLI: the data folder is the truth) or still current (the app);
        if someone edited in between, their edit stays current and the version keeps its own snapshot.
        All of it is one transaction: no half version is ever visible.
        """
        report = _jsonable(plan.report)
        self._ensure_scenario(scenario, author)
        with self._tx() as conn:
            row = self._scenario_row(conn, scenario)
            input_id = self._put_input(conn, row.id, problem.raw_tables(), problem.rules, problem.source, author)
            if input_id != row.current_input_id and expected_revision in (None, row.revision):
                old = (self._get_input(conn, row.current_input_id, row.revision)
                       if row.current_input_id is not None else None)
                self._make_current(conn, row, old, problem.raw_tables(), problem.rules, problem.source, author,
                                   stale_ok=True)
            refs = {name: self._put_blob(conn, self._plan_frame(plan, name)) for name in PLAN_TABLES}
            conn.execute(update(t.scenarios).where(t.scenarios.c.id == row.id)
                         .values(last_version=t.scenarios.c.last_version + 1))
            number = int(conn.execute(select(t.scenarios.c.last_version).where(t.scenarios.c.id == row.id))
                         .scalar_one())
            conn.execute(insert(t.versions).values(
                scenario_id=row.id, number=number, input_id=input_id, created_at=_now(), author=author, kind=kind,
                status=str(report.get("status", "")), objective=report.get("objective"), bound=report.get("bound"),
                gap=report.get("gap"), seconds=report.get("seconds"), since=since, base_version=base_version,
                tables=refs, report=report, note=note))
            counts = report.get("counts", {})
            self._audit(conn, row.id, author, "version",
                        f"version {number} saved ({kind}, {report.get('status', '?')}, "
                        f"{counts.get('visits', len(plan.visits))} visits)", None, number, input_id,
                        {"kind": kind, "since": since, "base_version": base_version})
        log.info("scenario %s: version %d saved by %s", scenario, number, author)
        return number

    def _ensure_scenario(self, name: str, author: str) -> None:
        """Create the scenario in its own short transaction if absent (a concurrent creation is fine)."""
        with self.engine.connect() as conn:
            if conn.execute(select(t.scenarios.c.id).where(t.scenarios.c.name == name)).first():
                return
        try:
            with self._tx() as conn:
                self._create_row(conn, name, author)
        except IntegrityError:
            pass

    @staticmethod
    def _plan_frame(plan: Plan, name: str) -> pd.DataFrame:
        frame = getattr(plan, name)
        if name == "names":
            frame = frame.reindex(columns=list(NAMES_COLUMNS))
        return frame

    def list_versions(self, name: str) -> list[VersionInfo]:
        with self.engine.connect() as conn:
            row = self._scenario_row(conn, name)
            rows = conn.execute(select(t.versions).where(t.versions.c.scenario_id == row.id)
                                .order_by(t.versions.c.number)).all()
        return [VersionInfo(number=r.number, created_at=_aware(r.created_at), author=r.author, kind=r.kind,
                            status=r.status, objective=r.objective, bound=r.bound, gap=r.gap, seconds=r.seconds,
                            since=r.since, base_version=r.base_version,
                            counts=dict((r.report or {}).get("counts", {})), note=r.note) for r in rows]

    def latest_version(self, name: str) -> int | None:
        with self.engine.connect() as conn:
            row = self._scenario_row(conn, name)
            value = conn.execute(select(func.max(t.versions.c.number))
                                 .where(t.versions.c.scenario_id == row.id)).scalar()
        return None if value is None else int(value)

    def _version_row(self, conn: Connection, name: str, number: int | None) -> Any:
        row = self._scenario_row(conn, name)
        query = select(t.versions).where(t.versions.c.scenario_id == row.id)
        query = (query.order_by(t.versions.c.number.desc()).limit(1) if number is None
                 else query.where(t.versions.c.number == number))
        version = conn.execute(query).first()
        if version is None:
            label = "latest" if number is None else str(number)
            raise NotFoundError(f"方案“{name}”没有版本 {label}", f"scenario '{name}' has no version {label}")
        return version

    def load_plan(self, name: str, number: int | None = None) -> Plan:
        """The stored plan of version `number` (None: latest)."""
        with self.engine.connect() as conn:
            v = self._version_row(conn, name, number)
            frames = {k: self._get_blob(conn, d) for k, d in v.tables.items()}
        return Plan(report=dict(v.report), **frames)

    def load_version_input(self, name: str, number: int | None = None) -> ScenarioInput:
        with self.engine.connect() as conn:
            v = self._version_row(conn, name, number)
            return self._get_input(conn, v.input_id)

    def load_version(self, name: str, number: int | None = None) -> tuple[Problem, Plan]:
        """(the Problem the version was solved from, its Plan); None means the latest version."""
        return self.load_version_input(name, number).problem(), self.load_plan(name, number)

    def compare(self, name: str, v1: int, v2: int, check: bool = False) -> PlanDiff:
        """Pairs changed per table, visits moved; with `check`, the independent checker's violation counts."""
        plan1, plan2 = self.load_plan(name, v1), self.load_plan(name, v2)
        problem2 = self.load_version_input(name, v2).problem()
        with self.engine.connect() as conn:
            since = self._version_row(conn, name, v2).since
        diff = compare_plans(plan1, plan2, problem2, since=since)
        if not check:
            return diff
        problem1 = self.load_version_input(name, v1).problem()
        counts, by_rule = [], []
        for problem, plan in ((problem1, plan1), (problem2, plan2)):
            found = run_checker(problem, plan)
            counts.append(None if found is None else sum(found.values()))
            by_rule.append(found or {})
        return dataclasses.replace(diff, violations=(counts[0], counts[1]), violations_by_rule=(by_rule[0], by_rule[1]))

    def restore(self, name: str, number: int, *, author: str, expected_revision: int | None = None) -> int:
        """Make version `number`'s input the scenario's current input (a new revision, audited)."""
        with self._tx() as conn:
            row = self._scenario_row(conn, name)
            if expected_revision is not None and expected_revision != row.revision:
                raise ConflictError(name, expected_revision, int(row.revision),
                                    self._changes_since(conn, row.id, expected_revision))
            v = self._version_row(conn, name, number)
            snapshot = self._get_input(conn, v.input_id)
            current = (self._get_input(conn, row.current_input_id, row.revision)
                       if row.current_input_id is not None else None)
            return self._make_current(conn, row, current, snapshot.tables, snapshot.rules, snapshot.source, author,
                                      action="restore", what=f"restored the input of version {number}",
                                      extra={"version": number})

    # -- publishing: a solved version is a draft until an organizer publishes it (people and roles) ------------
    def publish(self, name: str, number: int, *, author: str) -> None:
        """Mark version `number` published (audited); units and cadres then see it. Publishing again is a no-op."""
        with self._tx() as conn:
            row = self._scenario_row(conn, name)
            self._version_row(conn, name, number)
            done = conn.execute(select(t.publications.c.id).where(
                t.publications.c.scenario_id == row.id, t.publications.c.version == number)).first()
            if done is not None:
                return
            conn.execute(insert(t.publications).values(scenario_id=row.id, version=number, published_at=_now(),
                                                       published_by=author))
            self._audit(conn, row.id, author, "publish", f"version {number} published", None, number, None, {})
        log.info("scenario %s: version %d published by %s", name, number, author)

    def published_versions(self, name: str) -> list[int]:
        """Numbers of the versions of `name` that were published, oldest first."""
        with self.engine.connect() as conn:
            row = self._scenario_row(conn, name)
            rows = conn.execute(select(t.publications.c.version).where(t.publications.c.scenario_id == row.id)
                                .order_by(t.publications.c.id)).all()
        return [int(r.version) for r in rows]

    def current_publication(self) -> tuple[str, int] | None:
        """(scenario, version) published last in the whole store: the plan in force that units and cadres see."""
        with self.engine.connect() as conn:
            r = conn.execute(select(t.scenarios.c.name, t.publications.c.version)
                             .join(t.scenarios, t.scenarios.c.id == t.publications.c.scenario_id)
                             .order_by(t.publications.c.id.desc()).limit(1)).first()
        return None if r is None else (str(r.name), int(r.version))

    # -- audit and privacy ----------------------------------------------------------------------------------------
    def list_audit(self, name: str) -> list[AuditEntry]:
        with self.engine.connect() as conn:
            row = self._scenario_row(conn, name)
            rows = conn.execute(select(t.audit).where(t.audit.c.scenario_id == row.id).order_by(t.audit.c.id)).all()
        return [self._entry(r) for r in rows]

    def audit_frame(self, name: str) -> pd.DataFrame:
        """The audit trail as a table for display (at, author, action, what, revision, version)."""
        entries = self.list_audit(name)
        return pd.DataFrame([{"at": e.at, "author": e.author, "action": e.action, "what": e.what,
                              "revision": e.revision, "version": e.version} for e in entries],
                            columns=["at", "author", "action", "what", "revision", "version"])

    def purge_personal_data(self, name: str, *, author: str, keep_current: bool = False) -> int:
        """Erase household names and coordinates of this scenario (all snapshots, or all but the current one)."""
        with self._tx() as conn:
            row = self._scenario_row(conn, name)
            query = update(t.personal_data).where(t.personal_data.c.scenario_id == row.id,
                                                  t.personal_data.c.data.is_not(None))
            if keep_current and row.current_input_id is not None:
                keep = select(t.inputs.c.personal_id).where(t.inputs.c.id == row.current_input_id).scalar_subquery()
                query = query.where(t.personal_data.c.id != keep)
            purged = conn.execute(query.values(data=None, purged_at=_now())).rowcount
            self._audit(conn, row.id, author, "purge", f"personal data purged ({purged} snapshots)", None, None,
                        None, {"snapshots": purged, "keep_current": keep_current})
        self._scrub()
        log.info("scenario %s: personal data purged (%d snapshots)", name, purged)
        return int(purged)

    def _scrub(self) -> None:
        """Make purged bytes unrecoverable. SQLite: secure_delete (set on every connection) zeroed the freed pages;
        the write-ahead log still holds the old page images until it is checkpointed and truncated. PostgreSQL:
        an UPDATE leaves the old row (and its TOAST chunks) in the table files until VACUUM FULL rewrites them."""
        dialect = self.engine.dialect.name
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if dialect == "sqlite":
                busy, _, _ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
                if busy:
                    log.warning("purge: the write-ahead log is in use by another reader; it is cleared at the "
                                "next checkpoint")
            elif dialect == "postgresql":
                conn.exec_driver_sql(f"VACUUM FULL {t.personal_data.name}")


def run_checker(problem: Problem, plan: Plan) -> dict[str, int] | None:
    """Violations per rule from the independent checker, or None when the checker is not available."""
    try:
        check_plan = importlib.import_module("planner.check").check_plan
    except (ImportError, AttributeError):
        return None
    counts: dict[str, int] = {}
    for violation in check_plan(problem, plan):
        rule = str(getattr(violation, "rule", type(violation).__name__))
        counts[rule] = counts.get(rule, 0) + 1
    return counts
