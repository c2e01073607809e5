"""solve_assignment: the three stages in order (then the optional office level, assign.office_leaders), each exact or near-exact on its own decomposed model.

leaders → offices (CP-SAT, tiny), units → communities (CP-SAT, decomposed by office), cadres → households (min-cost
flow). Counting checks run first so that impossible rules are explained before any solver starts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.errors import InfeasibleError
from planner.problem import Problem
from planner.progress import SolveControl
from planner.result import Assignment, StageReport, Status

from .cadres import CadresFailure, solve_cadres
from .data import AssignData
from .explain import explain_cadres, explain_leaders, explain_units, precheck
from .leaders import solve_leaders
from .office_leaders import solve_office_leaders
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
        raise InfeasibleError(explain_cadres(data, cadres.short_units), stage="assign.cadres")
    office_stage: tuple[StageReport, ...] = ()
    office_community = np.zeros(0, dtype=np.int64)
    if problem.n_office_leaders:   # the optional fourth level (办事处领导 → 社区)
        if control is not None:
            control.report("assign.office_leaders", "start")
        office = solve_office_leaders(data, units.community_unit, control)
        if isinstance(office, list):
            raise InfeasibleError(office, stage="assign.office_leaders")
        office_community, office_report = office
        office_stage = (office_report,)
    return Assignment(leader_office=leader_office, community_unit=units.community_unit,
                      household_cadre=cadres.household_cadre,
                      stages=(leader_report, units.report, cadres.report, *office_stage), extra_leader_offices=extra,
                      office_leader_community=office_community)
