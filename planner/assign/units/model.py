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
    """CP-SAT model over one component. With `assume`, each rule group is guarded by an assumption literal and
    the model has no objective (for sufficient_assumptions_for_infeasibility)."""
    H, cap = data.community_households, data.unit_capacity
    forbidden = data.forbidden("unit_community")
    pins = implied_pins(data)
    previous = data.previous_pairs("unit_community")
    homes = homes if homes is not None else home_offices(data)
    model = cp_model.CpModel()
    out = UnitsModel(model, {})
    x = out.x
    comm_set = set(comms)

    def guard(group: str, a: int, b: int = -1) -> cp_model.IntVar | None:
        if not assume:
            return None
        lit = model.new_bool_var(f"assume_{group}_{a}_{b}")
        out.assumptions[lit.index] = (group, a, b)
        out.literals.append(lit)
        return lit

    for u in units:
        for c in candidates.get(u, []):
            if c in comm_set and (assume or (u, c) not in forbidden):
                x[u, c] = model.new_bool_var(f"x_{u}_{c}")
    # pins are kept
    for u, c in sorted(pins):
        if (u, c) in x:
            lit = guard("pin", u, c)
            ct = model.add(x[u, c] == 1)
            if lit is not None:
                ct.only_enforce_if(lit)
    if assume:  # forbidden pairs never appear
        for u, c in sorted(forbidden):
            if (u, c) in x:
                lit = guard("forbidden", u, c)
                ct = model.add(x[u, c] == 0)
                if lit is not None:
                    ct.only_enforce_if(lit)
    by_comm: dict[int, list[cp_model.IntVar]] = {c: [] for c in comms}
    by_unit: dict[int, list[tuple[int, cp_model.IntVar]]] = {u: [] for u in units}
    for (u, c), var in x.items():
        by_comm[c].append(var)
        by_unit[u].append((c, var))
    # every community exactly one unit
    for c in comms:
        model.add_exactly_one(by_comm[c])
    must = must_link_each_unit(data)
    w_link = data.weight("linkage")
    terms: list[cp_model.LinearExprT] = []
    for u in units:
        row = by_unit[u]
        if must:  # every unit ≥1 community
            lit = guard("unit_min", u)
            ct = model.add(sum(v for _, v in row) >= 1)
            if lit is not None:
                ct.only_enforce_if(lit)
        load = sum(int(H[c]) * v for c, v in row)
        if data.strict:  # unit capacity covers its communities' households (三级联动)
            lit = guard("capacity", u)
            ct = model.add(load <= int(cap[u]))
            if lit is not None:
                ct.only_enforce_if(lit)
        elif not assume:
            over = model.new_int_var(0, int(H.sum()), f"over_{u}")
            model.add(load - over <= int(cap[u]))
            terms.append(w_link * over)
    if not assume:
        keys = list(x)
        if keys:
            arr = np.asarray(keys, dtype=np.int64)
            cost = pair_costs(data, arr[:, 0], arr[:, 1], homes)
            terms += [int(d) * x[k] for k, d in zip(keys, cost.tolist(), strict=True) if d]
        terms += [data.weight("continuity") * (1 - x[k]) for k in sorted(previous) if k in x]
        model.minimize(sum(terms))
        for k in sorted(previous):
            if k in x:
                model.add_hint(x[k], 1)
    return out
