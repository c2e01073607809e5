"""An unexpected error in a page shows a plain message with an id, never a traceback; the server log gets the id
and where it failed, without the exception's message (which could carry personal data)."""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planner.ui import main
from planner.ui.state import Workspace

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
SECRET = "张三 39.9042,116.4074"


def _boom(_ws: Workspace) -> None:
    raise ValueError(SECRET)


def test_a_failing_page_shows_an_error_id_and_logs_no_personal_data(
        make_app: Callable[[], AppTest], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv(main.RAISE_ENV)   # as deployed: the error is shown as an id, not raised
    at = make_app()
    monkeypatch.setitem(main.PAGES, "rules", _boom)
    with caplog.at_level(logging.ERROR, logger="planner.ui"):
        at.sidebar.radio(key="nav").set_value("rules").run()
    assert not at.exception, at.exception          # no exception element (no traceback) reaches the browser
    shown = " ".join(e.value for e in at.error)
    match = re.search(r"错误编号 ([0-9a-f]{8})", shown)
    assert match, shown
    assert SECRET not in shown
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "planner.ui")
    assert match.group(1) in logged and "ValueError" in logged and "_boom" in logged
    assert SECRET not in logged and "张三" not in logged
    at.sidebar.radio(key="nav").set_value("data").run()   # the other pages still work
    assert not at.exception and not at.error


def test_under_tests_a_failing_page_still_fails(make_app: Callable[[], AppTest],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    at = make_app()
    monkeypatch.setitem(main.PAGES, "rules", _boom)
    at.sidebar.radio(key="nav").set_value("rules").run()
    assert at.exception                                   # the test sees the failure...
    assert SECRET not in str(at.exception[0].value)       # ...and even then showErrorDetails=none hides its text
    assert "redacted" in str(at.exception[0].value)


def test_streamlit_settings_are_safe_by_default() -> None:
    server = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert server["client"]["showErrorDetails"] == "none"
    assert server["server"]["address"] == "127.0.0.1"
    assert 50 < server["server"]["maxUploadSize"] < 200
