"""Local search for assign.units on the exact pattern cost (columns.Component.cost): one incremental plan
(`_Plan`) serves both the full descent (`local_search`) and the iterated local search (`perturb_search`)."""

from __future__ import annotations

import numpy as np

from planner.assign.units.columns import Component


def local_search(comp: Component, plan: dict[int, tuple[int, ...]], max_passes: int = 10_000
                 ) -> dict[int, tuple[int, ...]]:
    """Deterministic best-improvement descent on the exact pattern cost (`Component.cost`): move one community to
    another unit of the group, or swap two communities between two units, the best over the whole group each pass
    (`_Plan.best_anywhere`). Only capacity-feasible results, a unit keeps ≥1 community when every unit must have
    one, pins never move (only `candidates` move). Never worse than `plan`. Why: the packing start can sit far
    above the LP bound, and the master, within its short budget, rarely leaves its hint; a descent on the exact
    cost is cheap (incremental deltas) and hands it a much better start."""
    state = _Plan(comp, plan)
    free = sorted(c for c in state.owner if any(c in state.movable[u] for u in state.units))
    for _ in range(max_passes):
        best = state.best_anywhere(free)
        if best is None:
            break
        _, c, b, d = best
        a = state.owner[c]
        state.apply(a, c, d)
        state.apply(b, d, c)
    return state.plan()


class _Plan:
    """A group's plan with each unit's cost terms kept incrementally (load, distance, missing last-year pairs,
    communities per office), so that a move's or a swap's exact cost change is O(1)."""

    def __init__(self, comp: Component, plan: dict[int, tuple[int, ...]]) -> None:
        self.comp = comp
        self.units = [u for u in comp.units if u in plan]
        self.H = {c: int(comp.H[c]) for c in comp.comms}
        self.office = {c: int(comp.office[c]) for c in comp.comms}
        self.limit = {u: comp.load_limit(u) for u in self.units}
        self.movable = {u: set(comp.candidates.get(u, [])) for u in self.units}
        self.pinned = {u: set(comp.required.get(u, ())) for u in self.units}
        self.prev = {u: comp.prev.get(u, set()) for u in self.units}
        self.owner: dict[int, int] = {}
        self.sets: dict[int, set[int]] = {u: set() for u in self.units}
        self.load = dict.fromkeys(self.units, 0)
        self.dist = dict.fromkeys(self.units, 0)
        self.missing = {u: len(self.prev[u]) for u in self.units}
        self.offices: dict[int, dict[int, int]] = {u: {} for u in self.units}
        # load term per unit and load (the descent evaluates it ~10⁵ times per group)
        self.load_term = {u: comp.load_costs(u, np.arange(self.limit[u] + 1)).astype(np.int64).tolist()
                          for u in self.units}
        for u in self.units:
            for c in plan[u]:
                self.apply(u, -1, c)

    def value(self, u: int, n: int, ld: int, ds: int, miss: int, n_off: int) -> int:
        cost = ds + self.comp.w_cont * miss
        if n:
            cost += self.comp.w_one * (n_off - 1) + (self.load_term[u][ld] if ld <= self.limit[u]
                                                     else self.comp.load_cost(u, ld))
        return int(cost)

    def current(self, u: int) -> int:
        return self.value(u, len(self.sets[u]), self.load[u], self.dist[u], self.missing[u], len(self.offices[u]))

    def changed(self, u: int, out: int, into: int) -> int | None:
        """Cost of u after losing `out` and gaining `into` (-1: none); None when infeasible."""
        n, ld, ds, miss = len(self.sets[u]), self.load[u], self.dist[u], self.missing[u]
        offs = self.offices[u]
        n_off = len(offs)
        o_out = o_in = -1
        if out >= 0:
            n, ld, ds = n - 1, ld - self.H[out], ds - self.comp.dist[u, out]
            miss += out in self.prev[u]
            o_out = self.office[out]
        if into >= 0:
            n, ld, ds = n + 1, ld + self.H[into], ds + self.comp.dist[u, into]
            miss -= into in self.prev[u]
            o_in = self.office[into]
        if ld > self.limit[u] or (self.comp.must and n == 0):
            return None
        if o_out != o_in:
            n_off -= o_out >= 0 and offs[o_out] == 1
            n_off += o_in >= 0 and o_in not in offs
        return self.value(u, n, ld, ds, miss, n_off)

    def apply(self, u: int, out: int, into: int) -> None:
        if out >= 0:
            self.sets[u].discard(out)
            self.load[u] -= self.H[out]
            self.dist[u] -= self.comp.dist[u, out]
            self.missing[u] += out in self.prev[u]
            o = self.office[out]
            self.offices[u][o] -= 1
            if not self.offices[u][o]:
                del self.offices[u][o]
        if into >= 0:
            self.sets[u].add(into)
            self.load[u] += self.H[into]
            self.dist[u] += self.comp.dist[u, into]
            self.missing[u] -= into in self.prev[u]
            o = self.office[into]
            self.offices[u][o] = self.offices[u].get(o, 0) + 1
            self.owner[into] = u

    def free(self, u: int) -> list[int]:
        return sorted(self.sets[u] - self.pinned[u])

    def best_move(self, a: int) -> tuple[int, int, int, int] | None:
        """The best improving move or swap with `a` on one side: (delta, community of a, other unit, its community
        or -1 for a move into a / from a)."""
        best: tuple[int, int, int, int] | None = None
        cost_a = self.current(a)
        free_a = self.free(a)
        load_a, limit_a, movable_a = self.load[a], self.limit[a], self.movable[a]
        out_a = {c: self.changed(a, c, -1) for c in free_a}  # a's cost after giving c away, whoever takes it
        for b in self.units:
            if b == a:
                continue
            cost_b = self.current(b)
            base = cost_a + cost_b
            free_b = self.free(b)
            load_b, limit_b, movable_b = self.load[b], self.limit[b], self.movable[b]
            for c in free_a:
                if c not in movable_b:
                    continue
                h_c = self.H[c]
                new_a = out_a[c]
                if new_a is not None and load_b + h_c <= limit_b:  # move c: a -> b
                    new_b = self.changed(b, -1, c)
                    if new_b is not None:
                        delta = new_a + new_b - base
                        if delta < 0 and (best is None or delta < best[0]):
                            best = (delta, c, b, -1)
                for d in free_b:  # swap c <-> d
                    h_d = self.H[d]
                    if d in movable_a and load_a - h_c + h_d <= limit_a and load_b - h_d + h_c <= limit_b:
                        new_a2, new_b2 = self.changed(a, c, d), self.changed(b, d, c)
                        if new_a2 is not None and new_b2 is not None:
                            delta = new_a2 + new_b2 - base
                            if delta < 0 and (best is None or delta < best[0]):
                                best = (delta, c, b, d)
            for d in free_b:  # d: b -> a
                if d in movable_a and load_a + self.H[d] <= limit_a:
                    new_a, new_b = self.changed(a, -1, d), self.changed(b, d, -1)
                    if new_a is not None and new_b is not None:
                        delta = new_a + new_b - base
                        if delta < 0 and (best is None or delta < best[0]):
                            best = (delta, -1, b, d)
        return best

    def best_anywhere(self, free: list[int]) -> tuple[int, int, int, int] | None:
        """The best improving move (d = -1) or swap over every pair of units: (delta, community, other unit,
        its community). Moves are scanned first, then swaps, each in index order; ties keep the first found."""
        cost_now = {u: self.current(u) for u in self.units}
        best: tuple[int, int, int, int] | None = None
        for c in free:
            a = self.owner[c]
            new_a = self.changed(a, c, -1)
            if c in self.pinned[a] or new_a is None:
                continue
            for b in self.units:
                if b == a or c not in self.movable[b] or self.load[b] + self.H[c] > self.limit[b]:
                    continue
                new_b = self.changed(b, -1, c)
                if new_b is not None:
                    delta = new_a + new_b - cost_now[a] - cost_now[b]
                    if delta < 0 and (best is None or delta < best[0]):
                        best = (delta, c, b, -1)
        for i, c in enumerate(free):
            a = self.owner[c]
            if c in self.pinned[a]:
                continue
            for d in free[i + 1:]:
                b = self.owner[d]
                if b == a or c not in self.movable[b] or d not in self.movable[a] or d in self.pinned[b] \
                        or self.load[b] + self.H[c] - self.H[d] > self.limit[b] \
                        or self.load[a] + self.H[d] - self.H[c] > self.limit[a]:
                    continue
                new_a2 = self.changed(a, c, d)
                new_b2 = self.changed(b, d, c) if new_a2 is not None else None
                if new_a2 is not None and new_b2 is not None:
                    delta = new_a2 + new_b2 - cost_now[a] - cost_now[b]
                    if delta < 0 and (best is None or delta < best[0]):
                        best = (delta, c, b, d)
        return best

    def descend(self, dirty: list[int]) -> None:
        """Descent to a local optimum of moves and swaps. A move's delta depends only on its two units, so when
        the plan was a local optimum before `dirty` units changed, only moves touching a dirty unit can improve:
        a queue of units to re-check replaces full rescans (O(units·communities) per check, not communities²)."""
        queue = sorted(set(dirty))
        queued = set(queue)
        head = 0
        while head < len(queue):
            a = queue[head]
            head += 1
            queued.discard(a)
            found = self.best_move(a)
            if found is None:
                continue
            _, c, b, d = found
            self.apply(a, c, d)
            self.apply(b, d, c)
            for u in (a, b):
                if u not in queued:
                    queue.append(u)
                    queued.add(u)

    def total(self) -> int:
        return sum(self.current(u) for u in self.units)

    def plan(self) -> dict[int, tuple[int, ...]]:
        return {u: tuple(sorted(self.sets[u])) for u in self.units}


