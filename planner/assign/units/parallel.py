"""The office groups of assign.units in worker processes (both cores).

Groups are independent sub-problems: each one's plan depends only on the input, its units, communities and its
index (the kick seed), never on other groups or on timing — so the result is the same whatever the number of
workers (tests/assign/test_parallel.py). CP-SAT objects do not pickle: the input (AssignData) is shipped once per
worker (initializer) and every model is built inside the worker. Workers are spawned (not forked: the app solves in
a thread, and forking a threaded process is unsafe), which costs ~1 CPU s of imports per worker, so the pool is used
only where the groups are large enough to repay it (POOL_MIN_PAIRS); below that the groups run in this process.

The wall budget (planner/deadline.py) reaches the workers as a plain `deadline.Wall` (the monotonic clock is system-wide);
progress is reported here as groups finish; Stop cancels the groups not started and raises Cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from planner.assign.data import AssignData
from planner.deadline import Wall, process_workers, wall_of
from planner.progress import Cancelled, SolveControl

POOL_MIN_PAIRS = 200_000   # Σ units × communities over the groups to solve; district (45 k) stays in-process

Job = tuple[list[int], list[int], int, int, float]   # (units, communities, index, groups, budget share)
GroupResult = Any   # solve._solve_component's tuple


def workers() -> int:
    """Worker processes (deadline.process_workers: $PLANNER_WORKERS, else min(2, CPUs))."""
    return process_workers()


_WORKER: dict[str, Any] = {}


def _init(data: AssignData, homes: list[set[int]]) -> None:
    _WORKER["data"], _WORKER["homes"] = data, homes


def worker_inputs() -> tuple[AssignData, list[set[int]]]:
    """In a worker: the input shipped by the pool's initializer."""
    return _WORKER["data"], _WORKER["homes"]


def solve_groups(data: AssignData, homes: list[set[int]], jobs: list[Job], control: SolveControl | None,
                 solve_one: Callable[[Job], GroupResult], on_done: Callable[[int], None],
                 in_worker: Callable[[Job, Wall | None], GroupResult]) -> list[GroupResult]:
    """Each job's result, in job order: `in_worker(job, wall)` in worker processes (a module-level function, so
    that it pickles; it reads `worker_inputs()`) when there are ≥2 jobs, ≥2 workers and enough pairs, else
    `solve_one(job)` here in turn. `on_done(k)` after k groups have finished."""
    n_workers = min(workers(), len(jobs))
    pairs = sum(len(units) * len(comms) for units, comms, *_ in jobs)
    if n_workers < 2 or pairs < POOL_MIN_PAIRS:
        out = []
        for k, job in enumerate(jobs):
            out.append(solve_one(job))
            on_done(k + 1)
        return out
    import multiprocessing

    wall = wall_of(control)
    pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init, initargs=(data, homes))
    try:
        futures: list[Future[GroupResult]] = [pool.submit(in_worker, job, wall) for job in jobs]
        pending = set(futures)
        while pending:
            if control is not None and control.cancelled:
                raise Cancelled("assign.units")
            _, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            on_done(len(futures) - len(pending))
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
