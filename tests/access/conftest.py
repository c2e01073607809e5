"""Fixtures for the access tests: the tiny district solved once, and a temporary store per test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from planner.plan import Plan
from planner.problem import Problem
from planner.store.api import Store, open_store
from tests.fixtures import tiny_problem


@pytest.fixture(scope="session")
def solved() -> tuple[Problem, Plan]:
    from planner.solve import solve_plan

    problem = tiny_problem()
    return problem, solve_plan(problem)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield s
    s.close()


class FakeClock:
    """A clock the test moves by hand (lockout ends, session expiry)."""

    def __init__(self) -> None:
        self.now = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
