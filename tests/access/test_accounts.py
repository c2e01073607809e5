"""Accounts: hashes not passwords, wrong passwords, lockout after N failures (held in the store), expiry with a
fake clock, remove, passwd, the guarded store, and publishing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from planner.access.accounts import AccessSettings, Account, AccountError, Accounts, Outcome
from planner.access.guard import GuardedStore, PermissionDenied
from planner.access.roles import Role
from planner.store import schema as t
from planner.store.api import Store
from tests.access.conftest import FakeClock
from tests.fixtures import tiny_problem

PASSWORD = "correct horse 9"
SETTINGS = AccessSettings(max_failures=3, lockout_minutes=15, session_minutes=30, min_password=8)


def accounts(store: Store, clock: FakeClock) -> Accounts:
    return Accounts(store.engine, SETTINGS, clock)


def test_the_stored_hash_is_salted_argon2_not_the_password(store: Store, clock: FakeClock) -> None:
    acc = accounts(store, clock)
    acc.add("甲", "admin", None, PASSWORD, "root")
    acc.add("乙", "organizer", None, PASSWORD, "root")
    with store.engine.connect() as conn:
        hashes = dict(conn.execute(select(t.accounts.c.name, t.accounts.c.password_hash)).all())
        audit = str(conn.execute(select(t.account_audit)).all())
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes.values())
    assert hashes["甲"] != hashes["乙"]          # a salt per hash
    assert PASSWORD not in audit and "$argon2" not in audit


def test_right_and_wrong_password(store: Store, clock: FakeClock) -> None:
    acc = accounts(store, clock)
    acc.add("u", "unit", "U1", PASSWORD, "root")
    ok = acc.verify("u", PASSWORD)
    assert ok.outcome is Outcome.OK and ok.account == Account("u", Role.UNIT, "U1")
    assert acc.verify("u", PASSWORD + "x").outcome is Outcome.WRONG
    assert acc.verify("nobody", PASSWORD).outcome is Outcome.WRONG      # same answer as a wrong password


def test_lockout_after_n_failures_holds_across_instances_and_ends(store: Store, clock: FakeClock) -> None:
    accounts(store, clock).add("c", "cadre", "G1", PASSWORD, "root")
    for _ in range(SETTINGS.max_failures - 1):
        assert accounts(store, clock).verify("c", "wrong-one").outcome is Outcome.WRONG
    locked = accounts(store, clock).verify("c", "wrong-one")   # a fresh instance: the count is in the store
    assert locked.outcome is Outcome.LOCKED and locked.locked_until is not None
    assert accounts(store, clock).verify("c", PASSWORD).outcome is Outcome.LOCKED   # even the right password
    clock.advance(SETTINGS.lockout_minutes - 1)
    assert accounts(store, clock).verify("c", PASSWORD).outcome is Outcome.LOCKED
    clock.advance(2)
    assert accounts(store, clock).verify("c", PASSWORD).outcome is Outcome.OK
    assert [e["action"] for e in accounts(store, clock).audit()] == ["add", "lockout"]


def test_a_success_resets_the_failure_count(store: Store, clock: FakeClock) -> None:
    acc = accounts(store, clock)
    acc.add("c", "cadre", "G1", PASSWORD, "root")
    for _ in range(SETTINGS.max_failures - 1):
        acc.verify("c", "nope-nope")
    assert acc.verify("c", PASSWORD).outcome is Outcome.OK
    assert acc.verify("c", "nope-nope").outcome is Outcome.WRONG   # counting starts again


def test_sign_ins_are_audited_without_passwords(store: Store, clock: FakeClock) -> None:
    acc = accounts(store, clock)
    acc.add("c", "cadre", "G1", PASSWORD, "root")
    assert acc.sign_in("c", PASSWORD, where="10.0.0.8").outcome is Outcome.OK
    assert acc.sign_in("c", "wrong-one").outcome is Outcome.WRONG
    assert acc.sign_in(PASSWORD, PASSWORD).outcome is Outcome.WRONG          # a password typed as the name
    for _ in range(SETTINGS.max_failures - 1):
        acc.sign_in("c", "wrong-one")                                     # the last of these locks
    assert acc.sign_in("c", PASSWORD).outcome is Outcome.LOCKED
    rows = [(e["actor"], e["action"], e["account"], e["details"]) for e in acc.audit()][1:]
    assert rows[:3] == [("c", "sign_in", "c", {"from": "10.0.0.8"}),
                        ("c", "sign_in_failed", "c", {"reason": "wrong"}),
                        ("anonymous", "sign_in_failed", "", {"reason": "unknown"})]
    assert [r[1] for r in rows[3:]] == ["sign_in_failed", "lockout", "sign_in_failed", "sign_in_failed"]
    assert rows[-1][3] == {"reason": "locked"}
    with store.engine.connect() as conn:
        audit = str(conn.execute(select(t.account_audit)).all())
    assert PASSWORD not in audit and "wrong-one" not in audit
    assert acc.verify("c", "wrong-one").outcome is Outcome.LOCKED and len(acc.audit()) == len(rows) + 1  # not audited


def test_session_expiry_follows_the_setting(store: Store, clock: FakeClock) -> None:
    acc = accounts(store, clock)
    start = clock()
    clock.advance(SETTINGS.session_minutes - 1)
    assert not acc.session_expired(start)
    clock.advance(2)
    assert acc.session_expired(start)


def test_remove_and_passwd(store: Store, clock: FakeClock) -> None:
    acc = accounts(store, clock)
    acc.add("x", "inspector", None, PASSWORD, "root")
    for _ in range(SETTINGS.max_failures):
        acc.verify("x", "bad-bad-bad")
    acc.passwd("x", "a new password", "root")           # a password change unlocks
    assert acc.verify("x", PASSWORD).outcome is Outcome.WRONG
    assert acc.verify("x", "a new password").outcome is Outcome.OK
    acc.remove("x", "root")
    assert acc.get("x") is None and not acc.exist()
    assert acc.verify("x", "a new password").outcome is Outcome.WRONG
    with pytest.raises(AccountError):
        acc.remove("x", "root")
    assert [e["action"] for e in acc.audit()] == ["add", "lockout", "passwd", "remove"]


@pytest.mark.parametrize(("name", "role", "scope", "password", "column"), [
    ("", "admin", None, PASSWORD, "name"),
    ("a\x07b", "admin", None, PASSWORD, "name"),
    ("a", "boss", None, PASSWORD, "role"),
    ("a", "unit", None, PASSWORD, "scope"),
    ("a", "cadre", "", PASSWORD, "scope"),
    ("a", "admin", "U1", PASSWORD, "scope"),
    ("a", "admin", None, "short", "password"),
])
def test_bad_accounts_are_refused_naming_the_field(store: Store, clock: FakeClock, name: str, role: str,
                                                   scope: str | None, password: str, column: str) -> None:
    acc = accounts(store, clock)
    with pytest.raises(AccountError) as info:
        acc.add(name, role, scope, password, "root")
    assert info.value.column == column
    assert not acc.exist()


def test_a_duplicate_in_a_batch_adds_none(store: Store, clock: FakeClock) -> None:
    acc = accounts(store, clock)
    acc.add("a", "admin", None, PASSWORD, "root")
    rows = [acc.prepare("b", "organizer", None, PASSWORD), acc.prepare("a", "inspector", None, PASSWORD)]
    with pytest.raises(AccountError):
        acc.add_many(rows, "root")
    assert [r.name for r in acc.all()] == ["a"]


def test_role_labels_in_chinese_are_accepted(store: Store, clock: FakeClock) -> None:
    assert accounts(store, clock).add("d", "督查", None, PASSWORD, "root").role is Role.INSPECTOR


# -- the guarded store ------------------------------------------------------------------------------------------
def test_guarded_store_refuses_by_role_and_authors_by_account(store: Store) -> None:
    from planner.solve import solve_plan

    problem = tiny_problem()
    organizer = GuardedStore(store, Account("组织部张三", Role.ORGANIZER))
    organizer.create_scenario("s", author="typed-in name", problem=problem)
    number = organizer.save_solved("s", problem, solve_plan(problem), "typed-in name")
    inspector = GuardedStore(store, Account("督查李四", Role.INSPECTOR))
    with pytest.raises(PermissionDenied):
        inspector.save_input("s", author="x", expected_revision=1, rules=problem.rules.replace(year=2025))
    with pytest.raises(PermissionDenied):
        inspector.publish("s", number, author="x")
    with pytest.raises(PermissionDenied):
        GuardedStore(store, Account("u", Role.UNIT, "U1")).save_solved("s", problem, store.load_plan("s"), "u")
    assert store.current_publication() is None
    organizer.publish("s", number, author="ignored")
    assert store.current_publication() == ("s", number) and store.published_versions("s") == [number]
    authors = {(e.action, e.author) for e in store.list_audit("s")}
    assert authors >= {("create", "组织部张三"), ("version", "组织部张三"), ("publish", "组织部张三")}
    assert not any(author in ("typed-in name", "ignored", "x") for _, author in authors)


def test_publishing_twice_is_one_publication_and_the_latest_wins(store: Store) -> None:
    from planner.solve import solve_plan

    problem = tiny_problem()
    plan = solve_plan(problem)
    store.save_solved("s", problem, plan, "a")
    store.save_solved("s", problem, plan, "a")
    store.publish("s", 1, author="a")
    store.publish("s", 1, author="a")
    assert store.published_versions("s") == [1]
    store.publish("s", 2, author="a")
    assert store.current_publication() == ("s", 2)
    assert [e.action for e in store.list_audit("s")].count("publish") == 2
