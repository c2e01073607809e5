"""Personal data: pseudonymising it for exports and screenshots (`--redact`), a log-safe repr of tables, and
purging it from the store for good.

Household names and coordinates are personal data. Redaction replaces a name by a stable pseudonym derived from
the household id and a secret salt (so the same household gets the same pseudonym across exports of one salt,
but the name cannot be recovered) and blanks the coordinates.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Mapping

import pandas as pd
from sqlalchemy import select, update

from planner.store import schema as t
from planner.store.codec import PERSONAL_COLUMNS, PERSONAL_KEY, PERSONAL_TABLE
from planner.store.core import StoreCore
from planner.store.records import utcnow

log = logging.getLogger("planner.store")

SALT_ENV = "PLANNER_REDACT_SALT"
PSEUDONYM_PREFIX = "联系户"
PSEUDONYM_HEX = 8


def pseudonym(household_id: str, salt: bytes) -> str:
    digest = hmac.new(salt, str(household_id).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{PSEUDONYM_PREFIX}-{digest[:PSEUDONYM_HEX]}"


def _salt(salt: bytes | str | None) -> bytes:
    if salt is None:
        salt = os.environ.get(SALT_ENV) or os.urandom(16).hex()
    return salt.encode("utf-8") if isinstance(salt, str) else salt


def redact_households(households: pd.DataFrame, salt: bytes | str | None = None) -> pd.DataFrame:
    """Names → pseudonyms, coordinates → NaN; ids, community and priority stay (the plan needs them)."""
    key = _salt(salt)
    out = households.copy()
    if "name" in out.columns:
        out["name"] = [pseudonym(h, key) for h in out[PERSONAL_KEY].astype(str)]
    for column in PERSONAL_COLUMNS:
        if column != "name" and column in out.columns:
            out[column] = float("nan")
    return out


def redact_tables(tables: Mapping[str, pd.DataFrame], salt: bytes | str | None = None) -> dict[str, pd.DataFrame]:
    """A copy of the input tables with the households table redacted (the only one holding personal data)."""
    key = _salt(salt)
    return {stem: redact_households(frame, key) if stem == PERSONAL_TABLE else frame.copy()
            for stem, frame in tables.items()}


def describe(tables: Mapping[str, pd.DataFrame]) -> str:
    """A log-safe summary: table names and row counts only."""
    return ", ".join(f"{stem}={len(frame)}" for stem, frame in tables.items())


class PersonalData(StoreCore):
    """Purging household names and coordinates (kept apart in `personal_data`) so that nothing can recover them."""

    def purge_personal_data(self, name: str, *, author: str, keep_current: bool = False) -> int:
        """Erase household names and coordinates of this scenario (all snapshots, or all but the current one)."""
        with self._tx() as conn:
            row = self._scenario_row(conn, name)
            query = update(t.personal_data).where(t.personal_data.c.scenario_id == row.id,
                                                  t.personal_data.c.data.is_not(None))
            if keep_current and row.current_input_id is not None:
                keep = select(t.inputs.c.personal_id).where(t.inputs.c.id == row.current_input_id).scalar_subquery()
                query = query.where(t.personal_data.c.id != keep)
            purged = conn.execute(query.values(data=None, purged_at=utcnow())).rowcount
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
