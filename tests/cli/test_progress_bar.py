"""`planner plan` shows a tqdm bar per stage with objective and bound; nothing when stderr is not a terminal."""

from __future__ import annotations

import io
import os
import shutil

import pytest

from planner.cli_progress import ProgressBar, terminal_progress
from planner.progress import ProgressEvent


def test_bar_shows_stage_count_objective_and_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # a wide terminal: in a narrow one tqdm truncates the line, postfix first (the width differs between runners)
    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback=(0, 0): os.terminal_size((200, 24)))
    out = io.StringIO()
    bar = ProgressBar(out)
    bar(ProgressEvent("assign.units", done=1, total=4, objective=5111.0, bound=5079.0, elapsed=1.5))
    bar(ProgressEvent("assign.units", done=3, total=4, objective=5100.0, bound=5080.0, elapsed=2.0))
    bar(ProgressEvent("calendar.cadres", elapsed=3.0))
    bar.close()
    text = out.getvalue()
    assert "assign.units" in text and "3/4" in text
    assert "obj=5100" in text and "bound=5080" in text and "t=2.0s" in text
    assert "calendar.cadres" in text and bar.bar is None


def test_no_bar_when_stderr_is_not_a_terminal(capsys: object) -> None:
    assert terminal_progress() is None   # pytest captures stderr: not a tty


def test_a_terminal_without_a_size_still_shows_the_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pseudo-terminal reporting 0 × 0 made tqdm hide every bar; the fallback size keeps them visible."""
    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback=(0, 0): os.terminal_size((0, 0)))
    out = io.StringIO()
    bar = ProgressBar(out)
    bar(ProgressEvent("calendar.cadres", done=2, total=5, elapsed=1.0))
    bar.close()
    assert "2/5" in out.getvalue()
