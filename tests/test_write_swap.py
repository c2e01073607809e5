"""A folder swap killed halfway (SIGKILL between the two renames, in a real child process) is undone by the next
write or read: the previous folder comes back or is removed, orphan temporaries of dead writers go, and nothing
planner did not write is ever touched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from planner.export.ics import export_ics
from planner.io.outputs import PAUSE_ENV, OutputError
from planner.plan import Plan, read_plan, write_plan
from tests.fixtures import tiny_problem
from tests.store.conftest import fake_plan

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import sys
from pathlib import Path
from planner.plan import read_plan, write_plan
from planner.export.ics import export_ics
kind, src, out = sys.argv[1:4]
plan = read_plan(Path(src))
write_plan(plan, Path(out)) if kind == "plan" else export_ics(plan, Path(out))
"""


def _plan(tag: str, shift: int = 0) -> Plan:
    plan = fake_plan(tiny_problem(), shift=shift)
    return Plan(plan.leader_offices, plan.unit_communities, plan.cadre_households, plan.visits,
                {**plan.report, "tag": tag}, plan.names)


def _write(kind: str, plan: Plan, out: Path) -> None:
    write_plan(plan, out) if kind == "plan" else export_ics(plan, out)


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def _kill_between_renames(kind: str, src: Path, out: Path, tmp_path: Path) -> None:
    """Run the write in a child that pauses after the first rename, and SIGKILL it there."""
    marker = tmp_path / "paused"
    env = {**os.environ, PAUSE_ENV: str(marker), "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, kind, str(src), str(out)], env=env, cwd=ROOT)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, "the child ended before reaching the swap"
        assert time.monotonic() < deadline, "the child never reached the swap"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


@pytest.fixture
def killed(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[str, Path]:
    """OUT held version A; a child writing version B was killed between the renames."""
    kind = request.param
    out, src = tmp_path / "out", tmp_path / "src"
    _write(kind, _plan("A"), out)
    write_plan(_plan("B", shift=1), src)
    before = sorted(p.name for p in out.iterdir())
    _kill_between_renames(kind, src, out, tmp_path)
    assert not out.exists()                                   # the state the issue found
    old = tmp_path / ".out.old"
    assert sorted(p.name for p in old.iterdir()) == before
    tmps = [p for p in tmp_path.iterdir() if p.name.endswith(".planner-tmp")]
    assert len(tmps) == 1 and sorted(p.name for p in tmps[0].iterdir()) == before
    return kind, out


@pytest.mark.parametrize("killed", ["plan", "ics"], indirect=True)
def test_the_next_write_recovers_and_cleans(killed: tuple[str, Path]) -> None:
    kind, out = killed
    _write(kind, _plan("C", shift=2), out)
    assert _leftovers(out) == []
    if kind == "plan":
        assert read_plan(out).report["tag"] == "C"


@pytest.mark.parametrize("killed", ["plan"], indirect=True)
def test_the_next_read_restores_the_previous_plan(killed: tuple[str, Path]) -> None:
    _, out = killed
    assert read_plan(out).report["tag"] == "A"
    assert _leftovers(out) == []


def test_a_kill_after_the_second_rename_leaves_a_backup_the_next_write_removes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_plan(_plan("A"), out)
    write_plan(_plan("B"), tmp_path / "b")
    os.replace(out, tmp_path / ".out.old")
    os.replace(tmp_path / "b", out)        # state: new plan in place, old one still hidden, half deleted
    (tmp_path / ".out.old" / "report.json").unlink()
    write_plan(_plan("C"), out)
    assert _leftovers(out) == [] and read_plan(out).report["tag"] == "C"


def test_a_foreign_backup_name_is_never_touched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_plan(_plan("A"), out)
    mine = tmp_path / ".out.old"
    mine.mkdir()
    (mine / "thesis.docx").write_bytes(b"years of work")
    with pytest.raises(OutputError, match="not left by planner"):
        write_plan(_plan("B"), out)
    assert (mine / "thesis.docx").read_bytes() == b"years of work"
    assert read_plan(out).report["tag"] == "A"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.old", "out"]


def test_a_live_writers_temporary_folder_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        busy = tmp_path / f".out.{sleeper.pid}.abc123.planner-tmp"
        busy.mkdir()
        pd.DataFrame({"a": [1]}).to_csv(busy / "visits.csv")
        dead = tmp_path / f".out.{_dead_pid()}.def456.planner-tmp"
        dead.mkdir()
        pd.DataFrame({"a": [1]}).to_csv(dead / "visits.csv")
        write_plan(_plan("A"), out)
        assert busy.exists() and not dead.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid
