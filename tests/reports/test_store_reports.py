"""Research reports in the store (migration 0005): import once per person and title, load back for progress."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from planner.reports.handed import validate_reports
from planner.store.api import Store, open_store
from planner.store.reports import delete_report, import_reports, load_reports
from planner.supervision.progress import compute_progress
from tests.reports.helpers import office_problem, reports
from tests.supervision.helpers import PAIRS, visits


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    s.create_scenario("s", "alice", office_problem())
    return s


def test_import_load_reimport_and_delete(store: Store) -> None:
    prob = office_problem()
    first = validate_reports(reports(("L1", "2026-06-20", "甲"), ("B01-S", "2026-11-02", "乙")), prob).reports
    assert import_reports(store, "s", first, "organizer") == 2
    again = validate_reports(reports(("L1", "2026-06-01", "甲"), ("L1", "2026-12-01", "丙")), prob).reports
    assert import_reports(store, "s", again, "organizer") == 1          # 甲 is the same report: earlier date kept
    loaded = load_reports(store, "s")
    got = sorted(zip(loaded["person_id"], loaded["date"].dt.strftime("%Y-%m-%d"), loaded["title"], strict=True))
    assert got == [("B01-S", "2026-11-02", "乙"), ("L1", "2026-06-01", "甲"), ("L1", "2026-12-01", "丙")]
    table = compute_progress(prob, PAIRS, visits(), visits(), date(2026, 12, 31), reports=loaded).table
    assert table.set_index("person_id").query("obligation == 'reports'").loc["L1", "status"] == "met"
    assert delete_report(store, "s", "L1", "丙", "organizer") and not delete_report(store, "s", "L1", "丙", "x")
    assert len(load_reports(store, "s")) == 2
    assert any(e.action == "reports" for e in store.list_audit("s"))


def test_migrations_match_the_schema(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from planner.store import schema

    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
