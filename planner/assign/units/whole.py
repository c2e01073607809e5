"""The units stage on the WHOLE problem (every community may go to every unit the rules allow): after the
decomposed pipeline (home offices only a start), the Lagrangian bound of the whole problem with its columns
(lagrange.py), an LP dive over those columns repaired into a plan, then the descent and the iterated local search
over all allowed pairs. The bound reported is a bound on the whole problem; the plan is the best found.

Deterministic: fixed column-generation rounds (no clock), GLOP, a fixed number of kicks with the rules' seed —
unless a wall budget is given (planner/deadline.py): then the rounds stop at BOUND_SHARE of its units share, the
kicks at the units share, and the dive is skipped once that has passed (the bound stays valid, the plan is the best
found so far).
A CP-SAT master over the columns was tried and left out for its cost: hinted with a good plan it did not leave
the hint within 15 deterministic s (district seed 0); hinted with the pipeline's plan it reached 2,359 in 30
deterministic s (~32 CPU s), 2,110 after the descent — better than the dive, at nearly twice the stage's time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import linear_solver_pb2, pywraplp

from planner.assign.data import COST_SCALE, AssignData
from planner.assign.units.columns import Component
from planner.assign.units.lagrange import Lagrangian, whole_bound, whole_component
from planner.assign.units.search import local_search, perturb_search
from planner.deadline import UNITS_SHARE, bounded, expired
from planner.progress import SolveControl

WHOLE_KICKS = 300          # iterated local search over all pairs from the dive's plan (district: ~5 CPU s)
WHOLE_ROUNDS = 120         # column-generation rounds of the whole bound (district seed 0 converged in 69-81)
# The stage's budget (rules.solver.time_limit, deterministic s) caps both, by counts rather than a clock so that
# the plan stays deterministic: district rounds cost ~0.3 CPU s, kicks ~0.02 CPU s each on this machine.
ROUNDS_PER_SECOND = 2
KICKS_PER_SECOND = 5
BOUND_SHARE = 0.75         # under a wall budget the bound's rounds stop at this share of the units phase, leaving the
# rest to the dive and the kicks (they improve the plan; the bound only certifies it)
SCOPE = "whole problem (Lagrangian, all allowed unit-community pairs)"


@dataclass
class WholeResult:
    community_unit: np.ndarray
    objective: float      # weights' units
    bound: float          # weights' units, valid for the whole problem
    details: dict[str, float | int | str]


def _total(comp: Component, plan: dict[int, tuple[int, ...]]) -> int:
    return sum(comp.cost(u, s) for u, s in plan.items())


def solve_whole(data: AssignData, community_unit: np.ndarray, control: SolveControl | None,
                stage: str) -> WholeResult:
    """Improve the pipeline's plan over all pairs and bound the whole problem (module docstring)."""
    rules = data.problem.rules.solver
    comp = whole_component(data)
    plan = {u: tuple(sorted(np.flatnonzero(community_unit == u).tolist())) for u in comp.units}
    upper = _total(comp, plan)
    rounds, kicks = WHOLE_ROUNDS, WHOLE_KICKS
    if rules.time_limit > 0:
        rounds = max(1, min(rounds, int(ROUNDS_PER_SECOND * rules.time_limit)))
        kicks = max(1, min(kicks, int(KICKS_PER_SECOND * rules.time_limit)))
    lag = Lagrangian(comp)
    stop = (lambda: expired(control, UNITS_SHARE)) if bounded(control) else None
    stop_rounds = (lambda: expired(control, BOUND_SHARE * UNITS_SHARE)) if bounded(control) else None
    wb = whole_bound(lag, plan, np.zeros(lag.n_c), rounds, stop=stop_rounds)
    if control is not None:
        control.report(stage, "solution", upper / COST_SCALE, wb.bound / COST_SCALE, 0, 1)
    starts = [plan]
    dived = None if stop is not None and stop() else \
        dive(comp, {u: wb.columns.get(u, set()) | {plan[u]} for u in comp.units})
    if dived is not None:
        starts.insert(0, local_search(comp, dived))
    for start in starts:    # the dive's plan first; the pipeline's plan only when the dive found none
        found = perturb_search(comp, start, kicks, seed=int(rules.seed), stop=stop)
        if _total(comp, found) < upper:
            plan, upper = found, _total(comp, found)
        if dived is not None:
            break
    out = np.full(data.problem.n_communities, -1, dtype=np.int64)
    for u, s in plan.items():
        out[list(s)] = u
    # plan costs are non-negative integers: round the float bound up, with a margin for the LP duals' rounding
    lower = max(0, math.ceil(wb.bound - 1e-3)) if math.isfinite(wb.bound) else 0
    bound = min(upper, lower) / COST_SCALE
    return WholeResult(out, upper / COST_SCALE, bound,
                       {"bound_scope": SCOPE, "bound_rounds": wb.rounds, "bound_lp": round(wb.lp / COST_SCALE, 1),
                        "dive": "none" if dived is None else round(_total(comp, dived) / COST_SCALE, 1)})


