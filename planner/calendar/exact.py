"""The exact CP-SAT model of a set of tasks (one component): places all of them or proves it impossible.

Hard rules are constraints (k distinct days, one day in every required period, one task per group per day, the
per-resource daily cap on the residual capacity of the board); the objective is the soft cost of tasks.py's
docstring, stated with one prefix-count integer per day.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.calendar.tasks import Board, Costs, Task
from planner.result import Status, status_from_cpsat


@dataclass
class ExactResult:
    status: Status
    objective: float
    bound: float
    seconds: float
    deterministic: float = 0.0


def solve_exact(tasks: Sequence[Task], board: Board, costs: Costs, *, seed: int, workers: int,
                time_limit: float, register: Callable[[Any], None] | None = None,
                unregister: Callable[[Any], None] | None = None,
                hint: bool = True, wall_limit: float | None = None) -> ExactResult:
    """One CP-SAT model, a boolean per (task, option, available day); commits the solution to `board`.

    The tasks' current placements (if any) are the hint and are removed from the board first, so the model
    sees the residual capacity left by everything outside `tasks`. When the solve finds nothing (time limit),
    the previous placements are put back, so a failed improvement never loses a plan.
    Spacing (module docstring): per task and day x, P_x = P_{x-1} + (visits on x) and e_x >= |P_x - T_x|.
    """
    from ortools.sat.python import cp_model

    before = [(list(t.days), list(t.res)) for t in tasks]
    hints = {id(t): set(zip(t.days, t.res, strict=True)) for t in tasks} if hint else {}
    for t in tasks:
        board.undo(t)
    model = cp_model.CpModel()
    xs: list[list[tuple[int, int, Any]]] = []
    by_group_day: dict[tuple[int, int], list[Any]] = {}
    by_res_day: dict[tuple[int, int], list[Any]] = {}
    terms: list[Any] = []
    coefs: list[int] = []
    day_cost = costs.day
    for t in tasks:
        free = t.avail & ~board.busy[t.group]
        row: list[tuple[int, int, Any]] = []
        day_vars: dict[int, list[Any]] = {}
        hinted = hints.get(id(t), set())
        for r in t.options:
            room = board.caps[r] - board.load[r]
            for day in np.flatnonzero(free & (room > 0)).tolist():
                v = model.new_bool_var("")
                d = int(day)
                row.append((d, r, v))
                day_vars.setdefault(d, []).append(v)
                by_res_day.setdefault((r, d), []).append(v)
                if day_cost[d]:
                    terms.append(v)
                    coefs.append(round(float(day_cost[d])))
                if hint:
                    model.add_hint(v, int((d, r) in hinted))
        for d, vs in day_vars.items():
            by_group_day.setdefault((t.group, d), []).extend(vs)
        if t.k > 0:
            model.add(sum(v for _, _, v in row) == t.k)
            if costs.spacing:
                _spacing_terms(model, t, day_vars, sorted({d for d, _ in hinted}) if hint else None,
                               len(costs.avoid), costs.spacing, terms, coefs)
        for days in t.periods:
            in_period = set(int(d) for d in days)
            model.add(sum(v for d, _, v in row if d in in_period) >= 1)
        xs.append(row)
    for vs in by_group_day.values():
        if len(vs) > 1:
            model.add_at_most_one(vs)
    for (r, d), vs in by_res_day.items():
        room = int(board.caps[r] - board.load[r, d])
        if len(vs) > room:
            model.add(sum(vs) <= room)
    model.minimize(sum(c * v for c, v in zip(coefs, terms, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    solver.parameters.interleave_search = workers > 1   # deterministic whatever the worker count
    solver.parameters.max_deterministic_time = time_limit
    if wall_limit is not None:  # benchmarks only: wall-clock limits make results machine-dependent
        solver.parameters.max_time_in_seconds = wall_limit
    if register:
        register(solver)
    try:
        code = solver.solve(model)
    finally:
        if unregister:
            unregister(solver)
    status = status_from_cpsat(code)
    if status in (Status.OPTIMAL, Status.FEASIBLE):
        for t, row in zip(tasks, xs, strict=True):
            picked = sorted((d, r) for d, r, v in row if solver.boolean_value(v))
            board.commit(t, [d for d, _ in picked], [r for _, r in picked])
        return ExactResult(status, float(solver.objective_value), float(solver.best_objective_bound),
                           float(solver.wall_time), float(solver.deterministic_time))
    for t, (kept_days, kept_res) in zip(tasks, before, strict=True):
        if kept_days:
            board.commit(t, kept_days, kept_res)
    return ExactResult(status, math.inf, float("nan"), float(solver.wall_time), float(solver.deterministic_time))


def _spacing_terms(model: Any, task: Task, day_vars: dict[int, list[Any]], hinted: list[int] | None, n: int,
                   weight: int, terms: list[Any], coefs: list[int]) -> None:
    """e_x >= |P_x - T_x| over the days where either count can change (outside it both are 0 or both are k)."""
    targets = task.targets()
    if not len(targets):
        return
    cands = sorted(day_vars)
    lo = min(int(targets[0]), cands[0] if cands else n)
    hi = max(int(targets[-1]), cands[-1] if cands else 0)
    tprefix = task.target_prefix(n)
    hprefix = np.cumsum(np.bincount(np.asarray(hinted, dtype=np.int64), minlength=n)[:n]) if hinted else None
    prev: Any = 0
    for x in range(lo, hi + 1):
        vs = day_vars.get(x)
        if vs:
            p = model.new_int_var(0, task.k, "")
            model.add(p == prev + sum(vs))
            if hprefix is not None:
                model.add_hint(p, int(hprefix[x]))
        else:
            p = prev
        target = int(tprefix[x])
        e = model.new_int_var(0, max(task.k, target), "")
        model.add(e >= p - target)
        model.add(e >= target - p)
        if hprefix is not None:
            model.add_hint(e, abs(int(hprefix[x]) - target))
        terms.append(e)
        coefs.append(weight)
        prev = p