def perturb_search(comp: Component, plan: dict[int, tuple[int, ...]], kicks: int, seed: int = 0,
                   moves_per_kick: int = 3) -> dict[int, tuple[int, ...]]:
    """Iterated local search: `kicks` times, move a few random free communities to random units that may take
    them (capacity-feasible), descend (moves and swaps, see `_Plan.descend`), keep the result when not worse, else
    return to the best plan. Deterministic (fixed seed, fixed number of kicks); never worse than `plan`.
    Why: the descent's local optima sit up to 20% above the LP bound on city groups, and the CP-SAT master rarely
    leaves its hint within its budget; kicks reach plans that differ by chains of moves no single move finds."""
    state = _Plan(comp, plan)
    state.descend(state.units)
    best_plan, best_cost = state.plan(), state.total()
    rng = np.random.default_rng(seed)
    units = state.units
    for _ in range(kicks):
        touched: list[int] = []
        for _ in range(moves_per_kick):
            a = units[int(rng.integers(len(units)))]
            free = state.free(a)
            if not free:
                continue
            c = free[int(rng.integers(len(free)))]
            takers = [b for b in units if b != a and c in state.movable[b] and state.changed(b, -1, c) is not None]
            if not takers or state.changed(a, c, -1) is None:
                continue
            b = takers[int(rng.integers(len(takers)))]
            state.apply(a, c, -1)
            state.apply(b, -1, c)
            touched += [a, b]
        if not touched:
            continue
        state.descend(touched)
        cost = state.total()
        if cost <= best_cost:
            best_plan, best_cost = state.plan(), cost
        else:
            state = _Plan(comp, best_plan)
    return best_plan
