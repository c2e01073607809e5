"""Visit tasks and the two ways to place them on days: a constructive pass, and an exact CP-SAT model.

A *task* is "this party visits one of these resources (community or office) on k distinct days, at least one day
in each of these required periods, only on these available days". Every calendar rule of units, cadres and
leaders' contact/research maps onto tasks:
- `group`: tasks of one group never share a day (a leader's one activity per date; a cadre's one community per
  date and distinct grassroots days). A unit's task per community is its own group.
- `options`: the resources the task may use; each (resource, day) holds at most `cap[resource]` tasks, which is
  the community/office burden cap counted in distinct parties (one party has one task per group per day).

The constructive pass places tasks one by one at evenly spaced targets and repairs uncovered periods; it is exact
for every hard rule by construction (only free, available days under the cap are ever used) and reports which
tasks it could not place. Those tasks' connected component (tasks linked by a shared group or resource) is then
solved by the exact CP-SAT model (`solve_exact`), which either places all of it or proves it impossible.

Soft cost of a visit on day d of task t, the objective we report (PyJobShop style, formula in one place):
    cost(t, d) = min_i |d - target_i(t)|  +  AVOID_COST * avoid[d]
where target_i are t's evenly spaced target days (in workdays) and avoid marks month-end / after-春节 workdays.
The bound is the sum over tasks of their k cheapest available days (a relaxation dropping caps, groups and
periods), so objective - bound measures the price of the caps and rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.result import Status, status_from_cpsat

AVOID_COST = 10
"""One visit on an avoided day costs as much as moving a visit 10 workdays away from its even-spacing target."""
LOAD_TIEBREAK = 0.25
"""Among equally good days the constructive pass prefers days with fewer parties at the resource already."""


@dataclass(eq=False)
class Task:
    kind: str                       # household | cadre_research | unit | leader_contact | leader_research
    person: int                     # index into the person's table
    group: int                      # dates of one group are distinct
    options: tuple[int, ...]        # resource indices (communities or offices)
    k: int                          # number of distinct days
    periods: list[np.ndarray]       # required periods: day-index arrays, ≥1 chosen day in each
    avail: np.ndarray               # bool mask over days
    payload: tuple[int, ...] = ()   # e.g. the households visited on each day
    phase: float = 0.5
    days: list[int] = field(default_factory=list)
    res: list[int] = field(default_factory=list)
    _targets: np.ndarray | None = None

    def targets(self) -> np.ndarray:
        """k evenly spaced days over the task's available days, shifted by `phase` (0..1) of one spacing."""
        if self._targets is None:
            avail = np.flatnonzero(self.avail)
            if self.k <= 0 or len(avail) == 0:
                self._targets = np.zeros(0, dtype=np.int64)
            else:
                pos = np.floor((np.arange(self.k) + self.phase) * len(avail) / self.k).astype(np.int64)
                self._targets = avail[np.clip(pos, 0, len(avail) - 1)]
        return self._targets

    def cost_vector(self, avoid: np.ndarray) -> np.ndarray:
        idx = np.arange(len(avoid))
        targets = self.targets()
        if len(targets) == 0:
            return AVOID_COST * avoid.astype(np.float64)
        dist = np.abs(idx[:, None] - targets[None, :]).min(axis=1)
        return dist + AVOID_COST * avoid.astype(np.float64)


@dataclass
class Placement:
    """Outcome of placing a family of tasks (one stage)."""

    status: Status
    objective: float
    bound: float
    failed: int = 0                 # tasks the constructive pass left to the exact model
    components: int = 0             # exact sub-models solved
    details: dict[str, Any] = field(default_factory=dict)


def task_bound(task: Task, avoid: np.ndarray) -> float:
    """Sum of the task's k cheapest available days: a lower bound on its cost in any plan."""
    if task.k <= 0:
        return 0.0
    costs = np.sort(task.cost_vector(avoid)[task.avail])
    return float(costs[: task.k].sum())


def plan_cost(tasks: Sequence[Task], avoid: np.ndarray) -> float:
    total = 0.0
    for t in tasks:
        if t.days:
            total += float(t.cost_vector(avoid)[np.array(t.days)].sum())
    return total


