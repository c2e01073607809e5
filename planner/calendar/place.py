"""The driver of one calendar stage: the constructive pass over all tasks, the exact model where it failed, then
the improvement phase (tasks.py docstring)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from planner.calendar import pool
from planner.calendar.exact import solve_exact
from planner.calendar.improve import Budget, improve_exact, improve_local
from planner.calendar.tasks import Board, Costs, Task, components, plan_cost, task_bound
from planner.deadline import CALENDAR_SHARE, Wall, bounded, expired, process_workers, time_left, wall_of
from planner.result import Status


@dataclass
class Placement:
    """Outcome of placing a family of tasks (one stage)."""

    status: Status
    objective: float
    bound: float
    failed: int = 0                 # tasks the constructive pass left to the exact model
    components: int = 0             # exact sub-models solved
    details: dict[str, Any] = field(default_factory=dict)
    lifts: list[tuple[list[int], float]] = field(default_factory=list)   # proven bound lift per component


def place_greedy(task: Task, board: Board, costs: Costs) -> bool:
    """Place one task on free days near its targets, then repair uncovered required periods. True if placed.

    Each target takes the free day (available, group not busy, an option under its cap) of least
    spacing·|day − target| + avoided-day cost + tiebreak·load; then every required period left uncovered takes its
    best free day near its middle, dropping a day of the fullest period (or outside all periods) when k are
    already chosen; each day goes to its least-loaded option. The loops are compiled (calendar/kernels.py)."""
    from planner.calendar.kernels import greedy_days

    if task.k <= 0 and not task.periods:
        return True
    lengths = [len(p) for p in task.periods]
    period_days = np.concatenate(task.periods).astype(np.int64) if task.periods else np.zeros(0, np.int64)
    period_starts = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    placed, days, res = greedy_days(np.asarray(task.options, dtype=np.int64), board.load, board.caps,
                                    board.busy[task.group], task.avail, costs.day, float(costs.tiebreak),
                                    float(costs.spacing), np.ascontiguousarray(task.targets(), dtype=np.int64),
                                    int(task.k), period_days, period_starts)
    if not placed:
        return False
    board.commit(task, days.tolist(), res.tolist())
    return True


def _bucket(tasks: list[Task], board: Board, costs: Costs, passes: int | None, wall: Wall | None) -> pool.Outcome:
    """In a worker (pool.py): the constructive pass over `tasks` (global order kept), then the local improvement
    of the components where nothing failed (when `passes` is given)."""
    failed = [i for i in order_tasks(tasks) if not place_greedy(tasks[i], board, costs)]
    moves = used = 0
    if passes is not None:
        broken = {i for comp in components(tasks, failed) for i in comp} if failed else set()
        clean = [t for i, t in enumerate(tasks) if i not in broken]
        stop = (lambda: expired(wall, CALENDAR_SHARE)) if wall is not None else None
        done = improve_local(clean, board, costs, passes, stop=stop)
        moves, used = done.moves, done.passes
    return [(list(t.days), list(t.res)) for t in tasks], failed, moves, used


def order_tasks(tasks: Sequence[Task]) -> list[int]:
    """Tightest first (fewest available days per required day), then the order given (deterministic)."""
    keys = []
    for i, t in enumerate(tasks):
        need = max(t.k, len(t.periods), 1)
        keys.append((int(t.avail.sum()) / need, -len(t.periods), i))
    return [i for *_, i in sorted(keys)]


class StageControl(Protocol):
    """What the driver needs from the caller's control (planner.progress.SolveControl has it): whether the user
    pressed Stop, a place to report progress, and the registry of running CP-SAT solvers that Stop interrupts."""

    @property
    def cancelled(self) -> bool: ...

    def report(self, stage: str, message: str = "", objective: float | None = None, bound: float | None = None,
               done: int | None = None, total: int | None = None) -> None: ...

    def register(self, solver: Any) -> None: ...

    def unregister(self, solver: Any) -> None: ...


def place_all(tasks: Sequence[Task], board: Board, costs: Costs, *, seed: int, workers: int,
              time_limit: float, control: StageControl | None = None, stage: str = "",
              explain: Callable[[Sequence[Task]], Exception] | None = None, budget: Budget | None = None
              ) -> Placement:
    """Constructive pass over all tasks, the exact model on each component the pass could not finish, then the
    improvement phase (improve.py) when a `budget` (improve.Budget) is given.

    Raises whatever `explain(component_tasks)` returns (an InfeasibleError) when a component is proven
    impossible; planner.progress.Cancelled when the user stops.
    """
    from planner.progress import Cancelled

    failed: list[int] = []
    order = order_tasks(tasks)
    step = max(1, len(order) // 20)
    if budget is not None and getattr(control, "first_valid", False):
        budget = None   # --first-valid: the constructive (and exact-repaired) plan is the result
    n_workers = min(process_workers(), len(tasks))
    improved: set[int] = set()
    pooled = (0, 0)
    groups = pool.buckets(tasks, n_workers) if n_workers >= 2 and len(tasks) >= pool.POOL_MIN_TASKS else []
    if len(groups) >= 2:   # independent components in worker processes
        failed, improved, *moved = pool.place_in_pool(
            tasks, board, costs, groups, budget.passes if budget is not None else None, wall_of(control),
            lambda: control is not None and bool(control.cancelled),
            lambda k, n: control.report(stage, "constructive", None, None, k, n) if control is not None else None,
            _bucket, order)
        pooled = (moved[0], moved[1])
    else:
        for n, i in enumerate(order):
            if not place_greedy(tasks[i], board, costs):
                failed.append(i)
            if control is not None and n % step == 0:
                if control.cancelled:
                    raise Cancelled()
                control.report(stage, "constructive", None, None, n, len(order))
    exact_status = Status.OPTIMAL
    comps = components(tasks, failed) if failed else []
    for j, comp in enumerate(comps):
        if control is not None and control.cancelled:
            raise Cancelled()
        sub = [tasks[i] for i in comp]
        result = solve_exact(sub, board, costs, seed=seed, workers=workers, time_limit=time_limit,
                             register=control.register if control else None,
                             unregister=control.unregister if control else None)
        if result.status not in (Status.OPTIMAL, Status.FEASIBLE):
            if control is not None and control.cancelled:
                raise Cancelled()
            if explain is not None:
                raise explain(sub)
            raise RuntimeError(f"{stage}: component of {len(sub)} tasks has no solution")
        if result.status == Status.FEASIBLE:
            exact_status = Status.FEASIBLE
        if control is not None:
            control.report(stage, f"exact model {j + 1}/{len(comps)}", result.objective, result.bound, j + 1, len(comps))
    constructive = plan_cost(tasks, costs)
    details: dict[str, Any] = {"tasks": len(tasks), "greedy_failed": len(failed), "exact_components": len(comps),
                               "constructive_objective": constructive}
    lifts: list[tuple[list[int], float]] = []
    if budget is not None:
        stop = (lambda: expired(control, CALENDAR_SHARE)) if bounded(control) else None
        rest = [t for i, t in enumerate(tasks) if i not in improved]
        local = improve_local(rest, board, costs, budget.passes, stop=stop)
        local.moves, local.passes = local.moves + pooled[0], max(local.passes, pooled[1])
        details["local_objective"] = plan_cost(tasks, costs)
        if control is not None:
            if control.cancelled:
                raise Cancelled()
            control.report(stage, "improve", details["local_objective"], None, 1, 1)
        exact = improve_exact(tasks, board, costs, budget, seed=seed, register=control.register if control else None,
                              unregister=control.unregister if control else None,
                              cancelled=lambda: control is not None and bool(control.cancelled),
                              time_left=(lambda: time_left(control, CALENDAR_SHARE)) if bounded(control) else None)
        if control is not None and control.cancelled:
            raise Cancelled()
        exact.moves, exact.passes = local.moves, local.passes
        details.update(exact.details())
        lifts = exact.lifts
    objective = plan_cost(tasks, costs)
    bound = float(sum(task_bound(t, costs) for t in tasks)) + sum(lift for _, lift in lifts)
    status = Status.OPTIMAL if objective <= bound + 1e-9 else Status.FEASIBLE
    if exact_status == Status.FEASIBLE:
        status = Status.FEASIBLE
    return Placement(status, objective, bound, len(failed), len(comps), details, lifts)
