"""The app's state: one `Workspace` per browser session, and where it is kept between sessions.

Pages never touch `st.session_state` keys of their own for data; they read and change the Workspace through the
functions here, so persistence is in one place. Persistence is a folder (`PLANNER_APP_HOME`, default
`~/.planner/app`): the input tables and rules.toml as the CLI reads them, the current plan and last year's plan as
plan folders. Closing the browser and reopening the app therefore shows the last state. When the shared store
(`planner.store`) is wanted instead, only `FolderPersistence` needs a sibling with the same three methods.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from planner.errors import InfeasibleError, InputError, Issue
from planner.model import TABLES
from planner.plan import Plan, read_plan, write_plan
from planner.problem import Problem
from planner.progress import Cancelled, SolveControl
from planner.rules import Rules

WS_KEY = "workspace"
REPO_ROOT = Path(__file__).resolve().parents[2]
STATE_FILE = "ui_state.json"


def demo_path() -> Path:
    """The bundled demo district (`PLANNER_DEMO` overrides, e.g. a district-size demo for a trial)."""
    return Path(os.environ.get("PLANNER_DEMO") or REPO_ROOT / "data" / "demo")


def new_key() -> str:
    return uuid.uuid4().hex[:12]


# -- the solve running in a background thread ------------------------------------------------------------------
@dataclass
class SolveJob:
    """One solve in a thread. Only plain attributes are written from the thread; the page polls them."""

    problem: Problem = field(repr=False)
    previous: Plan | None = field(repr=False)
    control: SolveControl = field(default_factory=SolveControl, repr=False)
    plan: Plan | None = None
    violations: list[tuple[str, str]] | None = None
    error: BaseException | None = None
    checking: bool = False
    scenario: str | None = None           # store scenario that receives each solved plan as a version
    version: int | None = None
    store_error: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished_at: float | None = None
    _done: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> SolveJob:
        self._thread = threading.Thread(target=self._run, name="planner-solve", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        from planner.solve import solve_plan

        try:
            plan = solve_plan(self.problem, previous=self.previous, control=self.control)
            if self.control.cancelled:
                raise Cancelled()
            self.checking = True
            self.violations = check_texts(self.problem, plan)
            self.plan = plan
            if self.scenario:
                self._save_version(plan)
        except (InfeasibleError, InputError, Cancelled) as exc:
            self.error = exc
        except Exception as exc:  # shown to the user, never swallowed silently
            self.error = exc
        finally:
            self.finished_at = time.monotonic()
            self._done.set()

    def _save_version(self, plan: Plan) -> None:
        """Keep every solved plan as an immutable version in the shared store (`planner history app` lists them).
        The store is a convenience here: when it fails, the plan is still shown and kept in the folder."""
        try:
            from planner.store.api import open_store

            store = open_store()
            try:
                self.version = store.save_solved(self.scenario or "app", self.problem, plan, author="app")
            finally:
                store.close()
        except Exception as exc:
            self.store_error = f"{type(exc).__name__}: {exc}"

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def cancel(self) -> None:
        self.control.cancel()

    @property
    def elapsed(self) -> float:
        return (self.finished_at or time.monotonic()) - self.started


def check_texts(problem: Problem, plan: Plan) -> list[tuple[str, str]]:
    """The independent checker's findings as (zh, en) texts: small to keep and to persist."""
    from planner.check import check_plan

    return [(v.render("zh"), v.render("en")) for v in check_plan(problem, plan)]


