"""End to end in a real browser: open the demo, shorten the solver budget on the Rules page, solve, see the KPIs,
download the workbook, open the History page; a screenshot of every page (tall viewport: Streamlit scrolls an inner
pane) goes to a temporary folder, or to docs/ with PLANNER_SCREENSHOTS=docs."""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

TALL = {"width": 1366, "height": 1300}
LAPTOP = {"width": 1366, "height": 768}


SHOTS: list[Path] = []   # set by the test: where screenshots go


def shot(page, name: str) -> None:
    page.set_viewport_size(TALL)
    page.wait_for_timeout(600)
    # a loaded machine draws widgets late: wait until no placeholder skeleton is left (else shoot anyway)
    with contextlib.suppress(Exception):
        page.wait_for_function("!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=20_000)
    page.wait_for_timeout(400)
    SHOTS[0].mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS[0] / f"{name}.png"))
    page.set_viewport_size(LAPTOP)


def goto(page, label: str, header: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(label, exact=True).click()
    page.get_by_role("heading", name=header, exact=True).wait_for(timeout=30_000)


def view(page, label: str) -> None:
    """Pick a Results view (a segmented control: one button per view)."""
    page.locator("[data-testid='stButtonGroup']").get_by_text(label, exact=True).click()
    page.wait_for_timeout(800)


def idle(page) -> None:
    """Wait until the script run has finished (Streamlit's running indicator is gone)."""
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=60_000)


def download(page, button: str, target: Path) -> Path:
    """Click a download button and save the file. A deferred download's file id is replaced by every script run,
    so the click waits for the run to finish; one retry covers a run that started between drawing and clicking.
    On failure the served app's log is quoted: the deferred callable's error is only logged there."""
    from tests.browser.conftest import SERVER_LOG

    for attempt in range(2):
        idle(page)
        try:
            with page.expect_download(timeout=60_000) as info:
                page.get_by_role("button", name=button).click()
            info.value.save_as(target)
            return target
        except Exception:
            if attempt:
                log = SERVER_LOG[0].read_text(errors="replace")[-6000:] if SERVER_LOG else ""
                raise AssertionError(f"no download from {button!r}; page says:\n"
                                     f"{page.locator('body').inner_text()[-2000:]}\nserver log:\n{log}") from None
    raise AssertionError("unreachable")


def set_number(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    page.wait_for_timeout(500)


@pytest.mark.browser
def test_demo_solve_kpis_and_workbook(page, app_url, shots_dir, tmp_path):
    SHOTS[:] = [shots_dir]
    page.goto(app_url)
    page.get_by_role("heading", name="数据", exact=True).wait_for(timeout=60_000)
    page.get_by_role("heading", name="当前数据").wait_for()
    page.get_by_text("上传上年计划", exact=False).wait_for(timeout=30_000)   # the page's last widget: all drawn
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=30_000)   # the run has finished
    shot(page, "data")

    goto(page, "2 规则", "规则")
    page.get_by_role("tab", name="求解器").click()
    set_number(page, "每阶段求解时间上限（确定性秒）", "15")
    set_number(page, "求解线程数", "2")
    page.get_by_role("tab", name="走访次数").click()
    shot(page, "rules")

    goto(page, "4 求解", "求解")
    page.get_by_role("button", name="开始求解").click()
    page.get_by_text("正在求解", exact=False).first.wait_for(timeout=30_000)
    shot(page, "solve_running")
    outcome = page.get_by_text("求解完成", exact=False).or_(page.get_by_text("规则无法同时满足", exact=False)).or_(
        page.get_by_text("求解出错", exact=False))
    outcome.first.wait_for(timeout=240_000)
    assert page.get_by_text("求解完成", exact=False).is_visible(), outcome.first.inner_text()
    shot(page, "solve")

    goto(page, "5 结果", "结果")
    page.get_by_text("联系户覆盖率").wait_for(timeout=30_000)
    expect(page.get_by_text("100.0%").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("全部满足").or_(page.get_by_text("处未满足")).first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(800)
    page.screenshot(path=str(shots_dir / "results_laptop.png"))
    shot(page, "results")
    for label, name in (("工作量", "results_workload"), ("地图", "results_map"), ("月度热力图", "results_heatmap"),
                        ("个人日历", "results_calendar"), ("基层负担", "results_burden")):
        view(page, label)
        page.wait_for_timeout(700)
        if name == "results_map":   # deck.gl draws into a canvas a moment after the element appears
            with contextlib.suppress(Exception):
                page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for(timeout=30_000)
            page.wait_for_timeout(3000)
        shot(page, name)

    goto(page, "3 锁定", "锁定")
    page.get_by_role("button", name="保存锁定").wait_for(timeout=30_000)
    shot(page, "locks")
    page.screenshot(path=str(shots_dir / "locks_laptop.png"))   # 1366×768: the save button above the fold

    goto(page, "6 导出", "导出")
    target = download(page, "下载计划工作簿（.xlsx）", tmp_path / "plan.xlsx")
    data = target.read_bytes()
    assert data[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert any(name.startswith("xl/worksheets/") for name in archive.namelist())
    shot(page, "export")

    goto(page, "7 历史", "历史")
    table = page.get_by_test_id("stDataFrame").first
    table.wait_for(timeout=30_000)
    expect(page.get_by_text("在结果页查看")).to_be_visible(timeout=30_000)
    shot(page, "history")
    page.get_by_role("tab", name="操作记录").click()
    page.get_by_text("内容包含").wait_for(timeout=30_000)
    shot(page, "history_audit")
    assert (shots_dir / "history.png").stat().st_size > 10_000
