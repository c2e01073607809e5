"""AppTest for the pages that need no solve: data (demo, uploads, errors), rules, locks by hand, language."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from planner.ui.components import source_label
from planner.ui.i18n import t
from planner.ui.state import REPO_ROOT, demo_path
from tests.ui.conftest import goto

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def demo_zip(replace: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(DEMO.iterdir()):
            text = path.read_text(encoding="utf-8-sig")
            archive.writestr(f"district/{path.name}", (replace or {}).get(path.name, text))
    return buffer.getvalue()


def changed_zip() -> bytes:
    """The demo with one office renamed: real new data (an identical upload changes nothing)."""
    offices = (DEMO / "offices.csv").read_text(encoding="utf-8-sig").replace("东城办事处", "东城街道办事处", 1)
    return demo_zip({"offices.csv": offices})


def test_opens_on_demo_data(make_app):
    at = make_app()
    ws = at.session_state["workspace"]
    assert ws.problem is not None and ws.problem.n_households > 0
    assert at.header[0].value == "数据"
    captions = [c.value for c in at.caption] + [c.value for c in at.sidebar.caption]
    assert "当前数据：内置示例区（data/demo）" in captions
    assert not any(str(REPO_ROOT) in c for c in captions)   # never the server's folders
    assert at.get("download_button")[0].label.startswith("下载空白模板")


def test_bad_upload_lists_problems_and_keeps_data(make_app):
    at = make_app()
    ws = at.session_state["workspace"]
    before = ws.problem
    households = (DEMO / "households.csv").read_text(encoding="utf-8-sig").splitlines()
    fields = households[1].split(",")
    fields[1] = "C999"  # a community that does not exist
    households[1] = ",".join(fields)
    at.file_uploader(key="data_upload").upload("bad.zip", demo_zip({"households.csv": "\n".join(households)}))
    at.run()
    assert not at.exception
    assert ws.problem is before
    assert ws.upload_issues and any("C999" in (i.message_en + str(i.value)) or i.column == "community_id"
                                    for i in ws.upload_issues)
    assert at.error and "未载入" in at.error[0].value
    table = at.dataframe[0].value   # the problems come first, full width, above the data
    assert list(table.columns) == [t("data.col_file"), t("data.col_row"), t("data.col_column"), t("data.col_message")]
    assert "2" in set(table[t("data.col_row")].astype(str))
    # in the user's terms: the sheet and column names of the template, not households.csv / community_id
    listed = " ".join(m.value for m in at.markdown)
    assert "联系户" in listed and "所属社区编号" in set(table[t("data.col_column")]) and "households.csv" not in listed
    assert "community_id" not in " ".join(table[t("data.col_message")])


def test_good_upload_replaces_data(make_app):
    at = make_app()
    at.file_uploader(key="data_upload").upload("district.zip", changed_zip())
    at.run()
    ws = at.session_state["workspace"]
    assert not ws.upload_issues
    assert ws.problem.source.endswith("district.zip")
    assert at.success
    assert "当前数据：district.zip" in [c.value for c in at.sidebar.caption]


def test_source_label_hides_paths():
    assert source_label(str(demo_path())) == "内置示例区（data/demo）"
    assert source_label("/srv/uploads/tmp123/district.zip") == "district.zip"
    assert source_label("C:\\Users\\chen\\桌面\\区数据.xlsx") == "区数据.xlsx"
    assert source_label("") == "—"


def test_edit_rule_and_reset(make_app):
    at = make_app()
    goto(at, "rules")
    ws = at.session_state["workspace"]
    assert ws.rules.visits.cadre_household == 6
    widget = at.number_input(key="rule:visits.cadre_household")
    assert widget.help and "6次" in widget.help  # the policy sentence is the help text
    widget.set_value(8).run()
    assert ws.rules.visits.cadre_household == 8
    assert ws.rules.year == ws.problem.rules.year
    at.toggle(key="rule:visits.all_offices_once").set_value(False).run()
    assert ws.rules.visits.all_offices_once is False
    at.button(key="rules_reset").click().run()
    assert ws.rules.visits.cadre_household == 6 and ws.rules.visits.all_offices_once is True
    assert at.number_input(key="rule:visits.cadre_household").value == 6


def test_every_rule_has_a_widget(make_app):
    from planner.rules import rule_fields

    at = make_app()
    goto(at, "rules")
    keys = {w.key for kind in ("number_input", "toggle", "selectbox", "text_input") for w in at.get(kind)}
    assert {f"rule:{name}" for name, _ in rule_fields()} <= keys


def test_lock_by_hand_and_unknown_id(make_app):
    at = make_app()
    goto(at, "locks")
    ws = at.session_state["workspace"]
    n_forbidden = len(ws.problem.forbidden)
    at.radio(key="locks_kind").set_value("unit_community").run()
    at.text_input(key="locks_add_subject").input("U002")
    at.text_input(key="locks_add_target").input("C005")
    at.radio(key="locks_add_action").set_value("forbid")
    at.button(key="locks_add_submit").click().run()  # the form's submit button
    assert not at.exception
    forbidden = ws.problem.forbidden
    assert len(forbidden) == n_forbidden + 1
    assert ((forbidden["subject_id"] == "U002") & (forbidden["target_id"] == "C005")).any()
    assert at.text_input(key="locks_add_subject").value == ""   # saved: the form is cleared for the next one
    # the list of locks names each side next to its code
    listed = at.dataframe[-1].value
    names = dict(zip(ws.problem.units["unit_id"], ws.problem.units["name"], strict=True))
    assert f"U002 {names['U002']}" in set(listed.iloc[:, 3])
    # a lock naming an id that does not exist is refused, the locks stay as they were, the typed ids stay
    at.text_input(key="locks_add_subject").input("U999")
    at.text_input(key="locks_add_target").input("C005")
    at.button(key="locks_add_submit").click().run()
    assert len(ws.problem.forbidden) == n_forbidden + 1
    assert at.error
    assert at.text_input(key="locks_add_subject").value == "U999"
    assert at.text_input(key="locks_add_target").value == "C005"
    shown = " ".join(m.value for m in at.markdown)
    assert "禁止结对" in shown and "pins.csv" not in shown and "forbidden.csv" not in shown


def test_english_switch(make_app):
    at = make_app()
    at.sidebar.button_group[0].set_value("en").run()
    assert at.header[0].value == "Data"
    goto(at, "rules")
    assert at.header[0].value == "Rules"
    assert at.tabs[0].label == "Assignment"
    at.sidebar.button_group[0].set_value("zh").run()
    assert at.header[0].value == "规则"


def test_pages_without_plan_say_what_to_do(make_app):
    at = make_app()
    for page in ("results", "export"):
        goto(at, page)
        assert any("求解" in i.value for i in at.info)
