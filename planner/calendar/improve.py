"""Improvement phase after the constructive pass: local moves everywhere, then exact CP-SAT per component.

The constructive pass (tasks.place_greedy) places tasks one at a time, so the later tasks of a community find
their best days taken and the soft cost (tasks.py docstring: spacing as earth mover's distance to evenly spaced
targets + avoided days) ends far above its bound. Two steps, both keeping every hard rule by construction:

1. `improve_local`: move one visit of a task to the day that lowers the task's cost most, among the days that are
   free for its group, available, under the cap of one of its resources, and keep every required period covered.
   The gain of every candidate day comes from prefix sums of |P - T| in O(days), so a pass over the district's
   ~50,000 task-days takes seconds. Passes repeat until none moves (at most rules.calendar.improve_passes).
2. `improve_exact`: the components (tasks linked by a group or a resource) with the largest gap to their bound
   are re-solved by exact.solve_exact with the current placement as a complete hint (`repair_hint`), one worker,
   a deterministic-time budget of rules.solver.time_limit × rules.calendar.improve_time_share shared across the
   components in order; a component larger than rules.calendar.improve_exact_vars is left to step 1. CP-SAT
   stops by itself when it proves optimality; its proven bound lifts the component's bound.
Everything is ordered by indices, never by wall time, so the same input and seed give the same visits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.calendar.exact import solve_exact
from planner.calendar.tasks import Board, Costs, Task, components, task_bound
from planner.result import Status
from planner.rules import Rules


@dataclass(frozen=True)
class Budget:
    """How much improvement to do (from rules.calendar and rules.solver)."""

    passes: int
    exact_vars: int
    exact_time: float       # deterministic seconds, shared by the components of one stage

    @classmethod
    def of(cls, rules: Rules) -> Budget:
        cal = rules.calendar
        return cls(int(cal.improve_passes), int(cal.improve_exact_vars),
                   float(rules.solver.time_limit) * float(cal.improve_time_share))


@dataclass
class Improvement:
    moves: int = 0
    passes: int = 0
    exact_solved: int = 0
    exact_optimal: int = 0
    exact_skipped: int = 0
    exact_seconds: float = 0.0
    deterministic: float = 0.0
    lift: float = 0.0                                   # proven bound above the sum of task bounds
    lifts: list[tuple[list[int], float]] = field(default_factory=list)   # (task indices, lift) per component

    def details(self) -> dict[str, Any]:
        return {"local_moves": self.moves, "local_passes": self.passes, "exact_improved": self.exact_solved,
                "exact_improved_optimal": self.exact_optimal, "exact_skipped_large": self.exact_skipped,
                "exact_deterministic_s": round(self.deterministic, 2)}


def improve_local(tasks: Sequence[Task], board: Board, costs: Costs, passes: int,
                  stop: Callable[[], bool] | None = None) -> Improvement:
    """Best single-visit moves, task by task, until a pass moves nothing (see module docstring, step 1).
    Anytime: every move keeps every hard rule, so `stop` (the wall budget) may end it after any task."""
    out = Improvement()
    n = board.n_days
    if n == 0 or (costs.spacing == 0 and not costs.avoid.any()):
        return out
    idx = np.arange(n)
    day = costs.day
    for _ in range(passes):
        out.passes += 1
        moved = 0
        for t in tasks:
            if stop is not None and stop():
                out.moves += moved
                return out
            if t.days and t.k > 0:
                moved += _improve_task(t, board, costs, idx, day)
        out.moves += moved
        if not moved:
            break
    return out


def _improve_task(t: Task, board: Board, costs: Costs, idx: np.ndarray, day: np.ndarray) -> int:
    """Each visit of t in turn to the day that lowers t's cost most (module docstring, step 1); compiled
    (calendar/kernels.py). Returns the number of moves."""
    from planner.calendar.kernels import improve_task

    n = board.n_days
    period_of = np.full(n, -1, dtype=np.int64)
    for j, days in enumerate(t.periods):
        period_of[days] = j
    days_arr = np.asarray(t.days, dtype=np.int64)
    res_arr = np.asarray(t.res, dtype=np.int64)
    moved = int(improve_task(days_arr, res_arr, np.ascontiguousarray(t.target_prefix(n), dtype=np.int64),
                             np.asarray(t.options, dtype=np.int64), period_of, t.avail, board.busy[t.group],
                             board.load, board.caps, day, float(costs.spacing)))
    if moved:
        t.days = days_arr.tolist()
        t.res = res_arr.tolist()
    return moved


def improve_exact(tasks: Sequence[Task], board: Board, costs: Costs, budget: Budget, *, seed: int,
                  register: Callable[[Any], None] | None = None, unregister: Callable[[Any], None] | None = None,
                  cancelled: Callable[[], bool] = lambda: False,
                  time_left: Callable[[], float] | None = None) -> Improvement:
    """Re-solve components exactly, largest gap first, within the shared deterministic budget (step 2).
    `time_left` (the wall budget): no component starts after it reaches 0, and each solve is capped by it."""
    import time

    out = Improvement()
    if budget.exact_time <= 0 or not tasks:
        return out
    bounds = [task_bound(t, costs) for t in tasks]
    comps = components(tasks, list(range(len(tasks))))
    ranked = []
    for comp in comps:
        gap = sum(tasks[i].cost(costs) - bounds[i] for i in comp)
        size = sum(len(tasks[i].options) * int(tasks[i].avail.sum()) + 2 * board.n_days for i in comp)
        if gap <= 1e-9:
            continue
        if size > budget.exact_vars:
            out.exact_skipped += 1
            continue
        ranked.append((-gap, comp[0], comp))
    ranked.sort(key=lambda r: (r[0], r[1]))
    remaining = budget.exact_time
    started = time.monotonic()
    for j, (_, _, comp) in enumerate(ranked):
        if remaining <= 0 or cancelled() or (time_left is not None and time_left() <= 0):
            break
        sub = [tasks[i] for i in comp]
        old = sum(t.cost(costs) for t in sub)
        saved = [(list(t.days), list(t.res)) for t in sub]
        share = remaining / (len(ranked) - j)
        result = solve_exact(sub, board, costs, seed=seed, workers=1, time_limit=share, register=register,
                             unregister=unregister, wall_limit=time_left() if time_left is not None else None)
        remaining -= result.deterministic
        out.deterministic += result.deterministic
        if result.status not in (Status.OPTIMAL, Status.FEASIBLE):
            continue
        out.exact_solved += 1
        new = sum(t.cost(costs) for t in sub)
        if new > old + 1e-9:            # never worse than the hint (presolve may lose it)
            for t in sub:
                board.undo(t)
            for t, (days, res) in zip(sub, saved, strict=True):
                board.commit(t, days, res)
        if result.status == Status.OPTIMAL:
            out.exact_optimal += 1
        lift = max(0.0, result.bound - sum(bounds[i] for i in comp))
        if lift > 0:
            out.lift += lift
            out.lifts.append((comp, lift))
    out.exact_seconds = time.monotonic() - started
    return out
