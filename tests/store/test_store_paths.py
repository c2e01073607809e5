"""A store under a folder with a Chinese name (a user's home such as /home/张三): the migration lock file sits
beside the database, not at a percent-encoded path that does not exist."""

from __future__ import annotations

from pathlib import Path

from planner.store.api import open_store


def test_a_store_in_a_chinese_folder_opens_and_keeps_its_lock_beside_it(tmp_path: Path) -> None:
    folder = tmp_path / "张三的计划"
    store = open_store(f"sqlite:///{folder / '联系计划.db'}")
    try:
        store.create_scenario("年度", "甲")
        assert [s.name for s in store.list_scenarios()] == ["年度"]
    finally:
        store.close()
    assert (folder / "联系计划.db").exists() and (folder / "联系计划.db.lock").exists()
    assert not [p for p in tmp_path.rglob("*") if "%" in p.name]
    again = open_store(f"sqlite:///{folder / '联系计划.db'}")      # reopening: migrations already at head
    assert [s.name for s in again.list_scenarios()] == ["年度"]
    again.close()
