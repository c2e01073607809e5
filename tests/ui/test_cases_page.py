"""AppTest of the 台账 page on the demo data: metrics and filters, a case's steps and timeline, opening a case from a
recorded visit and from a reception day, and a unit seeing and working on its own cases only."""

from __future__ import annotations

from datetime import date

import pandas as pd

from planner.plan import Plan
from planner.store.actuals import Record, record_visits
from planner.store.cases import import_cases, load_cases, timeline
from planner.supervision.cases import validate_cases
from tests.ui.conftest import app_home, goto, make_app  # noqa: F401  (fixtures)

ROWS = [  # demo year 2027; as of 2027-06-30: Q1 overdue, Q2 due that day (not overdue), Q3 closed
    {"case_id": "Q1", "opened": "2027-05-06", "source": "letter", "owner_unit": "U001", "due": "2027-06-01",
     "summary": "路灯损坏"},
    {"case_id": "Q2", "opened": "2027-06-02", "source": "hotline", "owner_unit": "U002", "owner": "",
     "due": "2027-06-30"},
    {"case_id": "Q3", "opened": "2027-03-02", "source": "letter", "owner_unit": "U002", "due": "2027-04-01",
     "resolved_on": "2027-03-10", "replied_on": "2027-03-11", "callback_on": "2027-03-20", "satisfied": "yes"},
]


def _seed(ws) -> None:  # type: ignore[no-untyped-def]
    ledger = validate_cases(pd.DataFrame(ROWS).fillna(""), ws.shown_problem)
    import_cases(ws.store, ws.scenario, ledger, "organizer")


def _metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric}


def test_filters_steps_and_timeline(make_app) -> None:  # noqa: F811
    at = make_app()
    ws = at.session_state["workspace"]
    _seed(ws)
    goto(at, "cases")
    assert at.header[0].value == "问题台账"
    at.date_input(key="cases_as_of").set_value(date(2027, 6, 30)).run()
    metrics = _metrics(at)
    assert metrics["案件"] == "3" and metrics["超期"] == "1" and metrics["7 天内到期"] == "1"
    at.checkbox(key="cases_f_overdue").check().run()
    assert at.selectbox(key="cases_pick").options == ["Q1"]
    assert at.text_area(key="cases_summary_Q1").value == "路灯损坏"     # organizers see the summary
    at.checkbox(key="cases_f_overdue").uncheck().run()
    at.multiselect(key="cases_f_status").set_value(["callback"]).run()
    assert at.selectbox(key="cases_pick").options == ["Q3"]
    at.multiselect(key="cases_f_status").set_value([]).run()
    at.selectbox(key="cases_pick").set_value("Q1").run()
    at.selectbox(key="cases_to").set_value("U003").run()
    at.button(key="cases_do_transfer").click().run()
    assert not at.exception, at.exception
    at.date_input(key="cases_step_date").set_value(date(2027, 6, 20)).run()
    at.button(key="cases_do_resolve").click().run()
    steps = timeline(ws.store, ws.scenario, "Q1")
    assert steps["step"].tolist() == ["import", "transfer", "resolve"]
    assert steps.iloc[1]["from_unit"] == "U001" and steps.iloc[1]["to_unit"] == "U003"
    row = load_cases(ws.store, ws.scenario).set_index("case_id").loc["Q1"]
    assert row["owner_unit"] == "U003" and row["resolved_on"] == pd.Timestamp("2027-06-20")
    at.run()
    assert _metrics(at)["超期"] == "0"
    shown = [df.value for df in at.dataframe if list(df.value.columns)[:1] == ["步骤"]]
    assert len(shown) == 1 and shown[0]["步骤"].tolist() == ["导入", "转办", "办结"]


