"""The stage's rules that every step of it shares (the model, the packing, the columns): which unit–community
pairs are pinned, counting those strict linkage (三级联动) implies, and whether every unit needs a community."""

from __future__ import annotations

from planner.assign.data import AssignData


def implied_pins(data: AssignData) -> set[tuple[int, int]]:
    """unit–community pins, plus (strict linkage) the unit–community pair that each cadre pin forces."""
    pins = set(data.pins("unit_community"))
    if data.strict:
        cadre_unit = data.problem.cadres["unit"].to_numpy(dtype=int)
        hh_comm = data.problem.households["community"].to_numpy(dtype=int)
        pins |= {(int(cadre_unit[k]), int(hh_comm[h])) for k, h in data.pins("cadre_household")}
    return pins


def must_link_each_unit(data: AssignData) -> bool:
    return data.problem.n_units <= data.problem.n_communities
