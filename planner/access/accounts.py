"""Accounts: create, list, remove, change a password, and verify a sign-in with a per-account lockout.

Why it is built this way:
- Passwords are hashed by argon2-cffi's `PasswordHasher` (argon2id, a random salt per hash, parameters inside
  the hash string); the password itself is never stored, logged or echoed.
- Failed sign-ins are counted in the store (`planner.store.accounts`), so `max_failures` wrong passwords lock the
  account for `lockout_minutes` whichever browser, process or machine they came from.
- An unknown name costs one hash verification too and gets the same answer as a wrong password, so sign-in
  answers do not reveal which names exist.
- Time comes from `clock` so that tests can move it (lockout end, session expiry).
"""

from __future__ import annotations

import contextlib
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine

from planner.access.roles import ROLES, Role, parse_role
from planner.store.accounts import AccountRow, AccountTable, DuplicateAccount
from planner.store.api import StoreError

Clock = Callable[[], datetime]
HASHER = PasswordHasher()
# A hash of a random string: verifying against it makes an unknown name cost as much as a known one.
_DUMMY_HASH = HASHER.hash(os.urandom(16).hex())
MAX_NAME = 200
ANONYMOUS = "anonymous"   # the actor of a failed sign-in under a name that matches no account


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AccessSettings:
    """Sign-in settings; each is an environment variable so an office sets them in its service file."""

    max_failures: int = 5            # PLANNER_MAX_FAILURES: wrong passwords in a row before a lockout
    lockout_minutes: int = 15        # PLANNER_LOCKOUT_MINUTES
    session_minutes: int = 30        # PLANNER_SESSION_MINUTES: a session without activity ends after this
    min_password: int = 8            # PLANNER_MIN_PASSWORD: shortest password accepted

    @classmethod
    def from_env(cls) -> AccessSettings:
        def number(name: str, default: int) -> int:
            try:
                return max(1, int(os.environ.get(name, default)))
            except ValueError:
                return default

        return cls(max_failures=number("PLANNER_MAX_FAILURES", cls.max_failures),
                   lockout_minutes=number("PLANNER_LOCKOUT_MINUTES", cls.lockout_minutes),
                   session_minutes=number("PLANNER_SESSION_MINUTES", cls.session_minutes),
                   min_password=number("PLANNER_MIN_PASSWORD", cls.min_password))


@dataclass(frozen=True)
class Account:
    """A signed-in person as the policy sees them: name, role and scope (a unit id or a cadre id)."""

    name: str
    role: Role
    scope: str | None = None


class AccountError(StoreError):
    """A refused account request, in Chinese and English (exit 2 on the command line); `column` names the field
    at fault (name, role, scope, password) for a CSV import's message."""

    def __init__(self, message_zh: str, message_en: str, column: str = ""):
        super().__init__(message_zh, message_en)
        self.column = column


class Outcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"       # unknown name or wrong password (indistinguishable on purpose)
    LOCKED = "locked"


@dataclass(frozen=True)
class SignIn:
    outcome: Outcome
    account: Account | None = None
    locked_until: datetime | None = None


def _account(row: AccountRow) -> Account:
    return Account(name=row.name, role=Role(row.role), scope=row.scope)


def check_name(name: str) -> str:
    value = unicodedata.normalize("NFC", str(name)).strip()
    if not value or len(value) > MAX_NAME or any(unicodedata.category(c).startswith("C") for c in value):
        raise AccountError(f"账户名无效：“{value[:40]}”（不能为空、不能含控制字符、最长 {MAX_NAME} 字）",
                           f"invalid account name '{value[:40]}' (not empty, no control characters, "
                           f"at most {MAX_NAME} characters)", "name")
    return value


def check_role_scope(role: str | Role, scope: str | None) -> tuple[Role, str | None]:
    try:
        parsed = parse_role(str(role))
    except ValueError as exc:
        raise AccountError(f"未知角色：{role}（可选：admin、organizer、unit、cadre、inspector）", str(exc), "role") from None
    scope = (scope or "").strip() or None
    if ROLES[parsed].needs_scope and scope is None:
        raise AccountError(f"角色 {parsed.value} 需要 --scope（{'单位编号' if parsed is Role.UNIT else '干部编号'}）",
                           f"role {parsed.value} needs --scope (a {'unit' if parsed is Role.UNIT else 'cadre'} id)", "scope")
    if not ROLES[parsed].needs_scope and scope is not None:
        raise AccountError(f"角色 {parsed.value} 不带范围（--scope 只用于 unit 和 cadre）",
                           f"role {parsed.value} takes no scope (--scope is for unit and cadre only)", "scope")
    return parsed, scope


