"""The database behind the store: its URL, the SQLAlchemy engine (SQLite pragmas), and migrations to head.

The same code runs on SQLite (WAL, foreign keys on, busy timeout, secure_delete) and PostgreSQL (`PLANNER_DB_URL`,
psycopg 3). The store holds personal data, so a SQLite file we create is private to its owner. Concurrent first
opens are serialized so only one process creates the tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's own locking only
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Engine, create_engine, event

DB_ENV = "PLANNER_DB_URL"
DEFAULT_DB = Path("~/.planner/planner.db")
SQLITE_BUSY_SECONDS = 30
STORE_DIR_MODE, STORE_FILE_MODE = 0o700, 0o600   # the store holds personal data: owner only
PG_MIGRATION_LOCK = 0x706C616E6E6572             # "planner": the advisory lock key of the first migration


# -- connection -------------------------------------------------------------------------------------------------------------
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
    name = engine.url.database   # not render_as_string(): it percent-encodes a path such as /home/张三/planner.db
    database = (Path(name).expanduser() if engine.url.get_backend_name() == "sqlite" and name
                and name != ":memory:" else None)
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