def test_open_from_a_recorded_visit_and_a_reception_day(make_app) -> None:  # noqa: F811
    at = make_app()
    ws = at.session_state["workspace"]
    record_visits(ws.store, ws.scenario, [Record("cadre", "G0002", "household", "household", "H00002", "as_planned",
                                                 date(2027, 4, 6))], "G0002")
    visits = pd.DataFrame({"date": ["2027-04-07", "2027-04-07"], "person_kind": ["leader", "leader"],
                           "person_id": ["L01", "L03"], "activity": ["reception"] * 2,
                           "target_kind": ["district"] * 2, "target_id": ["district"] * 2, "role": ["A", "B"],
                           "talk": [0, 0]})
    empty = {"leader_offices": pd.DataFrame(columns=["leader_id", "office_id"]),
             "unit_communities": pd.DataFrame(columns=["unit_id", "community_id"]),
             "cadre_households": pd.DataFrame(columns=["cadre_id", "household_id"])}
    ws.plan, ws.plan_key = Plan(**empty, visits=visits, report={"year": 2027}), "test-plan"
    goto(at, "cases")
    at.radio(key="cases_origin").set_value("visit").run()
    at.text_area(key="cases_new_summary").input("屋顶漏雨").run()
    at.button(key="cases_do_open").click().run()
    assert not at.exception, at.exception
    stored = load_cases(ws.store, ws.scenario, with_summaries=True).set_index("case_id")
    first = stored.loc["Q00001"]
    assert (first["source"], first["raised_with"], first["household_id"], first["owner_unit"]) == \
        ("visit", "G0002", "H00002", "U001")           # filled in from the visit; the cadre's unit owns it
    assert first["opened"] == pd.Timestamp("2027-04-06") and first["summary"] == "屋顶漏雨"
    at.radio(key="cases_origin").set_value("reception").run()
    assert at.selectbox(key="cases_reception_leader").options == ["A · L01", "B · L03"]
    at.selectbox(key="cases_reception_leader").set_value("L03").run()
    at.text_input(key="cases_new_id").set_value("R1").run()
    at.button(key="cases_do_open").click().run()
    second = load_cases(ws.store, ws.scenario).set_index("case_id").loc["R1"]
    assert (second["source"], second["raised_with"], second["opened"]) == \
        ("reception", "L03", pd.Timestamp("2027-04-07"))
    # a form error reads like a file's (due before opened), and nothing is stored
    at.radio(key="cases_origin").set_value("hand").run()
    at.text_input(key="cases_new_id").set_value("H1").run()
    at.date_input(key="cases_new_opened").set_value(date(2027, 5, 1)).run()
    at.date_input(key="cases_new_due").set_value(date(2027, 4, 1)).run()
    at.button(key="cases_do_open").click().run()
    assert at.error and "H1" not in set(load_cases(ws.store, ws.scenario)["case_id"])


def test_a_unit_sees_its_cases_is_reminded_and_works_on_them(app_home, monkeypatch) -> None:  # noqa: F811
    import os

    from planner.solve import solve_plan
    from planner.store.api import open_store
    from planner.ui.pages import cases as cases_page
    from tests.fixtures import tiny_problem
    from tests.ui.test_access_app import open_app, seed, sign_in

    problem = tiny_problem()
    seed((problem, solve_plan(problem)), 财政局=("unit", "U2"))
    store = open_store(os.environ["PLANNER_DB_URL"])
    rows = [{"case_id": "S1", "opened": "2026-06-01", "source": "letter", "owner_unit": "U2", "due": "2026-06-20"},
            {"case_id": "S2", "opened": "2026-06-10", "source": "letter", "owner_unit": "U2", "due": "2026-07-03"},
            {"case_id": "S3", "opened": "2026-06-01", "source": "letter", "owner_unit": "U1", "due": "2026-06-05"}]
    import_cases(store, "tiny", validate_cases(pd.DataFrame(rows), problem), "organizer")
    from planner.ui.pages import unit as unit_page

    fixed = type("D", (date,), {"today": staticmethod(lambda: date(2026, 6, 30))})   # "today" is mid-year
    monkeypatch.setattr(cases_page, "date", fixed)
    monkeypatch.setattr(unit_page, "date", fixed)
    at = sign_in(open_app(), "财政局")
    assert any("S1" in e.value and "S3" not in e.value for e in at.error)        # overdue, own unit only
    assert any("S2" in w.value for w in at.warning)                               # due within 7 days
    at.sidebar.radio(key="nav").set_value("cases").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="cases_pick").options == ["S1", "S2"]                 # never U1's case
    assert "cases_to" not in [s.key for s in at.selectbox]                        # units do not transfer
    at.date_input(key="cases_step_date").set_value(date(2026, 6, 29)).run()
    at.button(key="cases_do_resolve").click().run()
    steps = timeline(store, "tiny", "S1")
    assert steps["step"].tolist()[-1] == "resolve" and steps["author"].tolist()[-1] == "财政局"


def test_the_rules_page_has_the_case_rules(make_app) -> None:  # noqa: F811
    at = make_app()
    goto(at, "rules")
    assert "问题台账" in [tab.label for tab in at.tabs]
    assert at.number_input(key="rule:cases.due_soon_days").value == 7
