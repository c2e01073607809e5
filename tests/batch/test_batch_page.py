"""The app's 全市/全省 page: start a batch on the configured cluster (the tests' 2-worker cluster, by its scheduler
address as PLANNER_DASK_SCHEDULER), see it running, then every district's outcome."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from planner.ui.pages.batch import JOB_KEY
from tests.batch.conftest import break_input

APP = str(Path(__file__).resolve().parents[2] / "app.py")
pytestmark = pytest.mark.slow


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, client: Any) -> AppTest:
    monkeypatch.setenv("PLANNER_DB_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.setenv("PLANNER_DASK_SCHEDULER", client.scheduler.address)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.sidebar.radio(key="nav").set_value("batch").run()
    assert not at.exception, at.exception
    return at


def test_batch_page_runs_every_district_and_shows_each_outcome(app: AppTest, demos: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(demos / "d1", root / "东区")
    shutil.copytree(demos / "d1", root / "bad")
    break_input(root / "bad")
    out = tmp_path / "plans"
    app.text_input(key="batch_root").set_value(str(root))
    app.text_input(key="batch_out").set_value(str(out))
    assert app.text_input(key="batch_scheduler").value == app.session_state["batch_scheduler"]
    assert app.number_input(key="batch_workers").disabled  # the scheduler's workers are used
    app.checkbox(key="batch_save").check()
    app.button(key="batch_start").click().run()
    assert not app.exception, app.exception
    job = app.session_state[JOB_KEY]
    if not job.done:
        assert [b for b in app.button if b.key == "batch_stop"], "no stop button while running"
    assert job.wait(180), "batch did not finish"
    app.run()
    assert not app.exception, app.exception
    assert job.error is None
    table = app.dataframe[0].value
    assert isinstance(table, pd.DataFrame)
    assert table["区县"].tolist() == ["bad", "东区"]
    assert table["状态"].tolist() == ["输入有误", "完成"]
    assert "community_id" in table.set_index("区县").loc["bad", "说明"]
    assert (out / "东区" / "visits.csv").is_file() and (out / "summary.csv").is_file()
    assert any("summary.csv" in s.value for s in app.success)
    from planner.store.api import open_store

    store = open_store(os.environ["PLANNER_DB_URL"])  # the app's own store: one scenario per ok district
    names = [s.name for s in store.list_scenarios()]
    assert "东区" in names and "bad" not in names  # beside the app's own default scenario
    (version,) = store.list_versions("东区")
    assert version.author == app.session_state["workspace"].author and version.note == "plan-many（批量生成）"
    assert "已保存：方案 东区 第 1 版" in table.set_index("区县").loc["东区", "说明"]


def test_batch_page_needs_both_folders_and_reports_a_bad_root(app: AppTest, tmp_path: Path) -> None:
    app.button(key="batch_start").click().run()
    assert any("输入目录" in e.value for e in app.error)
    app.text_input(key="batch_root").set_value(str(tmp_path / "missing"))
    app.text_input(key="batch_out").set_value(str(tmp_path / "plans"))
    app.button(key="batch_start").click().run()
    assert app.session_state[JOB_KEY].wait(30)
    app.run()
    assert any("ROOT" in e.value for e in app.error)
    assert not (tmp_path / "plans").exists()


# -- completion by district (summary.csv of plan-many and progress-many) --------------------------------------------
def _summaries(tmp_path: Path) -> tuple[Path, Path]:
    """A plan-many OUT (东区 ok, 西区 ok, 北区 bad input) and a progress-many OUT (东区, 西区) as the batch writes them."""
    from planner.batch import outputs, progress_many
    from planner.batch.outputs import SummaryRow
    from planner.batch.progress_many import ProgressRow

    plans, progress = tmp_path / "plans", tmp_path / "progress"
    plans.mkdir()
    progress.mkdir()
    outputs.write_summary(plans, [SummaryRow("东区", "ok", 0, 9.5, 300, 0, ""),
                                  SummaryRow("西区", "ok", 0, 8.1, 500, 0, ""),
                                  SummaryRow("北区", "bad_input", 2, 0.2, None, None, "输入有误：households.csv")])
    progress_many.write_summary(progress, [
        ProgressRow("东区", "ok", 0, 3.0, 300, None, "", as_of="2027-06-30", obligations=1000, met=400,
                    on_track=500, behind=90, cannot_meet=10, share_met=0.4, completion=0.97, rag="green"),
        ProgressRow("西区", "ok", 0, 3.0, 500, None, "", as_of="2027-06-30", obligations=1000, met=100,
                    on_track=300, behind=500, cannot_meet=100, share_met=0.1, completion=0.6, rag="red")])
    return plans, progress


@pytest.fixture
def local_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("PLANNER_DB_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.setenv("PLANNER_UI_RAISE", "1")
    monkeypatch.delenv("PLANNER_BATCH_OUT", raising=False)
    monkeypatch.delenv("PLANNER_BATCH_PROGRESS", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.sidebar.radio(key="nav").set_value("batch").run()
    assert not at.exception, at.exception
    return at


def test_completion_table_and_chart_per_district_for_the_organizer(local_app: AppTest, tmp_path: Path) -> None:
    assert any("summary.csv" in i.value for i in local_app.info)  # nothing to show yet: it says what to run
    plans, progress = _summaries(tmp_path)
    local_app.text_input(key="batch_plans_dir").set_value(str(plans)).run()
    assert not local_app.exception, local_app.exception
    table = local_app.dataframe[-1].value
    assert table["区县"].tolist() == ["东区", "北区", "西区"]
    assert table["状态"].tolist() == ["完成", "输入有误", "完成"]
    assert table["联系户数"].tolist()[0] == 300
    metrics = {m.label: m.value for m in local_app.metric}
    assert metrics["区县数"] == "3" and metrics["计划已完成"] == "2/3" and metrics["联系户数"] == "800"
    assert metrics["违反规则"] == "0"
    bars = _chart_data(local_app)  # before any progress: households per district, coloured by the plan's status
    assert bars.set_index("district")["share"].to_dict() == {"东区": 300, "北区": 0, "西区": 500}
    assert bars["colour"].tolist() == ["#2E7D32", "#F9A825", "#2E7D32"]

    local_app.text_input(key="batch_progress_dir").set_value(str(progress)).run()
    assert not local_app.exception, local_app.exception
    table = local_app.dataframe[-1].value.set_index("区县")
    assert table.loc["东区", "义务完成比例"] == "40.0%" and table.loc["西区", "评级"] == "需督促"
    assert table.loc["北区", "督查状态"] == "—" and table.loc["东区", "截至"] == "2027-06-30"
    assert {m.label: m.value for m in local_app.metric}["义务完成比例"] == "25.0%"  # 500 of 2,000 obligations
    bars = _chart_data(local_app).set_index("district")  # now: the share met, coloured by the rating
    assert bars["share"].to_dict() == {"东区": 0.4, "北区": 0.0, "西区": 0.1}
    assert bars.loc["东区", "colour"] == "#2E7D32" and bars.loc["西区", "colour"] == "#C62828"


def _chart_data(at: AppTest) -> pd.DataFrame:
    """The completion chart's data as Streamlit sends it to the browser (Arrow)."""
    import pyarrow as pa

    (chart,) = at.get("vega_lite_chart")
    (dataset,) = chart.proto.datasets
    return pa.ipc.open_stream(dataset.data.data).read_pandas()


