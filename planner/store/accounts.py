"""Accounts persistence: rows of `accounts`, `account_audit` and nothing else (the rules live in planner.access).

Failed sign-ins are counted in the database with one atomic UPDATE, so the lockout holds across browser
sessions, server processes and machines sharing one PostgreSQL store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from planner.store import schema as t

log = logging.getLogger("planner.store.accounts")


@dataclass(frozen=True)
class AccountRow:
    name: str
    role: str
    scope: str | None
    password_hash: str
    created_at: datetime
    created_by: str
    password_changed_at: datetime
    failed_attempts: int
    locked_until: datetime | None
    last_sign_in: datetime | None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _row(r: Any) -> AccountRow:
    return AccountRow(name=r.name, role=r.role, scope=r.scope, password_hash=r.password_hash,
                      created_at=_aware(r.created_at) or r.created_at, created_by=r.created_by,
                      password_changed_at=_aware(r.password_changed_at) or r.password_changed_at,
                      failed_attempts=int(r.failed_attempts or 0), locked_until=_aware(r.locked_until),
                      last_sign_in=_aware(r.last_sign_in))


class DuplicateAccount(Exception):
    pass


class AccountTable:
    """SQL for accounts; every write also appends to `account_audit` in the same transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def any(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(t.accounts.c.id).limit(1)).first() is not None

    def get(self, name: str) -> AccountRow | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(t.accounts).where(t.accounts.c.name == name)).first()
        return None if r is None else _row(r)

    def all(self) -> list[AccountRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.accounts).order_by(t.accounts.c.name)).all()
        return [_row(r) for r in rows]

    def insert_many(self, rows: list[dict[str, Any]], actor: str, now: datetime, action: str = "add") -> None:
        """All rows or none (a duplicate name anywhere raises DuplicateAccount and nothing is written)."""
        try:
            with self.engine.begin() as conn:
                for row in rows:
                    conn.execute(insert(t.accounts).values(
                        name=row["name"], role=row["role"], scope=row.get("scope"),
                        password_hash=row["password_hash"], created_at=now, created_by=actor,
                        password_changed_at=now, failed_attempts=0, locked_until=None, last_sign_in=None))
                    self._audit(conn, now, actor, action, row["name"], {"role": row["role"], "scope": row.get("scope")})
        except IntegrityError as exc:
            raise DuplicateAccount(str(exc.orig)) from None
        log.info("%d account(s) %s by %s", len(rows), action, actor)

    def delete(self, name: str, actor: str, now: datetime) -> bool:
        with self.engine.begin() as conn:
            gone = conn.execute(delete(t.accounts).where(t.accounts.c.name == name)).rowcount
            if gone:
                self._audit(conn, now, actor, "remove", name, {})
        return bool(gone)

    def set_hash(self, name: str, password_hash: str, actor: str, now: datetime, audit: bool = True) -> bool:
        """A new hash (a password change, or a rehash with stronger parameters); unlocks the account."""
        with self.engine.begin() as conn:
            n = conn.execute(update(t.accounts).where(t.accounts.c.name == name).values(
                password_hash=password_hash, password_changed_at=now, failed_attempts=0,
                locked_until=None)).rowcount
            if n and audit:
                self._audit(conn, now, actor, "passwd", name, {})
        return bool(n)

    def record_failure(self, name: str, max_failures: int, lock_until: datetime, now: datetime) -> datetime | None:
        """Count one failed sign-in atomically; at `max_failures` lock the account until `lock_until` and reset
        the count. Returns the lock's end when this failure locked it."""
        with self.engine.begin() as conn:
            conn.execute(update(t.accounts).where(t.accounts.c.name == name)
                         .values(failed_attempts=t.accounts.c.failed_attempts + 1))
            failed = conn.execute(select(t.accounts.c.failed_attempts).where(t.accounts.c.name == name)).scalar()
            if failed is None or int(failed) < max_failures:
                return None
            conn.execute(update(t.accounts).where(t.accounts.c.name == name)
                         .values(failed_attempts=0, locked_until=lock_until))
            self._audit(conn, now, "system", "lockout", name, {"failures": int(failed),
                                                                "until": lock_until.isoformat()})
        log.warning("account locked after %d failed sign-ins", max_failures)
        return lock_until

    def record_success(self, name: str, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(t.accounts).where(t.accounts.c.name == name)
                         .values(failed_attempts=0, locked_until=None, last_sign_in=now))

    def record_event(self, now: datetime, actor: str, action: str, account: str, details: dict[str, Any]) -> None:
        """An audit row on its own (a sign-in or a failed one): who, when, the outcome; never a password."""
        with self.engine.begin() as conn:
            self._audit(conn, now, actor, action, account, details)

    def audit(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.account_audit).order_by(t.account_audit.c.id)).all()
        return [{"at": _aware(r.at), "actor": r.actor, "action": r.action, "account": r.account,
                 "details": dict(r.details or {})} for r in rows]

    @staticmethod
    def _audit(conn: Any, now: datetime, actor: str, action: str, account: str, details: dict[str, Any]) -> None:
        conn.execute(insert(t.account_audit).values(at=now, actor=actor, action=action, account=account,
                                                    details=details))
