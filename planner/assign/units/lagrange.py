"""A lower bound for the WHOLE units → communities problem (every community may go to every unit the rules allow),
by Lagrangian relaxation of "each community exactly one unit", with the multipliers from a stabilised column
generation over all pairs.

For any multipliers π (one per community, any sign) and any plan {S_u}:

    Σ_u cost(u, S_u) = Σ_c π_c + Σ_u [cost(u, S_u) − π(S_u)]  ≥  L(π) = Σ_c π_c + Σ_u min_{S ∈ P_u} [cost(u, S) − π(S)]

where P_u = the patterns unit u may take (its pins, no forbidden pair, no community pinned elsewhere, the load
limit of strict linkage, non-empty when every unit needs a community) and cost is the exact pattern cost of
columns.Component.cost (distance, continuity, offices spanned, balance, linkage). So L(π) bounds every plan;
`unit_minimum` solves each unit's subproblem EXACTLY (knapsack DP over the load, with the offices-spanned term in
the DP state), so the bound is valid whatever π is. The best π comes from a GLOP master over the patterns found so
far, priced at a Wentges-smoothed point between the best-bound π and the master's duals (plain column generation
oscillates: 27 rounds were not enough on the district demo).

Why each subproblem only needs the communities of positive value v_c = π_c − distance + continuity bonus: every
other term grows with the set (load terms are non-decreasing in the load, offices only add up), so dropping a
community of value ≤ 0 never raises the reduced cost — except that a non-empty set may be required, which the best
singleton covers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.linear_solver import pywraplp

from planner.assign.data import AssignData
from planner.assign.units.columns import Component
from planner.assign.units.rules import implied_pins, must_link_each_unit

SMOOTHING = 0.7        # Wentges: price at α·π_best + (1 − α)·π_master
MIN_ROUNDS_GAP = 1e-4  # stop when the master's LP value is within this share of the bound
NEG_INF = -np.inf


@dataclass
class WholeBound:
    """Result of `whole_bound`: the bound (scaled cost units), its multipliers, and the patterns priced."""

    bound: float
    pi: np.ndarray
    rounds: int
    columns: dict[int, set[tuple[int, ...]]] = field(default_factory=dict)
    lp: float = math.inf
    unit_min: dict[int, float] = field(default_factory=dict)   # min reduced cost per unit at `pi`

    def useful(self, comp: Component, upper: float) -> dict[int, set[tuple[int, ...]]]:
        """The columns that can be in a plan cheaper than `upper`: a plan using pattern s of unit u costs at least
        bound + (reduced cost of s − the unit's minimum) at these multipliers (Lagrangian reduced-cost fixing)."""
        keep: dict[int, set[tuple[int, ...]]] = {}
        for u, cols in self.columns.items():
            floor = self.unit_min.get(u, -math.inf)
            keep[u] = {s for s in cols
                       if self.bound + comp.cost(u, s) - float(self.pi[list(s)].sum()) - floor < upper - 1e-6}
        return keep


class Lagrangian:
    """The per-unit subproblems of a whole-problem Component (all units, all communities, candidates = every
    allowed free community, required = pins)."""

    def __init__(self, comp: Component) -> None:
        self.comp = comp
        n_c = int(max(comp.comms, default=-1)) + 1
        self.n_c = n_c
        self.comms = np.asarray(sorted(comp.comms), dtype=np.int64)
        self.cand: dict[int, np.ndarray] = {}
        self.dist: dict[int, np.ndarray] = {}
        self.bonus: dict[int, np.ndarray] = {}
        for u in comp.units:
            cand = np.asarray(sorted(comp.candidates.get(u, [])), dtype=np.int64)
            prev = comp.prev.get(u, set())
            self.cand[u] = cand
            self.dist[u] = np.asarray([comp.dist[u, c] for c in cand.tolist()], dtype=float)
            self.bonus[u] = np.asarray([comp.w_cont if c in prev else 0 for c in cand.tolist()], dtype=float)
        self.H = np.asarray(comp.H, dtype=np.int64)
        self.office = np.asarray(comp.office, dtype=np.int64)
        # what does not depend on π, once per unit: candidates' loads, which fit beside the pins, their order by
        # office (stable), and the load term over every load the unit's DP can reach
        self.w_all: dict[int, np.ndarray] = {}
        self.fits: dict[int, np.ndarray] = {}
        self.by_office: dict[int, np.ndarray] = {}
        self.load_table: dict[int, np.ndarray] = {}
        for u in comp.units:
            cand = self.cand[u]
            req_load = int(sum(int(self.H[c]) for c in comp.required.get(u, ())))
            w_all = self.H[cand] if len(cand) else np.zeros(0, np.int64)
            self.w_all[u] = w_all
            self.fits[u] = w_all + req_load <= self.limit(u)
            self.by_office[u] = np.argsort(self.office[cand], kind="stable") if len(cand) else np.zeros(0, np.int64)
            top = min(self.limit(u), req_load + int(w_all[self.fits[u]].sum()))
            self.load_table[u] = comp.load_costs(u, np.arange(max(top, 0) + 1))

    def limit(self, u: int) -> int:
        """The load limit the rules impose: the unit's capacity under strict linkage, none otherwise (the DP then
        stops at the sum of the positive items, the most it can use)."""
        return int(self.comp.cap[u]) if self.comp.data.strict else 1 << 40

    def unit_minimum(self, u: int, pi: np.ndarray) -> tuple[float, tuple[int, ...]] | None:
        """min over u's patterns of cost(u, S) − π(S), exactly, and a pattern attaining it; None if u has none."""
        comp = self.comp
        req = comp.required.get(u, ())
        req_load = int(sum(int(self.H[c]) for c in req))
        limit = self.limit(u)
        if req_load > limit:
            return None
        prev = comp.prev.get(u, set())
        const = comp.w_cont * len(prev - set(req)) + sum(comp.dist[u, c] - pi[c] for c in req)
        req_off = {int(self.office[c]) for c in req}
        cand = self.cand[u]
        vals = pi[cand] - self.dist[u] + self.bonus[u] if len(cand) else np.zeros(0)
        w_all = self.w_all[u]
        fits = self.fits[u]
        positive = (vals > 0) & fits
        best: tuple[float, tuple[int, ...]] | None = None
        if req or not comp.must:   # the pins alone (or the empty set)
            best = (const + (comp.w_one * (len(req_off) - 1) if req else 0) +
                    (comp.load_cost(u, req_load) if req else 0), tuple(sorted(req)))
        if not req and comp.must:   # best singleton (covers "non-empty" when no positive item exists)
            ok = np.flatnonzero(fits)
            if len(ok):
                sing = self.load_table[u][w_all[ok]] - vals[ok]
                k = int(np.argmin(sing))
                cand_best = (const + float(sing[k]), (int(cand[ok[k]]),))
                best = cand_best if best is None or cand_best[0] < best[0] else best
        if positive.any():
            found = self._knapsack(u, positive, vals, req, req_load, req_off, limit, const)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        return best

    def _knapsack(self, u: int, positive: np.ndarray, vals: np.ndarray, req: tuple[int, ...], req_load: int,
                  req_off: set[int], limit: int, const: float) -> tuple[float, tuple[int, ...]] | None:
        """Exact DP over the load (offset by the pins' load) of the non-empty sets of positive items (`positive`, a
        mask over u's candidates); the state "offices opened" is charged when an office's first item is taken (w_one
        each, the first one refunded). The DP and its backtrack are compiled (kernels.py); items go by office
        ascending, then candidate order."""
        from planner.assign.units.kernels import backtrack, office_knapsack

        comp = self.comp
        w_one = float(comp.w_one)
        w_all = self.w_all[u]
        cap = int(min(limit - req_load, int(w_all[positive].sum())))
        size = cap + 1
        by_office = self.by_office[u]
        order = by_office[positive[by_office] & (w_all[by_office] <= cap)]
        items = self.cand[u][order]
        offices = self.office[items]
        first = np.concatenate(([0], np.flatnonzero(np.diff(offices)) + 1)) if len(order) else np.zeros(0, np.int64)
        starts = np.append(first, len(order)).astype(np.int64)
        is_open = np.asarray([int(o) in req_off for o in offices[first].tolist()], dtype=np.bool_)
        w_sorted = np.ascontiguousarray(w_all[order], dtype=np.int64)
        v_sorted = np.ascontiguousarray(vals[order], dtype=np.float64)
        closed, start, trail = office_knapsack(w_sorted, v_sorted, starts, is_open, cap, bool(req), w_one)
        score = const - closed + w_one * (len(req_off) - 1) + self.load_table[u][req_load: req_load + size]
        score[~np.isfinite(closed)] = np.inf
        j = int(np.argmin(score))
        if not np.isfinite(score[j]):
            return None
        picked = backtrack(trail, starts, w_sorted, v_sorted, start, j)
        return float(score[j]), tuple(sorted((*req, *items[picked].tolist())))

    def evaluate(self, pi: np.ndarray) -> tuple[float, dict[int, tuple[float, tuple[int, ...]]]]:
        """L(π) and each unit's minimiser; -inf when some unit has no pattern (the problem is infeasible)."""
        total = float(pi[self.comms].sum())
        mins: dict[int, tuple[float, tuple[int, ...]]] = {}
        for u in self.comp.units:
            found = self.unit_minimum(u, pi)
            if found is None:
                return -math.inf, mins
            mins[u] = found
            total += found[0]
        return total, mins


def whole_component(data: AssignData) -> Component:
    """The whole problem as one Component: every unit, every community, candidates = every allowed free pair."""
    p = data.problem
    pinned_to = {c: u for u, c in implied_pins(data)}
    forbidden = data.forbidden("unit_community")
    units, comms = list(range(p.n_units)), list(range(p.n_communities))
    return Component(data, units, comms,
                     {u: [c for c in comms if c not in pinned_to and (u, c) not in forbidden] for u in units},
                     {u: tuple(sorted(c for c in comms if pinned_to.get(c) == u)) for u in units},
                     must_link_each_unit(data))


def whole_bound(lag: Lagrangian, plan: dict[int, tuple[int, ...]], pi0: np.ndarray, max_rounds: int,
                tolerance: float = MIN_ROUNDS_GAP, stop: Callable[[], bool] | None = None) -> WholeBound:
    """Stabilised column generation whose every priced point gives a valid bound L(π) (module docstring).
    Deterministic: a fixed number of rounds at most, no clock. `plan` (a complete plan) keeps the master feasible.
    `stop` (the wall budget) is asked before each round; the best bound so far is valid whenever it stops."""
    comp = lag.comp
    solver = pywraplp.Solver.CreateSolver("GLOP")
    unit_row = {u: solver.Constraint(1, 1) for u in comp.units}
    comm_row = {c: solver.Constraint(1, 1) for c in comp.comms}
    objective = solver.Objective()
    objective.SetMinimization()
    in_lp: set[tuple[int, tuple[int, ...]]] = set()
    columns: dict[int, set[tuple[int, ...]]] = {u: set() for u in comp.units}

    def add(u: int, s: tuple[int, ...]) -> bool:
        if (u, s) in in_lp:
            return False
        in_lp.add((u, s))
        columns[u].add(s)
        v = solver.NumVar(0, solver.infinity(), "")
        unit_row[u].SetCoefficient(v, 1)
        for c in s:
            comm_row[c].SetCoefficient(v, 1)
        objective.SetCoefficient(v, comp.cost(u, s))
        return True

    for u, s in sorted(plan.items()):
        add(u, s)
    best_pi = pi0.astype(float).copy()
    best, mins = lag.evaluate(best_pi)
    best_mins = {u: v for u, (v, _) in mins.items()}
    for u, (_, s) in sorted(mins.items()):
        add(u, s)
    lp = math.inf
    rounds = 0
    while rounds < max_rounds and not (stop is not None and stop()):
        rounds += 1
        if solver.Solve() != pywraplp.Solver.OPTIMAL:
            break
        lp = objective.Value()
        pi_lp = np.zeros(lag.n_c)
        for c, row in comm_row.items():
            pi_lp[c] = row.dual_value()
        if lp - best <= tolerance * abs(lp):
            break
        added = 0
        smoothed = SMOOTHING * best_pi + (1 - SMOOTHING) * pi_lp
        for point in (smoothed, pi_lp) if rounds > 1 else (pi_lp,):
            value, mins = lag.evaluate(point)
            if value > best:
                best, best_pi, best_mins = value, point, {u: v for u, (v, _) in mins.items()}
            added += sum(add(u, s) for u, (_, s) in sorted(mins.items()))
            if added:
                break     # the smoothed point found columns; the master's own duals only on a mispricing
        if not added:
            break
    return WholeBound(best, best_pi, rounds, columns, lp, best_mins)
