"""The app at the office level: the data page lists 办事处领导, the locks page takes office-leader pins, the
results frames show each office leader's contact community."""

from __future__ import annotations

import pandas as pd

from planner.plan import Plan
from planner.ui import frames
from planner.ui.i18n import tr
from tests.fixtures import tiny_office_problem
from tests.ui.conftest import goto


def test_data_page_lists_the_office_leaders_table(make_app):
    at = make_app()
    ws = at.session_state["workspace"]
    assert len(ws.problem.office_leaders) > 0            # the bundled demo has the office level
    box = at.selectbox(key="data_table.zh")
    assert "office_leaders" in box.options or "办事处领导" in box.options
    box.set_value("office_leaders").run()
    assert not at.exception
    assert "人员编号" in list(at.dataframe[-1].value.columns) or "person_id" in list(at.dataframe[-1].value.columns)


def test_office_leader_pin_by_hand(make_app):
    at = make_app()
    goto(at, "locks")
    ws = at.session_state["workspace"]
    at.radio(key="locks_kind").set_value("office_leader_community").run()
    assert not at.exception
    at.text_input(key="locks_add_subject").input("B01-1")
    at.text_input(key="locks_add_target").input("C002")
    at.radio(key="locks_add_action").set_value("pin")
    at.button(key="locks_add_submit").click().run()
    assert not at.exception
    pins = ws.problem.pins
    assert ((pins["kind"] == "office_leader_community") & (pins["subject_id"] == "B01-1")
            & (pins["target_id"] == "C002")).any()


def test_office_leader_pairs_frame_and_labels():
    problem = tiny_office_problem()
    plan = Plan(pd.DataFrame(columns=["leader_id", "office_id"]), pd.DataFrame(columns=["unit_id", "community_id"]),
                pd.DataFrame(columns=["cadre_id", "household_id"]),
                office_leader_communities=pd.DataFrame({"person_id": ["OB1", "OZ1"], "community_id": ["C02", "C03"]}))
    pairs = frames.office_leader_pairs(problem, plan)
    assert pairs[["person_id", "name", "role", "community_id", "office_id"]].values.tolist() == [
        ["OB1", "书记丁", "secretary", "C02", "B01"], ["OZ1", "书记己", "secretary", "C03", "Z01"]]
    assert frames.id_names(problem)["OB1"] == "书记丁"
    assert tr("zh", "person.office_leader") == "办事处领导" and tr("zh", "kind.office_leader_community").startswith("办事处领导")
