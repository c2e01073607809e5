"""Visit tasks: what a party must do, what it costs, and the board of who is busy where.

A *task* is "this party visits one of these resources (community or office) on k distinct days, at least one day
in each of these required periods, only on these available days". Every calendar rule of units, cadres and
leaders' contact/research maps onto tasks:
- `group`: tasks of one group never share a day (a leader's one activity per date; a cadre's one community per
  date and distinct grassroots days). A unit's task per community is its own group.
- `options`: the resources the task may use; each (resource, day) holds at most `cap[resource]` tasks, which is
  the community/office burden cap counted in distinct parties (one party has one task per group per day).

This module holds the building blocks only; imports run one way, tasks <- exact <- improve <- place:
- place.py: the driver `place_all` — the constructive pass (`place_greedy`) places tasks one by one at evenly
  spaced targets and repairs uncovered periods; it is exact for every hard rule by construction (only free,
  available days under the cap are ever used) and reports which tasks it could not place. Those tasks' connected
  component (tasks linked by a shared group or resource) is then solved by the exact CP-SAT model.
- exact.py: `solve_exact`, the exact model, which either places a component or proves it impossible.
- improve.py: the improvement phase after the constructive pass.

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.rules import Rules


@dataclass(frozen=True, eq=False)
class Costs:
    """The soft-cost weights (rules.calendar) and the avoided-day mask of the horizon."""

    avoid: np.ndarray               # bool per planned day
    avoid_cost: int = 10
    spacing: int = 1
    tiebreak: float = 0.25

    @classmethod
    def of(cls, avoid: np.ndarray, rules: Rules) -> Costs:
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
    """out[d] = min(values[lo[d]:d]) (inf if empty); lo is nondecreasing, so a monotone deque does it in O(n)
    (compiled: calendar/kernels.py)."""
    from planner.calendar.kernels import window_min

    return window_min(np.ascontiguousarray(values, dtype=np.float64), np.ascontiguousarray(lo, dtype=np.int64))


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
