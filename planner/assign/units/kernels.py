"""Compiled inner loops of the units stage (numba, compiled on first use and cached on disk, so commands that never
reach them pay nothing and later runs load the machine code instead of compiling it again).

Each kernel is a line-by-line port of the pure-Python loop it replaces, with the same floating-point operations in
the same order and the same tie-breaking, so the plans are byte-identical to the earlier implementation. Why: the
Lagrangian pricing (knapsack DP per unit) and the local search (cost deltas of every move and swap) were ~80 % of
the district plan's CPU time as Python loops over small numpy arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit

NEG_INF = -np.inf


@njit(cache=True)
def office_knapsack(ws: np.ndarray, vals: np.ndarray, starts: np.ndarray, is_open: np.ndarray, cap: int,
                    has_req: bool, w_one: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact DP over the load of the non-empty sets of items grouped by office (lagrange.Lagrangian._knapsack).

    Items of office g are ws/vals[starts[g]:starts[g+1]] (offices ascending, items in the caller's order, items
    heavier than `cap` already left out); is_open[g]: the pins already opened office g. Returns (closed, start,
    trail) where closed is the best value per load, start the empty set's row and trail the per-step rows the
    backtrack (`backtrack`) reads: row 2g = the closed state before office g, row 2g+1 = its initial opened state,
    then one row per item after it (at offset 2·n_groups + item)."""
    size = cap + 1
    n_groups = len(starts) - 1
    n_items = len(ws)
    trail = np.empty((2 * n_groups + n_items, size))
    closed = np.full(size, NEG_INF)
    if has_req:
        closed[0] = 0.0
    start = np.full(size, NEG_INF)
    if not has_req:
        start[0] = 0.0
    for g in range(n_groups):
        before = trail[2 * g]
        before[:] = closed
        src_open = np.empty(size)
        for x in range(size):
            src_open[x] = max(before[x], start[x]) - w_one
        opened = trail[2 * g + 1]
        if is_open[g]:
            opened[:] = before
        else:
            opened[:] = NEG_INF
        for i in range(starts[g], starts[g + 1]):
            w = ws[i]
            v = vals[i]
            new = trail[2 * n_groups + i]
            new[:] = opened
            for x in range(size - w):
                r = opened[x] if is_open[g] else max(opened[x], src_open[x])
                r = r + v
                if r > new[x + w]:
                    new[x + w] = r
            opened = new
        for x in range(size):
            closed[x] = max(before[x], opened[x])
    return closed, start, trail


@njit(cache=True)
def backtrack(trail: np.ndarray, starts: np.ndarray, ws: np.ndarray, vals: np.ndarray, start: np.ndarray,
              load: int) -> np.ndarray:
    """Positions (into ws/vals) of the DP's optimum at `load`: offices in reverse; an office is skipped when its
    closed state already held the value, else its items are walked back until the one that opened it."""
    n_groups = len(starts) - 1
    chosen = np.empty(len(ws), dtype=np.int64)
    n = 0
    for g in range(n_groups - 1, -1, -1):
        before = trail[2 * g]
        last = starts[g + 1] - 1
        opened = trail[2 * n_groups + last] if last >= starts[g] else trail[2 * g + 1]
        if before[load] >= opened[load]:
            continue
        broke = False
        for i in range(last, starts[g] - 1, -1):
            prior = trail[2 * n_groups + i - 1] if i > starts[g] else trail[2 * g + 1]
            after = trail[2 * n_groups + i]
            if after[load] == prior[load]:
                continue
            chosen[n] = i
            n += 1
            w = ws[i]
            came_open = load >= w and prior[load - w] + vals[i] >= after[load]
            load -= w
            if not came_open:
                broke = True
                break
        if not broke:
            continue
        if start[load] > before[load]:
            return chosen[:n]
    return chosen[:n]


# -- local search (search.py) -----------------------------------------------------------------------------------------
# S = static arrays (H, office, movable, pinned, prev, dist, limit, cap, load_term), P = int64 parameters
# (w_cont, w_one, w_link, w_bal, target, must), D = the plan (owner, n, load, dist, missing, per-office counts,
# offices). Costs are integers; NONE marks an infeasible change (every real cost is ≥ 0).
NONE = -(1 << 62)


@njit(cache=True)
def _value(S, P, u, n, ld, ds, miss, n_off):
    cost = ds + P[0] * miss
    if n:
        if ld <= S[6][u]:
            lt = S[8][u, ld]
        else:
            cap = S[7][u]
            lt = P[2] * max(0, ld - cap)
            if cap > 0 and ld > 0:
                lt += P[3] * max(0, int(np.ceil(100 * ld / cap)) - P[4])
        cost += P[1] * (n_off - 1) + lt
    return cost


