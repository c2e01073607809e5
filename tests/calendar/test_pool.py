"""Calendar components in worker processes (calendar/pool.py): the same visits with 1 and 2 workers, and the
plan passes the independent checker."""

from __future__ import annotations

import pytest

from planner.calendar import pool
from planner.deadline import WORKERS_ENV
from planner.demo import demo_tables
from planner.io.validate import build_problem
from planner.workflow.solve import plan_and_check
from tests.assign.helpers import fast_rules
from tests.fixtures import TINY_YEAR


@pytest.mark.slow
def test_same_visits_with_one_and_two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "POOL_MIN_TASKS", 0)   # the small demo's stages go to the pool however small
    tables, _ = demo_tables("small", seed=5, year=TINY_YEAR)
    problem = build_problem(tables, fast_rules(), source="demo-small")
    used: list[int] = []
    real = pool.ProcessPoolExecutor

    def spy(*args: object, **kwargs: object) -> object:
        used.append(int(kwargs["max_workers"]))  # type: ignore[call-overload]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pool, "ProcessPoolExecutor", spy)
    visits = {}
    for n in (1, 2):
        monkeypatch.setenv(WORKERS_ENV, str(n))
        checked = plan_and_check(problem)
        assert checked.violations == ()
        visits[n] = checked.plan.visits
    assert used and all(u == 2 for u in used), used     # only the 2-worker run used the pool
    assert visits[1].equals(visits[2])


def test_buckets_keep_components_whole_and_balanced() -> None:
    import numpy as np

    from planner.calendar.tasks import Task

    def task(group: int, option: int) -> Task:
        return Task("unit", 0, group, (option,), 1, [], np.ones(5, dtype=bool))

    tasks = [task(0, 0), task(1, 1), task(0, 2), task(2, 2), task(3, 3)]   # components {0,2,3}, {1}, {4}
    assert pool.buckets(tasks, 2) == [[0, 2, 3], [1, 4]]
    assert pool.buckets(tasks, 1) == [[0, 1, 2, 3, 4]]
