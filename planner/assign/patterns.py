"""Units → communities by column generation: set partitioning over patterns (a pattern = the set of communities
one unit takes), priced by exact knapsacks, then CP-SAT over the generated columns. This is what closes the gap.

Why: with one boolean per (unit, community) the LP relaxation splits communities across units, and the bound
stayed 9–90% below the best plan (district demo: 8.8% after 40 s of CP-SAT). With capacity inside the columns,
the master has two exactly-one families (each unit one pattern, each community one pattern) whose LP relaxation
is nearly integral, and each pattern's cost is exact, non-linear terms included:

    cost(u, S) = Σ_{c∈S} distance·km(u, c)
               + continuity      · #(last year's pairs of u not in S)
               + unit_one_office · (#offices of S − 1)
               + balance         · max(0, ⌈100·load/capacity⌉ − target%)     target% = ⌈100 · households / capacity⌉
               + linkage         · max(0, load − capacity)                  (linkage = "prefer"; strict: load ≤ cap)

Pricing: for each unit and each candidate office, a 0/1 knapsack by dynamic programming over the load (the
balance term is a function of the load, so it is exact in the DP); pins are forced items. The LP bound at
convergence (or the Lagrangian bound LP + Σ_u min reduced cost, when stopped early) bounds every plan made of
single-office patterns plus the generated ones; multi-office patterns only enter through the starting columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from ortools.linear_solver import linear_solver_pb2, pywraplp
from ortools.sat.python import cp_model

from .data import AssignData

MAX_ROUNDS = 150           # column-generation rounds per component
COLUMNS_PER_ROUND = 8      # per unit: the most negative reduced cost patterns over all loads and offices
REDUCED_COST_EPS = 1e-6
ARTIFICIAL_COST = 1e7      # slack columns' cost when no starting plan is known (keeps the master feasible)


def balance_target(data: AssignData) -> int:
    cap = int(data.unit_capacity.sum())
    return 100 if cap <= 0 else min(100, math.ceil(100 * int(data.community_households.sum()) / cap))


@dataclass
class Component:
    """One office group's sub-problem with everything the pricing needs, in scaled integer costs."""

    data: AssignData
    units: list[int]
    comms: list[int]
    candidates: dict[int, list[int]]        # unit -> free (unpinned, allowed) communities
    required: dict[int, tuple[int, ...]]    # unit -> its pinned communities
    must: bool
    columns: dict[int, set[tuple[int, ...]]] = field(default_factory=dict)
    duals: tuple[dict[int, float], dict[int, float]] | None = None
    lp_solution: list[tuple[int, tuple[int, ...], float]] = field(default_factory=list)
    lp_artificial: bool = False

    def __post_init__(self) -> None:
        d = self.data
        self.H = d.community_households
        self.cap = d.unit_capacity
        self.office = d.problem.communities["office"].to_numpy(dtype=int)
        self.target = balance_target(d)
        self.w_cont, self.w_one = d.weight("continuity"), d.weight("unit_one_office")
        self.w_bal, self.w_link = d.weight("balance"), d.weight("linkage")
        self.prev: dict[int, set[int]] = {}
        for u, c in d.previous_pairs("unit_community"):
            self.prev.setdefault(u, set()).add(c)
        uu = np.repeat(np.asarray(self.units, dtype=np.int64), len(self.comms))
        cc = np.tile(np.asarray(self.comms, dtype=np.int64), len(self.units))
        dist = d.distance_cost(d.unit_points[uu], d.community_points[cc]) if len(uu) else np.zeros(0, np.int64)
        self.dist = dict(zip(zip(uu.tolist(), cc.tolist(), strict=True), dist.tolist(), strict=True))
        for u in self.units:
            self.columns.setdefault(u, set())
        self._costs: dict[tuple[int, tuple[int, ...]], int] = {}

    def load_limit(self, u: int) -> int:
        return int(self.cap[u]) if self.data.strict else 2 * int(self.cap[u]) + int(self.H.max(initial=0))

    def load_cost(self, u: int, load: int) -> int:
        cost = self.w_link * max(0, load - int(self.cap[u]))
        if self.cap[u] > 0 and load > 0:
            cost += self.w_bal * max(0, math.ceil(100 * load / int(self.cap[u])) - self.target)
        return cost

    def load_costs(self, u: int, loads: np.ndarray) -> np.ndarray:
        """`load_cost` over an array of loads (pricing evaluates every load of the knapsack)."""
        cap = int(self.cap[u])
        cost = self.w_link * np.maximum(0, loads - cap)
        if cap > 0:
            pct = -((-100 * loads) // cap)  # ceil(100·load/cap) in integers
            cost = cost + np.where(loads > 0, self.w_bal * np.maximum(0, pct - self.target), 0)
        return cost.astype(float)

    def cost(self, u: int, s: tuple[int, ...]) -> int:
        """Exact pattern cost, memoized: the LP is rebuilt every round over the same columns."""
        key = (u, s)
        if key not in self._costs:
            self._costs[key] = self._cost(u, s)
        return self._costs[key]

    def _cost(self, u: int, s: tuple[int, ...]) -> int:
        load = int(sum(int(self.H[c]) for c in s))
        cost = sum(self.dist[u, c] for c in s) + self.w_cont * len(self.prev.get(u, set()) - set(s))
        if s:
            cost += self.w_one * (len({int(self.office[c]) for c in s}) - 1) + self.load_cost(u, load)
        return int(cost)

    def feasible(self, u: int, s: tuple[int, ...]) -> bool:
        return int(sum(int(self.H[c]) for c in s)) <= self.load_limit(u) and (bool(s) or not self.must)

    # -- pricing ----------------------------------------------------------------------------------------------------
    def price(self, u: int, pi: dict[int, float], mu: float, below: float | None = None
              ) -> list[tuple[float, tuple[int, ...]]]:
        """Best pattern per candidate office by knapsack DP; returns (reduced cost, pattern) when negative.
        With `below`, instead every load's best pattern whose reduced cost is under that threshold."""
        req = self.required.get(u, ())
        req_load = int(sum(int(self.H[c]) for c in req))
        limit = self.load_limit(u)
        if req_load > limit:
            return []
        prev = self.prev.get(u, set())
        out: list[tuple[float, tuple[int, ...]]] = []
        const = self.w_cont * len(prev - set(req)) - sum(pi[c] for c in req) + sum(self.dist[u, c] for c in req) - mu
        groups: dict[int, list[int]] = {}
        for c in self.candidates.get(u, []):
            groups.setdefault(int(self.office[c]), []).append(c)
        req_offices = {int(self.office[c]) for c in req}
        if not groups and req:
            groups = {next(iter(req_offices)): []}
        for o, items in sorted(groups.items()):
            # value of taking c: dual minus its own cost (continuity counted as a bonus for last year's pairs)
            vals = [pi[c] - self.dist[u, c] + (self.w_cont if c in prev else 0) for c in items]
            cap = limit - req_load
            best = np.full(cap + 1, -np.inf)
            best[0] = 0.0
            take = np.zeros((len(items), cap + 1), dtype=bool)
            for i, c in enumerate(items):  # in place, no temporary arrays: this loop is most of the pricing time
                w = int(self.H[c])
                if w > cap:
                    continue
                shifted = best[: cap + 1 - w] + vals[i]
                np.greater(shifted, best[w:], out=take[i, w:])
                np.maximum(best[w:], shifted, out=best[w:])
            offices = len(req_offices | {o})
            loads = np.arange(cap + 1) + req_load
            penalty = self.load_costs(u, loads)
            score = -best + penalty  # reduced cost without const, per exact load
            if self.must and not req:
                score[0] = np.inf  # the empty set is not a pattern when every unit needs a community
            extra = self.w_one * (offices - 1)
            if below is None:
                picks = [int(np.argmin(score))]
                limit_rc = -REDUCED_COST_EPS
            else:
                picks = np.flatnonzero(score + const + extra < below).tolist()
                limit_rc = below
            for j in picks:
                rc = float(score[j]) + const + (extra if (req or j > 0) else 0)
                if not (rc < limit_rc and np.isfinite(score[j])):
                    continue
                chosen: list[int] = []
                load = j
                for i in range(len(items) - 1, -1, -1):
                    if load >= 0 and take[i, load]:
                        chosen.append(items[i])
                        load -= int(self.H[items[i]])
                pattern = tuple(sorted((*req, *chosen)))
                if int(sum(int(self.H[c]) for c in pattern)) <= limit:
                    out.append((rc, pattern))
        return out


def column_generation(comp: Component, max_rounds: int = MAX_ROUNDS, artificial: bool = True,
                      debug: bool = False) -> tuple[float, int]:
    """Grow comp.columns until no column prices out; returns (lower bound, rounds). Costs in scaled units.

    `artificial`: add slack columns (needed only when the starting columns hold no complete plan; their cost makes
    the early duals huge, so they are left out whenever a plan is known)."""
    lower = -math.inf
    rounds = 0
    pi: dict[int, float] = {}
    mu: dict[int, float] = {}
    comp.lp_solution = []
    for u in comp.units:  # every admissible singleton: cheap, and it steadies the first duals
        for c in comp.candidates.get(u, []):
            single = tuple(sorted((*comp.required.get(u, ()), c)))
            if comp.feasible(u, single):
                comp.columns[u].add(single)
    # one LP, grown by the new columns each round (GLOP re-solves from the previous basis; rebuilding it every
    # round cost more than the solves on city-size components)
    solver = pywraplp.Solver.CreateSolver("GLOP")
    lam: list[tuple[int, tuple[int, ...], pywraplp.Variable]] = []
    lam_index: list[int] = []
    in_lp: set[tuple[int, tuple[int, ...]]] = set()
    unit_row = {u: solver.Constraint(1, 1) if comp.must else solver.Constraint(0, 1) for u in comp.units}
    comm_row = {c: solver.Constraint(1, 1) for c in comp.comms}
    objective = solver.Objective()
    for row in [*comm_row.values(), *unit_row.values()] if artificial else []:
        art = solver.NumVar(0, solver.infinity(), "")
        row.SetCoefficient(art, 1)
        objective.SetCoefficient(art, ARTIFICIAL_COST)
    objective.SetMinimization()
    for rounds in range(1, max_rounds + 1):
        for u in comp.units:
            if comp.required.get(u) and comp.feasible(u, comp.required[u]):
                comp.columns[u].add(comp.required[u])
            for s in sorted(comp.columns[u]):
                if (u, s) in in_lp:
                    continue
                in_lp.add((u, s))
                v = solver.NumVar(0, solver.infinity(), "")
                lam.append((u, s, v))
                lam_index.append(v.index())
                unit_row[u].SetCoefficient(v, 1)
                for c in s:
                    comm_row[c].SetCoefficient(v, 1)
                objective.SetCoefficient(v, comp.cost(u, s))
        if solver.Solve() != pywraplp.Solver.OPTIMAL:
            break
        lp = objective.Value()
        mu = {u: unit_row[u].dual_value() for u in comp.units}
        comp.lp_artificial = lp >= ARTIFICIAL_COST / 2
        response = linear_solver_pb2.MPSolutionResponse()  # all values in one call (per-variable reads cost more
        solver.FillSolutionResponseProto(response)          # than the LP solves on city groups)
        values = np.asarray(response.variable_value)[lam_index]
        comp.lp_solution = [(lam[i][0], lam[i][1], float(values[i])) for i in np.flatnonzero(values > 1e-6)]
        pi = {c: comm_row[c].dual_value() for c in comp.comms}
        added = 0
        lagrangian = lp
        for u in comp.units:
            found = sorted(comp.price(u, pi, unit_row[u].dual_value(), below=-REDUCED_COST_EPS))
            lagrangian += min([0.0, *(rc for rc, _ in found)])
            for _, s in found[:COLUMNS_PER_ROUND]:
                if s not in comp.columns[u]:
                    comp.columns[u].add(s)
                    added += 1
        lower = max(lower, lagrangian)
        if debug:
            print(rounds, lp, lagrangian, added)
        if not added:
            break
    comp.duals = (pi, mu) if pi else None
    return lower, rounds


def enrich(comp: Component, gap: float) -> int:
    """Add every load's best pattern whose reduced cost is below `gap` (= upper − lower bound): only such columns
    can be in a plan better than the best known, so the integer master gets the ones that matter."""
    if comp.duals is None or not math.isfinite(gap):
        return 0
    pi, mu = comp.duals
    added = 0
    for u in comp.units:
        for _, s in comp.price(u, pi, mu[u], below=gap + REDUCED_COST_EPS):
            if s not in comp.columns[u]:
                comp.columns[u].add(s)
                added += 1
    return added


def prune(comp: Component, plan: dict[int, tuple[int, ...]], gap: float) -> int:
    """Drop the columns whose reduced cost (last LP duals) exceeds `gap` = cost(plan) − lower bound: by LP duality
    no plan using one of them costs less than `plan`. The plan's own columns stay. Returns how many were dropped.
    Why: on city groups the master over every generated column (4–5 k) rarely left its hint within its budget;
    over the ~55% that can still improve on the plan, it does (city group 18: 2,241.8 → 2,183.9)."""
    if comp.duals is None or not math.isfinite(gap):
        return 0
    pi, mu = comp.duals
    dropped = 0
    for u in comp.units:
        keep = {s for s in comp.columns[u]
                if s == plan.get(u) or comp.cost(u, s) - sum(pi[c] for c in s) - mu[u] <= gap + REDUCED_COST_EPS}
        dropped += len(comp.columns[u]) - len(keep)
        comp.columns[u] = keep
    return dropped


@dataclass
class PatternModel:
    model: cp_model.CpModel
    patterns: list[tuple[int, tuple[int, ...], cp_model.IntVar]]


def build_master(comp: Component, hint: dict[int, tuple[int, ...]]) -> PatternModel:
    """The integer master: each unit one generated pattern, each community exactly one."""
    model = cp_model.CpModel()
    patterns: list[tuple[int, tuple[int, ...], cp_model.IntVar]] = []
    by_comm: dict[int, list[cp_model.IntVar]] = {c: [] for c in comp.comms}
    terms: list[cp_model.LinearExprT] = []
    for u in comp.units:
        cols = sorted(comp.columns[u])
        if not comp.must and () not in comp.columns[u] and not comp.required.get(u):
            cols = [(), *cols]
        row: list[cp_model.IntVar] = []
        for s in cols:
            var = model.new_bool_var(f"p_{u}_{len(row)}")
            row.append(var)
            patterns.append((u, s, var))
            for c in s:
                by_comm[c].append(var)
            cost = comp.cost(u, s)
            if cost:
                terms.append(cost * var)
            if u in hint:
                model.add_hint(var, 1 if s == hint[u] else 0)
        if row:
            model.add_exactly_one(row)
        else:
            model.add_bool_or([])
    for c in comp.comms:
        model.add_exactly_one(by_comm[c])
    model.minimize(sum(terms))
    return PatternModel(model, patterns)


def dive(comp: Component, max_rounds: int = MAX_ROUNDS) -> dict[int, tuple[int, ...]] | None:
    """Price-and-dive: fix the LP's most used pattern(s), re-run column generation on what is left, repeat.
    A plan close to the LP bound when the restricted master alone has no good integer combination."""
    fixed: dict[int, tuple[int, ...]] = {}
    sub = comp
    while True:
        if not sub.lp_solution or sub.lp_artificial:
            return None
        ranked = sorted(sub.lp_solution, key=lambda t: (-t[2], sub.cost(t[0], t[1]), t[0], t[1]))
        picks = [t for t in ranked if t[2] >= 1 - 1e-6] or ranked[:1]
        taken: set[int] = set()
        for u, s, _ in picks:
            if u in fixed or taken & set(s):
                continue
            fixed[u] = s
            taken |= set(s)
        units = [u for u in sub.units if u not in fixed]
        comms = [c for c in sub.comms if c not in taken]
        if not units:
            return fixed if not comms else None
        nxt = Component(comp.data, units, comms,
                        {u: [c for c in sub.candidates.get(u, []) if c not in taken] for u in units},
                        {u: sub.required.get(u, ()) for u in units}, comp.must)
        for u in units:
            nxt.columns[u] = {s for s in sub.columns[u] if not taken & set(s)}
        column_generation(nxt, max_rounds)
        sub = nxt


def local_search(comp: Component, plan: dict[int, tuple[int, ...]], max_passes: int = 10_000
                 ) -> dict[int, tuple[int, ...]]:
    """Deterministic best-improvement descent on the exact pattern cost (`Component.cost`): move one community to
    another unit of the group, or swap two communities between two units. Only capacity-feasible results, a unit
    keeps ≥1 community when every unit must have one, pins never move (only `candidates` move). Never worse than
    `plan`. Why: the packing start can sit far above the LP bound, and the master, within its short budget, rarely
    leaves its hint; a descent on the exact cost is cheap (incremental deltas) and hands it a much better start."""
    units = [u for u in comp.units if u in plan]
    owner = {c: u for u in units for c in plan[u]}
    movable = {u: set(comp.candidates.get(u, [])) for u in units}
    H = {c: int(comp.H[c]) for c in comp.comms}
    sets = {u: set(plan[u]) for u in units}
    load = {u: sum(H[c] for c in sets[u]) for u in units}
    dist = {u: sum(comp.dist[u, c] for c in sets[u]) for u in units}
    prev = {u: comp.prev.get(u, set()) for u in units}
    missing = {u: len(prev[u] - sets[u]) for u in units}
    offices: dict[int, dict[int, int]] = {u: {} for u in units}
    for u in units:
        for c in sets[u]:
            o = int(comp.office[c])
            offices[u][o] = offices[u].get(o, 0) + 1
    limit = {u: comp.load_limit(u) for u in units}
    office = {c: int(comp.office[c]) for c in comp.comms}

    def value(u: int, n: int, ld: int, ds: int, miss: int, n_off: int) -> int:
        cost = ds + comp.w_cont * miss
        if n:
            cost += comp.w_one * (n_off - 1) + comp.load_cost(u, ld)
        return int(cost)

    def current(u: int) -> int:
        return value(u, len(sets[u]), load[u], dist[u], missing[u], len(offices[u]))

    def changed(u: int, out: int, into: int) -> int | None:
        """Cost of u after losing `out` and gaining `into` (-1: none); None when infeasible."""
        n, ld, ds, miss = len(sets[u]), load[u], dist[u], missing[u]
        offs = offices[u]
        n_off = len(offs)
        o_out = o_in = -1
        if out >= 0:
            n, ld, ds = n - 1, ld - H[out], ds - comp.dist[u, out]
            miss += out in prev[u]
            o_out = office[out]
        if into >= 0:
            n, ld, ds = n + 1, ld + H[into], ds + comp.dist[u, into]
            miss -= into in prev[u]
            o_in = office[into]
        if ld > limit[u] or (comp.must and n == 0):
            return None
        if o_out != o_in:
            n_off -= o_out >= 0 and offs[o_out] == 1
            n_off += o_in >= 0 and o_in not in offs
        return value(u, n, ld, ds, miss, n_off)

    def apply(u: int, out: int, into: int) -> None:
        if out >= 0:
            sets[u].discard(out)
            load[u] -= H[out]
            dist[u] -= comp.dist[u, out]
            missing[u] += out in prev[u]
            o = int(comp.office[out])
            offices[u][o] -= 1
            if not offices[u][o]:
                del offices[u][o]
        if into >= 0:
            sets[u].add(into)
            load[u] += H[into]
            dist[u] += comp.dist[u, into]
            missing[u] -= into in prev[u]
            o = int(comp.office[into])
            offices[u][o] = offices[u].get(o, 0) + 1
            owner[into] = u

    free = sorted(c for c in owner if any(c in movable[u] for u in units))
    for _ in range(max_passes):
        cost_now = {u: current(u) for u in units}
        best: tuple[int, int, int, int, int] | None = None  # (delta, c, to unit, swapped community or -1, kind)
        for c in free:
            a = owner[c]
            new_a = changed(a, c, -1)
            if c in comp.required.get(a, ()) or new_a is None:
                continue
            for b in units:
                if b == a or c not in movable[b] or load[b] + H[c] > limit[b]:
                    continue
                new_b = changed(b, -1, c)
                if new_b is not None:
                    delta = new_a + new_b - cost_now[a] - cost_now[b]
                    if delta < 0 and (best is None or delta < best[0]):
                        best = (delta, c, b, -1, 0)
        for i, c in enumerate(free):
            a = owner[c]
            if c in comp.required.get(a, ()):
                continue
            for d in free[i + 1:]:
                b = owner[d]
                if b == a or c not in movable[b] or d not in movable[a] or d in comp.required.get(b, ()) \
                        or load[b] + H[c] - H[d] > limit[b] or load[a] + H[d] - H[c] > limit[a]:
                    continue
                new_a = changed(a, c, d)
                new_b = changed(b, d, c) if new_a is not None else None
                if new_a is not None and new_b is not None:
                    delta = new_a + new_b - cost_now[a] - cost_now[b]
                    if delta < 0 and (best is None or delta < best[0]):
                        best = (delta, c, b, d, 1)
        if best is None:
            break
        _, c, b, d, _ = best
        a = owner[c]
        apply(a, c, d)
        apply(b, d, c)
    return {u: tuple(sorted(sets[u])) for u in units}


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
