"""assign.units office groups in worker processes: the plan is the same with 1 and 2 workers (each group's solve
depends only on its own data and index), and it passes the independent checker."""

from __future__ import annotations

import numpy as np
import pytest

from planner.assign import solve_assignment
from planner.assign.units import parallel
from planner.assign.units import solve as units_solve
from planner.deadline import WORKERS_ENV
from planner.demo import demo_tables
from planner.io.validate import build_problem
from planner.problem import Problem
from tests.assign.helpers import check_with_checker, fast_rules
from tests.fixtures import TINY_YEAR


def _problem() -> Problem:
    tables, _ = demo_tables("small", seed=3, year=TINY_YEAR)
    return build_problem(tables, fast_rules(), source="demo-small")


@pytest.mark.slow
def test_same_units_plan_with_one_and_two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(units_solve, "FULL_PAIRS_LIMIT", 0)     # decompose the small demo into office groups
    monkeypatch.setattr(parallel, "POOL_MIN_PAIRS", 0)          # and send them to the pool however small
    problem = _problem()
    used: list[int] = []
    real = parallel.ProcessPoolExecutor

    def spy(*args: object, **kwargs: object) -> object:
        used.append(int(kwargs["max_workers"]))  # type: ignore[call-overload]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", spy)
    results = {}
    for n in (1, 2):
        monkeypatch.setenv(WORKERS_ENV, str(n))
        results[n] = solve_assignment(problem)
        assert check_with_checker(problem, results[n]) == []
    assert used == [2], "the 2-worker run used the pool, the 1-worker run did not"
    one, two = results[1].stages[1], results[2].stages[1]
    assert int(one.details["components"]) >= 2
    assert np.array_equal(results[1].community_unit, results[2].community_unit)
    assert np.array_equal(results[1].household_cadre, results[2].household_cadre)
    assert (one.objective, one.bound) == (two.objective, two.bound)


def test_workers_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert parallel.workers() == 3
    monkeypatch.setenv(WORKERS_ENV, "zero")
    assert 1 <= parallel.workers() <= 2
