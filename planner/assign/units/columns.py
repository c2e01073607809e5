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

from planner.assign.data import AssignData

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
