"""Recording visits in the store: outcomes, loading back as actuals, notes apart and purgeable, the migration."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from planner.store.actuals import Record, load_actuals, load_records, purge_actual_notes, record_visits
from planner.store.api import Store, open_store
from tests.supervision.helpers import problem


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    s.create_scenario("s", "alice", problem())
    return s


def test_record_load_and_purge(store: Store) -> None:
    records = [Record("cadre", "G1", "household", "household", "H01", "as_planned", date(2026, 3, 2),
                      date(2026, 3, 2), talk=1, note="家中老人住院"),
               Record("cadre", "G1", "household", "household", "H02", "other_day", date(2026, 3, 9), date(2026, 3, 2)),
               Record("cadre", "G3", "household", "household", "H03", "missed", None, date(2026, 3, 2), reason="出差")]
    record_visits(store, "s", records, "unit-U1")
    actuals = load_actuals(store, "s")
    assert len(actuals) == 2 and set(actuals["target_id"]) == {"H01", "H02"}
    assert "note" not in actuals.columns
    full = load_records(store, "s", with_notes=True)
    assert full.loc[full["target_id"] == "H01", "note"].item() == "家中老人住院"
    assert full.loc[full["target_id"] == "H03", "reason"].item() == "出差"
    assert purge_actual_notes(store, "s", "admin") == 2
    full = load_records(store, "s", with_notes=True)
    assert set(full["note"]) == {""} and set(full["reason"]) == {""}
    assert len(load_actuals(store, "s")) == 2          # the counts survive the purge


def test_a_happened_visit_needs_a_date() -> None:
    with pytest.raises(ValueError):
        Record("cadre", "G1", "household", "household", "H01", "as_planned")


def test_migrations_match_the_schema(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from planner.store import schema

    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
