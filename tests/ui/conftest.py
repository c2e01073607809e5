"""AppTest fixtures: each test gets its own temporary store database (never the user's ~/.planner)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
# A modest solver budget for tests: stages stop early when proven optimal; 15 s leaves room on a loaded machine.
FAST_SOLVER = {"rule:solver.time_limit": 15.0, "rule:solver.workers": 2}


@pytest.fixture
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "app_home"
    home.mkdir()
    monkeypatch.setenv("PLANNER_DB_URL", f"sqlite:///{home / 'store.db'}")
    monkeypatch.setenv("USER", "tester")
    monkeypatch.delenv("PLANNER_APP_SCENARIO", raising=False)
    monkeypatch.setenv("PLANNER_UI_RAISE", "1")   # a failing page fails the test (the app itself shows an error id)
    return home


@pytest.fixture
def make_app(app_home: Path) -> Callable[[], AppTest]:
    def make() -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        return at

    return make


def goto(at: AppTest, page: str) -> AppTest:
    at.sidebar.radio(key="nav").set_value(page).run()
    assert not at.exception, at.exception
    return at


def set_fast_solver(at: AppTest) -> None:
    goto(at, "rules")
    for key, value in FAST_SOLVER.items():
        at.number_input(key=key).set_value(value)
    at.run()
    assert not at.exception, at.exception


def solve(at: AppTest, timeout: float = 240) -> AppTest:
    """Click Solve, wait for the background thread, rerun so the page collects the plan."""
    goto(at, "solve")
    at.button(key="solve_start").click().run()
    assert not at.exception, at.exception
    job = at.session_state["workspace"].job
    if job is not None:
        assert job.wait(timeout), "solve did not finish"
    at.run()
    assert not at.exception, at.exception
    return at
