"""Bad output paths, one row per case: exit 2, the words we promise, no traceback, and NOTHING changed on disk
(names, types, sizes, modes, mtimes, bytes of the whole folder, and /dev/null). Then the good paths still work.

Before this guard `plan DATA --out DATA` deleted the input and exited 0, `--out FILE` hid the file in `.FILE.old`,
`export --xlsx`/`template` overwrote any file, `show --out`/`plan --out` replaced any folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from planner.cli import main
from planner.io.outputs import PLAN_FILES, planner_workbook

ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT = "5"

# (id, arguments run in the case folder, words the message must contain)
CASES: list[tuple[str, list[str], list[str]]] = [
    ("plan-out-is-data", ["plan", "DATA", "--out", "DATA"], ["DATA", "就是输入"]),
    ("plan-out-inside-data", ["plan", "DATA", "--out", "DATA/sub"], ["位于输入", "之内"]),
    ("plan-out-above-data", ["plan", "DATA", "--out", "."], ["包含输入"]),
    ("plan-out-above-data-abs", ["plan", "DATA/../DATA", "--out", "{root}"], ["包含输入"]),
    ("plan-out-is-previous", ["plan", "DATA", "--previous", "PLAN", "--out", "PLAN"], ["就是输入"]),
    ("plan-out-existing-file", ["plan", "DATA", "--out", "file.txt"], ["已有同名文件"]),
    ("plan-out-under-a-file", ["plan", "DATA", "--out", "file.txt/sub"], ["不是文件夹"]),
    ("plan-out-foreign-folder", ["plan", "DATA", "--out", "foreign"], ["不是空的", "notes.txt"]),
    ("plan-out-plan-plus-foreign", ["plan", "DATA", "--out", "mixed"], ["不是空的", "my.docx"]),
    ("plan-out-symlink", ["plan", "DATA", "--out", "link"], ["符号链接"]),
    ("plan-out-fifo", ["plan", "DATA", "--out", "pipe"], ["特殊文件"]),
    ("plan-out-dev-null", ["plan", "DATA", "--out", "/dev/null"], ["/dev"]),
    ("plan-out-proc", ["plan", "DATA", "--out", "/proc/x"], ["/proc"]),
    ("plan-out-root", ["plan", "DATA", "--out", "/"], ["根目录"]),
    ("plan-foreign-backup-name", ["plan", "DATA", "--out", "PLAN"], ["不是 planner 留下的备份"]),
    ("plan-out-is-data-en", ["--lang", "en", "plan", "DATA", "--out", "DATA"], ["Output refused", "is the input"]),
    ("export-ics-foreign-folder", ["export", "PLAN", "--ics", "foreign"], ["日历文件夹", "notes.txt"]),
    ("export-ics-onto-plan", ["export", "PLAN", "--ics", "PLAN"], ["就是输入"]),
    ("export-ics-existing-file", ["export", "PLAN", "--ics", "file.txt"], ["已有同名文件"]),
    ("export-ics-foreign-ics", ["export", "PLAN", "--ics", "theirs"], ["不是空的", "holidays.ics"]),
    ("export-xlsx-foreign-file", ["export", "PLAN", "--xlsx", "book.xlsx"], ["不是 planner 写出的工作簿"]),
    ("export-xlsx-text-file", ["export", "PLAN", "--xlsx", "file.txt"], ["不是 planner 写出的工作簿"]),
    ("export-xlsx-inside-plan", ["export", "PLAN", "--xlsx", "PLAN/x.xlsx"], ["之内"]),
    ("export-xlsx-onto-folder", ["export", "PLAN", "--xlsx", "foreign"], ["是文件夹"]),
    ("export-xlsx-dev-null", ["export", "PLAN", "--xlsx", "/dev/null"], ["/dev"]),
    ("template-foreign-file", ["template", "file.txt"], ["不是 planner 写出的工作簿"]),
    ("template-foreign-xlsx", ["template", "book.xlsx"], ["不是 planner 写出的工作簿"]),
    ("template-onto-filled-template", ["template", "filled.xlsx"], ["不是 planner 写出的工作簿"]),
    ("export-xlsx-onto-filled-template", ["export", "PLAN", "--xlsx", "filled.xlsx"], ["不是 planner 写出的工作簿"]),
    ("template-onto-folder", ["template", "foreign"], ["是文件夹"]),
    ("template-proc", ["template", "/proc/self/x.xlsx"], ["/proc"]),
    ("demo-foreign-folder", ["demo", "foreign"], ["不是空的"]),
    ("demo-onto-real-data", ["demo", "DATA"], ["不是空的"]),
    ("demo-onto-file", ["demo", "file.txt"], ["已有同名文件"]),
    ("show-foreign-folder", ["show", "s1", "latest", "--out", "foreign"], ["不是空的", "notes.txt"]),
    ("show-existing-file", ["show", "s1", "latest", "--out", "file.txt"], ["已有同名文件"]),
    ("show-dev-null", ["show", "s1", "latest", "--out", "/dev/null"], ["/dev"]),
    ("replan-out-is-data", ["replan", "s1", "--since", "2000-01-01", "--data", "DATA", "--out", "DATA"], ["就是输入"]),
    ("replan-out-foreign", ["replan", "s1", "--since", "2000-01-01", "--out", "foreign"], ["不是空的"]),
]
SUBPROCESS = ["plan-out-is-data", "export-xlsx-foreign-file", "show-foreign-folder", "demo-foreign-folder"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo input DATA and its solved plan PLAN, saved in a store as scenario s1 (store kept outside)."""
    base = tmp_path_factory.mktemp("world")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLANNER_DB_URL", f"sqlite:///{base}/store/planner.db")
        assert main(["demo", str(base / "DATA")]) == 0
        assert main(["plan", str(base / "DATA"), "--out", str(base / "PLAN"), "--time-limit", TIME_LIMIT,
                     "--save", "s1"]) == 0
        assert main(["template", str(base / "template.xlsx")]) == 0   # then filled in and saved by the user:
        book = openpyxl.load_workbook(base / "template.xlsx")
        book.worksheets[1].append(["O1", "我的办事处"])
        time.sleep(1.1)   # a save in a later second, as any real edit is
        book.save(base / "filled.xlsx")
        assert not planner_workbook(base / "filled.xlsx")
        yield base


