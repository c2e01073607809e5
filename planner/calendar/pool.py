"""The constructive pass and the local improvement of independent calendar components in worker processes.

Components (tasks linked by a shared group or resource, tasks.components) never touch each other's board cells,
and both passes visit a component's tasks in the global order restricted to it, so running components apart gives
the same visits as one pass over all (a component whose pass moved nothing stays unchanged in later passes; moves
add up, passes are the largest). Components where the constructive pass failed are handed back untouched by the
improvement: the caller solves them exactly first, then improves them (place.place_all's order). Buckets of whole
components go to `deadline.process_workers()` spawned workers (~1 CPU s of imports each), so only stages with at
least POOL_MIN_TASKS tasks use them (the city); results do not depend on the worker count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from planner.calendar.tasks import Board, Costs, Task, components
from planner.deadline import Wall

POOL_MIN_TASKS = 20_000   # district people stage ≈ 7 k tasks (in-process), city ≈ 70 k

Outcome = tuple[list[tuple[list[int], list[int]]], list[int], int, int]   # (days/res per task, failed, moves, passes)


def buckets(tasks: Sequence[Task], n: int) -> list[list[int]]:
    """Whole components in n buckets (largest first to the lightest bucket), each in global task order."""
    comps = sorted(components(tasks, list(range(len(tasks)))), key=lambda c: (-len(c), c[0]))
    out: list[list[int]] = [[] for _ in range(n)]
    for comp in comps:
        min(out, key=len).extend(comp)
    return [sorted(b) for b in out if b]


def place_in_pool(tasks: Sequence[Task], board: Board, costs: Costs, groups: list[list[int]], passes: int | None,
                  wall: Wall | None, cancelled: Callable[[], bool], on_done: Callable[[int, int], None],
                  run: Callable[..., Outcome], order: list[int]) -> tuple[list[int], set[int], int, int]:
    """Run `run(tasks, board, costs, passes, wall)` (place._bucket: module-level, so that it pickles) on each
    bucket (`buckets`) in a worker and commit the visits to `board`: (failed task indices in the constructive `order`, indices
    of the tasks already improved, moves, passes)."""
    import multiprocessing

    from planner.progress import Cancelled

    pool = ProcessPoolExecutor(max_workers=len(groups), mp_context=multiprocessing.get_context("spawn"))
    try:
        futures: list[Future[Any]] = [pool.submit(run, [tasks[i] for i in g], board, costs, passes, wall)
                                      for g in groups]
        pending = set(futures)
        while pending:
            if cancelled():
                raise Cancelled()
            _, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            on_done(len(futures) - len(pending), len(futures))
        outcomes = [f.result() for f in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    failed: list[int] = []
    improved: set[int] = set()
    moves = used = 0
    for g, (placed, bad, m, p) in zip(groups, outcomes, strict=True):
        for i, (days, res) in zip(g, placed, strict=True):
            if days:
                board.commit(tasks[i], days, res)
        failed += [g[i] for i in bad]
        if passes is not None:
            broken = {g[i] for comp in components([tasks[j] for j in g], bad) for i in comp} if bad else set()
            improved |= set(g) - broken
        moves, used = moves + m, max(used, p)
    rank = {i: r for r, i in enumerate(order)}
    return sorted(failed, key=lambda i: rank[i]), improved, moves, used
