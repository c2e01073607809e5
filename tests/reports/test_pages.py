"""The app: the 规则 page's 调研报告 tab (counts and due dates, validated), the 督查 page's reports upload."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from planner.io.read import read_problem
from planner.plan import Plan
from planner.solve import solve_plan
from tests.ui.conftest import app_home, goto, make_app  # noqa: F401  (fixtures)

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def test_rules_page_reports_tab(make_app) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    at = make_app()
    goto(at, "rules")
    ws = at.session_state["workspace"]
    assert "调研报告" in [tab.label for tab in at.tabs]
    due = at.text_input(key="rule:reports.district_leader_due")
    assert due.value == "" and due.help and "调研" in due.help      # empty: spread evenly (June, December)
    assert at.number_input(key="rule:reports.district_leader").help.count("2篇") == 1   # the seed sentence
    due.input("06-30, 12-31").run()
    assert ws.rules.reports.cutoffs("district_leader") == [(6, 30), (12, 31)]
    at.number_input(key="rule:reports.district_leader").set_value(3).run()
    assert at.error and "请给出 3 个日期" in at.error[0].value
    assert ws.rules.reports.district_leader == 2                     # an invalid change is not applied
    at.text_input(key="rule:reports.district_leader_due").input("4-30, 8-31, 12-31").run()
    assert not at.error
    assert ws.rules.reports.cutoffs("district_leader") == [(4, 30), (8, 31), (12, 31)]


@pytest.fixture(scope="module")
def demo_plan() -> Plan:
    problem = read_problem(DEMO, overrides={"solver": {"time_limit": 10.0, "workers": 2}})
    return solve_plan(problem)


def test_progress_page_counts_uploaded_reports(make_app, demo_plan: Plan) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    at = make_app()
    ws = at.session_state["workspace"]
    ws.plan, ws.plan_key, ws.stale = demo_plan, "test-plan", False
    goto(at, "progress")
    at.radio(key="progress_source").set_value("store").run()
    leader = str(ws.shown_problem.leaders["leader_id"].iloc[0])
    year = ws.shown_problem.rules.year
    at.date_input(key="progress_as_of").set_value(date(year, 7, 15)).run()
    # the store has no visits yet: record one so that the page computes progress
    at.selectbox(key="record_person").set_value(at.selectbox(key="record_person").options[0]).run()
    at.button(key="record_save").click().run()
    text = f"person_id,date,title\n{leader},{year}-06-20,关于社区养老服务的调研报告\n"
    at.file_uploader(key="progress_reports_upload").upload("reports.csv", text.encode("utf-8"))
    at.run()
    assert not at.exception, at.exception
    assert any("已载入 1 篇调研报告" in s.value for s in at.success)
    table = at.session_state["progress_cache"][1].table
    rows = table.loc[table["obligation"] == "reports"].set_index("person_id")
    assert rows.loc[leader, "done"] == 1 and rows.loc[leader, "planned_to_date"] == 1
    at.run()   # the next run offers keeping them in the store
    at.button(key="progress_reports_store").click().run()
    from planner.store.reports import load_reports

    assert load_reports(ws.store, ws.scenario)["person_id"].tolist() == [leader]
    at.file_uploader(key="progress_reports_upload").upload("bad.csv", b"person_id,date,title\nNOBODY,2000-01-01,x\n")
    at.run()
    assert any("未载入" in e.value for e in at.error)
