"""AppTest for the store as the app's state: scenarios, two colleagues editing at once, history, replan.

Every test runs on its own temporary SQLite store (conftest `app_home` sets PLANNER_DB_URL), never ~/.planner.
The scenarios with plans are built on the tiny district (tests/fixtures.py), which solves in well under a second.
"""

from __future__ import annotations

import os
from datetime import date

import pandas as pd
from streamlit.testing.v1 import AppTest

from planner.solve import solve_plan
from planner.store.api import open_store
from planner.ui.main import NEW_POPOVER
from planner.ui.state import DEFAULT_SCENARIO, default_author
from tests.fixtures import TINY_YEAR, tiny_problem
from tests.ui.conftest import APP, goto


def open_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest, name: str) -> None:
    at.sidebar.text_input(key="author").input(name).run()
    assert at.session_state["workspace"].author == name


def tiny_scenario(versions: int = 1) -> None:
    """A scenario "tiny" in the test store with `versions` solved versions; the second forbids a pair."""
    store = open_store(os.environ["PLANNER_DB_URL"])
    try:
        problem = tiny_problem()
        store.create_scenario("tiny", "甲", problem=problem)
        plan = solve_plan(problem)
        store.save_solved("tiny", problem, plan, "甲", expected_revision=1)
        if versions > 1:
            cadre, household = plan.cadre_households.iloc[0]
            forbidden = pd.DataFrame([("cadre_household", str(cadre), str(household))],
                                     columns=["kind", "subject_id", "target_id"])
            store.save_locks("tiny", author="乙", expected_revision=1, forbidden=forbidden)
            changed = store.load_problem("tiny")
            store.save_solved("tiny", changed, solve_plan(changed, previous=plan), "乙", expected_revision=2)
    finally:
        store.close()


def test_scenarios_switch_and_reopen(make_app):
    at = make_app()
    ws = at.session_state["workspace"]
    assert ws.scenario == DEFAULT_SCENARIO and ws.problem is not None and ws.revision == 1   # the demo, saved
    at.sidebar.text_input(key="scenario_new_name").input("方案B")
    at.sidebar.button(key="scenario_create").click().run()
    assert not at.exception, at.exception
    assert ws.scenario == "方案B" and ws.problem.n_households > 0   # a copy of the current data
    assert at.session_state[NEW_POPOVER] is False and at.sidebar.text_input(key="scenario_new_name").value == ""
    goto(at, "rules")
    at.number_input(key="rule:visits.cadre_household").set_value(8).run()
    assert ws.rules.visits.cadre_household == 8
    at.sidebar.selectbox(key="scenario_pick").set_value(DEFAULT_SCENARIO).run()
    assert ws.scenario == DEFAULT_SCENARIO and ws.rules.visits.cadre_household == 6
    assert at.number_input(key="rule:visits.cadre_household").value == 6   # the widget shows the stored value
    # closing the browser and reopening shows the last changed scenario, as stored
    again = open_app()
    reopened = again.session_state["workspace"]
    assert reopened.scenario == "方案B" and reopened.rules.visits.cadre_household == 8
    assert set(again.sidebar.selectbox(key="scenario_pick").options) == {DEFAULT_SCENARIO, "方案B"}


def test_two_colleagues_conflict_then_merge(make_app):
    first = make_app()
    second = open_app()                    # both sessions have seen revision 1
    sign_in(first, "张三")
    sign_in(second, "李四")
    goto(first, "rules")
    first.number_input(key="rule:visits.cadre_household").set_value(8).run()
    a = first.session_state["workspace"]
    assert a.revision == 2 and a.conflict is None
    # the second session adds a lock on its stale revision: told who changed what, nothing overwritten
    goto(second, "locks")
    second.radio(key="locks_kind").set_value("unit_community").run()
    second.text_input(key="locks_add_subject").input("U002")
    second.text_input(key="locks_add_target").input("C005")
    second.radio(key="locks_add_action").set_value("forbid")
    second.button(key="locks_add_submit").click().run()
    assert not second.exception, second.exception
    b = second.session_state["workspace"]
    assert b.conflict is not None and set(b.pending_tables) == {"pins", "forbidden"}
    assert any("张三" in w.value for w in second.warning)
    assert second.button(key="conflict_merge").disabled is False
    # merge: both edits are kept, in the store and on the page
    second.button(key="conflict_merge").click().run()
    assert not second.exception, second.exception
    assert b.conflict is None and b.revision == 3
    assert b.rules.visits.cadre_household == 8
    forbidden = b.problem.forbidden
    assert ((forbidden["subject_id"] == "U002") & (forbidden["target_id"] == "C005")).any()
    store = open_store(os.environ["PLANNER_DB_URL"])
    stored = store.load_input(DEFAULT_SCENARIO)
    store.close()
    assert stored.rules.visits.cadre_household == 8 and len(stored.tables["forbidden"]) == len(forbidden)


def test_same_part_clash_offers_reload_only(make_app):
    first = make_app()
    second = open_app()
    goto(first, "rules")
    goto(second, "rules")
    first.number_input(key="rule:visits.cadre_household").set_value(8).run()
    second.number_input(key="rule:visits.cadre_household").set_value(7).run()
    b = second.session_state["workspace"]
    assert b.conflict is not None
    second.button(key="conflict_merge").click().run()   # both changed the rules: the merge is refused
    assert b.conflict is not None and b.conflict.parts == ("rules",)
    assert second.button(key="conflict_merge").disabled
    second.button(key="conflict_reload").click().run()
    assert b.conflict is None and b.rules.visits.cadre_household == 8
    assert second.number_input(key="rule:visits.cadre_household").value == 8


