"""The scenario store's public face: `open_store`, the `Store` class, its errors and value objects.

Callers import from here only; the work is done in the modules beside it, one responsibility each:
- engine.py     the database URL, the SQLAlchemy engine (SQLite pragmas, private file) and migrations to head;
- records.py    errors (zh/en), value objects (ScenarioInfo, ScenarioInput, VersionInfo, AuditEntry), table names;
- core.py       connections, content-addressed blobs, input snapshots, moving a scenario's revision (locking);
- scenarios.py  scenarios and their current input: create, load, save with optimistic locking and merge;
- versions.py   immutable plan versions: save, load, compare, restore, publish;
- audit.py      the audit trail (counts and ids, never personal data) and the conflict report built from it;
- privacy.py    redaction for exports and purging personal data from the store.
The store never runs the solver or the checker: planner.workflow does solve → check → save → compare.
"""

from __future__ import annotations

from planner.store.audit import AUDIT_ID_SAMPLE
from planner.store.engine import (
    DB_ENV,
    DEFAULT_DB,
    PG_MIGRATION_LOCK,
    SQLITE_BUSY_SECONDS,
    STORE_DIR_MODE,
    STORE_FILE_MODE,
    default_url,
    make_engine,
    migrate,
    normalise_url,
    sqlite_file,
)
from planner.store.privacy import PersonalData
from planner.store.records import (
    LOCK_TABLES,
    PLAN_TABLES,
    TABLE_COLUMNS,
    TABLE_STEMS,
    AuditEntry,
    ConflictError,
    NotFoundError,
    ScenarioInfo,
    ScenarioInput,
    StoreError,
    VersionInfo,
)
from planner.store.scenarios import Scenarios
from planner.store.versions import Versions

__all__ = [
    "AUDIT_ID_SAMPLE", "DB_ENV", "DEFAULT_DB", "LOCK_TABLES", "PG_MIGRATION_LOCK", "PLAN_TABLES",
    "SQLITE_BUSY_SECONDS", "STORE_DIR_MODE", "STORE_FILE_MODE", "TABLE_COLUMNS", "TABLE_STEMS",
    "AuditEntry", "ConflictError", "NotFoundError", "ScenarioInfo", "ScenarioInput", "Store", "StoreError",
    "VersionInfo", "default_url", "make_engine", "migrate", "normalise_url", "open_store", "sqlite_file",
]


class Store(Scenarios, Versions, PersonalData):
    """Scenarios, their versions, the audit trail and personal-data purge over one database (SQLite or PostgreSQL)."""


def open_store(url: str | None = None) -> Store:
    """Open (creating if needed) the store at `url`, env PLANNER_DB_URL, or ~/.planner/planner.db."""
    engine = make_engine(url or default_url())
    migrate(engine)
    return Store(engine)