# -- the workspace -----------------------------------------------------------------------------------------------
@dataclass
class Workspace:
    problem: Problem | None = None
    problem_key: str = ""
    rules: Rules = field(default_factory=Rules)
    plan: Plan | None = None
    plan_key: str = ""
    violations: list[tuple[str, str]] | None = None
    previous: Plan | None = None
    previous_key: str = ""
    stale: bool = False
    upload_issues: list[Issue] = field(default_factory=list)
    job: SolveJob | None = None
    version: int | None = None
    store_error: str | None = None
    last_outcome: BaseException | None = None
    persistence: Persistence | None = None

    # -- changes: each one persists what it changed ------------------------------------------------------------
    def set_problem(self, problem: Problem, keep_rules: bool = False, persist: bool = True,
                    new_data: bool = False) -> None:
        """Take a validated Problem. `new_data` (an upload, the demo) drops the current plan, which no longer fits
        the tables; a lock change keeps it (marked stale) so that the re-solve can start from it."""
        self.problem = problem
        self.problem_key = new_key()
        if not keep_rules:
            self.rules = problem.rules
        self.upload_issues = []
        if new_data and self.plan is not None:
            self.plan, self.plan_key, self.violations, self.stale = None, "", None, False
            if persist and self.persistence:
                self.persistence.save_plan("plan", None)
        elif self.plan is not None:
            self.stale = True
        if persist and self.persistence:
            self.persistence.save_problem(problem, self.rules)
            self.persistence.save_meta(self)

    def set_rules(self, rules: Rules) -> None:
        if rules.to_dict() == self.rules.to_dict():
            return
        self.rules = rules
        if self.plan is not None:
            self.stale = True
        if self.persistence and self.problem is not None:
            self.persistence.save_problem(self.problem, rules)
            self.persistence.save_meta(self)

    def set_locks(self, pins: pd.DataFrame, forbidden: pd.DataFrame) -> None:
        """Rebuild the Problem with new pins/forbidden rows (raises InputError when a lock names unknown ids)."""
        from planner.io.validate import build_problem

        assert self.problem is not None
        tables = self.problem.raw_tables()
        tables["pins"] = pins.reset_index(drop=True)
        tables["forbidden"] = forbidden.reset_index(drop=True)
        problem = build_problem(tables, self.problem.rules, self.problem.source)
        self.set_problem(problem, keep_rules=True)

    def set_plan(self, plan: Plan, violations: list[tuple[str, str]] | None) -> None:
        self.plan = plan
        self.plan_key = new_key()
        self.violations = violations
        self.stale = False
        if self.persistence:
            self.persistence.save_plan("plan", plan)
            self.persistence.save_meta(self)

    def set_previous(self, plan: Plan | None) -> None:
        self.previous = plan
        self.previous_key = new_key() if plan is not None else ""
        if self.persistence:
            self.persistence.save_plan("previous", plan)

    def problem_for_solve(self) -> Problem:
        """The Problem with the rules edited on the Rules page (revalidated only when they changed)."""
        assert self.problem is not None
        if self.problem.rules.to_dict() == self.rules.to_dict():
            return self.problem
        problem = self.problem.with_rules(self.rules)
        self.problem = problem
        self.problem_key = new_key()
        return problem

    # -- the solve ---------------------------------------------------------------------------------------------
    def start_solve(self) -> SolveJob:
        """Start a solve in the background; a second click while one runs returns the running one."""
        if self.job is not None and not self.job.done:
            return self.job
        problem = self.problem_for_solve()
        previous = self.plan if self.plan is not None else self.previous
        self.last_outcome = None
        self.job = SolveJob(problem, previous, scenario=store_scenario()).start()
        return self.job

    def collect_solve(self) -> bool:
        """Take a finished job's result into the workspace; True when something changed."""
        job = self.job
        if job is None or not job.done:
            return False
        self.job = None
        if job.plan is not None:
            self.set_plan(job.plan, job.violations)
            self.last_outcome = None
            self.version, self.store_error = job.version, job.store_error
        else:
            self.last_outcome = job.error
        return True


# -- persistence -------------------------------------------------------------------------------------------------
class Persistence(Protocol):
    def load(self, ws: Workspace) -> bool: ...
    def save_problem(self, problem: Problem, rules: Rules) -> None: ...
    def save_plan(self, name: str, plan: Plan | None) -> None: ...
    def save_meta(self, ws: Workspace) -> None: ...


