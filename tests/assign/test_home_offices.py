"""The decomposed units stage on a district with many offices: home offices from the transportation model make
every office group packable (no merges), and the plan passes the independent checker."""

from __future__ import annotations

import numpy as np

from planner.assign import solve_assignment
from planner.assign.data import AssignData
from planner.assign.units import FULL_PAIRS_LIMIT, home_offices, pack
from planner.demo import demo_tables
from planner.io.validate import build_problem
from planner.problem import Problem
from tests.assign.helpers import check_with_checker, fast_rules


def district() -> Problem:
    tables, _ = demo_tables("district", 0, 2026)
    return build_problem(tables, fast_rules(year=2026), source="demo-district")


def test_every_office_group_is_packable_and_respects_capacity() -> None:
    problem = district()
    data = AssignData(problem)
    assert problem.n_units * problem.n_communities > FULL_PAIRS_LIMIT  # the decomposed path
    homes = home_offices(data)
    assert all(len(h) == 1 for h in homes)
    office = problem.communities["office"].to_numpy(dtype=int)
    H, cap = data.community_households, data.unit_capacity
    for o in range(problem.n_offices):
        units = [u for u in range(problem.n_units) if o in homes[u]]
        comms = np.flatnonzero(office == o).tolist()
        picks = pack(data, units, comms)
        assert picks is not None, f"office {o} cannot be packed"
        assert sorted(picks) == comms
        assert set(picks.values()) == set(units)  # every unit at least one community
        load = np.bincount(list(picks.values()), weights=H[list(picks)], minlength=problem.n_units)
        assert (load[units] <= cap[units]).all()


def test_many_office_district_takes_the_home_office_path_and_is_valid() -> None:
    problem = district()
    result = solve_assignment(problem)
    units = result.stages[1]
    assert units.details["components"] == problem.n_offices
    assert units.details["merges"] == 0
    assert units.objective >= units.bound - 1e-6
    assert check_with_checker(problem, result) == []
    assert check_with_checker(problem, result) == []
