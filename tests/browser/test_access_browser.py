"""Sign-in and roles in a real browser: the bundled small demo solved and published, an administrator created with
`planner user add`, a unit and a cadre imported from a CSV with `planner user import` (the README's newcomer path).
For each role: sign in, see only the scope, try a forbidden page by URL, sign out. Screenshots (1366×768) of the
sign-in page and each role's home go to a temporary folder, or to docs/ with PLANNER_SCREENSHOTS=docs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, ROOT, serve

PASSWORD = "browser-pass-1"
LAPTOP = {"width": 1366, "height": 768}


def _seed(home: Path, env: dict[str, str]) -> dict[str, Any]:
    """Solve and publish the demo into the store at env's PLANNER_DB_URL; create the accounts by the CLI."""
    from planner.io.read import read_problem
    from planner.solve import solve_plan
    from planner.store.api import open_store

    problem = read_problem(ROOT / "data" / "demo")
    plan = solve_plan(problem)
    store = open_store(env["PLANNER_DB_URL"])
    store.save_solved("2027年度", problem, plan, "组织部")
    store.publish("2027年度", 1, author="组织部")
    uc = plan.unit_communities
    unit = str(uc["unit_id"].iloc[0])
    ch = plan.cadre_households.merge(problem.cadres[["cadre_id", "unit_id"]], on="cadre_id")
    cadre = str(ch.loc[ch["unit_id"] == unit, "cadre_id"].iloc[0])
    store.close()
    cli = [sys.executable, "-m", "planner"]
    subprocess.run([*cli, "user", "add", "管理员", "--role", "admin"], input=PASSWORD + "\n", text=True, env=env,
                   check=True, capture_output=True)
    people = home / "people.csv"
    people.write_text(f"姓名,角色,范围,初始密码\n单位联络员,unit,{unit},{PASSWORD}\n干部本人,cadre,{cadre},{PASSWORD}\n",
                      encoding="utf-8-sig")
    subprocess.run([*cli, "user", "import", str(people)], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "user", "add", "督查员", "--role", "inspector"], input=PASSWORD + "\n", text=True, env=env,
                   check=True, capture_output=True)
    comms = set(uc.loc[uc["unit_id"] == unit, "community_id"].astype(str))
    homes = set(plan.cadre_households.loc[plan.cadre_households["cadre_id"] == cadre, "household_id"].astype(str))
    names = problem.households.set_index("household_id")["name"].astype(str)
    return {"unit": unit, "cadre": cadre, "communities": comms, "other_communities":
            set(problem.communities["community_id"].astype(str)) - comms,
            "home_ids": homes, "home_names": set(names[sorted(homes)]), "other_names": set(names.drop(sorted(homes)))}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    home = tmp_path_factory.mktemp("access_home")
    env = {**os.environ, "PLANNER_DB_URL": f"sqlite:///{home / 'store.db'}", "PLANNER_USER": "运维",
           "PYTHONPATH": str(ROOT)}
    facts = _seed(home, env)
    with serve(home, env, address=False) as url:   # no --server.address: config.toml's applies
        yield url, facts


def idle(page: Any) -> None:
    page.wait_for_timeout(400)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=60_000)


def sign_in(page: Any, url: str, name: str, path: str = "") -> None:
    page.goto(url + path)
    page.get_by_role("button", name="登录").wait_for(timeout=60_000)
    page.get_by_label("账户名").fill(name)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"已登录：{name}").wait_for(timeout=60_000)
    idle(page)


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.get_by_text("您已退出登录").wait_for(timeout=30_000)
    idle(page)                                                  # stale elements of the last run are gone
    page.get_by_test_id("stDataFrame").first.wait_for(state="detached", timeout=30_000)
    assert page.get_by_test_id("stDataFrame").count() == 0


def snap(page: Any, shots_dir: Path, name: str) -> None:
    page.set_viewport_size(LAPTOP)
    page.wait_for_timeout(800)
    page.screenshot(path=str(shots_dir / f"{name}.png"))


def body(page: Any) -> str:
    return str(page.locator("body").inner_text())


@pytest.mark.browser
def test_sign_in_page_shows_nothing_personal(page: Any, served: tuple[str, dict[str, Any]], shots_dir: Path) -> None:
    url, facts = served
    page.goto(url + "/?page=results")          # a deep link before signing in: still only the sign-in page
    page.get_by_role("button", name="登录").wait_for(timeout=60_000)
    idle(page)
    snap(page, shots_dir, "access_signin")
    text = body(page)
    assert "登录" in text and page.get_by_test_id("stDataFrame").count() == 0
    assert not any(n in text for n in facts["home_names"] | facts["other_names"])
    page.get_by_label("账户名").fill("管理员")
    page.get_by_label("密码", exact=True).fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("账户名或密码不正确").wait_for(timeout=30_000)