def dive(comp: Component, columns: dict[int, set[tuple[int, ...]]]) -> dict[int, tuple[int, ...]] | None:
    """LP diving over the generated columns (no new pricing): solve the set-partitioning LP (slack columns keep
    it feasible), fix every column above one half (or else the largest fractional one), repeat until integral,
    then `repair` what only the slack covered; None when the LP fails or the repair cannot place something.
    Why: with a good hint the CP-SAT master rarely leaves it within its budget (district: 15 deterministic s, no
    improvement), while the LP over the whole problem's columns points at plans far below the pipeline's."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    objective = solver.Objective()
    objective.SetMinimization()
    unit_row = {u: solver.Constraint(1, 1) for u in comp.units}
    comm_row = {c: solver.Constraint(1, 1) for c in comp.comms}
    slack_cost = 10.0 * (1 + max((comp.cost(u, s) for u in comp.units for s in columns[u]), default=1))
    for row in [*unit_row.values(), *comm_row.values()]:
        art = solver.NumVar(0, 1, "")
        row.SetCoefficient(art, 1)
        objective.SetCoefficient(art, slack_cost)
    cols: list[tuple[int, tuple[int, ...], pywraplp.Variable]] = []
    for u in comp.units:
        for s in sorted(columns[u]):
            v = solver.NumVar(0, 1, "")
            unit_row[u].SetCoefficient(v, 1)
            for c in s:
                comm_row[c].SetCoefficient(v, 1)
            objective.SetCoefficient(v, comp.cost(u, s))
            cols.append((u, s, v))
    index = [v.index() for _, _, v in cols]
    fixed: set[int] = set()
    for _ in range(len(comp.units) + 1):
        if solver.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        response = linear_solver_pb2.MPSolutionResponse()
        solver.FillSolutionResponseProto(response)
        values = np.asarray(response.variable_value)[index]
        # columns above one half never share a unit or a community (each row sums to 1): fix them all at once
        ones = [j for j in np.flatnonzero(values > 0.5 + 1e-6).tolist() if j not in fixed]
        frac = np.flatnonzero((values > 1e-6) & (values < 1 - 1e-6))
        if not len(frac):
            return repair(comp, {cols[j][0]: cols[j][1] for j in np.flatnonzero(values > 1 - 1e-6).tolist()})
        if not ones:   # the largest fractional column (ties: cheaper, then first)
            ones = [int(min(frac.tolist(), key=lambda j: (-values[j], comp.cost(cols[j][0], cols[j][1]), j)))]
        for j in ones:
            cols[j][2].SetLb(1.0)
            fixed.add(j)
    return None


def repair(comp: Component, partial: dict[int, tuple[int, ...]]) -> dict[int, tuple[int, ...]] | None:
    """Complete a partial plan (units without a pattern, communities left to the dive's slack): each uncovered
    community, largest first, to the unit it costs least to add it to within the load limit; then each unit left
    empty while every unit needs one takes the community whose move from a unit with two or more costs least.
    None when something cannot be placed."""
    plan = {u: tuple(partial.get(u, comp.required.get(u, ()))) for u in comp.units}
    covered = {c for s in plan.values() for c in s}
    loose = sorted((c for c in comp.comms if c not in covered), key=lambda c: (-int(comp.H[c]), c))
    for c in loose:
        options = [(comp.cost(u, tuple(sorted((*plan[u], c)))) - comp.cost(u, plan[u]), u) for u in comp.units
                   if c in comp.candidates.get(u, ()) and comp.feasible(u, tuple(sorted((*plan[u], c))))]
        if not options:
            return None
        _, u = min(options)
        plan[u] = tuple(sorted((*plan[u], c)))
    for u in comp.units:
        if plan[u] or not comp.must:
            continue
        moves = []
        for b in comp.units:
            if len(plan[b]) < 2:
                continue
            for c in plan[b]:
                if c in comp.candidates.get(u, ()) and comp.feasible(u, (c,)):
                    rest = tuple(x for x in plan[b] if x != c)
                    moves.append((comp.cost(u, (c,)) + comp.cost(b, rest) - comp.cost(b, plan[b]), b, c))
        if not moves:
            return None
        _, b, c = min(moves)
        plan[b] = tuple(x for x in plan[b] if x != c)
        plan[u] = (c,)
    return plan
