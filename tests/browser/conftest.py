"""Real-browser fixtures: the app served by `streamlit run` on a free 127.0.0.1 port, Debian's chromium.

The browser download of playwright is never used (`playwright install` is not available here): the launch args
point at /usr/bin/chromium, with the flags this sandbox needs (no sandbox as root, no GPU, no background
networking, which would only hit the closed network).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SERVER_LOG: list[Path] = []   # the served app's log, quoted by a failing test
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1366, "height": 768}, "accept_downloads": True,
            "locale": "zh-CN"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: a temporary folder, or docs/ when PLANNER_SCREENSHOTS=docs (regenerating the docs
    images is a deliberate act, not a side effect of every test run)."""
    if os.environ.get("PLANNER_SCREENSHOTS") == "docs":
        return ROOT / "docs"
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m streamlit run app.py` on a fresh temporary store; stopped at the end of the session."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    home = tmp_path_factory.mktemp("app_home")
    env = {**os.environ, "PLANNER_DB_URL": f"sqlite:///{home / 'store.db'}", "USER": "browser-test"}
    try:
        with serve(home, env) as url:
            yield url
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def serve(home: Path, env: dict[str, str], address: bool = True) -> Iterator[str]:
    """`streamlit run app.py` on a free 127.0.0.1 port with `env` (its store at env's PLANNER_DB_URL); yields the
    URL and stops the server on exit. `address=False` leaves out --server.address, so .streamlit/config.toml's
    applies (the access tests check that default)."""
    port = _free_port()
    log = open(home / "streamlit.log", "wb")  # noqa: SIM115 - closed below
    bind = ["--server.address=127.0.0.1"] if address else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true", *bind,
         f"--server.port={port}", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((home / "streamlit.log").read_text(errors="replace"))
            time.sleep(0.3)
        SERVER_LOG[:] = [home / "streamlit.log"]
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
