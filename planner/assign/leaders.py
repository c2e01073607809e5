"""Stage assign.leaders: district leaders → offices (区级领导联系办事处).

A few dozen booleans, so CP-SAT proves the optimum at once. Hard: each leader 1..leader_max_offices offices,
every office ≥1 leader, leader counts per office within [m, m+1]; pins and forbidden pairs.
Objective (weight units, all penalties ≥ 0):
    continuity · #(last year's pairs dropped)
  + balance    · #(links beyond one per leader)            (a leader takes a second office only when needed)
  + balance    · #(offices linked by both a secretary and a head)   (spread the two main leaders)
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from planner.progress import SolveControl
from planner.result import StageReport, Status

from .cpsat import make_solver, run_model
from .data import AssignData

STAGE = "assign.leaders"


def build_model(data: AssignData) -> tuple[cp_model.CpModel, dict[tuple[int, int], cp_model.IntVar]]:
    """Variables (x[leader, office], forbidden pairs left out), then one function per rule in this fixed order,
    then the objective."""
    p = data.problem
    forbidden = data.forbidden("leader_office")
    model = cp_model.CpModel()
    x = {(ld, o): model.new_bool_var(f"x_{ld}_{o}") for ld in range(p.n_leaders) for o in range(p.n_offices)
         if (ld, o) not in forbidden}
    pins_kept(model, x, data)
    leader_office_count(model, x, data)
    office_min_leader_and_spread(model, x, data)
    objective(model, x, data)
    return model, x


def pins_kept(model: cp_model.CpModel, x: dict[tuple[int, int], cp_model.IntVar], data: AssignData) -> None:
    """Assignment 5: pinned leader–office pairs are kept (forbidden ones have no variable)."""
    for key in data.pins("leader_office"):
        if key in x:
            model.add(x[key] == 1)


def leader_office_count(model: cp_model.CpModel, x: dict[tuple[int, int], cp_model.IntVar], data: AssignData) -> None:
    """Assignment 1: each leader links 1..leader_max_offices offices."""
    p = data.problem
    for ld in range(p.n_leaders):
        row = [x[ld, o] for o in range(p.n_offices) if (ld, o) in x]
        model.add(sum(row) >= 1)
        model.add(sum(row) <= p.rules.assign.leader_max_offices)


def office_min_leader_and_spread(model: cp_model.CpModel, x: dict[tuple[int, int], cp_model.IntVar],
                                 data: AssignData) -> None:
    """Assignment 1: every office ≥1 leader (m ≥ 1), and leader counts per office within [m, m+1] (spread
    evenly)."""
    p = data.problem
    n_l = p.n_leaders
    m = model.new_int_var(1, max(1, n_l * p.rules.assign.leader_max_offices), "m")
    for o in range(p.n_offices):
        col = sum(x[ld, o] for ld in range(n_l) if (ld, o) in x)
        model.add(col >= m)
        model.add(col <= m + 1)


def objective(model: cp_model.CpModel, x: dict[tuple[int, int], cp_model.IntVar], data: AssignData) -> None:
    """The module docstring's objective; last year's pairs are the hint."""
    p = data.problem
    n_l, n_o = p.n_leaders, p.n_offices
    previous = data.previous_pairs("leader_office")
    w_cont, w_bal = data.weight("continuity"), data.weight("balance")
    terms: list[cp_model.LinearExprT] = []
    terms += [w_cont * (1 - x[key]) for key in sorted(previous) if key in x]
    terms += [w_bal * (sum(x[ld, o] for o in range(n_o) if (ld, o) in x) - 1) for ld in range(n_l)]
    tiers = p.leaders["tier"].astype(str).to_numpy()
    secretaries = [ld for ld in range(n_l) if tiers[ld] == "secretary"]
    heads = [ld for ld in range(n_l) if tiers[ld] == "head"]
    for o in range(n_o):
        for s in secretaries:
            for h in heads:
                if (s, o) in x and (h, o) in x:
                    both = model.new_bool_var(f"both_{s}_{h}_{o}")
                    model.add(x[s, o] + x[h, o] <= 1 + both)
                    terms.append(w_bal * both)
    model.minimize(sum(terms))
    for key in sorted(previous):
        if key in x:
            model.add_hint(x[key], 1)


def solve_leaders(data: AssignData, control: SolveControl | None
                  ) -> tuple[np.ndarray, tuple[tuple[int, int], ...], StageReport] | None:
    """Returns (primary office per leader, extra pairs, report), or None when infeasible (explain.py says why)."""
    p = data.problem
    model, x = build_model(data)
    solver = make_solver(p.rules.solver, p.rules.solver.time_limit, workers=1)
    outcome = run_model(model, solver, control, STAGE)
    if outcome.status not in (Status.OPTIMAL, Status.FEASIBLE):
        return None
    linked: list[list[int]] = [[] for _ in range(p.n_leaders)]
    for (ld, o), var in sorted(x.items()):
        if solver.value(var):
            linked[ld].append(o)
    # primary = a pinned office if any, else last year's, else the lowest index: stable for the calendar engine
    pins, previous = data.pins("leader_office"), data.previous_pairs("leader_office")
    primary = np.zeros(p.n_leaders, dtype=np.int64)
    extra: list[tuple[int, int]] = []
    for ld, offices in enumerate(linked):
        ranked = sorted(offices, key=lambda o: ((ld, o) not in pins, (ld, o) not in previous, o))
        primary[ld] = ranked[0]
        extra += [(ld, o) for o in ranked[1:]]
    report = StageReport(STAGE, outcome.status, outcome.objective, outcome.bound, outcome.seconds,
                         {"variables": len(x), "links": sum(len(v) for v in linked)})
    return primary, tuple(extra), report
