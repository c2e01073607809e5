"""The pair model of assign.units: one boolean x[u,c] per candidate pair, linear costs (distance and "outside the
home office"). A first feasible plan for a component, and, with assumption literals, the explanation of an
infeasible one (explain.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from planner.assign.data import AssignData
from planner.assign.units.decompose import home_offices
from planner.assign.units.rules import implied_pins, must_link_each_unit


@dataclass
class UnitsModel:
    model: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar]
    # assumption literal -> (rule group, subject index, target index or -1); only when built for explanation
    assumptions: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    literals: list[cp_model.IntVar] = field(default_factory=list)
    assume: bool = False

    def enforce(self, group: str, a: int, b: int, ct: cp_model.Constraint) -> None:
        """With `assume`, guard the constraint by a new assumption literal for rule group `group`."""
        if not self.assume:
            return
        lit = self.model.new_bool_var(f"assume_{group}_{a}_{b}")
        self.assumptions[lit.index] = (group, a, b)
        self.literals.append(lit)
        ct.only_enforce_if(lit)


def pair_costs(data: AssignData, u: np.ndarray, c: np.ndarray, homes: list[set[int]]) -> np.ndarray:
    """Linear cost of linking unit u[i] to community c[i] (scaled integers): distance, and outside the unit's
    home office(s)."""
    office = data.problem.communities["office"].to_numpy(dtype=int)
    cost = data.distance_cost(data.unit_points[u], data.community_points[c])
    away = np.array([int(office[cc]) not in homes[uu] for uu, cc in zip(u.tolist(), c.tolist(), strict=True)], bool)
    cost += data.weight("unit_one_office") * away
    return cost.astype(np.int64)


def build_model(data: AssignData, units: list[int], comms: list[int], candidates: dict[int, list[int]],
                homes: list[set[int]] | None = None, assume: bool = False) -> UnitsModel:
    """CP-SAT model over one component: variables, then one function per rule in this fixed order, then the
    objective. With `assume`, each rule group is guarded by an assumption literal and the model has no objective
    (for sufficient_assumptions_for_infeasibility)."""
    out = UnitsModel(cp_model.CpModel(), {}, assume=assume)
    pair_variables(out, data, units, comms, candidates)
    pins_kept(out, data)
    forbidden_pairs(out, data)
    by_comm, by_unit = _pairs_by(out, units, comms)
    one_unit_per_community(out, comms, by_comm)
    terms: list[cp_model.LinearExprT] = []
    for u in units:   # per unit, in this order (the constraint order is part of the model CP-SAT solves)
        every_unit_linked(out, data, u, by_unit[u])
        terms += linkage(out, data, u, by_unit[u])
    if not assume:
        objective(out, data, homes if homes is not None else home_offices(data), terms)
    return out


def pair_variables(out: UnitsModel, data: AssignData, units: list[int], comms: list[int],
                   candidates: dict[int, list[int]]) -> None:
    """x[u, c] for every candidate pair (forbidden pairs left out, except when explaining)."""
    forbidden = data.forbidden("unit_community")
    comm_set = set(comms)
    for u in units:
        for c in candidates.get(u, []):
            if c in comm_set and (out.assume or (u, c) not in forbidden):
                out.x[u, c] = out.model.new_bool_var(f"x_{u}_{c}")


def pins_kept(out: UnitsModel, data: AssignData) -> None:
    """Assignment 5: pinned pairs (and those strict linkage implies from cadre pins) are kept."""
    for u, c in sorted(implied_pins(data)):
        if (u, c) in out.x:
            out.enforce("pin", u, c, out.model.add(out.x[u, c] == 1))


def forbidden_pairs(out: UnitsModel, data: AssignData) -> None:
    """Assignment 5: forbidden pairs never appear (they have no variable; explained with one set to 0)."""
    if not out.assume:
        return
    for u, c in sorted(data.forbidden("unit_community")):
        if (u, c) in out.x:
            out.enforce("forbidden", u, c, out.model.add(out.x[u, c] == 0))


def _pairs_by(out: UnitsModel, units: list[int], comms: list[int]
              ) -> tuple[dict[int, list[cp_model.IntVar]], dict[int, list[tuple[int, cp_model.IntVar]]]]:
    by_comm: dict[int, list[cp_model.IntVar]] = {c: [] for c in comms}
    by_unit: dict[int, list[tuple[int, cp_model.IntVar]]] = {u: [] for u in units}
    for (u, c), var in out.x.items():
        by_comm[c].append(var)
        by_unit[u].append((c, var))
    return by_comm, by_unit


def one_unit_per_community(out: UnitsModel, comms: list[int], by_comm: dict[int, list[cp_model.IntVar]]) -> None:
    """Assignment 2: every community exactly one unit."""
    for c in comms:
        out.model.add_exactly_one(by_comm[c])


def every_unit_linked(out: UnitsModel, data: AssignData, u: int, row: list[tuple[int, cp_model.IntVar]]) -> None:
    """Assignment 2: every unit ≥1 community, while there are no more units than communities."""
    if must_link_each_unit(data):
        out.enforce("unit_min", u, -1, out.model.add(sum(v for _, v in row) >= 1))


def linkage(out: UnitsModel, data: AssignData, u: int, row: list[tuple[int, cp_model.IntVar]]
            ) -> list[cp_model.LinearExprT]:
    """三级联动 (Assignment 4): the unit's cadre capacity covers its communities' households — a hard constraint
    when linkage is strict; when it is "prefer", the excess is an objective term (weight linkage × households
    over). Returns the objective terms."""
    load = sum(int(data.community_households[c]) * v for c, v in row)
    cap = int(data.unit_capacity[u])
    if data.strict:
        out.enforce("capacity", u, -1, out.model.add(load <= cap))
        return []
    if out.assume:
        return []
    over = out.model.new_int_var(0, int(data.community_households.sum()), f"over_{u}")
    out.model.add(load - over <= cap)
    return [data.weight("linkage") * over]


def objective(out: UnitsModel, data: AssignData, homes: list[set[int]], terms: list[cp_model.LinearExprT]) -> None:
    """Minimise Σ pair_costs(u, c)·x[u,c] + continuity·Σ_(last year's pairs) (1 − x) + the linkage terms; last
    year's pairs are the hint."""
    x = out.x
    previous = data.previous_pairs("unit_community")
    keys = list(x)
    if keys:
        arr = np.asarray(keys, dtype=np.int64)
        cost = pair_costs(data, arr[:, 0], arr[:, 1], homes)
        terms = terms + [int(d) * x[k] for k, d in zip(keys, cost.tolist(), strict=True) if d]
    terms = terms + [data.weight("continuity") * (1 - x[k]) for k in sorted(previous) if k in x]
    out.model.minimize(sum(terms))
    for k in sorted(previous):
        if k in x:
            out.model.add_hint(x[k], 1)