class FolderPersistence:
    """The last state in a folder the CLI can read too: data/ (CSV + rules.toml), plan/, previous/."""

    def __init__(self, root: Path):
        self.root = root

    def save_problem(self, problem: Problem, rules: Rules) -> None:
        from planner.io.safe import write_csv

        tmp = self.root / ".data.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        tables = problem.raw_tables()
        for spec in TABLES:
            frame = tables[spec.stem]
            if not spec.required and frame.empty:
                continue
            write_csv(_plain(frame), tmp / spec.file)
        (tmp / "rules.toml").write_text(rules.to_toml(), encoding="utf-8")
        target = self.root / "data"
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)

    def save_plan(self, name: str, plan: Plan | None) -> None:
        target = self.root / name
        if plan is None:
            shutil.rmtree(target, ignore_errors=True)
            return
        write_plan(plan, target)

    def save_meta(self, ws: Workspace) -> None:
        meta = {"stale": ws.stale, "violations": ws.violations, "source": ws.problem.source if ws.problem else ""}
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / STATE_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    def load(self, ws: Workspace) -> bool:
        """Restore the last state; False (and nothing changed) when there is none or it no longer reads."""
        from planner.io.read import read_problem

        data = self.root / "data"
        if not data.is_dir():
            return False
        try:
            problem = read_problem(data)
        except (InputError, OSError):
            return False
        meta: dict[str, Any] = {}
        if (self.root / STATE_FILE).exists():
            try:
                meta = json.loads((self.root / STATE_FILE).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                meta = {}
        if meta.get("source"):
            problem = _with_source(problem, str(meta["source"]))
        ws.set_problem(problem, persist=False)
        for name in ("plan", "previous"):
            folder = self.root / name
            if not folder.is_dir():
                continue
            try:
                plan = read_plan(folder)
            except (InputError, OSError):
                continue
            if name == "plan":
                ws.plan, ws.plan_key = plan, new_key()
                violations = meta.get("violations")
                ws.violations = ([(str(v[0]), str(v[1])) for v in violations]
                                 if isinstance(violations, list) else None)
            else:
                ws.previous, ws.previous_key = plan, new_key()
        ws.stale = bool(meta.get("stale")) and ws.plan is not None
        return True


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as ISO text so the CSV reads back exactly."""
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: hasattr(v, "isoformat")).any():
            out[column] = out[column].map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
    return out


def _with_source(problem: Problem, source: str) -> Problem:
    from dataclasses import replace

    return replace(problem, source=source)


def default_persistence() -> Persistence | None:
    """`PLANNER_APP_HOME` chooses the folder; set it to "-" to keep the state in the browser session only."""
    home = os.environ.get("PLANNER_APP_HOME", str(Path.home() / ".planner" / "app"))
    if home == "-":
        return None
    return FolderPersistence(Path(home))


def store_scenario() -> str | None:
    """The store scenario solved plans go to (`PLANNER_APP_SCENARIO`, default "app"; "-" for none)."""
    name = os.environ.get("PLANNER_APP_SCENARIO", "app")
    return None if name == "-" else name


def load_demo() -> Problem:
    from planner.io.read import read_problem

    return read_problem(demo_path())


def new_workspace() -> Workspace:
    """The first run of a session: the last saved state, else the bundled demo."""
    ws = Workspace(persistence=default_persistence())
    if ws.persistence is not None and ws.persistence.load(ws):
        return ws
    try:
        ws.set_problem(load_demo(), new_data=True)
    except (InputError, OSError) as exc:
        ws.upload_issues = exc.issues if isinstance(exc, InputError) else [
            Issue(str(demo_path()), None, None, str(exc), str(exc))]
    return ws


def workspace() -> Workspace:
    import streamlit as st

    ws = st.session_state.get(WS_KEY)
    if ws is None:
        ws = new_workspace()
        st.session_state[WS_KEY] = ws
    assert isinstance(ws, Workspace)
    return ws