def test_the_page_is_the_organizers_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.access.accounts import Accounts
    from planner.store.api import open_store

    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("PLANNER_DB_URL", url)
    monkeypatch.setenv("PLANNER_BATCH_OUT", str(_summaries(tmp_path)[0]))
    accounts = Accounts(open_store(url).engine)
    for name, role, scope in (("组织部", "organizer", None), ("督查", "inspector", None), ("财政局", "unit", "U2")):
        accounts.add(name, role, scope, "a-long-password-1", "test")

    def signed_in(name: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60).run()
        at.text_input(key="signin_name").input(name)
        at.text_input(key="signin_password").input("a-long-password-1")
        at.button[0].click().run()
        assert not at.exception, at.exception
        return at

    organizer = signed_in("组织部")
    organizer.sidebar.radio(key="nav").set_value("batch").run()
    assert any(s.value == "各区县完成情况" for s in organizer.subheader)
    assert organizer.dataframe[-1].value["区县"].tolist() == ["东区", "北区", "西区"]

    inspector = signed_in("督查")
    inspector.sidebar.radio(key="nav").set_value("batch").run()
    assert any("无权访问" in e.value for e in inspector.error)
    assert not [s for s in inspector.subheader if s.value == "各区县完成情况"] and not inspector.dataframe
    assert not [w for w in inspector.text_input if w.key in ("batch_root", "batch_plans_dir")]

    unit = signed_in("财政局")
    assert "batch" not in unit.sidebar.radio(key="nav").options
    assert not [o for o in unit.sidebar.radio(key="nav").options if "全市" in o]


def test_progress_for_every_district_from_the_page(app: AppTest, demos: Path, client: Any, tmp_path: Path) -> None:
    from datetime import date

    from planner.batch.run import plan_many
    from planner.cli import main

    root, plans, actuals, out = tmp_path / "root", tmp_path / "plans", tmp_path / "actuals", tmp_path / "progress"
    shutil.copytree(demos / "d1", root / "东区")
    assert [r.status for r in plan_many(root, plans, client=client)] == ["ok"]
    actuals.mkdir()
    assert main(["demo-actuals", str(root / "东区"), str(plans / "东区"), "--until", "2027-06-15",
                 "--out", str(actuals / "东区.csv")]) == 0
    app.text_input(key="batch_root").set_value(str(root))
    app.text_input(key="batch_out").set_value(str(plans))
    app.button(key="batch_progress_start").click().run()
    assert any("实际走访记录目录" in e.value for e in app.error)  # the actual visits folder is missing
    app.text_input(key="batch_actuals_root").set_value(str(actuals))
    app.text_input(key="batch_progress_out").set_value(str(out))
    app.date_input(key="batch_as_of").set_value(date(2027, 6, 30))
    app.button(key="batch_progress_start").click().run()
    assert not app.exception, app.exception
    job = app.session_state[JOB_KEY]
    assert job.progress_of is not None and job.wait(180), "progress batch did not finish"
    app.run()
    assert not app.exception, app.exception
    assert job.error is None
    assert app.dataframe[0].value["状态"].tolist() == ["完成"]
    assert (out / "东区" / "progress.csv").is_file() and (out / "summary.csv").is_file()
    shown = app.dataframe[-1].value.set_index("区县")  # the completion table: plans and progress joined
    summary = pd.read_csv(out / "summary.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert shown.loc["东区", "义务完成比例"] == f"{100 * float(summary.loc[0, 'share_met']):.1f}%"
    assert shown.loc["东区", "状态"] == "完成" and shown.loc["东区", "截至"] == "2027-06-30"