class Board:
    """Occupancy: which group is busy on which day and how many parties each resource hosts each day."""

    def __init__(self, n_days: int, n_groups: int, caps: np.ndarray):
        self.n_days = n_days
        self.busy = np.zeros((n_groups, n_days), dtype=bool)
        self.caps = np.asarray(caps, dtype=np.int64)
        self.load = np.zeros((len(self.caps), n_days), dtype=np.int64)

    def commit(self, task: Task, days: Sequence[int], res: Sequence[int]) -> None:
        task.days = [int(d) for d in days]
        task.res = [int(r) for r in res]
        for d, r in zip(task.days, task.res, strict=True):
            self.busy[task.group, d] = True
            self.load[r, d] += 1

    def undo(self, task: Task) -> None:
        for d, r in zip(task.days, task.res, strict=True):
            self.busy[task.group, d] = False
            self.load[r, d] -= 1
        task.days, task.res = [], []


def place_greedy(task: Task, board: Board, avoid: np.ndarray) -> bool:
    """Place one task on free days near its targets, then repair uncovered required periods. True if placed."""
    if task.k <= 0 and not task.periods:
        return True
    opts = np.array(task.options, dtype=np.int64)
    ok = board.load[opts] < board.caps[opts][:, None]              # options × days
    free = task.avail & ~board.busy[task.group] & ok.any(axis=0)
    need = max(task.k, len(task.periods))
    if int(free.sum()) < need:
        return False
    load = np.where(ok, board.load[opts], np.iinfo(np.int64).max).min(axis=0)
    base = AVOID_COST * avoid + LOAD_TIEBREAK * np.minimum(load, board.n_days)
    idx = np.arange(board.n_days)
    usable = free.copy()
    chosen: list[int] = []
    for target in task.targets():
        score = np.abs(idx - target) + base
        score[~usable] = np.inf
        d = int(np.argmin(score))
        if not math.isfinite(score[d]):
            return False
        chosen.append(d)
        usable[d] = False
    # repair: every required period gets a day, taken from a period that has two or from a non-required one
    period_of = np.full(board.n_days, -1, dtype=np.int64)
    for j, days in enumerate(task.periods):
        period_of[days] = j
    for j, days in enumerate(task.periods):
        if any(period_of[d] == j for d in chosen):
            continue
        cand = days[usable[days]]
        if len(cand) == 0:
            return False
        mid = days[len(days) // 2]
        add = int(cand[np.argmin(np.abs(cand - mid) + base[cand])])
        counts: dict[int, int] = {}
        for d in chosen:
            counts[int(period_of[d])] = counts.get(int(period_of[d]), 0) + 1
        removable = [d for d in chosen if period_of[d] < 0 or counts[int(period_of[d])] >= 2]
        if removable and len(chosen) >= task.k:
            worst = max(removable, key=lambda d: (counts.get(int(period_of[d]), 0) if period_of[d] >= 0 else 99, d))
            chosen.remove(worst)
            usable[worst] = True
        chosen.append(add)
        usable[add] = False
    chosen.sort()
    res = []
    for d in chosen:
        col = ok[:, d]
        choice = np.flatnonzero(col)
        best = choice[np.argmin(board.load[opts[choice], d])]
        res.append(int(opts[best]))
    board.commit(task, chosen, res)
    return True


def components(tasks: Sequence[Task], seeds: Sequence[int]) -> list[list[int]]:
    """Connected components (through shared groups and resources) that contain the seed tasks."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: tuple[str, int], b: tuple[str, int]) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for t in tasks:
        for r in t.options:
            union(("g", t.group), ("r", r))
    wanted: dict[tuple[str, int], list[int]] = {}
    roots = {find(("g", tasks[i].group)) for i in seeds}
    for i, t in enumerate(tasks):
        root = find(("g", t.group))
        if root in roots:
            wanted.setdefault(root, []).append(i)
    return [wanted[r] for r in sorted(wanted)]


@dataclass
class ExactResult:
    status: Status
    objective: float
    bound: float
    seconds: float


def solve_exact(tasks: Sequence[Task], board: Board, avoid: np.ndarray, *, seed: int, workers: int,
                time_limit: float, register: Callable[[Any], None] | None = None,
                unregister: Callable[[Any], None] | None = None,
                hint: bool = True, wall_limit: float | None = None) -> ExactResult:
    """One CP-SAT model, a boolean per (task, option, available day); commits the solution to `board`.

    The tasks' current placements (if any) are the hint and are removed from the board first, so the model
    sees the residual capacity left by everything outside `tasks`.
    """
    from ortools.sat.python import cp_model

    hints = {id(t): set(zip(t.days, t.res, strict=True)) for t in tasks} if hint else {}
    for t in tasks:
        board.undo(t)
    model = cp_model.CpModel()
    xs: list[list[tuple[int, int, Any]]] = []
    by_group_day: dict[tuple[int, int], list[Any]] = {}
    by_res_day: dict[tuple[int, int], list[Any]] = {}
    objective_terms: list[Any] = []
    objective_coefs: list[int] = []
    for t in tasks:
        cost = t.cost_vector(avoid)
        free = t.avail & ~board.busy[t.group]
        row: list[tuple[int, int, Any]] = []
        day_vars: dict[int, list[Any]] = {}
        for r in t.options:
            room = board.caps[r] - board.load[r]
            for day in np.flatnonzero(free & (room > 0)).tolist():
                v = model.new_bool_var("")
                d = int(day)
                row.append((d, r, v))
                day_vars.setdefault(d, []).append(v)
                by_res_day.setdefault((r, d), []).append(v)
                objective_terms.append(v)
                objective_coefs.append(round(float(cost[d])))
                if (d, r) in hints.get(id(t), ()):
                    model.add_hint(v, 1)
        for d, vs in day_vars.items():
            by_group_day.setdefault((t.group, d), []).extend(vs)
        if t.k > 0:
            model.add(sum(v for _, _, v in row) == t.k)
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
    model.minimize(sum(c * v for c, v in zip(objective_coefs, objective_terms, strict=True)))
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
                           float(solver.wall_time))
    return ExactResult(status, math.inf, float("nan"), float(solver.wall_time))


def assign_phases(tasks: Sequence[Task], seed: int) -> None:
    """Stagger tasks sharing a resource so that their evenly spaced targets interleave instead of colliding."""
    by_res: dict[int, list[Task]] = {}
    for t in tasks:
        by_res.setdefault(t.options[0] if t.options else -1, []).append(t)
    shift = (seed * 0.6180339887) % 1.0
    for group in by_res.values():
        n = len(group)
        for j, t in enumerate(group):
            t.phase = ((j + 0.5) / n + shift) % 1.0
            t._targets = None


def order_tasks(tasks: Sequence[Task]) -> list[int]:
    """Tightest first (fewest available days per required day), then the order given (deterministic)."""
    keys = []
    for i, t in enumerate(tasks):
        need = max(t.k, len(t.periods), 1)
        keys.append((int(t.avail.sum()) / need, -len(t.periods), i))
    return [i for *_, i in sorted(keys)]


def place_all(tasks: Sequence[Task], board: Board, avoid: np.ndarray, *, seed: int, workers: int,
              time_limit: float, control: Any = None, stage: str = "",
              explain: Callable[[Sequence[Task]], Any] | None = None) -> Placement:
    """Constructive pass over all tasks, then the exact model on each component the pass could not finish.

    Raises whatever `explain(component_tasks)` returns (an InfeasibleError) when a component is proven
    impossible; planner.progress.Cancelled when the user stops.
    """
    from planner.progress import Cancelled

    failed: list[int] = []
    order = order_tasks(tasks)
    step = max(1, len(order) // 20)
    for n, i in enumerate(order):
        if not place_greedy(tasks[i], board, avoid):
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
        result = solve_exact(sub, board, avoid, seed=seed, workers=workers, time_limit=time_limit,
                             register=getattr(control, "register", None), unregister=getattr(control, "unregister", None))
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
    objective = plan_cost(tasks, avoid)
    bound = float(sum(task_bound(t, avoid) for t in tasks))
    status = Status.OPTIMAL if objective <= bound + 1e-9 else Status.FEASIBLE
    if exact_status == Status.FEASIBLE:
        status = Status.FEASIBLE
    return Placement(status, objective, bound, len(failed), len(comps),
                     {"tasks": len(tasks), "greedy_failed": len(failed), "exact_components": len(comps)})
