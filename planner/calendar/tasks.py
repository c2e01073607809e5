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

Soft cost of a task t with chosen days S (the objective we report; formula in one place):
    cost(t) = spacing_cost * sum_x |#{s in S: s <= x} - #{j: target_j(t) <= x}|  +  avoid_day_cost * #{s in S: avoid[s]}
The first term is the earth mover's distance between the visits and t's k evenly spaced target days (in
workdays): with |S| = k it equals sum_j |s_(j) - target_(j)|, the j-th visit against the j-th target, so
bunching is paid for (two visits near one target leave another target far away), unlike a per-visit "distance to
the nearest target". It is linear in prefix counts, so the exact model states it with one integer per day.
`avoid` marks month-end and the first workdays after 春节; the weights live in rules.calendar.
The bound of a task is the exact minimum of cost(t) over k distinct available days (a DP, dropping caps, groups
and periods); the sum over tasks is a valid lower bound, lifted per component by CP-SAT's proven bound where the
improvement phase ran (improve.py), so objective - bound measures the price of the caps and rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.result import Status, status_from_cpsat


@dataclass(frozen=True, eq=False)
class Costs:
    """The soft-cost weights (rules.calendar) and the avoided-day mask of the horizon."""

    avoid: np.ndarray               # bool per planned day
    avoid_cost: int = 10
    spacing: int = 1
    tiebreak: float = 0.25

    @classmethod
    def of(cls, avoid: np.ndarray, rules: Any) -> Costs:
        cal = rules.calendar
        return cls(np.asarray(avoid, dtype=bool), int(cal.avoid_day_cost), int(cal.spacing_cost),
                   float(cal.load_tiebreak))

    @property
    def day(self) -> np.ndarray:
        """Per-day cost of a visit on that day (avoided days)."""
        return self.avoid_cost * self.avoid.astype(np.float64)


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

    def target_prefix(self, n_days: int) -> np.ndarray:
        """#targets <= x for every day x (the evenly spaced schedule's counting function)."""
        return np.cumsum(np.bincount(self.targets(), minlength=n_days)[:n_days])

    def cost(self, costs: Costs) -> float:
        return task_cost(self, self.days, costs)


def task_cost(task: Task, days: Sequence[int], costs: Costs) -> float:
    """cost(t) of the module docstring for `days`."""
    if not len(days):
        return 0.0
    n = len(costs.avoid)
    prefix = np.cumsum(np.bincount(np.asarray(days, dtype=np.int64), minlength=n)[:n])
    spread = float(np.abs(prefix - task.target_prefix(n)).sum()) if task.k > 0 else 0.0
    return costs.spacing * spread + float(costs.day[np.asarray(days, dtype=np.int64)].sum())


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


_BOUND_CACHE: dict[tuple[Any, ...], float] = {}


def task_bound(task: Task, costs: Costs) -> float:
    """min cost(t) over k distinct available days covering every required period (caps and groups dropped).

    DP over the k sorted visits: best_j[d] = |d - target_j| * spacing + day[d] + min best_{j-1}[d'] over
    lb(d) <= d' < d, where lb(d) keeps the step d' -> d from jumping over a whole required period (the first
    day of the last period that ends before d); the first visit may not come after a whole period, the last not
    before one. Tasks with the same availability, targets and periods share the result.
    """
    if task.k <= 0:
        return 0.0
    targets = task.targets()
    spans = [(int(p[0]), int(p[-1])) for p in task.periods if len(p)]
    key = (task.avail.tobytes(), targets.tobytes(), costs.avoid_cost, costs.spacing, hash(costs.avoid.tobytes()),
           tuple(spans))
    hit = _BOUND_CACHE.get(key)
    if hit is not None:
        return hit
    n = len(costs.avoid)
    idx = np.arange(n)
    lb = np.full(n, -1, dtype=np.int64)            # -1: no whole period before d
    for first, last in sorted(spans, key=lambda s: s[1]):
        lb[last + 1:] = first
    base = np.where(task.avail, costs.day, np.inf)
    best = np.full(n, np.inf)
    for j, target in enumerate(targets):
        here = costs.spacing * np.abs(idx - target) + base
        best = np.where(lb < 0, here, np.inf) if j == 0 else here + _window_min(best, np.maximum(lb, 0))
    if spans:
        best[: max(first for first, _ in spans)] = np.inf
    value = float(np.min(best)) if len(targets) else 0.0
    value = value if math.isfinite(value) else 0.0
    if len(_BOUND_CACHE) > 100_000:
        _BOUND_CACHE.clear()
    _BOUND_CACHE[key] = value
    return value


