"""The one place that owns "solve, check, save, compare, replan": the CLI, the app and the batch runner call it.

    solve.py     plan_and_check(problem, ...) -> Checked(plan, violations); save(); compare_versions()
    replan.py    replan_scenario(): keep what happened before a date, re-plan the rest, save, compare
    jobs.py      SolveJob: the same in a background thread, for the app's Solve button
    district.py  plan_district(data, out) -> DistrictResult: one district end to end, never raising (batch runner)

Layering: the workflow imports the engines (planner.solve), the checker (planner.check) and the store; none of
those import the workflow, and the store never solves or checks (tests/test_architecture.py).
"""
