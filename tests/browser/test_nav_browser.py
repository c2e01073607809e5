"""Page addresses in a real browser (local mode, the conftest's app): a deep link opens its page, the menu changes
the address, a refresh keeps the page, back and forward walk the pages, and a refresh during a solve comes back to
the solve page with the solve still running (and stoppable)."""

from __future__ import annotations

from typing import Any

import pytest


def idle(page: Any) -> None:
    page.wait_for_timeout(400)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=60_000)


def heading(page: Any, name: str) -> None:
    page.get_by_role("heading", name=name, exact=True).wait_for(timeout=60_000)
    idle(page)


def menu(page: Any, label: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(label, exact=True).click()


@pytest.mark.browser
def test_deep_link_menu_refresh_back_and_forward(page: Any, app_url: str) -> None:
    page.goto(app_url + "/rules")                       # a deep link
    heading(page, "规则")
    assert page.get_by_test_id("stSidebar").get_by_role("radio", name="2 规则").is_checked()
    menu(page, "5 结果")
    heading(page, "结果")
    page.wait_for_url("**/results", timeout=30_000)
    menu(page, "7 历史")
    heading(page, "历史")
    page.wait_for_url("**/history", timeout=30_000)
    page.reload()                                       # a refresh keeps the page
    heading(page, "历史")
    assert page.url.endswith("/history")
    page.go_back()
    heading(page, "结果")
    assert page.url.endswith("/results")
    page.go_back()
    heading(page, "规则")
    assert page.url.endswith("/rules")
    assert page.get_by_test_id("stSidebar").get_by_role("radio", name="2 规则").is_checked()
    page.go_forward()
    heading(page, "结果")
    menu(page, "1 数据")                                 # the first page lives at the app's root
    heading(page, "数据")
    page.wait_for_url(app_url + "/", timeout=30_000)


@pytest.mark.browser
def test_a_refresh_during_a_solve_keeps_the_page_and_the_solve(page: Any, app_url: str) -> None:
    page.goto(app_url + "/solve")
    heading(page, "求解")
    page.get_by_role("button", name="开始求解").click()
    page.get_by_text("正在求解", exact=False).first.wait_for(timeout=30_000)
    page.reload()
    heading(page, "求解")
    assert page.url.endswith("/solve")
    # the running solve, taken back — or, on a loaded machine where the reload outlasts the solve, its result
    running = page.get_by_text("正在求解", exact=False)
    running.or_(page.get_by_text("求解完成", exact=False)).first.wait_for(timeout=30_000)
    if running.count():
        page.get_by_role("button", name="停止").click()
    page.get_by_text("已停止求解", exact=False).or_(page.get_by_text("求解完成", exact=False)).first.wait_for(
        timeout=180_000)
