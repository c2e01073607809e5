"""argparse's own error messages follow --lang (Chinese by default); `export --previous` updates calendars."""

from __future__ import annotations

from pathlib import Path

import pytest
from icalendar import Calendar

from planner.cli import main
from planner.cli_errors import zh_error
from planner.plan import write_plan
from tests.export.conftest import make_plan


@pytest.mark.parametrize(("argv", "expected"), [
    (["plan", "data"], "planner plan：错误：缺少必需的参数：--out"),
    (["demo", "d", "--size", "huge"], "planner demo：错误：参数 --size：无效的选择 'huge'（可选：'small', 'district', 'city'）"),
    (["demo", "d", "--seed", "x"], "planner demo：错误：参数 --seed：整数值无效：'x'"),
    (["export", "p", "--xlsx"], "planner export：错误：参数 --xlsx：需要一个值"),
    (["validate", "d", "--nope"], "planner：错误：无法识别的参数：--nope"),
])
def test_argparse_errors_in_chinese(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLANNER_LANG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.splitlines()[-1] == expected and err.startswith("用法：")


def test_english_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--lang", "en", "plan", "data"])
    assert capsys.readouterr().err.splitlines()[-1] == "planner plan: error: the following arguments are required: --out"


def test_unknown_messages_pass_through() -> None:
    assert zh_error("something else") == "something else"
    assert zh_error("argument -x: something else") == "参数 -x：something else"


def test_export_previous_plan_cancels_a_removed_visit(tmp_path: Path) -> None:
    old, new = make_plan(), make_plan()
    new = type(new)(new.leader_offices, new.unit_communities, new.cadre_households, new.visits.iloc[1:],
                    new.report, new.names)
    write_plan(old, tmp_path / "v1")
    write_plan(new, tmp_path / "v2")
    assert main(["export", str(tmp_path / "v2"), "--ics", str(tmp_path / "ics"), "--previous",
                 str(tmp_path / "v1")]) == 0
    statuses = [str(e.get("STATUS", "")) for p in (tmp_path / "ics").iterdir()
                for e in Calendar.from_ical(p.read_bytes()).events]
    assert statuses.count("CANCELLED") == 1 and len(statuses) == len(old.visits)
    assert main(["export", str(tmp_path / "v2"), "--ics", str(tmp_path / "ics"), "--previous", str(tmp_path)]) == 2
