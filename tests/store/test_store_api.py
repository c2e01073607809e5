"""Round trips, versions, optimistic locking and merge, restore, audit trail, privacy, compare."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select

from planner.io.validate import build_problem
from planner.store import schema as t
from planner.store.api import ConflictError, NotFoundError, Store, open_store
from tests.fixtures import tiny_problem, tiny_tables
from tests.store.conftest import fake_plan


def _problem_with_dates():
    tables = tiny_tables()
    tables["unavailability"] = pd.DataFrame({"person_id": ["G1", "L2"], "start": ["2026-03-02", "2026-07-01"],
                                             "end": ["2026-03-06", "2026-07-10"], "reason": ["出差", ""]})
    tables["holidays"] = pd.DataFrame({"date": ["2026-12-31"], "kind": ["holiday"]})
    tables["pins"] = pd.DataFrame({"kind": ["cadre_household"], "subject_id": ["G1"], "target_id": ["H01"]})
    return build_problem(tables, tiny_problem().rules, source="tiny+dates")


def _assert_plans_equal(a, b) -> None:
    for name in ("leader_offices", "unit_communities", "cadre_households", "visits", "names"):
        pd.testing.assert_frame_equal(getattr(a, name).reset_index(drop=True), getattr(b, name).reset_index(drop=True),
                                      check_dtype=False)
    assert a.report == b.report


def test_migrations_match_the_schema(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert diffs == []


def test_round_trip_gives_identical_problem_and_plan(store: Store, scenario: str) -> None:
    problem = _problem_with_dates()
    plan = fake_plan(problem)
    assert store.save_solved(scenario, problem, plan, author="alice") == 1
    loaded_problem, loaded_plan = store.load_version(scenario, 1)
    for stem, frame in problem.raw_tables().items():
        pd.testing.assert_frame_equal(loaded_problem.raw_tables()[stem], frame, obj=stem)
    for name in ("offices", "households", "cadres", "unavailability", "pins"):
        pd.testing.assert_frame_equal(getattr(loaded_problem, name), getattr(problem, name), obj=name)
    assert loaded_problem.rules == problem.rules
    assert isinstance(loaded_problem.unavailability["start"].iloc[0], date)
    _assert_plans_equal(loaded_plan, plan)
    assert isinstance(loaded_plan.visits["date"].iloc[0], date)
    # the scenario's current input is the solved one (revision 1), and loads identically too
    current = store.load_input(scenario)
    assert current.revision == 1
    pd.testing.assert_frame_equal(current.tables["households"], problem.raw_tables()["households"])


def test_versions_are_numbered_and_immutable(store: Store, scenario: str) -> None:
    problem = tiny_problem()
    first = fake_plan(problem)
    store.save_solved(scenario, problem, first, author="alice")
    store.save_solved(scenario, problem, fake_plan(problem, shift=1), author="bob")
    versions = store.list_versions(scenario)
    assert [(v.number, v.author, v.status) for v in versions] == [(1, "alice", "feasible"), (2, "bob", "feasible")]
    assert versions[0].objective == 123.5 and versions[0].gap == pytest.approx(0.19)
    assert versions[1].counts["households"] == 20
    _assert_plans_equal(store.load_plan(scenario, 1), first)
    assert store.latest_version(scenario) == 2
    with pytest.raises(NotFoundError):
        store.load_plan(scenario, 7)
    with pytest.raises(NotFoundError):
        store.load_plan("no such scenario", 1)
    # same input solved twice: one input snapshot, referenced by both versions
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.inputs)
                            .where(t.inputs.c.scenario_id == t.scenarios.c.id,
                                   t.scenarios.c.name == scenario)).scalar() == 1


def test_stale_revision_raises_conflict_naming_who_and_what(store_url: str, scenario: str) -> None:
    problem = tiny_problem()
    first, second = open_store(store_url), open_store(store_url)   # two sessions, e.g. two browsers
    first.create_scenario(scenario, "alice", problem)
    a, b = first.load_input(scenario), second.load_input(scenario)
    assert a.revision == b.revision == 1
    households = a.tables["households"].copy()
    households.loc[0, "priority"] = 2
    assert first.save_input(scenario, author="alice", expected_revision=a.revision,
                            tables={"households": households}) == 2
    with pytest.raises(ConflictError) as caught:
        second.save_rules(scenario, b.rules.replace(visits={"cadre_household": 8}), author="bob",
                          expected_revision=b.revision)
    error = caught.value
    assert (error.expected, error.current) == (1, 2)
    assert "alice" in error.render("en") and "households" in error.render("en") and "alice" in error.render("zh")
    assert [c.author for c in error.changes] == ["alice"]
    # bob's rules were not written: nothing is overwritten silently
    assert second.load_input(scenario).rules.visits.cadre_household == problem.rules.visits.cadre_household
    first.close()
    second.close()


def test_merge_applies_disjoint_edits_and_refuses_overlapping_ones(store_url: str, scenario: str) -> None:
    first, second = open_store(store_url), open_store(store_url)
    first.create_scenario(scenario, "alice", tiny_problem())
    base = first.load_input(scenario)
    households = base.tables["households"].copy()
    households.loc[1, "priority"] = 3
    first.save_input(scenario, author="alice", expected_revision=1, tables={"households": households})
    rules = base.rules.replace(visits={"cadre_household": 8})
    revision = second.save_rules(scenario, rules, author="bob", expected_revision=1, merge=True)
    merged = second.load_input(scenario)
    assert revision == merged.revision == 3
    assert merged.rules.visits.cadre_household == 8
    assert merged.tables["households"].loc[1, "priority"] == 3          # alice's edit survived
    other = base.tables["households"].copy()
    other.loc[1, "priority"] = 1
    with pytest.raises(ConflictError) as caught:
        second.save_input(scenario, author="bob", expected_revision=1, tables={"households": other}, merge=True)
    assert caught.value.parts == ("households",)
    first.close()
    second.close()


def test_audit_records_data_rules_locks_restore_and_versions(store: Store, scenario: str) -> None:
    problem = tiny_problem()
    store.save_solved(scenario, problem, fake_plan(problem), author="alice")
    current = store.load_input(scenario)
    cadres = current.tables["cadres"].iloc[1:].reset_index(drop=True)   # a cadre leaves
    r = store.save_input(scenario, author="bob", expected_revision=current.revision, tables={"cadres": cadres})
    r = store.save_rules(scenario, current.rules.replace(visits={"talks_per_household": 3}), author="carol",
                         expected_revision=r)
    pins = pd.DataFrame({"kind": ["unit_community"], "subject_id": ["U1"], "target_id": ["C01"]})
    r = store.save_locks(scenario, author="dave", expected_revision=r, pins=pins)
    assert store.save_locks(scenario, author="dave", expected_revision=r, pins=pins) == r   # no change, no row
    r = store.restore(scenario, 1, author="erin", expected_revision=r)
    entries = store.list_audit(scenario)
    actions = [(e.action, e.author) for e in entries]
    assert actions[:2] == [("create", "alice"), ("data", "alice")]
    assert ("version", "alice") in actions
    later = [a for a in actions if a[1] != "alice"]
    assert later == [("data", "bob"), ("rules", "carol"), ("locks", "dave"), ("restore", "erin")]
    by_action = {e.action: e for e in entries if e.author != "alice"}
    assert by_action["data"].details["cadres"]["removed_ids"] == ["G1"]
    assert by_action["rules"].details == {"visits.talks_per_household": [2, 3]}
    assert by_action["locks"].details["pins"]["added"] == 1
    assert by_action["restore"].revision == r == 5
    # restore brought back version 1's input: the cadre, the rules and no pins
    restored = store.load_input(scenario)
    assert len(restored.tables["cadres"]) == 8 and restored.rules.visits.talks_per_household == 2
    assert restored.tables["pins"].empty
    frame = store.audit_frame(scenario)
    assert list(frame["action"])[-1] == "restore" and len(frame) == len(entries)


def test_personal_data_lives_in_one_table_and_can_be_purged(store: Store, scenario: str) -> None:
    problem = tiny_problem()
    store.save_solved(scenario, problem, fake_plan(problem), author="alice")
    names = set(problem.households["name"])
    with store.engine.connect() as conn:
        blobs = conn.execute(select(t.blobs.c.data)).scalars().all()
        audit = conn.execute(select(t.audit.c.what, t.audit.c.details)).all()
    from planner.store.codec import frame_from_bytes

    for data in blobs:   # no blob outside personal_data holds a household name or its coordinates
        frame = frame_from_bytes(data)
        assert not (set(frame.astype(str).to_numpy().ravel()) & names)
        if "household_id" in frame.columns:
            assert "lat" not in frame.columns or "community_id" not in frame.columns
    assert not any(n in json.dumps(row.details, ensure_ascii=False) + row.what for row in audit for n in names)
    assert store.purge_personal_data(scenario, author="dpo") == 1
    households = store.load_input(scenario).tables["households"]
    assert list(households.columns) == ["household_id", "community_id", "name", "priority", "lat", "lon"]
    assert (households["name"] == "").all() and households["lat"].isna().all()
    assert list(households["priority"]) == list(problem.households["priority"])
    assert store.list_audit(scenario)[-1].action == "purge"


def test_compare_counts_pairs_changed_and_visits_moved(store: Store, scenario: str) -> None:
    import dataclasses

    problem = tiny_problem()
    first = fake_plan(problem)
    ch = first.cadre_households.copy()
    household = ch.loc[0, "household_id"]
    other = next(c for c in problem.cadres["cadre_id"] if c != ch.loc[0, "cadre_id"]
                 and problem.cadres.set_index("cadre_id").loc[c, "unit_id"]
                 == problem.cadres.set_index("cadre_id").loc[ch.loc[0, "cadre_id"], "unit_id"])
    ch.loc[0, "cadre_id"] = other                                   # one household re-linked
    visits = first.visits.copy()
    leader_rows = visits.index[visits["person_kind"] == "leader"][:3]
    visits.loc[leader_rows, "date"] = [date(problem.rules.year, 12, 30)] * 3   # three visits rescheduled
    visits = visits.drop(visits.index[visits["person_kind"] == "leader"][-1])  # one dropped
    second = dataclasses.replace(first, cadre_households=ch, visits=visits)
    store.save_solved(scenario, problem, first, author="alice")
    store.save_solved(scenario, problem, second, author="alice")
    diff = store.compare(scenario, 1, 2)
    assert diff.pairs["leader_offices"].removed == 0 and diff.pairs["unit_communities"].removed == 0
    pairs = diff.pairs["cadre_households"]
    assert (pairs.before, pairs.kept, pairs.removed, pairs.added) == (20, 19, 1, 1)
    assert pairs.kept_share == pytest.approx(19 / 20) and diff.pairs_changed == 1
    assert (diff.visits.moved, diff.visits.dropped, diff.visits.new) == (3, 1, 0)
    assert diff.visits.kept == len(first.visits) - 4
    assert household in set(ch["household_id"])
    same = store.compare(scenario, 1, 1)
    assert same.pairs_changed == 0 and same.visits.moved == 0 and same.visits.kept == same.visits.before


def test_scenarios_listed_and_created_once(store: Store, scenario: str) -> None:
    info = store.create_scenario(scenario, "alice")
    assert info.revision == 0 and info.versions == 0
    assert scenario in [s.name for s in store.list_scenarios()]
    assert store.load_input(scenario).tables["households"].empty
    from planner.store.api import StoreError

    with pytest.raises(StoreError):
        store.create_scenario(scenario, "bob")


def test_redaction_pseudonymises_names_and_blanks_coordinates() -> None:
    from planner.store.privacy import redact_tables

    tables = tiny_problem().raw_tables()
    once, again = redact_tables(tables, salt="s1"), redact_tables(tables, salt="s1")
    households = once["households"]
    assert not set(households["name"]) & set(tables["households"]["name"])
    assert households["name"].is_unique and list(households["name"]) == list(again["households"]["name"])
    assert households["lat"].isna().all() and households["lon"].isna().all()
    assert list(households["household_id"]) == list(tables["households"]["household_id"])
    assert list(redact_tables(tables, salt="s2")["households"]["name"]) != list(households["name"])
    pd.testing.assert_frame_equal(once["cadres"], tables["cadres"])


def test_logs_never_carry_household_names(store: Store, scenario: str, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    problem = tiny_problem()
    with caplog.at_level(logging.DEBUG):
        store.save_solved(scenario, problem, fake_plan(problem), author="alice")
        current = store.load_input(scenario)
        households = current.tables["households"].copy()
        households.loc[2, "name"] = "新户主"
        store.save_input(scenario, author="bob", expected_revision=current.revision, tables={"households": households})
        store.purge_personal_data(scenario, author="dpo")
    assert caplog.records, "the store logs its actions"
    text = caplog.text + "".join(e.what + json.dumps(e.details, ensure_ascii=False) for e in store.list_audit(scenario))
    for name in [*problem.households["name"], "新户主"]:
        assert name not in text


def test_racing_sessions_on_one_revision_exactly_one_wins(store_url: str, scenario: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    writers = 4
    setup = open_store(store_url)
    setup.create_scenario(scenario, "setup", tiny_problem())
    base = setup.load_input(scenario)
    sessions = [open_store(store_url) for _ in range(writers)]

    def save(i: int) -> str:
        try:
            sessions[i].save_rules(scenario, base.rules.replace(visits={"cadre_household": 7 + i}), author=f"u{i}",
                                   expected_revision=base.revision)
            return "saved"
        except ConflictError:
            return "conflict"

    with ThreadPoolExecutor(writers) as pool:
        outcomes = list(pool.map(save, range(writers)))
    assert sorted(outcomes) == ["conflict"] * (writers - 1) + ["saved"]
    final = setup.load_input(scenario)
    assert final.revision == base.revision + 1
    winner = outcomes.index("saved")
    assert final.rules.visits.cadre_household == 7 + winner
    assert [e.author for e in setup.list_audit(scenario) if e.action == "rules"][-1] == f"u{winner}"
    for s in [setup, *sessions]:
        s.close()


def test_a_solve_is_kept_even_when_the_input_was_edited_meanwhile(store: Store, scenario: str) -> None:
    problem = tiny_problem()
    store.create_scenario(scenario, "alice", problem)
    started_on = store.load_input(scenario).revision            # the app starts a solve on revision 1
    households = store.load_input(scenario).tables["households"].copy()
    households.loc[3, "priority"] = 3
    store.save_input(scenario, author="bob", expected_revision=started_on, tables={"households": households})
    solved = build_problem(problem.raw_tables(), problem.rules.replace(visits={"talks_per_household": 3}), problem.source)
    number = store.save_solved(scenario, solved, fake_plan(solved), author="alice", expected_revision=started_on)
    assert number == 1
    current = store.load_input(scenario)
    assert current.revision == 2 and current.tables["households"].loc[3, "priority"] == 3   # bob's edit stays
    assert current.rules.visits.talks_per_household == 2
    assert store.load_version_input(scenario, 1).rules.visits.talks_per_household == 3    # the version's own input


def test_personal_data_given_again_after_a_purge_is_kept_again(store: Store, scenario: str) -> None:
    problem = tiny_problem()
    store.save_solved(scenario, problem, fake_plan(problem), author="alice")
    store.purge_personal_data(scenario, author="dpo")
    store.save_solved(scenario, problem, fake_plan(problem), author="alice")
    assert list(store.load_input(scenario).tables["households"]["name"]) == list(problem.households["name"])