@njit(cache=True)
def current(S, P, D, u):
    return _value(S, P, u, D[1][u], D[2][u], D[3][u], D[4][u], D[6][u])


@njit(cache=True)
def changed(S, P, D, u, out, into):
    """Cost of u after losing `out` and gaining `into` (-1: none); NONE when infeasible."""
    H, office, prev, dist = S[0], S[1], S[4], S[5]
    n, ld, ds, miss, n_off = D[1][u], D[2][u], D[3][u], D[4][u], D[6][u]
    o_out = -1
    o_in = -1
    if out >= 0:
        n -= 1
        ld -= H[out]
        ds -= dist[u, out]
        miss += 1 if prev[u, out] else 0
        o_out = office[out]
    if into >= 0:
        n += 1
        ld += H[into]
        ds += dist[u, into]
        miss -= 1 if prev[u, into] else 0
        o_in = office[into]
    if ld > S[6][u] or (P[5] and n == 0):
        return NONE
    if o_out != o_in:
        if o_out >= 0 and D[5][u, o_out] == 1:
            n_off -= 1
        if o_in >= 0 and D[5][u, o_in] == 0:
            n_off += 1
    return _value(S, P, u, n, ld, ds, miss, n_off)


@njit(cache=True)
def apply(S, D, u, out, into):
    H, office, prev, dist = S[0], S[1], S[4], S[5]
    owner, cnt = D[0], D[5]
    if out >= 0:
        D[1][u] -= 1
        D[2][u] -= H[out]
        D[3][u] -= dist[u, out]
        D[4][u] += 1 if prev[u, out] else 0
        o = office[out]
        cnt[u, o] -= 1
        if cnt[u, o] == 0:
            D[6][u] -= 1
    if into >= 0:
        D[1][u] += 1
        D[2][u] += H[into]
        D[3][u] += dist[u, into]
        D[4][u] -= 1 if prev[u, into] else 0
        o = office[into]
        if cnt[u, o] == 0:
            D[6][u] += 1
        cnt[u, o] += 1
        owner[into] = u


@njit(cache=True)
def _members(S, D):
    """Each unit's free (unpinned) communities, ascending: (flat list, start per unit)."""
    owner, pinned = D[0], S[3]
    n_u = len(D[1])
    count = np.zeros(n_u + 1, dtype=np.int64)
    for c in range(len(owner)):
        u = owner[c]
        if u >= 0 and not pinned[u, c]:
            count[u + 1] += 1
    starts = np.cumsum(count)
    fill = starts[:-1].copy()
    flat = np.empty(starts[-1], dtype=np.int64)
    for c in range(len(owner)):
        u = owner[c]
        if u >= 0 and not pinned[u, c]:
            flat[fill[u]] = c
            fill[u] += 1
    return flat, starts


@njit(cache=True)
def best_move(S, P, D, a):
    """The best improving move or swap with unit `a` on one side: (found, delta, community of a or -1, other
    unit, its community or -1): for each other unit b in order, a's communities (moves to b, then swaps with b's),
    then b's communities moving to a; ties keep the first found (the order of the Python loop this replaced)."""
    H, movable, limit = S[0], S[2], S[6]
    load = D[2]
    flat, starts = _members(S, D)
    found = False
    bd, bc, bb, bdd = 0, -1, -1, -1
    cost_a = current(S, P, D, a)
    fa = flat[starts[a]:starts[a + 1]]
    out_a = np.empty(len(fa), dtype=np.int64)
    for i in range(len(fa)):
        out_a[i] = changed(S, P, D, a, fa[i], -1)
    load_a, limit_a = load[a], limit[a]
    for b in range(len(load)):
        if b == a:
            continue
        base = cost_a + current(S, P, D, b)
        fb = flat[starts[b]:starts[b + 1]]
        load_b, limit_b = load[b], limit[b]
        for i in range(len(fa)):
            c = fa[i]
            if not movable[b, c]:
                continue
            h_c = H[c]
            new_a = out_a[i]
            if new_a != NONE and load_b + h_c <= limit_b:
                new_b = changed(S, P, D, b, -1, c)
                if new_b != NONE:
                    delta = new_a + new_b - base
                    if delta < 0 and (not found or delta < bd):
                        found, bd, bc, bb, bdd = True, delta, c, b, -1
            for d in fb:
                h_d = H[d]
                if movable[a, d] and load_a - h_c + h_d <= limit_a and load_b - h_d + h_c <= limit_b:
                    new_a2 = changed(S, P, D, a, c, d)
                    new_b2 = changed(S, P, D, b, d, c)
                    if new_a2 != NONE and new_b2 != NONE:
                        delta = new_a2 + new_b2 - base
                        if delta < 0 and (not found or delta < bd):
                            found, bd, bc, bb, bdd = True, delta, c, b, d
        for d in fb:
            if movable[a, d] and load_a + H[d] <= limit_a:
                new_a = changed(S, P, D, a, -1, d)
                new_b = changed(S, P, D, b, d, -1)
                if new_a != NONE and new_b != NONE:
                    delta = new_a + new_b - base
                    if delta < 0 and (not found or delta < bd):
                        found, bd, bc, bb, bdd = True, delta, -1, b, d
    return found, bd, bc, bb, bdd


