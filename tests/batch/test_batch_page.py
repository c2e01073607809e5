"""The app's 全市/全省 page: start a batch on the configured cluster (the tests' 2-worker cluster, by its scheduler
address as PLANNER_DASK_SCHEDULER), see it running, then every district's outcome."""

from __future__ import annotations

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