def _window_min(values: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """out[d] = min(values[lo[d]:d]) (inf if empty); lo is nondecreasing, so a monotone deque does it in O(n)."""
    from collections import deque

    n = len(values)
    out = np.full(n, np.inf)
    window: deque[int] = deque()
    for d in range(n):
        if d > 0:
            v = values[d - 1]
            while window and values[window[-1]] >= v:
                window.pop()
            window.append(d - 1)
        while window and window[0] < lo[d]:
            window.popleft()
        if window:
            out[d] = values[window[0]]
    return out


def plan_cost(tasks: Sequence[Task], costs: Costs) -> float:
    return float(sum(t.cost(costs) for t in tasks))


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


def place_greedy(task: Task, board: Board, costs: Costs) -> bool:
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
    base = costs.day + costs.tiebreak * np.minimum(load, board.n_days)
    idx = np.arange(board.n_days)
    usable = free.copy()
    chosen: list[int] = []
    for target in task.targets():
        score = costs.spacing * np.abs(idx - target) + base
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
        add = int(cand[np.argmin(costs.spacing * np.abs(cand - mid) + base[cand])])
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


def assign_phases(tasks: Sequence[Task], seed: int) -> None:
    """Stagger targets so that they interleave instead of colliding: tasks sharing a resource by 1/n of a
    spacing each, and the tasks of one group (a leader's offices, a cadre's communities) by 1/m of a spacing
    more, since a group can use a day only once."""
    by_res: dict[int, list[Task]] = {}
    by_group: dict[int, list[Task]] = {}
    for t in tasks:
        by_res.setdefault(t.options[0] if t.options else -1, []).append(t)
        by_group.setdefault(t.group, []).append(t)
    in_group = {id(t): j / len(members) for members in by_group.values() for j, t in enumerate(members)}
    shift = (seed * 0.6180339887) % 1.0
    for group in by_res.values():
        n = len(group)
        for j, t in enumerate(group):
            t.phase = ((j + 0.5) / n + in_group[id(t)] + shift) % 1.0
            t._targets = None


def order_tasks(tasks: Sequence[Task]) -> list[int]:
    """Tightest first (fewest available days per required day), then the order given (deterministic)."""
    keys = []
    for i, t in enumerate(tasks):
        need = max(t.k, len(t.periods), 1)
        keys.append((int(t.avail.sum()) / need, -len(t.periods), i))
    return [i for *_, i in sorted(keys)]


def place_all(tasks: Sequence[Task], board: Board, costs: Costs, *, seed: int, workers: int,
              time_limit: float, control: Any = None, stage: str = "",
              explain: Callable[[Sequence[Task]], Any] | None = None, budget: Any = None) -> Placement:
    """Constructive pass over all tasks, the exact model on each component the pass could not finish, then the
    improvement phase (improve.py) when a `budget` (improve.Budget) is given.

    Raises whatever `explain(component_tasks)` returns (an InfeasibleError) when a component is proven
    impossible; planner.progress.Cancelled when the user stops.
    """
    from planner.progress import Cancelled

    failed: list[int] = []
    order = order_tasks(tasks)
    step = max(1, len(order) // 20)
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
    constructive = plan_cost(tasks, costs)
    details: dict[str, Any] = {"tasks": len(tasks), "greedy_failed": len(failed), "exact_components": len(comps),
                               "constructive_objective": constructive}
    lifts: list[tuple[list[int], float]] = []
    if budget is not None:
        from planner.calendar.improve import improve_exact, improve_local

        local = improve_local(tasks, board, costs, budget.passes)
        details["local_objective"] = plan_cost(tasks, costs)
        if control is not None:
            if control.cancelled:
                raise Cancelled()
            control.report(stage, "improve", details["local_objective"], None, 1, 1)
        exact = improve_exact(tasks, board, costs, budget, seed=seed, register=getattr(control, "register", None),
                              unregister=getattr(control, "unregister", None),
                              cancelled=lambda: control is not None and bool(control.cancelled))
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
