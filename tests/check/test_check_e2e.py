"""End to end: the engines' plan for the small demo district passes the independent checker (~2 s here).

The district demo (15,000 households, 105,347 visits) passed too when run by hand: 0 violations, check 1.2 s."""

from __future__ import annotations

import dataclasses

from planner.check import run_check
from planner.demo import generate_demo
from planner.io.read import read_problem
from planner.plan import read_plan, write_plan
from planner.solve import solve_plan


def test_demo_small_solved_plan_passes_the_checker(tmp_path):
    generate_demo(tmp_path / "data", size="small", seed=0)
    problem = read_problem(tmp_path / "data", overrides={"solver": {"time_limit": 20.0, "workers": 2}})
    plan = solve_plan(problem)
    report = run_check(problem, plan)
    assert [v.render("en") for v in report.violations] == []
    assert report.every_minimum_met
    assert set(report.minimums["requirement"]) >= {"grassroots_days", "contact_days", "household_visits", "talks"}
    back = read_plan(write_plan(plan, tmp_path / "plan"), require_visits=True)
    assert run_check(problem, back).valid
    # and the checker is not blind on a real plan: one cadre's visits gone, one reception row gone
    visits = plan.visits
    cadre = visits.loc[visits["activity"] == "household", "person_id"].iloc[0]
    reception = visits.index[visits["activity"] == "reception"][0]
    broken = dataclasses.replace(plan, visits=visits[(visits["person_id"] != cadre)].drop(index=reception))
    codes = {v.rule for v in run_check(problem, broken).violations}
    assert {"calendar.cadre_min_visits", "calendar.cadre_spread", "calendar.cadre_talks",
            "calendar.reception_roles"} <= codes
