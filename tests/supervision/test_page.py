"""AppTest of the 督查 page on the small demo: demo records, levels, drill-down, recording a visit from the plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.io.read import read_problem
from planner.plan import Plan
from planner.solve import solve_plan
from tests.ui.conftest import app_home, goto, make_app  # noqa: F401  (fixtures)

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


@pytest.fixture(scope="module")
def demo_plan() -> Plan:
    problem = read_problem(DEMO, overrides={"solver": {"time_limit": 10.0, "workers": 2}})
    return solve_plan(problem)


def _with_plan(at, plan: Plan):  # type: ignore[no-untyped-def]
    ws = at.session_state["workspace"]
    ws.plan, ws.plan_key, ws.stale = plan, "test-plan", False
    return ws


def test_page_shows_progress_and_records_a_visit(make_app, demo_plan: Plan) -> None:  # noqa: F811
    at = make_app()
    ws = _with_plan(at, demo_plan)
    goto(at, "progress")
    assert at.header[0].value == "督查"
    # no records in the store yet: the page offers recording; switch to the demo records
    at.radio(key="progress_source").set_value("demo").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) == {"已完成", "全年已无法完成", "落后于计划", "按计划推进"}
    progress = at.session_state["progress_cache"][1]
    assert sum(int(v) for v in metrics.values()) == len(progress.table)
    # the page agrees with the independent recomputation
    from planner.check.progress import compare_progress, recompute_progress
    from planner.reports.demo import demo_reports
    from planner.supervision.demo_actuals import demo_actuals

    actuals = demo_actuals(ws.shown_problem, demo_plan, progress.as_of)
    handed = demo_reports(ws.shown_problem, demo_plan, progress.as_of)   # the demo source judges reports too
    independent = recompute_progress(ws.shown_problem, demo_plan.pairs(), demo_plan.visits, actuals, progress.as_of,
                                     reports=handed, report_due=demo_plan.report_due)
    assert compare_progress(progress.table, independent) == []
    # drill-down into someone who needs help; the table names people and targets next to their codes
    assert at.selectbox(key="progress_person").options
    helped = next(d.value for d in at.dataframe if "差计划" in getattr(d.value, "columns", []))
    names = dict(zip(ws.shown_problem.units["unit_id"], ws.shown_problem.units["name"], strict=True))
    names.update(zip(ws.shown_problem.cadres["cadre_id"], ws.shown_problem.cadres["name"], strict=True))
    names.update(zip(ws.shown_problem.leaders["leader_id"], ws.shown_problem.leaders["name"], strict=True))
    names.update(zip(ws.shown_problem.office_leaders["person_id"], ws.shown_problem.office_leaders["name"],
                     strict=True))
    people = [p for p in helped["人员"] if p]
    assert people and all(p.split(" ", 1)[1] == names[p.split(" ", 1)[0]] for p in people)
    assert not any("户主" in str(v) for v in helped.to_numpy().ravel())   # households by community, never by name
    # record a visit from the plan, as planned
    at.radio(key="progress_source").set_value("store").run()
    person = at.selectbox(key="record_person").options[0]
    at.selectbox(key="record_person").set_value(person).run()
    at.radio(key="record_outcome").set_value("as_planned").run()
    at.text_input(key="record_note").input("情况良好").run()
    at.button(key="record_save").click().run()
    assert not at.exception, at.exception
    from planner.store.actuals import load_actuals

    stored = load_actuals(ws.store, ws.scenario)
    assert len(stored) == 1
    at.run()
    assert at.metric, "after the first record the store source shows progress"


def test_page_without_plan_says_what_to_do(make_app) -> None:  # noqa: F811
    at = make_app()
    at.session_state["workspace"].plan = None
    goto(at, "progress")
    assert at.info and "求解" in at.info[0].value


def test_catch_up_button_shows_the_diff(make_app, demo_plan: Plan) -> None:  # noqa: F811
    at = make_app()
    _with_plan(at, demo_plan)
    goto(at, "progress")
    at.radio(key="progress_source").set_value("demo").run()
    at.button(key="catchup_start").click().run()
    assert not at.exception, at.exception
    result = at.session_state["catchup_result"]
    assert result.report["history"] == "actuals"
    assert any("已重排" in s.value for s in at.success)


def test_spot_check_outcomes_give_rates(make_app, demo_plan: Plan) -> None:  # noqa: F811
    at = make_app()
    _with_plan(at, demo_plan)
    goto(at, "progress")
    at.radio(key="progress_source").set_value("demo").run()
    at.session_state["sample_table"] = {"edited_rows": {"0": {"confirmed": "是"}, "1": {"confirmed": "否"}},
                                        "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception
    # st.dataframe keys are not exposed by AppTest: find the rates table by its columns
    rates = next(d.value for d in at.dataframe if "rate" in getattr(d.value, "columns", []))
    assert int(rates["checked"].sum()) == 2 and int(rates["confirmed"].sum()) == 1


def test_upload_actuals_and_save_them(make_app, demo_plan: Plan, tmp_path) -> None:  # noqa: F811
    from datetime import date

    from planner.store.actuals import load_actuals
    from planner.supervision.demo_actuals import demo_actuals

    at = make_app()
    ws = _with_plan(at, demo_plan)
    goto(at, "progress")
    at.radio(key="progress_source").set_value("upload").run()
    frame = demo_actuals(ws.shown_problem, demo_plan, date(2027, 2, 28))
    at.file_uploader(key="progress_upload").upload("actuals.csv", frame.to_csv(index=False).encode("utf-8"))
    at.run()
    assert not at.exception, at.exception
    assert any("已载入" in s.value for s in at.success)
    at.run()   # the next run offers saving the loaded visits
    at.button(key="progress_upload_store").click().run()
    assert len(load_actuals(ws.store, ws.scenario)) > 0
    bad = frame.copy()
    bad.loc[0, "person_id"] = "NOBODY"
    at.file_uploader(key="progress_upload").upload("bad.csv", bad.to_csv(index=False).encode("utf-8"))
    at.run()
    assert at.error and "未载入" in at.error[0].value
