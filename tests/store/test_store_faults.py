"""Faults: an exception or a killed process in the middle of a save leaves the last good version and no half one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from planner.io.validate import build_problem
from planner.store import schema as t
from planner.store.api import Store, open_store
from tests.fixtures import tiny_problem
from tests.store.conftest import fake_plan


def _row_counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in t.metadata.sorted_tables}


def test_exception_midway_through_a_version_write_leaves_no_half_version(store: Store, scenario: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    problem = tiny_problem()
    good = fake_plan(problem)
    store.save_solved(scenario, problem, good, author="alice")
    before = _row_counts(store)
    real_put_blob = Store._put_blob
    calls = {"n": 0}

    def failing_put_blob(self: Store, conn, frame):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:   # after input blobs and some plan blobs were written
            raise RuntimeError("simulated crash")
        return real_put_blob(self, conn, frame)

    changed = build_problem(problem.raw_tables(), problem.rules.replace(visits={"cadre_household": 7}), problem.source)
    monkeypatch.setattr(Store, "_put_blob", failing_put_blob)
    with pytest.raises(RuntimeError, match="simulated crash"):
        store.save_solved(scenario, changed, fake_plan(changed, shift=1), author="bob")
    monkeypatch.setattr(Store, "_put_blob", real_put_blob)
    assert _row_counts(store) == before             # nothing of the failed save is left anywhere
    other = open_store(store.engine.url.render_as_string(hide_password=False))
    assert other.latest_version(scenario) == 1
    assert other.load_input(scenario).rules.visits.cadre_household == problem.rules.visits.cadre_household
    plan = other.load_plan(scenario, 1)
    assert plan.report == good.report and len(plan.visits) == len(good.visits)
    other.close()


CHILD = textwrap.dedent("""
    import sys, time
    from planner.store.api import Store, open_store
    from tests.fixtures import tiny_problem
    from tests.store.conftest import fake_plan

    store = open_store(sys.argv[1])
    problem = tiny_problem()
    store.save_solved("killed", problem, fake_plan(problem), author="alice")
    real = Store._put_blob
    state = {"n": 0}

    def slow(self, conn, frame):
        state["n"] += 1
        if state["n"] == 12:          # inside the version-2 transaction, after several blobs
            print("inside", flush=True)
            time.sleep(60)
        return real(self, conn, frame)

    Store._put_blob = slow
    store.save_solved("killed", problem, fake_plan(problem, shift=1), author="bob")
    print("finished", flush=True)
""")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_process_midway_leaves_last_good_version(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/planner.db"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, "-c", CHILD, url], stdout=subprocess.PIPE, env=env, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "inside"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    store = open_store(url)
    assert store.latest_version("killed") == 1
    assert [v.number for v in store.list_versions("killed")] == [1]
    assert [e.action for e in store.list_audit("killed")][-1] == "version"
    plan = store.load_plan("killed", 1)
    assert len(plan.cadre_households) == 20
    # the store is writable again: the next version gets number 2
    problem = tiny_problem()
    assert store.save_solved("killed", problem, fake_plan(problem, shift=2), author="carol") == 2
    store.close()
