"""The driver of assign.units: per component, a first plan (packing or the pair model), column generation with
its proven bound, local search, and the CP-SAT master over the columns; failed groups are merged and solved again
(package docstring)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.assign.cpsat import make_solver, run_model
from planner.assign.data import COST_SCALE, AssignData
from planner.assign.units.columns import Component, build_master, column_generation, dive, enrich, prune
from planner.assign.units.decompose import FULL_PAIRS_LIMIT, _components, _nearest_group, home_offices, pack
from planner.assign.units.model import build_model
from planner.assign.units.parallel import Job, solve_groups, worker_inputs
from planner.assign.units.rules import implied_pins, must_link_each_unit
from planner.assign.units.search import local_search, perturb_search
from planner.assign.units.whole import solve_whole
from planner.deadline import UNITS_SHARE, bounded, expired, time_left
from planner.progress import SolveControl
from planner.result import StageReport, Status

STAGE = "assign.units"
FIRST_SHARE = 0.2  # share of a component's budget for the first feasible plan (pair model)
MIN_COMPONENT_TIME = 0.5  # deterministic seconds: a component's budget is its size share of time_limit, at least this
SINGLE_WORKER_VARS = 5_000  # smaller models close fastest on one worker (interleaved batches cost ~1 s each)
KICK_GAP_PCT = 1.0  # groups whose plan is more than this % above their bound get the iterated local search
KICKS_PER_GAP_PCT = 20  # its kicks: this many per % of gap (city: ~2 ms per kick on a 60-community group)
MAX_KICKS = 400
WHOLE_PAIRS_LIMIT = 200_000  # up to this many unit × community pairs the whole problem is bounded and searched
# (whole.py; district 45 k pairs ≈ 40 CPU s); above it (city: 4.5 M) the report says the bound is restricted
RESTRICTED_SCOPE = "candidate pairs (home offices) only: not a bound on the whole problem, the difference is no gap"
TIMED_SCOPE = ("the wall budget (--time-limit / --first-valid) ended before the whole problem was bounded: the bound "
               "holds for the candidate pairs (home offices) only")
KICKED_MASTER_BUDGET = 1.5  # after the kicks, the master runs once, over the columns pruned by reduced cost
# (columns.prune), with this share of the group's budget. Measured on the city's 48 kicked groups (Σ plan − Σ bound):
# old rule (1,000 kicks, master only over unpruned pools ≤ 2,500 patterns) 1,069 in 51 s; 400 kicks + pruned master
# at share 1.0: 592 in 54 s, 1.25: 478 in 58 s, 1.5: 394 in 69 s (fewer kicks, 200, at 1.5: 645); CP-SAT LNS over the
# exact pair model did worse at these budgets


@dataclass
class UnitsResult:
    community_unit: np.ndarray
    report: StageReport


def solve_units(data: AssignData, control: SolveControl | None) -> UnitsResult | Status:
    """Returns the result, or Status.INFEASIBLE / Status.UNKNOWN (no plan within the budget) for explain.py."""
    p = data.problem
    n_u, n_c = p.n_units, p.n_communities
    office = p.communities["office"].to_numpy(dtype=int)
    community_unit = np.full(n_c, -1, dtype=np.int64)
    if n_c == 0:
        return UnitsResult(community_unit, StageReport(STAGE, Status.OPTIMAL, 0.0, 0.0, 0.0))
    homes = home_offices(data)
    full = n_u * n_c <= FULL_PAIRS_LIMIT
    merged: list[set[int]] = []
    solved: dict[frozenset[int], tuple[Status, float, float, float, int, dict[int, int]]] = {}
    while True:
        groups = [set(range(p.n_offices))] if full else _components(homes, p.n_offices, merged)
        comms_of = {min(g): [c for c in range(n_c) if office[c] in g] for g in groups}
        sizes = {min(g): sum(1 for u in range(n_u) if homes[u] & g) * len(comms_of[min(g)]) for g in groups}
        total = max(1, sum(sizes.values()))
        objective = bound = 0.0
        statuses: list[Status] = []
        failed: list[set[int]] = []
        n_vars = 0
        todo = [(frozenset(g), ([u for u in range(n_u) if homes[u] & g], comms_of[min(g)], i, len(groups),
                                sizes[min(g)] / total))
                for i, g in enumerate(groups) if comms_of[min(g)] and frozenset(g) not in solved]

        def one(job: Job) -> tuple[Status, float, float, float, int, dict[int, int]]:
            return _solve_component(data, job[0], job[1], homes, control, job[2], job[3], job[4])

        def progress(k: int, n: int = len(todo)) -> None:
            if control is not None:
                control.report(STAGE, "office groups", None, None, k, n)

        results = solve_groups(data, homes, [job for _, job in todo], control, one, progress, _solve_job)
        solved.update({key: result for (key, _), result in zip(todo, results, strict=True)})
        for g in groups:
            if not comms_of[min(g)]:
                continue
            status, obj, bnd, _, n_x, picks = solved[frozenset(g)]
            n_vars += n_x
            if status not in (Status.OPTIMAL, Status.FEASIBLE):
                if len(groups) == 1:
                    return status
                failed.append(g)
                continue
            statuses.append(status)
            objective += obj
            bound += bnd
            for c, u in picks.items():
                community_unit[c] = u
        if not failed:
            details = {"components": len(groups), "variables": n_vars, "merges": len(merged),
                       "start_objective": round(objective, 1), "start_bound": round(bound, 1),
                       "start_bound_scope": "candidate pairs (home offices)" if not full else "all pairs"}
            seconds = sum(v[3] for v in solved.values())
            whole_done = n_u * n_c <= WHOLE_PAIRS_LIMIT and not expired(control, UNITS_SHARE)
            if whole_done:
                started = time.perf_counter()
                whole = solve_whole(data, community_unit, control, STAGE)
                seconds += time.perf_counter() - started
                community_unit = whole.community_unit
                objective, bound = whole.objective, whole.bound
                details.update(whole.details)
            else:   # honest: the decomposed bound holds for its candidate pairs only, not for the whole problem
                details["bound_scope"] = RESTRICTED_SCOPE if n_u * n_c > WHOLE_PAIRS_LIMIT else TIMED_SCOPE
            status = Status.OPTIMAL if bound >= objective and whole_done else Status.FEASIBLE
            report = StageReport(STAGE, status, objective, bound, seconds, details)
            if control is not None:
                control.report(STAGE, "done", objective, bound, len(groups), len(groups))
            return UnitsResult(community_unit, report)
        merged += [g | _nearest_group(data, g, groups) for g in failed]


@dataclass
class _Run:
    """One component's solve in progress: its budget, where to report, and what it has cost so far."""

    data: AssignData
    units: list[int]
    comms: list[int]
    control: SolveControl | None
    done: int
    total: int
    budget: float
    seconds: float = 0.0
    n_x: int = 0           # pair-model booleans, when the pair model was needed
    clock: Any = None      # what the wall budget is read from (deadline.py): the control, or parallel.Wall