class Accounts:
    """The accounts of one store."""

    def __init__(self, engine: Engine, settings: AccessSettings | None = None, clock: Clock | None = None):
        self.table = AccountTable(engine)
        self.settings = settings or AccessSettings.from_env()
        self.clock = clock or utc_now

    # -- reading --------------------------------------------------------------------------------------------------
    def exist(self) -> bool:
        return self.table.any()

    def get(self, name: str) -> Account | None:
        row = self.table.get(name)
        return None if row is None else _account(row)

    def all(self) -> list[AccountRow]:
        return self.table.all()

    def audit(self) -> list[dict[str, object]]:
        return list(self.table.audit())

    # -- changing -------------------------------------------------------------------------------------------------
    def check_password(self, password: str) -> None:
        if len(password) < self.settings.min_password:
            raise AccountError(f"密码太短：至少 {self.settings.min_password} 个字符",
                               f"password too short: at least {self.settings.min_password} characters", "password")

    def prepare(self, name: str, role: str | Role, scope: str | None, password: str) -> dict[str, str | None]:
        """A validated, hashed row for `add_many` (raises AccountError naming what is wrong)."""
        name = check_name(name)
        parsed, scope = check_role_scope(role, scope)
        self.check_password(password)
        return {"name": name, "role": parsed.value, "scope": scope, "password_hash": HASHER.hash(password)}

    def add(self, name: str, role: str | Role, scope: str | None, password: str, actor: str) -> Account:
        row = self.prepare(name, role, scope, password)
        self.add_many([row], actor)
        return Account(str(row["name"]), Role(str(row["role"])), row["scope"])

    def add_many(self, rows: list[dict[str, str | None]], actor: str, action: str = "add") -> None:
        """Rows from `prepare`, all in one transaction: a name already taken adds none of them."""
        names = [str(r["name"]) for r in rows]
        twice = sorted({n for n in names if names.count(n) > 1})
        taken = sorted(n for n in names if self.table.get(n) is not None)
        if twice or taken:
            clash = "、".join(twice + taken)
            raise AccountError(f"账户已存在或重复：{clash}", f"account already exists or repeated: {', '.join(twice + taken)}")
        try:
            self.table.insert_many(list(rows), actor, self.clock(), action=action)
        except DuplicateAccount:
            raise AccountError("账户已存在（刚被他人创建）", "account already exists (just created by someone else)") from None

    def remove(self, name: str, actor: str) -> None:
        if not self.table.delete(name, actor, self.clock()):
            raise AccountError(f"没有名为“{name}”的账户", f"no account named '{name}'")

    def passwd(self, name: str, password: str, actor: str) -> None:
        self.check_password(password)
        if not self.table.set_hash(name, HASHER.hash(password), actor, self.clock()):
            raise AccountError(f"没有名为“{name}”的账户", f"no account named '{name}'")

    # -- signing in -----------------------------------------------------------------------------------------------
    def verify(self, name: str, password: str) -> SignIn:
        """Check a sign-in: OK with the account, WRONG (name or password), or LOCKED with the lock's end."""
        now = self.clock()
        row = self.table.get(unicodedata.normalize("NFC", str(name)).strip())
        if row is None:
            with contextlib.suppress(VerificationError):
                HASHER.verify(_DUMMY_HASH, password)
            return SignIn(Outcome.WRONG)
        if row.locked_until is not None and row.locked_until > now:
            return SignIn(Outcome.LOCKED, locked_until=row.locked_until)
        try:
            HASHER.verify(row.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            until = self.table.record_failure(row.name, self.settings.max_failures,
                                              now + timedelta(minutes=self.settings.lockout_minutes), now)
            return SignIn(Outcome.LOCKED, locked_until=until) if until else SignIn(Outcome.WRONG)
        if HASHER.check_needs_rehash(row.password_hash):
            self.table.set_hash(row.name, HASHER.hash(password), row.name, now, audit=False)
        self.table.record_success(row.name, now)
        return SignIn(Outcome.OK, _account(row))

    def sign_in(self, name: str, password: str, where: str | None = None) -> SignIn:
        """`verify`, and an audit row of the attempt: `sign_in` for a success, `sign_in_failed` (reason wrong,
        locked or unknown) otherwise. The password is never written; nor is a name that matches no account
        (people type their password into the name box), and `where` is the client address when known."""
        result = self.verify(name, password)
        typed = unicodedata.normalize("NFC", str(name)).strip()
        known = result.account is not None or self.table.get(typed) is not None
        details: dict[str, object] = {"from": where} if where else {}
        if result.outcome is Outcome.OK and result.account is not None:
            self.table.record_event(self.clock(), result.account.name, "sign_in", result.account.name, details)
        else:
            reason = result.outcome.value if known else "unknown"
            self.table.record_event(self.clock(), typed if known else ANONYMOUS, "sign_in_failed",
                                    typed if known else "", {**details, "reason": reason})
        return result

    def session_expired(self, last_active: datetime) -> bool:
        """Whether a session last active at `last_active` has been idle longer than the setting allows."""
        return self.clock() - last_active > timedelta(minutes=self.settings.session_minutes)
