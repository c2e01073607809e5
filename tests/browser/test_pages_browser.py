"""The organizers' later pages and the self-service recording in a real browser (1366×768, Chinese): the demo solved
and published with a half-year of demo visits and cases in the store; the 督查, 台账 and 全市/全省 pages each get
their screenshot (docs/ with PLANNER_SCREENSHOTS=docs); an address survives the sign-in; a cadre records a visit
and sees it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, serve
from tests.browser.test_access_browser import _seed, body, idle, sign_in, sign_out, snap

AS_OF = date(2027, 6, 30)   # the demo year's default "as of" on the 督查 page


def _supervision(env: dict[str, str]) -> None:
    """Half a year of demo visits and cases into the published scenario (as an office would import them)."""
    import pandas as pd

    from planner.store.actuals import import_actuals
    from planner.store.api import open_store
    from planner.store.cases import import_cases
    from planner.supervision.actuals import validate_actuals
    from planner.supervision.cases import validate_cases
    from planner.supervision.demo_actuals import demo_actuals
    from planner.supervision.demo_cases import demo_cases

    store = open_store(env["PLANNER_DB_URL"])
    problem, plan = store.load_version("2027年度", 1)
    raw = demo_actuals(problem, plan, AS_OF)
    actuals = validate_actuals(raw.astype(str), problem)
    import_actuals(store, "2027年度", actuals.visits, actuals.notes, "组织部")
    cases = demo_cases(problem, raw, AS_OF)
    import_cases(store, "2027年度", validate_cases(pd.DataFrame(cases).astype(str), problem), "组织部")
    store.close()


def _districts(home: Path) -> tuple[Path, Path]:
    """Two small demo districts and one with a broken table, for the batch page (under a short, readable path:
    the folders show in the screenshot)."""
    from tests.batch.conftest import break_input, make_demo

    root = home / "区县输入"
    make_demo(root / "东城区", 1)
    make_demo(root / "西城区", 2)
    shutil.copytree(root / "东城区", root / "南城区")
    break_input(root / "南城区")
    return root, home / "计划输出"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    home = Path(tempfile.mkdtemp(prefix="全市计划-"))
    env = {**os.environ, "PLANNER_DB_URL": f"sqlite:///{home / 'store.db'}", "PLANNER_USER": "运维",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    facts = {**_seed(home, env), "db": env["PLANNER_DB_URL"]}
    _supervision(env)
    root, out = _districts(home)
    env.update(PLANNER_BATCH_ROOT=str(root), PLANNER_BATCH_OUT=str(out), PLANNER_BATCH_WORKERS="2")
    facts["out"] = str(out)
    try:
        with serve(home, env) as url:
            yield url, facts
    finally:
        shutil.rmtree(home, ignore_errors=True)


def goto(page: Any, label: str, header: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(label, exact=True).click()
    page.get_by_role("heading", name=header, exact=True).wait_for(timeout=60_000)
    idle(page)


@pytest.mark.browser
def test_an_address_survives_the_sign_in(page: Any, served: tuple[str, dict[str, Any]]) -> None:
    url, _ = served
    sign_in(page, url, "管理员", "/results")
    page.get_by_role("heading", name="结果", exact=True).wait_for(timeout=60_000)
    assert page.url.endswith("/results")
    sign_out(page)


@pytest.mark.browser
def test_supervision_and_case_pages(page: Any, served: tuple[str, dict[str, Any]], shots_dir: Path) -> None:
    url, _ = served
    sign_in(page, url, "管理员")
    goto(page, "8 督查", "督查")
    page.get_by_role("tab", name="需要帮助").wait_for(timeout=60_000)
    idle(page)
    assert page.url.endswith("/progress")
    snap(page, shots_dir, "progress")
    page.get_by_role("tab", name="需要帮助").click()
    idle(page)
    snap(page, shots_dir, "progress_help")
    goto(page, "10 台账", "问题台账")
    page.get_by_test_id("stMetric").first.wait_for(timeout=30_000)
    idle(page)
    assert page.url.endswith("/cases")
    snap(page, shots_dir, "cases")
    sign_out(page)


@pytest.mark.browser
def test_batch_page_plans_every_district(page: Any, served: tuple[str, dict[str, Any]], shots_dir: Path) -> None:
    url, facts = served
    sign_in(page, url, "管理员")
    goto(page, "9 全市/全省", "全市/全省：各区县计划批量生成")
    snap(page, shots_dir, "batch_start")
    page.get_by_role("button", name="开始批量生成").click()
    page.get_by_text("已完成，汇总表", exact=False).wait_for(timeout=420_000)
    idle(page)
    import pandas as pd

    summary = pd.read_csv(Path(facts["out"]) / "summary.csv", dtype=str, encoding="utf-8-sig")
    assert len(summary) == 3                                    # every district has its outcome
    snap(page, shots_dir, "batch")
    sign_out(page)


@pytest.mark.browser
def test_a_cadre_records_a_visit_and_sees_it(page: Any, served: tuple[str, dict[str, Any]], shots_dir: Path) -> None:
    url, facts = served
    sign_in(page, url, "干部本人")
    page.get_by_role("heading", name="我的走访", exact=True).wait_for(timeout=60_000)
    form = page.get_by_test_id("stForm")
    form.scroll_into_view_if_needed()
    form.get_by_text("进行了谈心谈话").click()
    form.get_by_label("备注", exact=False).fill("院门口交谈，反映路灯问题")
    form.get_by_role("button", name="保存走访记录").click()
    page.get_by_text("已保存", exact=False).wait_for(timeout=30_000)
    idle(page)
    page.get_by_text("已登记的走访").evaluate("e => e.scrollIntoView({block: 'center'})")   # form and list in view
    page.wait_for_timeout(800)
    assert "还没有登记的走访" not in body(page)
    from planner.store.actuals import load_records
    from planner.store.api import open_store

    store = open_store(facts["db"])
    stored = load_records(store, "2027年度", with_notes=True)
    mine = stored[stored["recorded_by"] == "干部本人"]
    assert mine[["person_id", "talk", "note"]].values.tolist() == [[facts["cadre"], 1, "院门口交谈，反映路灯问题"]]
    visits = store.load_plan("2027年度", 1).visits
    planned = set(visits.loc[visits["person_id"].astype(str) == facts["cadre"], "target_id"].astype(str))
    assert mine["target_id"].iloc[0] in planned                 # one of its own plan's targets
    snap(page, shots_dir, "access_cadre_record")
    sign_out(page)