Best = tuple[float, dict[int, int], dict[int, tuple[int, ...]]]   # (objective, community -> unit, unit -> pattern)


def _solve_component(data: AssignData, units: list[int], comms: list[int], homes: list[set[int]],
                     control: SolveControl | None, done: int, total: int, share: float, wall: Any = None
                     ) -> tuple[Status, float, float, float, int, dict[int, int]]:
    """One component: (status, objective, bound, seconds, variables, community -> unit), in three steps: a first
    plan, column generation with its bound (and local search), then the integer master over the columns.
    `wall`: the wall budget in a worker process (parallel.Wall), where `control` is None."""
    rules = data.problem.rules.solver
    budget = max(rules.time_limit * share, MIN_COMPONENT_TIME) if rules.time_limit > 0 else 0.0
    run = _Run(data, units, comms, control, done, total, budget, clock=wall if wall is not None else control)
    packed = _first_plan(run, homes)
    if isinstance(packed, Status):   # the pair model proved the component infeasible
        return Status.INFEASIBLE, math.nan, math.nan, run.seconds, run.n_x, {}
    if packed is not None and expired(run.clock, UNITS_SHARE):   # wall budget over: the first plan as it is
        return _as_is(data, units, comms, packed, run)
    comp, hint, lower, kicked = _columns(run, packed)
    best, n_vars = _master(run, comp, hint, lower, kicked)
    if best is None:
        return Status.UNKNOWN, math.nan, math.nan, run.seconds, n_vars, {}
    objective, picks, _ = best
    bound = min(objective, math.ceil(lower - 1e-6) / COST_SCALE) if math.isfinite(lower) else math.nan
    status = Status.OPTIMAL if bound == objective else Status.FEASIBLE
    return status, objective, bound, run.seconds, n_vars, picks