def test_history_compare_restore_and_audit(make_app):
    tiny_scenario(versions=2)
    at = make_app()
    ws = at.session_state["workspace"]
    assert ws.scenario == "tiny" and ws.version == 2 and not ws.stale
    assert len(ws.problem.forbidden) == 1
    goto(at, "history")
    versions = at.dataframe[0].value
    assert list(versions["版本"]) == [2, 1] and set(versions["操作人"]) == {"甲", "乙"}
    # compare: pairs changed per table, visits moved, minimums met (independent check of both)
    at.button(key="history_compare").click().run()
    assert not at.exception, at.exception
    pairs = at.dataframe[1].value
    cadre_row = pairs[pairs["结对类型"] == "党员干部 → 联系户"].iloc[0]
    assert cadre_row["取消"] >= 1
    labels = {m.label: m.value for m in at.metric}
    assert {"走访改期", "第 1 版最低要求", "第 2 版最低要求"} <= set(labels)
    assert labels["第 2 版最低要求"] == "全部满足"
    # view version 1 in Results, then restore it
    at.selectbox(key="history_pick").set_value(1).run()
    at.button(key="history_view").click().run()
    assert ws.viewing == 1 and ws.plan_problem is not None and len(ws.plan_problem.forbidden) == 0
    goto(at, "results")
    assert any("第 1 版" in i.value for i in at.info)
    goto(at, "history")
    at.selectbox(key="history_pick").set_value(1).run()
    assert at.button(key="history_restore").disabled      # restoring asks for a confirmation first
    at.checkbox(key="history_restore_confirm").check().run()
    at.button(key="history_restore").click().run()
    assert not at.exception, at.exception
    assert ws.version == 3 and ws.viewing is None and len(ws.problem.forbidden) == 0 and not ws.stale
    # the audit trail shows who did what, filterable
    audit = at.dataframe[-1].value
    assert {"操作人", "操作", "内容"} <= set(audit.columns)
    assert "恢复" in set(audit["操作"]) and "乙" in set(audit["操作人"])
    at.multiselect(key="history_actions.zh").select("locks").run()
    audit = at.dataframe[-1].value
    assert set(audit["操作"]) == {"锁定"} and set(audit["操作人"]) == {"乙"}


def test_replan_from_a_date_saves_a_version(make_app):
    tiny_scenario(versions=1)
    at = make_app()
    ws = at.session_state["workspace"]
    assert ws.version == 1
    goto(at, "solve")
    since = date(TINY_YEAR, 7, 1)
    at.date_input(key=f"replan_since_{TINY_YEAR}").set_value(since).run()
    at.button(key="replan_start").click().run()
    assert not at.exception, at.exception
    assert ws.job is not None and ws.job.since == since
    assert ws.job.wait(120)
    at.run()
    assert not at.exception, at.exception
    assert ws.plan is not None, ws.last_outcome
    assert ws.version == 2 and ws.replan is not None and ws.replan["frozen"] > 0
    assert any("年中调整完成" in i.value for i in at.info)
    store = open_store(os.environ["PLANNER_DB_URL"])
    kinds = [(v.kind, v.since) for v in store.list_versions("tiny")]
    store.close()
    assert kinds == [("solve", None), ("replan", since)]
    # visits before the date are kept as they were
    before = ws.plan.visits[pd.to_datetime(ws.plan.visits["date"].astype(str)) < pd.Timestamp(since)]
    assert len(before) == ws.replan["frozen"]


def test_calendar_names_the_district_reception(make_app):
    tiny_scenario(versions=1)
    at = make_app()
    goto(at, "results")
    at.button_group(key="res_view").set_value("calendar").run()
    at.radio(key="res_cal_kind").set_value("leader").run()
    assert not at.exception, at.exception
    ws = at.session_state["workspace"]
    visits = ws.plan.visits
    leader = visits.loc[visits["target_kind"] == "district", "person_id"].iloc[0]
    at.selectbox(key="res_cal_person_leader").set_value(leader).run()
    targets = set(at.dataframe[-1].value["走访对象"])
    assert "全区信访接待" in targets and "district" not in targets


def test_service_accounts_are_not_authors(monkeypatch):
    monkeypatch.setenv("USER", "root")
    assert default_author() == "组织部"
    monkeypatch.setenv("USER", "chen")
    assert default_author() == "chen"


def test_calendars_exported_from_a_later_version_update_the_earlier_ones(make_app):
    """Version 2 forbids a pair that version 1 used: its calendars carry version 1's event identities, so the
    dropped visits come back cancelled (and the page says which version it updates); version 1 alone has none."""
    import io
    import zipfile

    from planner.ui.downloads import PREPARED

    tiny_scenario(versions=2)
    at = make_app()
    ws = at.session_state["workspace"]
    goto(at, "export")
    assert not at.exception, at.exception
    assert any("第 1 版" in c.value for c in at.caption)
    job = PREPARED.get("export_ics", f"{ws.plan_key}:zh", lambda: b"")
    with zipfile.ZipFile(io.BytesIO(job.result(timeout=60))) as z:
        texts = [z.read(n).decode("utf-8") for n in z.namelist()]
    assert any("STATUS:CANCELLED" in s for s in texts)
    from planner.ui.pages.export import _previous_version

    assert _previous_version(ws)[0] == 1
    ws.show_version(1)
    assert ws.version == 1 and _previous_version(ws) is None
