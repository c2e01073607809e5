"""Running CP-SAT the same way in every stage: deterministic, progress-reporting, cancellable.

Same input must give the same plan, so the budget is `max_deterministic_time` (not wall-clock) and parallel
search runs as `interleave_search`, which CP-SAT documents as deterministic whatever the number of workers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from planner.progress import Cancelled, SolveControl
from planner.result import Status, status_from_cpsat
from planner.rules import SolverRules

from .data import COST_SCALE


@dataclass(frozen=True)
class SolveOutcome:
    status: Status
    objective: float          # scaled back to weight units
    bound: float
    seconds: float
    solver: cp_model.CpSolver


class _Progress(cp_model.CpSolverSolutionCallback):
    """Forwards each improving solution to the control (runs on a solver thread; SolveControl is thread-safe)."""

    def __init__(self, control: SolveControl, stage: str, done: int | None, total: int | None):
        super().__init__()
        self._control, self._stage, self._done, self._total = control, stage, done, total

    def on_solution_callback(self) -> None:
        self._control.report(self._stage, "solution", self.objective_value / COST_SCALE,
                             self.best_objective_bound / COST_SCALE, self._done, self._total)


def make_solver(solver_rules: SolverRules, deterministic_time: float, workers: int | None = None) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.random_seed = int(solver_rules.seed)
    params.num_workers = int(workers if workers is not None else solver_rules.workers)
    if params.num_workers > 1:
        params.interleave_search = True
    if deterministic_time > 0:
        params.max_deterministic_time = float(deterministic_time)
    params.relative_gap_limit = float(solver_rules.gap_limit)
    return solver


def run_model(model: cp_model.CpModel, solver: cp_model.CpSolver, control: SolveControl | None, stage: str,
        done: int | None = None, total: int | None = None) -> SolveOutcome:
    """Solve, reporting progress; raises Cancelled when the user stopped it."""
    callback = _Progress(control, stage, done, total) if control is not None else None
    if control is not None:
        control.register(solver)
    try:
        code = solver.solve(model, callback) if callback is not None else solver.solve(model)
    finally:
        if control is not None:
            control.unregister(solver)
    if control is not None and control.cancelled:
        raise Cancelled(stage)
    status = status_from_cpsat(code)
    has_solution = status in (Status.OPTIMAL, Status.FEASIBLE)
    objective = solver.objective_value / COST_SCALE if has_solution else float("nan")
    bound = solver.best_objective_bound / COST_SCALE if has_solution else float("nan")
    if status == Status.OPTIMAL:
        bound = objective
    return SolveOutcome(status, objective, bound, solver.wall_time, solver)