def _solve_job(job: Job, wall: Any) -> tuple[Status, float, float, float, int, dict[int, int]]:
    """One office group in a worker process (parallel.py): the input came with the worker."""
    data, homes = worker_inputs()
    return _solve_component(data, job[0], job[1], homes, None, job[2], job[3], job[4], wall)


def _as_is(data: AssignData, units: list[int], comms: list[int], packed: dict[int, int], run: _Run
           ) -> tuple[Status, float, float, float, int, dict[int, int]]:
    """A component's first plan unimproved (the wall budget ended): its exact cost, and 0 as its bound (every
    cost is non-negative; nothing better was proven)."""
    pinned_to = {c: u for u, c in implied_pins(data)}
    comp = Component(data, units, comms, {u: [c for c in comms if c not in pinned_to] for u in units},
                     {u: tuple(sorted(c for c in comms if pinned_to.get(c) == u)) for u in units},
                     must_link_each_unit(data))
    plan = {u: tuple(sorted(c for c, uu in packed.items() if uu == u)) for u in units}
    objective = sum(comp.cost(u, s) for u, s in plan.items()) / COST_SCALE
    return Status.FEASIBLE, objective, 0.0, run.seconds, run.n_x, dict(packed)


def _first_plan(run: _Run, homes: list[set[int]]) -> dict[int, int] | Status | None:
    """1. A first feasible plan (community -> unit): packing (instant), else the pair model with a short budget;
    None when neither found one in time, Status.INFEASIBLE when the pair model proved there is none."""
    data, units, comms = run.data, run.units, run.comms
    packed = pack(data, units, comms)
    if packed is not None:
        return packed
    built = build_model(data, units, comms, {u: comms for u in units}, homes)
    run.n_x = len(built.x)
    first = make_solver(data.problem.rules.solver, FIRST_SHARE * run.budget, 1)
    first.parameters.stop_after_first_solution = True  # a start only: the columns and the master do the rest
    start = run_model(built.model, first, run.control, STAGE, done=run.done, total=run.total)
    run.seconds = start.seconds
    if start.status == Status.INFEASIBLE:
        return Status.INFEASIBLE    # the only Status returned
    if start.status in (Status.OPTIMAL, Status.FEASIBLE):
        return {c: u for (u, c), var in built.x.items() if first.value(var)}
    return None


