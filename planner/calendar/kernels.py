"""Compiled inner loops of the calendar (numba; compiled on first use and cached on disk).

Each is a port of the numpy-per-visit loop it replaces, with the same arithmetic and tie-breaking, so the visits
are the same. Why: the local improvement made ~30 small numpy calls per visit on day-length arrays (district:
~300 k cumsums) and the bound's sliding-window minimum was a Python loop per day.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def window_min(values: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """out[d] = min(values[lo[d]:d]) (inf if empty); lo is nondecreasing: a monotone deque in O(n)."""
    n = len(values)
    out = np.full(n, np.inf)
    window = np.empty(n, dtype=np.int64)
    head = 0
    tail = 0
    for d in range(n):
        if d > 0:
            v = values[d - 1]
            while tail > head and values[window[tail - 1]] >= v:
                tail -= 1
            window[tail] = d - 1
            tail += 1
        while tail > head and window[head] < lo[d]:
            head += 1
        if tail > head:
            out[d] = values[window[head]]
    return out


@njit(cache=True)
def improve_task(days: np.ndarray, res: np.ndarray, target: np.ndarray, opts: np.ndarray, period_of: np.ndarray,
                 avail: np.ndarray, busy: np.ndarray, load: np.ndarray, caps: np.ndarray, day: np.ndarray,
                 spacing: float) -> int:
    """improve._improve_task on arrays: each visit in turn (the order at entry) moves to the day that lowers the
    task's cost most (free for the group, available, under one option's cap, required periods kept covered).
    `days`/`res` (sorted by day, then resource) are updated in place; `busy` is the group's row; returns moves."""
    n = len(target)
    k = len(days)
    snapshot = days.copy()
    moved = 0
    up = np.empty(n + 1)
    down = np.empty(n + 1)
    for a in snapshot:
        count = np.zeros(n, dtype=np.int64)
        for d in days:
            if d < n:
                count[d] += 1
        up[0] = 0.0
        down[0] = 0.0
        prefix = 0
        acc_up = 0
        acc_down = 0
        for x in range(n):
            prefix += count[x]
            diff = prefix - target[x]
            acc_up += abs(diff + 1) - abs(diff)
            acc_down += abs(diff - 1) - abs(diff)
            up[x + 1] = acc_up
            down[x + 1] = acc_down
        p = period_of[a]
        alone = False
        if p >= 0:
            same = 0
            for d in days:
                if period_of[d] == p:
                    same += 1
            alone = same == 1
        best = np.inf
        b = -1
        for x in range(n):
            if x == a or not avail[x] or busy[x] or (alone and period_of[x] != p):
                continue
            room = False
            for r in opts:
                if load[r, x] < caps[r]:
                    room = True
                    break
            if not room:
                continue
            w = up[a] - up[x] if x < a else down[x] - down[a]
            delta = spacing * w + day[x] - day[a]
            if delta < best:
                best = delta
                b = x
        if b < 0 or not best < -1e-9:
            continue
        i = 0
        while days[i] != a:
            i += 1
        r = res[i]
        busy[a] = False
        load[r, a] -= 1
        rb = -1
        low = 0
        for o in opts:
            if load[o, b] < caps[o] and (rb < 0 or load[o, b] < low):
                rb = o
                low = load[o, b]
        busy[b] = True
        load[rb, b] += 1
        # drop visit i, append (b, rb), then sort the pairs by (day, resource) as the Python version did
        for j in range(i, k - 1):
            days[j] = days[j + 1]
            res[j] = res[j + 1]
        days[k - 1] = b
        res[k - 1] = rb
        for j in range(1, k):
            dj, rj = days[j], res[j]
            m = j
            while m > 0 and (days[m - 1] > dj or (days[m - 1] == dj and res[m - 1] > rj)):
                days[m] = days[m - 1]
                res[m] = res[m - 1]
                m -= 1
            days[m] = dj
            res[m] = rj
        moved += 1
    return moved


@njit(cache=True)
def greedy_days(opts: np.ndarray, load: np.ndarray, caps: np.ndarray, busy: np.ndarray, avail: np.ndarray,
                day: np.ndarray, tiebreak: float, spacing: float, targets: np.ndarray, k: int,
                period_days: np.ndarray, period_starts: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray]:
    """place.place_greedy's choice on arrays: (placed, days ascending, resource per day); same scores, same
    tie-breaking (first minimum; the repair drops the day of the fullest period, then the latest)."""
    n = len(avail)
    n_opt = len(opts)
    n_per = len(period_starts) - 1
    empty = np.zeros(0, dtype=np.int64)
    ok = np.zeros((n_opt, n), dtype=np.bool_)
    free = np.zeros(n, dtype=np.bool_)
    base = np.empty(n)
    n_free = 0
    for x in range(n):
        low = -1
        for i in range(n_opt):
            lx = load[opts[i], x]
            if lx < caps[opts[i]]:
                ok[i, x] = True
                if low < 0 or lx < low:
                    low = lx
        if low >= 0 and avail[x] and not busy[x]:
            free[x] = True
            n_free += 1
        base[x] = day[x] + tiebreak * (min(low, n) if low >= 0 else n)
    need = max(k, n_per)
    if n_free < need:
        return False, empty, empty
    usable = free.copy()
    chosen = np.empty(len(targets) + n_per, dtype=np.int64)
    m = 0
    for target in targets:
        best = np.inf
        d = -1
        for x in range(n):
            if usable[x]:
                score = spacing * abs(x - target) + base[x]
                if score < best:
                    best = score
                    d = x
        if d < 0:
            return False, empty, empty
        chosen[m] = d
        m += 1
        usable[d] = False
    period_of = np.full(n, -1, dtype=np.int64)
    for j in range(n_per):
        for q in range(period_starts[j], period_starts[j + 1]):
            period_of[period_days[q]] = j
    counts = np.zeros(max(n_per, 1), dtype=np.int64)
    for j in range(n_per):
        covered = False
        for q in range(m):
            if period_of[chosen[q]] == j:
                covered = True
                break
        if covered:
            continue
        lo, hi = period_starts[j], period_starts[j + 1]
        if hi == lo:
            return False, empty, empty
        mid = period_days[lo + (hi - lo) // 2]
        add = -1
        best = np.inf
        for q in range(lo, hi):
            x = period_days[q]
            if usable[x]:
                score = spacing * abs(x - mid) + base[x]
                if score < best:
                    best = score
                    add = x
        if add < 0:
            return False, empty, empty
        counts[:] = 0
        for q in range(m):
            if period_of[chosen[q]] >= 0:
                counts[period_of[chosen[q]]] += 1
        worst = -1
        worst_key = -1
        worst_day = -1
        for q in range(m):
            p = period_of[chosen[q]]
            if p < 0 or counts[p] >= 2:
                key = counts[p] if p >= 0 else 99
                if worst < 0 or key > worst_key or (key == worst_key and chosen[q] > worst_day):
                    worst, worst_key, worst_day = q, key, chosen[q]
        if worst >= 0 and m >= k:
            usable[chosen[worst]] = True
            for q in range(worst, m - 1):
                chosen[q] = chosen[q + 1]
            m -= 1
        chosen[m] = add
        m += 1
        usable[add] = False
    days = np.sort(chosen[:m])
    res = np.empty(m, dtype=np.int64)
    for q in range(m):
        d = days[q]
        pick = -1
        low = 0
        for i in range(n_opt):
            if ok[i, d] and (pick < 0 or load[opts[i], d] < low):
                pick = i
                low = load[opts[i], d]
        res[q] = opts[pick]
    return True, days, res