@njit(cache=True)
def best_anywhere(S, P, D, free):
    """The best improving move (d = -1) or swap over every pair of units: moves first (community, then unit
    order), then swaps (pairs of `free` in order); ties keep the first found."""
    H, movable, pinned, limit = S[0], S[2], S[3], S[6]
    owner, load = D[0], D[2]
    n_u = len(load)
    cost_now = np.empty(n_u, dtype=np.int64)
    for u in range(n_u):
        cost_now[u] = current(S, P, D, u)
    found = False
    bd, bc, bb, bdd = 0, -1, -1, -1
    for c in free:
        a = owner[c]
        new_a = changed(S, P, D, a, c, -1)
        if pinned[a, c] or new_a == NONE:
            continue
        for b in range(n_u):
            if b == a or not movable[b, c] or load[b] + H[c] > limit[b]:
                continue
            new_b = changed(S, P, D, b, -1, c)
            if new_b != NONE:
                delta = new_a + new_b - cost_now[a] - cost_now[b]
                if delta < 0 and (not found or delta < bd):
                    found, bd, bc, bb, bdd = True, delta, c, b, -1
    for i in range(len(free)):
        c = free[i]
        a = owner[c]
        if pinned[a, c]:
            continue
        for j in range(i + 1, len(free)):
            d = free[j]
            b = owner[d]
            if b == a or not movable[b, c] or not movable[a, d] or pinned[b, d] \
                    or load[b] + H[c] - H[d] > limit[b] or load[a] + H[d] - H[c] > limit[a]:
                continue
            new_a2 = changed(S, P, D, a, c, d)
            if new_a2 == NONE:
                continue
            new_b2 = changed(S, P, D, b, d, c)
            if new_b2 != NONE:
                delta = new_a2 + new_b2 - cost_now[a] - cost_now[b]
                if delta < 0 and (not found or delta < bd):
                    found, bd, bc, bb, bdd = True, delta, c, b, d
    return found, bd, bc, bb, bdd


@njit(cache=True)
def descend_all(S, P, D, free, max_passes):
    """search.local_search's passes: apply the best move anywhere until none improves (or max_passes)."""
    for _ in range(max_passes):
        found, _d, c, b, d = best_anywhere(S, P, D, free)
        if not found:
            break
        a = D[0][c]
        apply(S, D, a, c, d)
        apply(S, D, b, d, c)


@njit(cache=True)
def descend(S, P, D, queue_init):
    """Descent to a local optimum of moves and swaps: a move's delta depends only on its two units, so after a
    change only the units it touched are re-checked (a queue, each unit at most once in it at a time)."""
    n_u = len(D[1])
    queued = np.zeros(n_u, dtype=np.bool_)
    queue = list(queue_init)
    for u in queue_init:
        queued[u] = True
    head = 0
    while head < len(queue):
        a = queue[head]
        head += 1
        queued[a] = False
        found, _d, c, b, d = best_move(S, P, D, a)
        if not found:
            continue
        apply(S, D, a, c, d)
        apply(S, D, b, d, c)
        for u in (a, b):
            if not queued[u]:
                queue.append(u)
                queued[u] = True


@njit(cache=True)
def takers(S, P, D, a, c):
    """Units other than `a` that may take community c now (a kick's targets, in unit order)."""
    n_u = len(D[1])
    out = np.empty(n_u, dtype=np.int64)
    k = 0
    for b in range(n_u):
        if b != a and S[2][b, c] and changed(S, P, D, b, -1, c) != NONE:
            out[k] = b
            k += 1
    return out[:k]


@njit(cache=True)
def fill(S, D, unit_pos, comms):
    """Add communities comms[i] to units unit_pos[i], in order (a _Plan's construction)."""
    for i in range(len(comms)):
        apply(S, D, unit_pos[i], -1, comms[i])