def make_case(world: Path, root: Path) -> None:
    """The input, our plan, and the user's own things planner must never touch."""
    root.mkdir()
    shutil.copytree(world / "DATA", root / "DATA")
    shutil.copytree(world / "PLAN", root / "PLAN")
    (root / "foreign").mkdir()
    (root / "foreign" / "notes.txt").write_text("my notes", encoding="utf-8")
    (root / "file.txt").write_text("keep me", encoding="utf-8")
    book = xlsxwriter.Workbook(str(root / "book.xlsx"))
    book.set_properties({"author": "王科长"})
    book.add_worksheet().write(0, 0, "我的表")
    book.close()
    shutil.copy(world / "filled.xlsx", root / "filled.xlsx")
    shutil.copytree(world / "PLAN", root / "mixed")
    (root / "mixed" / "my.docx").write_bytes(b"mine")
    (root / "theirs").mkdir()
    (root / "theirs" / "holidays.ics").write_bytes(b"BEGIN:VCALENDAR\r\nPRODID:-//Apple//EN\r\nEND:VCALENDAR\r\n")
    (root / "link").symlink_to(root / "PLAN")
    os.mkfifo(root / "pipe")
    (root / ".PLAN.old").mkdir()
    (root / ".PLAN.old" / "backup.txt").write_text("the user's own", encoding="utf-8")


