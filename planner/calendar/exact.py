"""The exact CP-SAT model of a set of tasks (one component): places all of them or proves it impossible.

Hard rules are constraints (k distinct days, one day in every required period, one task per group per day, the
per-resource daily cap on the residual capacity of the board); the objective is the soft cost of tasks.py's
docstring, stated with one prefix-count integer per day.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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


@dataclass
class ExactModel:
    """The CP-SAT model of one component: x[task] = [(day, resource, boolean)], and the objective's terms."""

    model: Any
    board: Board
    costs: Costs
    hints: dict[int, set[tuple[int, int]]]
    hint: bool
    xs: list[list[tuple[int, int, Any]]] = field(default_factory=list)
    by_group_day: dict[tuple[int, int], list[Any]] = field(default_factory=dict)
    by_res_day: dict[tuple[int, int], list[Any]] = field(default_factory=dict)
    terms: list[Any] = field(default_factory=list)
    coefs: list[int] = field(default_factory=list)


def solve_exact(tasks: Sequence[Task], board: Board, costs: Costs, *, seed: int, workers: int,
                time_limit: float, register: Callable[[Any], None] | None = None,
                unregister: Callable[[Any], None] | None = None,
                hint: bool = True, wall_limit: float | None = None) -> ExactResult:
    """One CP-SAT model, a boolean per (task, option, available day); commits the solution to `board`.

    The tasks' current placements (if any) are the hint and are removed from the board first, so the model
    sees the residual capacity left by everything outside `tasks`. When the solve finds nothing (time limit),
    the previous placements are put back, so a failed improvement never loses a plan.
    Spacing (module docstring): per task and day x, P_x = P_{x-1} + (visits on x) and e_x >= |P_x - T_x|.
    The model is built per task (variables, visits_per_task, the spacing terms, required_periods), then
    one_activity_per_day and daily_cap over all tasks, then the objective — in that fixed order.
    """
    from ortools.sat.python import cp_model

    before = [(list(t.days), list(t.res)) for t in tasks]
    hints = {id(t): set(zip(t.days, t.res, strict=True)) for t in tasks} if hint else {}
    for t in tasks:
        board.undo(t)
    m = ExactModel(cp_model.CpModel(), board, costs, hints, hint)
    for t in tasks:
        row, day_vars = visit_variables(m, t)
        visits_per_task(m, t, row, day_vars)
        required_periods(m, t, row)
        m.xs.append(row)
    one_activity_per_day(m)
    daily_cap(m)
    m.model.minimize(sum(c * v for c, v in zip(m.coefs, m.terms, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    solver.parameters.interleave_search = workers > 1   # deterministic whatever the worker count
    solver.parameters.max_deterministic_time = time_limit
    if wall_limit is not None:  # benchmarks and the wall budget (--time-limit): results become machine-dependent
        solver.parameters.max_time_in_seconds = wall_limit
    if register:
        register(solver)
    try:
        code = solver.solve(m.model)
    finally:
        if unregister:
            unregister(solver)
    status = status_from_cpsat(code)
    if status in (Status.OPTIMAL, Status.FEASIBLE):
        for t, row in zip(tasks, m.xs, strict=True):
            picked = sorted((d, r) for d, r, v in row if solver.boolean_value(v))
            board.commit(t, [d for d, _ in picked], [r for _, r in picked])
        return ExactResult(status, float(solver.objective_value), float(solver.best_objective_bound),
                           float(solver.wall_time), float(solver.deterministic_time))
    for t, (kept_days, kept_res) in zip(tasks, before, strict=True):
        if kept_days:
            board.commit(t, kept_days, kept_res)
    return ExactResult(status, math.inf, float("nan"), float(solver.wall_time), float(solver.deterministic_time))


def visit_variables(m: ExactModel, t: Task) -> tuple[list[tuple[int, int, Any]], dict[int, list[Any]]]:
    """A boolean per (option, day) where the task may go: available, its group free, room left under the
    resource's cap (Calendar 1: workdays, not unavailable); the avoided-day cost of each, and the hint."""
    model, board, day_cost = m.model, m.board, m.costs.day
    free = t.avail & ~board.busy[t.group]
    row: list[tuple[int, int, Any]] = []
    day_vars: dict[int, list[Any]] = {}
    hinted = m.hints.get(id(t), set())
    for r in t.options:
        room = board.caps[r] - board.load[r]
        for day in np.flatnonzero(free & (room > 0)).tolist():
            v = model.new_bool_var("")
            d = int(day)
            row.append((d, r, v))
            day_vars.setdefault(d, []).append(v)
            m.by_res_day.setdefault((r, d), []).append(v)
            if day_cost[d]:
                m.terms.append(v)
                m.coefs.append(round(float(day_cost[d])))
            if m.hint:
                model.add_hint(v, int((d, r) in hinted))
    for d, vs in day_vars.items():
        m.by_group_day.setdefault((t.group, d), []).extend(vs)
    return row, day_vars


def visits_per_task(m: ExactModel, t: Task, row: list[tuple[int, int, Any]], day_vars: dict[int, list[Any]]) -> None:
    """The task's minimum (Calendar 3, 4, 7, 8, 9: visits and distinct days) is exactly k days; with it, the
    spacing terms of the objective."""
    if t.k <= 0:
        return
    m.model.add(sum(v for _, _, v in row) == t.k)
    if m.costs.spacing:
        hinted = m.hints.get(id(t), set())
        _spacing_terms(m.model, t, day_vars, sorted({d for d, _ in hinted}) if m.hint else None,
                       len(m.costs.avoid), m.costs.spacing, m.terms, m.coefs)


def required_periods(m: ExactModel, t: Task, row: list[tuple[int, int, Any]]) -> None:
    """The spread rules (Calendar 4, 7, 8: every month / two months): ≥1 day in each required period."""
    for days in t.periods:
        in_period = set(int(d) for d in days)
        m.model.add(sum(v for d, _, v in row if d in in_period) >= 1)


def one_activity_per_day(m: ExactModel) -> None:
    """Calendar 2 and 10: the tasks of one group (a leader; a cadre) never share a day."""
    for vs in m.by_group_day.values():
        if len(vs) > 1:
            m.model.add_at_most_one(vs)


def daily_cap(m: ExactModel) -> None:
    """Calendar 11 and 12 (community_daily_cap, office_daily_cap): each (resource, day) holds at most the room
    the board has left."""
    for (r, d), vs in m.by_res_day.items():
        room = int(m.board.caps[r] - m.board.load[r, d])
        if len(vs) > room:
            m.model.add(sum(vs) <= room)


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