@pytest.mark.browser
def test_admin_sees_the_workflow_and_signs_out(page: Any, served: tuple[str, dict[str, Any]], shots_dir: Path) -> None:
    url, _ = served
    sign_in(page, url, "管理员")
    page.get_by_role("heading", name="数据", exact=True).wait_for(timeout=60_000)
    page.get_by_text("上传上年计划", exact=False).first.wait_for(timeout=30_000)   # our label + the uploader's own
    idle(page)
    snap(page, shots_dir, "access_admin")
    sidebar = page.get_by_test_id("stSidebar")
    for label in ("1 数据", "4 求解", "7 历史"):
        assert sidebar.get_by_text(label, exact=True).is_visible()
    assert sidebar.get_by_text("您的姓名", exact=False).count() == 0      # the account is the author
    sidebar.get_by_text("7 历史", exact=True).click()
    page.get_by_text("当前发布：方案“2027年度”第 1 版").wait_for(timeout=30_000)
    page.get_by_text("第 1 版已发布").scroll_into_view_if_needed()
    idle(page)
    snap(page, shots_dir, "access_history_published")
    sign_out(page)


@pytest.mark.browser
def test_unit_sees_its_scope_only_and_cannot_open_data(page: Any, served: tuple[str, dict[str, Any]],
                                                       shots_dir: Path) -> None:
    url, facts = served
    sign_in(page, url, "单位联络员", "/?page=data")    # a forbidden page named in the URL
    page.get_by_text("无权访问", exact=False).wait_for(timeout=30_000)
    page.get_by_role("heading", name="本单位", exact=True).wait_for(timeout=30_000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
    idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    assert sidebar.get_by_text("1 数据", exact=True).count() == 0
    assert sidebar.get_by_text("4 求解", exact=True).count() == 0
    snap(page, shots_dir, "access_unit")
    titles = page.locator("table.mg-month td.visit").evaluate_all("cells => cells.map(c => c.title)")
    marked = {c for title in titles for c in title.replace(" ", "、").split("、") if c}
    assert marked == facts["communities"]          # the unit's calendar: its own communities, all of them
    assert not any(n in body(page) for n in facts["other_names"])
    sign_out(page)


@pytest.mark.browser
def test_cadre_sees_its_households_and_day_sheet(page: Any, served: tuple[str, dict[str, Any]],
                                                 shots_dir: Path) -> None:
    url, facts = served
    sign_in(page, url, "干部本人", "/?page=history")
    page.get_by_text("无权访问", exact=False).wait_for(timeout=30_000)
    page.get_by_role("heading", name="我的走访", exact=True).wait_for(timeout=30_000)
    page.get_by_text("走访单（按步行顺序）").wait_for(timeout=30_000)
    idle(page)
    snap(page, shots_dir, "access_cadre")
    page.set_viewport_size({"width": 1366, "height": 2400})
    page.wait_for_timeout(800)
    text = body(page)
    assert page.locator("table.mg-month").count() == 12
    assert page.get_by_role("button", name="下载我的日历（.ics）").is_visible()
    assert page.get_by_role("button", name="下载可打印的走访单").is_visible()
    titles = page.locator("table.mg-month td.visit").evaluate_all("cells => cells.map(c => c.title)")
    marked = {h for title in titles for h in title.replace(" ", "、").split("、") if h}
    households = {m for m in marked if m.startswith("H")}      # (research days mark a community)
    assert households == facts["home_ids"]                     # the calendar marks its own households, all of them
    assert not any(n in text for n in facts["other_names"])
    page.set_viewport_size(LAPTOP)
    page.get_by_text("我的联系户").scroll_into_view_if_needed()
    snap(page, shots_dir, "access_cadre_households")
    assert "1 数据" not in text and "本单位" not in text
    sign_out(page)


@pytest.mark.browser
def test_inspector_reads_but_cannot_solve(page: Any, served: tuple[str, dict[str, Any]]) -> None:
    url, _ = served
    sign_in(page, url, "督查员")
    page.get_by_role("heading", name="数据", exact=True).wait_for(timeout=60_000)
    page.get_by_test_id("stSidebar").get_by_text("4 求解", exact=True).click()
    page.get_by_text("无权访问", exact=False).wait_for(timeout=30_000)
    idle(page)
    assert page.get_by_role("button", name="开始求解").count() == 0
    page.get_by_test_id("stSidebar").get_by_text("2 规则", exact=True).click()
    page.get_by_text("只读", exact=False).first.wait_for(timeout=30_000)
    sign_out(page)


@pytest.mark.browser
def test_without_accounts_a_proxied_visitor_is_refused(browser: Any, app_url: str) -> None:
    """The conftest's app (fresh store, no account, 127.0.0.1): a request carrying a proxy header is the office
    network reaching a local-mode app through a proxy on the same host, and gets only the refusal."""
    context = browser.new_context(extra_http_headers={"X-Forwarded-For": "10.0.0.8"}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(app_url)
        page.get_by_text("拒绝服务", exact=False).wait_for(timeout=60_000)
        idle(page)
        assert page.get_by_test_id("stDataFrame").count() == 0
        assert page.get_by_test_id("stSidebar").count() == 0
    finally:
        context.close()
