"""AppTest of sign-in and roles: nothing personal before sign-in, wrong password, lockout, expiry, the
listen-address rule, and each role's pages holding its scope only (the tiny district, published)."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from planner.access.accounts import AccessSettings, Accounts
from planner.plan import Plan
from planner.problem import Problem
from planner.store.api import open_store
from planner.ui.session import LAST_KEY, is_loopback
from tests.fixtures import tiny_problem
from tests.ui.conftest import APP

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "tiny-pass-123"


@pytest.fixture(scope="module")
def solved() -> tuple[Problem, Plan]:
    from planner.solve import solve_plan

    problem = tiny_problem()
    return problem, solve_plan(problem)


def seed(solved: tuple[Problem, Plan], publish: bool = True, **people: tuple[str, str | None]) -> None:
    """The tiny district as scenario "tiny" version 1 (published unless told), and the given accounts."""
    store = open_store(os.environ["PLANNER_DB_URL"])
    problem, plan = solved
    store.create_scenario("tiny", "甲", problem=problem)
    store.save_solved("tiny", problem, plan, "甲", expected_revision=1)
    if publish:
        store.publish("tiny", 1, author="甲")
    accounts = Accounts(store.engine)
    for name, (role, scope) in people.items():
        accounts.add(name, role, scope, PASSWORD, "test")


def texts(at: AppTest) -> str:
    """Everything the page holds as text: every element's message, and every dataframe's cells."""
    out: list[str] = []

    def walk(node: Any) -> None:
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)
            return
        if getattr(node, "type", "") == "dataframe":
            out.append(node.value.to_csv())
        elif getattr(node, "proto", None) is not None:
            out.append(str(node.proto).encode("latin-1", "backslashreplace").decode("unicode_escape",
                                                                                      "ignore"))
    walk(at._tree)
    return "\n".join(out)


def open_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()   # the form's submit button
    assert not at.exception, at.exception
    return at


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


@pytest.fixture
def network_address() -> Iterator[None]:
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    yield
    st_config.set_option("server.address", before)


# -- the listen-address rule -----------------------------------------------------------------------------------------
def test_the_default_configuration_listens_on_loopback_only() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert is_loopback(config["server"]["address"])
    assert is_loopback(st_config.get_option("server.address"))   # what `streamlit run` here will bind
    assert not is_loopback("") and not is_loopback("0.0.0.0") and not is_loopback("::")
    assert not is_loopback("192.168.1.20") and is_loopback("::1") and is_loopback("localhost")


def test_no_account_on_a_network_address_is_refused(app_home: Path, network_address: None) -> None:
    at = open_app()
    assert at.error and "拒绝服务" in at.error[0].value
    assert "workspace" not in at.session_state and not at.dataframe and not at.sidebar.radio


def test_no_account_on_loopback_is_local_mode_and_says_how_to_create_an_admin(app_home: Path) -> None:
    at = open_app()
    assert any("本机单用户模式" in c.value for c in at.sidebar.caption)
    assert any("planner user add" in c.value for c in at.sidebar.code)
    assert at.sidebar.text_input(key="author")          # today's free-text author


def test_with_an_account_on_a_network_address_the_sign_in_page_is_served(
        app_home: Path, solved: tuple[Problem, Plan], network_address: None) -> None:
    seed(solved, admin=("admin", None))
    at = open_app()
    assert at.text_input(key="signin_password") and not at.error


# -- before sign-in ----------------------------------------------------------------------------------------------
def test_before_sign_in_nothing_personal_is_on_the_page(app_home: Path, solved: tuple[Problem, Plan]) -> None:
    seed(solved, admin=("admin", None))
    at = open_app()
    assert at.text_input(key="signin_password").proto.type == 1   # a password field (masked)
    assert not at.dataframe and not at.get("vega_lite_chart") and not at.get("deck_gl_json_chart")
    assert "workspace" not in at.session_state
    page = texts(at)
    assert "登录" in page and not re.findall(r"户主\d+", page)
    for name in ["H01", "幸福里社区", "干部1"]:
        assert name not in page


def test_the_sign_in_page_switches_to_english(app_home: Path, solved: tuple[Problem, Plan]) -> None:
    seed(solved, admin=("admin", None))
    at = open_app()
    at.button_group(key="lang").set_value("en").run()
    assert at.text_input(key="signin_password").label == "Password"
    assert any(s.value == "Sign in" for s in at.subheader)
    sign_in(at, "admin", "wrong-password")
    assert "Wrong account name or password" in at.error[0].value


def test_wrong_password_and_unknown_name_get_the_same_refusal(app_home: Path, solved: tuple[Problem, Plan]) -> None:
    seed(solved, admin=("admin", None))
    at = sign_in(open_app(), "admin", "wrong-password")
    wrong = at.error[0].value
    at = sign_in(open_app(), "nobody", PASSWORD)
    assert at.error[0].value == wrong and "不正确" in wrong
    assert "workspace" not in at.session_state and not at.dataframe


def test_lockout_after_n_wrong_passwords(app_home: Path, solved: tuple[Problem, Plan],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANNER_MAX_FAILURES", "3")
    seed(solved, admin=("admin", None))
    at = open_app()
    for _ in range(2):
        sign_in(at, "admin", "wrong-password")
        assert "不正确" in at.error[0].value
    sign_in(at, "admin", "wrong-password")
    assert "锁定" in at.error[0].value
    sign_in(at, "admin", PASSWORD)                      # the right password is refused while locked
    assert "锁定" in at.error[0].value and "workspace" not in at.session_state


def test_a_session_expires_after_inactivity(app_home: Path, solved: tuple[Problem, Plan]) -> None:
    seed(solved, admin=("admin", None))
    at = sign_in(open_app(), "admin")
    assert "workspace" in at.session_state
    minutes = AccessSettings.from_env().session_minutes
    at.session_state[LAST_KEY] = at.session_state[LAST_KEY] - timedelta(minutes=minutes - 1)
    at.run()
    assert "workspace" in at.session_state                      # still inside the window
    at.session_state[LAST_KEY] = at.session_state[LAST_KEY] - timedelta(minutes=minutes + 1)
    at.run()
    assert "workspace" not in at.session_state and not at.dataframe
    assert any("未操作" in i.value for i in at.info)


def test_a_signed_in_person_changes_their_own_password(app_home: Path, solved: tuple[Problem, Plan]) -> None:
    seed(solved, 干部四=("cadre", "G4"))
    at = sign_in(open_app(), "干部四")
    at.text_input(key="access_passwd_old").input("not-mine-at-all")
    at.text_input(key="access_passwd_new").input("brand-new-pass")
    at.text_input(key="access_passwd_again").input("brand-new-pass")
    at.button(key="FormSubmitter:access_passwd_form-保存新密码").click().run()
    assert any("当前密码不正确" in e.value for e in at.error)
    at.text_input(key="access_passwd_old").input(PASSWORD)
    at.text_input(key="access_passwd_new").input("brand-new-pass")
    at.text_input(key="access_passwd_again").input("brand-new-pass")
    at.button(key="FormSubmitter:access_passwd_form-保存新密码").click().run()
    assert any("密码已修改" in m.value for m in at.success)
    accounts = Accounts(open_store(os.environ["PLANNER_DB_URL"]).engine)
    assert accounts.verify("干部四", "brand-new-pass").outcome.value == "ok"
    assert [e["actor"] for e in accounts.audit() if e["action"] == "passwd"] == ["干部四"]


def test_sign_out_forgets_the_session(app_home: Path, solved: tuple[Problem, Plan]) -> None:
    seed(solved, admin=("admin", None))
    at = sign_in(open_app(), "admin")
    at.sidebar.button(key="access_sign_out").click().run()
    assert "workspace" not in at.session_state and at.text_input(key="signin_password")


# -- roles -----------------------------------------------------------------------------------------------------------
def test_a_unit_sees_only_its_scope_on_every_page(app_home: Path, solved: tuple[Problem, Plan]) -> None:
    problem = solved[0]
    seed(solved, 财政局=("unit", "U2"))
    at = sign_in(open_app(), "财政局")
    homes = set(problem.households.loc[problem.households["community_id"] == "C04", "household_id"])
    others = set(problem.households["household_id"]) - homes
    cadres = set(problem.cadres.loc[problem.cadres["unit_id"] == "U2", "cadre_id"])
    assert at.sidebar.radio(key="nav").options == ["本单位", "5 结果", "6 导出", "10 台账"]
    unit_page = "\n".join(f.to_csv() for f in frames(at))
    assert "C04" in unit_page and not any(c in unit_page for c in ("C01", "C02", "C03"))
    assert cadres <= {c for c in problem.cadres["cadre_id"] if c in unit_page}
    for kind in ("unit_community", "cadre_household"):
        at.sidebar.radio(key="nav").set_value("results").run()
        at.selectbox(key="res_pairs_kind.zh").set_value(kind).run()
        table = frames(at)[-1]
        shown = set(table.iloc[:, 0].astype(str)) | set(table.iloc[:, 3].astype(str))
        assert not shown & others and not {"U1", "U3"} & shown
    assert not set(re.findall(r"户主\d+", texts(at))) & set(problem.households.loc[
        problem.households["household_id"].isin(others), "name"])
    view = at.session_state["access_view"]
    assert set(view.ws.problem.households["household_id"]) == homes
    assert {k for k, _ in set(zip(view.ws.plan.visits["person_kind"], view.ws.plan.visits["person_id"],
                                  strict=True))} <= {"unit", "cadre"}


def test_a_unit_cannot_open_an_organizer_page_by_url(app_home: Path, solved: tuple[Problem, Plan]) -> None:
    seed(solved, 财政局=("unit", "U2"))
    at = sign_in(open_app(), "财政局")
    at.query_params["page"] = "data"
    at.query_params["scenario"] = "tiny"
    at.run()
    assert any("无权访问" in e.value for e in at.error)
    assert "workspace" not in at.session_state         # the organizers' workspace was never built


def test_units_and_cadres_see_nothing_before_a_version_is_published(
        app_home: Path, solved: tuple[Problem, Plan]) -> None:
    seed(solved, publish=False, u=("unit", "U2"), c=("cadre", "G4"))
    for name in ("u", "c"):
        at = sign_in(open_app(), name)
        assert any("尚未发布" in i.value for i in at.info) and not at.dataframe


def test_a_cadre_sees_its_own_households_and_calendar(app_home: Path, solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    seed(solved, 干部四=("cadre", "G4"))
    at = sign_in(open_app(), "干部四")
    mine = set(plan.cadre_households.loc[plan.cadre_households["cadre_id"] == "G4", "household_id"])
    table = frames(at)[0]
    assert set(table.iloc[:, 0]) == mine
    names = problem.households.set_index("household_id")["name"]
    assert set(table.iloc[:, 1]) == set(names[sorted(mine)])
    shown = set(re.findall(r"户主\d+", texts(at)))          # the tiny district's household names
    assert shown == set(names[sorted(mine)])
    assert at.get("html") and at.selectbox(key="mine_day")
    assert at.sidebar.radio(key="nav").options == ["我的走访"]


def test_an_inspector_reads_everything_and_changes_nothing(app_home: Path, solved: tuple[Problem, Plan]) -> None:
    seed(solved, 督查=("inspector", None))
    at = sign_in(open_app(), "督查")
    ws = at.session_state["workspace"]
    assert ws.author == "督查"
    assert "author" not in [w.key for w in at.sidebar.text_input]   # no free-text author once accounts exist
    at.sidebar.radio(key="nav").set_value("solve").run()
    assert any("无权访问" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "solve_start"]
    at.sidebar.radio(key="nav").set_value("rules").run()
    assert any("只读" in i.value for i in at.info)
    before = open_store(os.environ["PLANNER_DB_URL"]).scenario("tiny").revision
    ws.set_rules(ws.rules.replace(year=2025))                      # what the rules page would call
    assert open_store(os.environ["PLANNER_DB_URL"]).scenario("tiny").revision == before
    assert "not allowed" in str(ws.store_error)   # Workspace keeps str(exc) (English) for the banner


def test_an_organizer_publishes_in_the_app_and_the_trail_names_the_account(
        app_home: Path, solved: tuple[Problem, Plan]) -> None:
    seed(solved, publish=False, 组织部王五=("organizer", None))
    at = sign_in(open_app(), "组织部王五")
    at.sidebar.radio(key="nav").set_value("history").run()
    at.button(key="history_publish").click().run()
    assert not at.exception, at.exception
    store = open_store(os.environ["PLANNER_DB_URL"])
    assert store.current_publication() == ("tiny", 1)
    assert [e.author for e in store.list_audit("tiny") if e.action == "publish"] == ["组织部王五"]


def test_a_cadre_records_a_visit_and_sees_it(app_home: Path, solved: tuple[Problem, Plan]) -> None:
    from planner.store.actuals import load_records

    problem, plan = solved
    seed(solved, 干部四=("cadre", "G4"))
    at = sign_in(open_app(), "干部四")
    target = at.selectbox(key="record_target")
    own = set(plan.cadre_households.loc[plan.cadre_households["cadre_id"] == "G4", "household_id"])
    assert {o.split()[0] for o in target.options if o.startswith("H")} == own   # its own plan rows only
    first = target.value
    at.checkbox(key="record_talk").check()
    at.text_area(key="record_note").input("门口见面")
    at.button(key="FormSubmitter:record_form-保存走访记录").click().run()
    assert not at.exception, at.exception
    assert any("已保存" in s.value for s in at.success)
    stored = load_records(open_store(os.environ["PLANNER_DB_URL"]), "tiny", with_notes=True)
    assert stored[["person_id", "target_id", "talk", "note", "recorded_by"]].values.tolist() == [
        ["G4", first[3], 1, "门口见面", "干部四"]]
    listed = next(f for f in frames(at) if "情况" in f.columns)            # the list of recorded visits
    name = problem.households.set_index("household_id")["name"].get(first[3], "")
    assert listed["走访对象"].tolist() == [f"{first[3]} {name}".strip()]
    assert listed["备注"].tolist() == ["门口见面"] and listed["谈心谈话"].tolist() == ["✓"]
    if first[2] == "household":
        households = frames(at)[0].set_index(frames(at)[0].columns[0])
        assert households.loc[first[3], "已记录走访"] == 1
    at.button(key="FormSubmitter:record_form-保存走访记录").click().run()     # the same visit again
    assert any("已登记过" in w.value for w in at.warning)
    assert len(load_records(open_store(os.environ["PLANNER_DB_URL"]), "tiny")) == 1
