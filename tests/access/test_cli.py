"""`planner user …` and `planner publish`: passwords only from standard input, bulk CSV import, exit codes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from planner.access.accounts import Accounts, Outcome
from planner.cli import main
from planner.store.api import open_store


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("PLANNER_DB_URL", url)
    monkeypatch.setenv("PLANNER_USER", "运维")
    return url


def run(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def verify(url: str, name: str, password: str) -> Outcome:
    return Accounts(open_store(url).engine).verify(name, password).outcome


def test_user_add_reads_the_password_from_stdin(db: str, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert run(monkeypatch, "user", "add", "管理员", "--role", "admin", stdin="s3cret-pass\n") == 0
    assert verify(db, "管理员", "s3cret-pass") is Outcome.OK
    assert run(monkeypatch, "user", "list") == 0
    out = capsys.readouterr().out
    assert "管理员" in out and "admin" in out and "s3cret" not in out


def test_a_password_argument_does_not_exist(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit) as info:
        run(monkeypatch, "user", "add", "a", "--role", "admin", "--password", "x")
    assert info.value.code == 2


def test_user_add_refusals_exit_2(db: str, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert run(monkeypatch, "user", "add", "u", "--role", "unit", stdin="long-enough\n") == 2     # no scope
    assert run(monkeypatch, "user", "add", "u", "--role", "unit", "--scope", "U1", stdin="short\n") == 2
    assert run(monkeypatch, "user", "add", "u", "--role", "unit", "--scope", "U1", stdin="long-enough\n") == 0
    assert run(monkeypatch, "user", "add", "u", "--role", "cadre", "--scope", "G1", stdin="long-enough\n") == 2
    assert run(monkeypatch, "user", "remove", "nobody") == 2
    err = capsys.readouterr().err
    assert "scope" in err and "密码太短" in err and "已存在" in err


def test_passwd_and_remove(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run(monkeypatch, "user", "add", "i", "--role", "inspector", stdin="first-pass\n")
    assert run(monkeypatch, "user", "passwd", "i", stdin="second-pass\n") == 0
    assert verify(db, "i", "first-pass") is Outcome.WRONG and verify(db, "i", "second-pass") is Outcome.OK
    assert run(monkeypatch, "user", "remove", "i") == 0
    assert verify(db, "i", "second-pass") is Outcome.WRONG


def test_import_creates_everyone_and_prints_generated_passwords_once(
        db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    people = tmp_path / "people.csv"
    people.write_text("姓名,角色,范围,初始密码\n财政局,unit,U1,\n干部一,党员干部,G1,given-pass-1\n张组织,organizer,,\n",
                      encoding="gb18030")   # Chinese headers and labels, as Excel on Chinese Windows saves it
    assert run(monkeypatch, "user", "import", str(people)) == 0
    out = capsys.readouterr().out
    generated = dict(re.findall(r"^\s+(\S+)\t(\S+)$", out, flags=re.M))
    assert set(generated) == {"财政局", "张组织"}
    assert verify(db, "财政局", generated["财政局"]) is Outcome.OK
    assert verify(db, "干部一", "given-pass-1") is Outcome.OK
    roles = {r.name: (r.role, r.scope) for r in Accounts(open_store(db).engine).all()}
    assert roles == {"财政局": ("unit", "U1"), "干部一": ("cadre", "G1"), "张组织": ("organizer", None)}


def test_a_bad_import_names_row_and_column_and_creates_nothing(
        db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    people = tmp_path / "people.csv"
    people.write_text("name,role,scope\nok,admin,\nbad,unit,\nworse,boss,\n", encoding="utf-8")
    assert run(monkeypatch, "--lang", "en", "user", "import", str(people)) == 2
    err = capsys.readouterr().err
    assert "row 3, column scope" in err and "row 4, column role" in err
    assert not Accounts(open_store(db).engine).exist()
    missing = tmp_path / "missing.csv"
    missing.write_text("who,what\nx,y\n", encoding="utf-8")
    assert run(monkeypatch, "user", "import", str(missing)) == 2


def test_publish_marks_a_version_for_units_and_cadres(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.solve import solve_plan
    from tests.fixtures import tiny_problem

    store = open_store(db)
    problem = tiny_problem()
    store.save_solved("s", problem, solve_plan(problem), "a")
    assert run(monkeypatch, "publish", "s", "7") == 2
    assert run(monkeypatch, "publish", "s", "latest") == 0
    assert store.current_publication() == ("s", 1)
    entry = [e for e in store.list_audit("s") if e.action == "publish"]
    assert len(entry) == 1 and entry[0].author == "运维"


def test_a_scope_unknown_to_the_published_plan_is_said_aloud(db: str, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from planner.solve import solve_plan
    from tests.fixtures import tiny_problem

    store = open_store(db)
    problem = tiny_problem()
    store.save_solved("s", problem, solve_plan(problem), "a")
    store.publish("s", 1, author="a")
    assert run(monkeypatch, "user", "add", "u", "--role", "unit", "--scope", "U1", stdin="long-enough\n") == 0
    assert "U1" not in capsys.readouterr().err
    assert run(monkeypatch, "user", "add", "v", "--role", "unit", "--scope", "U9", stdin="long-enough\n") == 0
    assert "U9" in capsys.readouterr().err           # accepted (the plan may come later), but said
