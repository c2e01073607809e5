"""solve_assignment: the three stages in order, each exact or near-exact on its own decomposed model.

leaders → offices (CP-SAT, tiny), units → communities (CP-SAT, decomposed by office), cadres → households (min-cost
flow). Counting checks run first so that impossible rules are explained before any solver starts.
"""

from __future__ import annotations

import pandas as pd

from planner.errors import InfeasibleError
from planner.problem import Problem
from planner.progress import SolveControl
from planner.result import Assignment, Status

from .cadres import CadresFailure, solve_cadres
from .data import AssignData
from .explain import explain_cadres, explain_leaders, explain_units, precheck
from .leaders import solve_leaders
from .units import solve_units


def solve_assignment(problem: Problem, previous: dict[str, pd.DataFrame] | None = None,
                     control: SolveControl | None = None) -> Assignment:
    """Leaders → offices, units → communities, cadres → households. Raises InfeasibleError or Cancelled."""
    data = AssignData(problem, previous)
    conflicts = precheck(data)
    if conflicts:
        raise InfeasibleError(conflicts, stage="assign")
    if control is not None:
        control.report("assign.leaders", "start")
    leaders = solve_leaders(data, control)
    if leaders is None:
        raise InfeasibleError(explain_leaders(data), stage="assign.leaders")
    leader_office, extra, leader_report = leaders
    if control is not None:
        control.report("assign.units", "start")
    units = solve_units(data, control)
    if isinstance(units, Status):
        raise InfeasibleError(explain_units(data, units), stage="assign.units")
    if control is not None:
        control.report("assign.cadres", "start")
    cadres = solve_cadres(data, units.community_unit, control)
    if isinstance(cadres, CadresFailure):
        raise InfeasibleError(explain_cadres(data, cadres.short_units, units.community_unit), stage="assign.cadres")
    return Assignment(leader_office=leader_office, community_unit=units.community_unit,
                      household_cadre=cadres.household_cadre,
                      stages=(leader_report, units.report, cadres.report), extra_leader_offices=extra)
