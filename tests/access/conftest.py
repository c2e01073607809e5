"""Fixtures for the access tests: the tiny district solved once, and a temporary store per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from planner.plan import Plan
from planner.problem import Problem
from planner.store.api import Store, make_engine, open_store
from tests.fixtures import tiny_problem


@pytest.fixture(scope="session")
def solved() -> tuple[Problem, Plan]:
    from planner.solve import solve_plan

    problem = tiny_problem()
    return problem, solve_plan(problem)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store per test: SQLite, and PostgreSQL (a schema of its own) when PLANNER_TEST_PG_URL is set."""
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'store.db'}")
        yield s
        s.close()
        return
    from sqlalchemy import text

    url = os.environ.get("PLANNER_TEST_PG_URL")
    if not url:
        pytest.skip("PLANNER_TEST_PG_URL not set")
    schema = f"planner_access_{uuid.uuid4().hex[:12]}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    s = open_store(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}")
    try:
        yield s
    finally:
        s.close()
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


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
