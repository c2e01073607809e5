"""Local search for assign.units on the exact pattern cost (columns.Component.cost): one incremental plan
(`_Plan`) serves both the full descent (`local_search`) and the iterated local search (`perturb_search`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from planner.assign.units.columns import Component


def local_search(comp: Component, plan: dict[int, tuple[int, ...]], max_passes: int = 10_000
                 ) -> dict[int, tuple[int, ...]]:
    """Deterministic best-improvement descent on the exact pattern cost (`Component.cost`): move one community to
    another unit of the group, or swap two communities between two units, the best over the whole group each pass
    (`kernels.best_anywhere`). Only capacity-feasible results, a unit keeps ≥1 community when every unit must have
    one, pins never move (only `candidates` move). Never worse than `plan`. Why: the packing start can sit far
    above the LP bound, and the master, within its short budget, rarely leaves its hint; a descent on the exact
    cost is cheap (incremental deltas) and hands it a much better start."""
    from planner.assign.units import kernels

    state = _Plan(comp, plan)
    owned = np.flatnonzero(state.D[0] >= 0)
    free = owned[state.S[2][:, owned].any(axis=0)] if len(owned) else owned
    kernels.descend_all(state.S, state.P, state.D, np.ascontiguousarray(free, dtype=np.int64), max_passes)
    return state.plan()


class _Plan:
    """A group's plan as arrays (units by position in `units`, communities by index) with each unit's cost terms
    kept incrementally (load, distance, missing last-year pairs, communities per office), so that a move's or a
    swap's exact cost change is O(1); the loops over moves are compiled (kernels.py), in the order and with the
    tie-breaking of the pure-Python version they replaced (same plans)."""

    def __init__(self, comp: Component, plan: dict[int, tuple[int, ...]],
                 static: tuple[tuple[np.ndarray, ...], np.ndarray] | None = None) -> None:
        self.comp = comp
        self.units = [u for u in comp.units if u in plan]
        self.S, self.P = static if static is not None else _static(comp, self.units)
        n_u, n_c = len(self.units), len(self.S[0])
        n_off = int(self.S[1].max(initial=-1)) + 1
        missing = np.asarray([len(comp.prev.get(u, set())) for u in self.units], dtype=np.int64)
        self.D = (np.full(n_c, -1, dtype=np.int64), np.zeros(n_u, np.int64), np.zeros(n_u, np.int64),
                  np.zeros(n_u, np.int64), missing, np.zeros((n_u, max(1, n_off)), np.int64), np.zeros(n_u, np.int64))
        pos = [i for i, u in enumerate(self.units) for _ in plan[u]]
        comms = [int(c) for u in self.units for c in plan[u]]
        from planner.assign.units import kernels

        kernels.fill(self.S, self.D, np.asarray(pos, dtype=np.int64), np.asarray(comms, dtype=np.int64))

    def by_id(self, positions: Iterable[int]) -> np.ndarray:
        """Unit positions, each once, in ascending unit id (the order the descent's queue starts in)."""
        unique = sorted(set(int(i) for i in positions), key=lambda i: self.units[i])
        return np.asarray(unique, dtype=np.int64)

    def total(self) -> int:
        from planner.assign.units import kernels

        return int(sum(kernels.current(self.S, self.P, self.D, i) for i in range(len(self.units))))

    def free(self, i: int) -> np.ndarray:
        """Unit i's (position) free communities, ascending."""
        return np.flatnonzero((self.D[0] == i) & ~self.S[3][i])

    def plan(self) -> dict[int, tuple[int, ...]]:
        owner = self.D[0]
        return {u: tuple(np.flatnonzero(owner == i).tolist()) for i, u in enumerate(self.units)}


def _static(comp: Component, units: list[int]) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The arrays that do not change while searching: households, offices, movable/pinned/last-year masks,
    distances, load limits, capacities and the load term per unit and load; and the weights."""
    n_c = int(max(comp.comms, default=-1)) + 1
    n_u = len(units)
    H = np.zeros(n_c, np.int64)
    office = np.zeros(n_c, np.int64)
    comms = np.asarray(comp.comms, dtype=np.int64)
    comm_set = set(comp.comms)
    H[comms] = np.asarray(comp.H, dtype=np.int64)[comms]
    office[comms] = np.asarray(comp.office, dtype=np.int64)[comms]
    movable = np.zeros((n_u, n_c), np.bool_)
    pinned = np.zeros((n_u, n_c), np.bool_)
    prev = np.zeros((n_u, n_c), np.bool_)
    dist = np.zeros((n_u, n_c), np.int64)
    limit = np.zeros(n_u, np.int64)
    cap = np.zeros(n_u, np.int64)
    for i, u in enumerate(units):
        movable[i, list(comp.candidates.get(u, []))] = True
        pinned[i, list(comp.required.get(u, ()))] = True
        prev[i, [c for c in comp.prev.get(u, set()) if c in comm_set]] = True
        dist[i, comms] = [comp.dist[u, c] for c in comp.comms]
        limit[i] = comp.load_limit(u)
        cap[i] = int(comp.cap[u])
    width = int(limit.max(initial=0)) + 1
    load_term = np.zeros((n_u, width), np.int64)
    for i, u in enumerate(units):
        load_term[i, : limit[i] + 1] = comp.load_costs(u, np.arange(limit[i] + 1)).astype(np.int64)
    P = np.asarray([comp.w_cont, comp.w_one, comp.w_link, comp.w_bal, comp.target, int(comp.must)], dtype=np.int64)
    return (H, office, movable, pinned, prev, dist, limit, cap, load_term), P


def perturb_search(comp: Component, plan: dict[int, tuple[int, ...]], kicks: int, seed: int = 0,
                   moves_per_kick: int = 3, stop: Callable[[], bool] | None = None) -> dict[int, tuple[int, ...]]:
    """Iterated local search: `kicks` times, move a few random free communities to random units that may take
    them (capacity-feasible), descend (moves and swaps, see `kernels.descend`), keep the result when not worse,
    else return to the best plan. Deterministic (fixed seed, fixed number of kicks); never worse than `plan`.
    Why: the descent's local optima sit up to 20% above the LP bound on city groups, and the CP-SAT master rarely
    leaves its hint within its budget; kicks reach plans that differ by chains of moves no single move finds.
    `stop` (the wall budget, planner/deadline.py) is asked before each kick: the best plan so far is returned."""
    from planner.assign.units import kernels

    state = _Plan(comp, plan)
    static = (state.S, state.P)
    S, P = static
    kernels.descend(S, P, state.D, state.by_id(range(len(state.units))))
    best_plan, best_cost = state.plan(), state.total()
    rng = np.random.default_rng(seed)
    n_u = len(state.units)
    for _ in range(kicks):
        if stop is not None and stop():
            break
        touched: list[int] = []
        for _ in range(moves_per_kick):
            a = int(rng.integers(n_u))
            free = state.free(a)
            if not len(free):
                continue
            c = int(free[int(rng.integers(len(free)))])
            takers = kernels.takers(S, P, state.D, a, c)
            if not len(takers) or kernels.changed(S, P, state.D, a, c, -1) == kernels.NONE:
                continue
            b = int(takers[int(rng.integers(len(takers)))])
            kernels.apply(S, state.D, a, c, -1)
            kernels.apply(S, state.D, b, -1, c)
            touched += [a, b]
        if not touched:
            continue
        kernels.descend(S, P, state.D, state.by_id(touched))
        cost = state.total()
        if cost <= best_cost:
            best_plan, best_cost = state.plan(), cost
        else:
            state = _Plan(comp, best_plan, static)
    return best_plan