def _columns(run: _Run, packed: dict[int, int] | None
             ) -> tuple[Component, dict[int, tuple[int, ...]], float, bool]:
    """2. Column generation (exact pricing, LP/Lagrangian lower bound) seeded by the first plan after a descent;
    a price-and-dive plan when better; kicks where the gap is still large. (component, hint, lower, kicked)."""
    data, units, comms = run.data, run.units, run.comms
    pinned_to = {c: u for u, c in implied_pins(data)}
    forbidden = data.forbidden("unit_community")
    comp = Component(data, units, comms,
                     {u: [c for c in comms if c not in pinned_to and (u, c) not in forbidden] for u in units},
                     {u: tuple(sorted(c for c in comms if pinned_to.get(c) == u)) for u in units},
                     must_link_each_unit(data))
    started = time.perf_counter()
    hint: dict[int, tuple[int, ...]] = {}
    if packed is not None:  # the start, improved by a descent on the exact pattern cost
        hint = local_search(comp, {u: tuple(sorted(c for c, uu in packed.items() if uu == u)) for u in units})
    for u, s in hint.items():
        if comp.feasible(u, s):
            comp.columns[u].add(s)
    lower, _ = column_generation(comp, artificial=not hint)
    dived = dive(comp) if comp.lp_solution else None
    if dived is not None:
        dived = local_search(comp, dived)
    if dived is not None and (not hint or sum(comp.cost(u, s) for u, s in dived.items())
                              < sum(comp.cost(u, s) for u, s in hint.items())):
        hint = dived
        for u, s in dived.items():
            comp.columns[u].add(s)
    kicked = False
    if hint and math.isfinite(lower) and lower > 0:  # perturb-and-descend, only where the gap is still large
        gap_pct = 100 * (sum(comp.cost(u, s) for u, s in hint.items()) - lower) / lower
        if gap_pct > KICK_GAP_PCT:
            hint = perturb_search(comp, hint, min(MAX_KICKS, math.ceil(KICKS_PER_GAP_PCT * gap_pct)), seed=run.done)
            for u, s in hint.items():
                comp.columns[u].add(s)
            kicked = True
    run.seconds += time.perf_counter() - started
    return comp, hint, lower, kicked


def _master(run: _Run, comp: Component, hint: dict[int, tuple[int, ...]], lower: float, kicked: bool
            ) -> tuple[Best | None, int]:
    """3. The integer master over the generated columns; then, if a gap remains, once more with every column
    whose reduced cost is below that gap (only those can improve on the plan found). (best plan, variables)."""
    rules = run.data.problem.rules.solver
    best: Best | None = None
    if hint:
        best = (sum(comp.cost(u, s) for u, s in hint.items()) / COST_SCALE, {c: u for u, s in hint.items() for c in s},
                hint)
    n_vars = run.n_x
    for phase in range(2):
        if kicked and phase == 1:
            break
        if kicked and best is not None:
            prune(comp, best[2], best[0] * COST_SCALE - lower)
        if phase == 1 and (best is None or not math.isfinite(lower) or best[0] * COST_SCALE - lower < 1 or \
                    enrich(comp, best[0] * COST_SCALE - lower) == 0):
            break
        master = build_master(comp, best[2] if best else {})
        solver = make_solver(rules, KICKED_MASTER_BUDGET * run.budget if kicked else run.budget / 2,
                             1 if len(master.patterns) <= SINGLE_WORKER_VARS else None)
        solver.parameters.linearization_level = 2  # the set-partitioning LP is the whole point: every row in it
        if bounded(run.clock) and best is not None:   # the wall budget binds too (planner/deadline.py)
            if expired(run.clock, UNITS_SHARE):
                break
            solver.parameters.max_time_in_seconds = time_left(run.clock, UNITS_SHARE)
        outcome = run_model(master.model, solver, run.control, STAGE, done=run.done, total=run.total)
        run.seconds += outcome.seconds
        n_vars = run.n_x + len(master.patterns)
        if outcome.status in (Status.OPTIMAL, Status.FEASIBLE) and (best is None or outcome.objective < best[0]):
            chosen = local_search(comp, {u: s for u, s, var in master.patterns if solver.value(var)})
            for u, s in chosen.items():
                comp.columns[u].add(s)
            best = (sum(comp.cost(u, s) for u, s in chosen.items()) / COST_SCALE,
                    {c: u for u, s in chosen.items() for c in s}, chosen)
    return best, n_vars