@pytest.fixture
def case(world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "case"
    make_case(world, root)
    monkeypatch.setenv("PLANNER_DB_URL", f"sqlite:///{world}/store/planner.db")
    monkeypatch.chdir(root)
    return root


def snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under root: type, mode, size, mtime and a hash of the bytes; plus /dev/null."""
    seen: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = os.lstat(path)
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else ""
            seen[str(path.relative_to(root))] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_size,
                                                 st.st_mtime_ns, digest)
    st = os.stat("/dev/null")
    seen["/dev/null"] = (st.st_mode, st.st_rdev)
    return seen


def _argv(args: list[str], root: Path) -> list[str]:
    return [a.replace("{root}", str(root)) for a in args]


@pytest.mark.parametrize(("name", "args", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_output_path_is_refused_and_nothing_changes(case: Path, capsys: pytest.CaptureFixture[str], name: str,
                                                        args: list[str], words: list[str]) -> None:
    before = snapshot(case)
    code = main(_argv(args, case))
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    for word in words:
        assert word in err, err
    assert "Traceback" not in err and "Traceback" not in out
    assert "拒绝写出" in err or "Output refused" in err
    assert snapshot(case) == before


@pytest.mark.parametrize("name", SUBPROCESS)
def test_bad_output_path_through_the_real_command(case: Path, name: str) -> None:
    args, words = next((a, w) for n, a, w in CASES if n == name)
    before = snapshot(case)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "planner", *_argv(args, case)], cwd=case, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert all(word in done.stderr for word in words), done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(case) == before


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.endswith((".old", ".planner-tmp")) and p.name != ".PLAN.old")


def test_plan_replaces_its_own_previous_plan_folder(case: Path) -> None:
    shutil.rmtree(case / ".PLAN.old")
    (case / "PLAN" / "report.json").write_text('{"status": "old"}', encoding="utf-8")
    assert main(["plan", "DATA", "--out", "PLAN", "--time-limit", TIME_LIMIT]) == 0
    assert {p.name for p in (case / "PLAN").iterdir()} == PLAN_FILES
    assert '"old"' not in (case / "PLAN" / "report.json").read_text(encoding="utf-8")
    assert _leftovers(case) == [] and not (case / ".PLAN.old").exists()


def test_plan_into_an_empty_folder_and_a_new_path(case: Path) -> None:
    (case / "empty").mkdir()
    assert main(["plan", "DATA", "--out", "empty", "--time-limit", TIME_LIMIT]) == 0
    assert {p.name for p in (case / "empty").iterdir()} == PLAN_FILES
    assert main(["show", "s1", "latest", "--out", "new/deeper/plan"]) == 0
    assert {p.name for p in (case / "new" / "deeper" / "plan").iterdir()} == PLAN_FILES
    assert main(["show", "s1", "latest", "--out", "empty"]) == 0   # a plan folder we wrote is replaced
    assert _leftovers(case) == []


def test_exports_replace_their_own_files_only(case: Path) -> None:
    for _ in range(2):   # the second run replaces what the first wrote
        assert main(["export", "PLAN", "--ics", "cal", "--xlsx", "out/plan.xlsx"]) == 0
    calendars = sorted((case / "cal").iterdir())
    assert calendars and all(p.suffix == ".ics" for p in calendars)
    assert planner_workbook(case / "out" / "plan.xlsx")
    for _ in range(2):
        assert main(["template", "template.xlsx"]) == 0
    assert planner_workbook(case / "template.xlsx")
    assert _leftovers(case) == [] and not [p for p in (case / "out").iterdir() if p.name.startswith(".")]


def test_demo_into_an_empty_folder(case: Path) -> None:
    (case / "empty").mkdir()
    assert main(["demo", "empty"]) == 0
    assert {p.name for p in (case / "empty").iterdir()} == {p.name for p in (case / "DATA").iterdir()}
    assert main(["validate", "empty"]) == 0


SEGMENTS = ["DATA", "PLAN", "foreign", "file.txt", "book.xlsx", "filled.xlsx", "mixed", "theirs", "link", "pipe",
            ".PLAN.old", "..", ".", "new", "households.csv", "report.json"]
COMMANDS = [["show", "s1", "latest", "--out"], ["export", "PLAN", "--ics"], ["export", "PLAN", "--xlsx"],
            ["template"], ["demo"], ["plan", "DATA", "--time-limit", TIME_LIMIT, "--out"]]


def _user_files(root: Path) -> dict[str, bytes]:
    """The user's own files (everything but our plan folder PLAN): these must keep their bytes, always."""
    mine = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if rel.parts[0] != "PLAN" and path.is_file() and not path.is_symlink():
            mine[str(rel)] = path.read_bytes()
    return mine


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(COMMANDS), parts=st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=3),
       absolute=st.booleans())
def test_any_output_path_exits_0_or_2_and_never_loses_a_user_file(
        world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        command: list[str], parts: list[str], absolute: bool) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path)) / "case"
    make_case(world, root)
    monkeypatch.setenv("PLANNER_DB_URL", f"sqlite:///{world}/store/planner.db")
    monkeypatch.chdir(root)
    target = str(root.joinpath(*parts)) if absolute else os.path.join(*parts)
    before = _user_files(root)
    if command[0] == "plan" and not (target.startswith(("new", str(root / "new")))):
        assume(False)   # solving is slow: only plan into new paths here (the table covers the refusals)
    code = main([*command, target])
    out, err = capsys.readouterr()
    assert code in (0, 2), (code, out, err)
    assert "Traceback" not in err + out
    after = _user_files(root)
    for name, data in before.items():
        assert after.get(name) == data, f"{command} {target}: {name} changed or lost"
    if code == 2:
        assert "拒绝写出" in err or "输入有误" in err
    shutil.rmtree(root.parent)
