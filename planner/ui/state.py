"""The app's state: one `Workspace` per browser session, kept in the scenario store (`planner.store`).

Why this shape: the store is the app's only persistence, so closing the browser and reopening shows the scenario's
current input and its latest plan version, and several colleagues can work on one scenario. Every edit (upload,
rule, lock) is saved at once with the revision this session last saw (optimistic locking). When a colleague saved
in between, the store refuses; the edit stays in the session as `pending` and the page offers "merge" (the store
combines edits to different parts) or "reload" (take theirs). Nothing is ever overwritten silently.

Pages never keep data in `st.session_state` keys of their own; they change the Workspace through its methods.

Why this module is long: the Workspace is one object whose methods are the app's every state change (load,
upload, rules, locks, previous plan, versions, solve), each saved with optimistic locking; splitting it would
scatter that protocol. The solve itself runs in planner.workflow (jobs.SolveJob).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import InputError, Issue
from planner.model import PLAN_COLUMNS
from planner.plan import Plan
from planner.problem import Problem
from planner.rules import Rules
from planner.store.api import ConflictError, Store, StoreError
from planner.ui.resources import remember_job, running_job, shared_store
from planner.workflow.jobs import DEFAULT_AUTHOR, SolveJob
from planner.workflow.solve import check_texts, stored_findings

__all__ = ["DEFAULT_AUTHOR", "SolveJob", "Workspace", "workspace"]   # SolveJob: re-exported for the pages

WS_KEY = "workspace"
REPO_ROOT = Path(__file__).resolve().parents[2]
SCENARIO_ENV = "PLANNER_APP_SCENARIO"
SERVICE_ACCOUNTS = frozenset({"root", "streamlit", "www-data", "nobody", "planner", "app"})   # not a person
DEFAULT_SCENARIO = "年度计划"   # what an office user sees in the scenario box on the first start
# Last year's plan of scenario X lives as the latest version of the companion scenario "X#previous" (an empty plan
# there means "removed"), so it survives a reopen without mixing into X's own versions (replan bases on those).
PREVIOUS_SUFFIX = "#previous"
INPUT_ACTIONS = ("data", "rules", "locks", "restore")



def demo_path() -> Path:
    """The bundled demo district (`PLANNER_DEMO` overrides, e.g. a district-size demo for a trial)."""
    return Path(os.environ.get("PLANNER_DEMO") or REPO_ROOT / "data" / "demo")


def new_key() -> str:
    return uuid.uuid4().hex[:12]


def default_author() -> str:
    """Who is working: the login name when there is one, else the department."""
    try:
        name = os.environ.get("USER") or getpass.getuser() or DEFAULT_AUTHOR
    except Exception:  # getpass raises when no name can be found at all
        return DEFAULT_AUTHOR
    return DEFAULT_AUTHOR if name in SERVICE_ACCOUNTS else name


def user_scenarios(store: Store) -> list[str]:
    """Scenario names a user picks from (the companions holding last year's plans are hidden)."""
    return [s.name for s in store.list_scenarios() if not s.name.endswith(PREVIOUS_SUFFIX)]


def empty_plan() -> Plan:
    def empty(name: str) -> pd.DataFrame:
        return pd.DataFrame(columns=list(PLAN_COLUMNS[name]))

    return Plan(leader_offices=empty("leader_offices"), unit_communities=empty("unit_communities"),
                cadre_households=empty("cadre_households"), visits=empty("visits"))


# -- the workspace -----------------------------------------------------------------------------------------------
@dataclass
class Workspace:
    store: Store | None = None
    scenario: str = DEFAULT_SCENARIO
    author: str = DEFAULT_AUTHOR
    revision: int = 0                       # the scenario revision this session last saw
    generation: int = 0                     # bumped when the input is reloaded: widgets re-read their values
    problem: Problem | None = None
    problem_key: str = ""
    rules: Rules = field(default_factory=Rules)
    plan: Plan | None = None
    plan_key: str = ""
    plan_problem: Problem | None = None     # the input an older version shown in Results was solved from
    viewing: int | None = None              # that version's number (None: the latest plan)
    violations: list[tuple[str, str]] | None = None
    previous: Plan | None = None
    previous_key: str = ""
    stale: bool = False
    upload_issues: list[Issue] = field(default_factory=list)
    job: SolveJob | None = None
    version: int | None = None
    replan: dict[str, Any] | None = None
    store_error: str | None = None
    last_outcome: BaseException | None = None
    pending_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    pending_rules: Rules | None = None
    pending_source: str | None = None
    conflict: ConflictError | None = None

    # -- what Results shows --------------------------------------------------------------------------------------
    @property
    def shown_problem(self) -> Problem | None:
        return self.plan_problem if self.plan_problem is not None else self.problem

    @property
    def shown_key(self) -> str:
        return self.plan_key if self.plan_problem is not None else self.problem_key

    # -- saving to the store (optimistic locking) ----------------------------------------------------------------
    def _save(self, tables: dict[str, pd.DataFrame] | None = None, rules: Rules | None = None,
              source: str | None = None) -> None:
        """Queue the changed parts and save them with the revision last seen; a conflict keeps them pending."""
        self.pending_tables.update(tables or {})
        if rules is not None:
            self.pending_rules = rules
        if source is not None:
            self.pending_source = source
        if self.store is None or self.conflict is not None:
            return
        self._flush(merge=False)

    def _flush(self, merge: bool) -> bool:
        assert self.store is not None
        if not self.pending_tables and self.pending_rules is None:
            return True
        try:
            self.revision = self.store.save_input(
                self.scenario, author=self.author, expected_revision=self.revision,
                tables=self.pending_tables or None, rules=self.pending_rules, merge=merge, source=self.pending_source)
        except ConflictError as exc:
            self.conflict = exc
            return False
        except (StoreError, OSError) as exc:
            self.store_error = str(exc)
            return False
        except Exception as exc:  # a database error: the edit stays pending in the session
            self.store_error = f"{type(exc).__name__}: {exc}"
            return False
        self.pending_tables, self.pending_rules, self.pending_source = {}, None, None
        self.conflict, self.store_error = None, None
        return True

    def merge(self) -> bool:
        """Apply the pending edit on top of the colleague's (parts changed by both sides stay a conflict)."""
        if self.store is None or not self._flush(merge=True):
            return False
        self._load_input(keep_plan=True)
        return True

    def reload(self) -> None:
        """Drop the pending edit and show the scenario as stored now (input and latest plan)."""
        self.pending_tables, self.pending_rules, self.pending_source, self.conflict = {}, None, None, None
        self.load_scenario(self.scenario)

    # -- loading ----------------------------------------------------------------------------------------------
    def _load_input(self, keep_plan: bool) -> None:
        assert self.store is not None
        data = self.store.load_input(self.scenario)
        self.revision = data.revision
        self.generation += 1
        if not any(len(frame) for frame in data.tables.values()):   # a new, empty scenario
            return
        try:
            problem = data.problem()
        except InputError as exc:
            self.upload_issues = exc.issues
            return
        self.problem, self.problem_key, self.rules = problem, new_key(), data.rules
        self.upload_issues = []
        if keep_plan and self.plan is not None:
            self.stale = True

    def load_scenario(self, name: str) -> None:
        """Show scenario `name`: its current input, its latest version, last year's plan (store → session)."""
        assert self.store is not None
        self.scenario = name
        self.problem, self.problem_key, self.plan, self.plan_key = None, "", None, ""
        self.plan_problem, self.viewing, self.violations, self.stale, self.version = None, None, None, False, None
        self.previous, self.previous_key, self.replan, self.last_outcome = None, "", None, None
        self._load_input(keep_plan=False)
        if self.problem is None and not self.upload_issues:   # an empty scenario starts on the demo
            self._load_demo_into_store()
        latest = self.store.latest_version(name)
        if latest is not None:
            plan = self.store.load_plan(name, latest)
            self.plan, self.plan_key, self.version = plan, new_key(), latest
            self.violations = self._findings(plan, None)
            self.stale = self._changed_since_version(latest)
        self._load_previous()

    def _load_demo_into_store(self) -> None:
        try:
            demo = load_demo()
        except (InputError, OSError) as exc:
            self.upload_issues = exc.issues if isinstance(exc, InputError) else [
                Issue(str(demo_path()), None, None, str(exc), str(exc))]
            return
        self.set_problem(demo, new_data=True)

    def _findings(self, plan: Plan, problem: Problem | None) -> list[tuple[str, str]] | None:
        found = stored_findings(plan)
        if found is not None:
            return found
        problem = problem if problem is not None else self.problem
        if problem is None:
            return None
        try:   # a version saved by the CLI or a replan: check it now (fast next to a solve)
            return check_texts(problem, plan)
        except Exception:
            return None

    def _changed_since_version(self, number: int) -> bool:
        """Whether data, rules or locks were changed after version `number` was saved (its plan is then stale)."""
        assert self.store is not None
        entries = self.store.list_audit(self.scenario)
        at = max((i for i, e in enumerate(entries) if e.action == "version" and e.version == number), default=-1)
        return any(e.action in INPUT_ACTIONS for e in entries[at + 1:])

    def _load_previous(self) -> None:
        assert self.store is not None
        companion = self.scenario + PREVIOUS_SUFFIX
        if companion not in {s.name for s in self.store.list_scenarios()}:
            return
        if self.store.latest_version(companion) is None:
            return
        plan = self.store.load_plan(companion)
        if len(plan.cadre_households) or len(plan.visits):
            self.previous, self.previous_key = plan, new_key()

    # -- scenarios --------------------------------------------------------------------------------------------
    def create_scenario(self, name: str) -> None:
        """A new scenario holding a copy of the current data, rules and locks (a what-if variant); switch to it."""
        assert self.store is not None
        problem = self.problem_for_solve() if self.problem is not None else None
        self.store.create_scenario(name, self.author, problem=problem)
        self.load_scenario(name)

    # -- changes: each one is saved to the store ------------------------------------------------------------
    def set_problem(self, problem: Problem, keep_rules: bool = False, new_data: bool = False,
                    parts: tuple[str, ...] | None = None) -> None:
        """Take a validated Problem. `new_data` (an upload, the demo) drops the current plan, which no longer fits
        the tables; a lock change keeps it (marked stale) so that the re-solve can start from it. `parts` names
        the tables that changed (default: all) — only those are saved, so a merge sees exactly this edit."""
        self.problem = problem
        self.problem_key = new_key()
        if not keep_rules:
            self.rules = problem.rules
        self.upload_issues = []
        if new_data and self.plan is not None:
            self.plan, self.plan_key, self.violations, self.stale = None, "", None, False
            self.plan_problem, self.viewing = None, None
        elif self.plan is not None:
            self.stale = True
        tables = problem.raw_tables()
        if parts is not None:
            tables = {k: tables[k] for k in parts}
        self._save(tables=tables, rules=None if keep_rules else problem.rules,
                   source=problem.source if parts is None else None)

    def set_rules(self, rules: Rules) -> None:
        if rules.to_dict() == self.rules.to_dict():
            return
        self.rules = rules
        if self.plan is not None:
            self.stale = True
        self._save(rules=rules)

    def set_locks(self, pins: pd.DataFrame, forbidden: pd.DataFrame) -> None:
        """Rebuild the Problem with new pins/forbidden rows (raises InputError when a lock names unknown ids)."""
        from planner.io.validate import build_problem

        assert self.problem is not None
        tables = self.problem.raw_tables()
        tables["pins"] = pins.reset_index(drop=True)
        tables["forbidden"] = forbidden.reset_index(drop=True)
        problem = build_problem(tables, self.problem.rules, self.problem.source)
        self.set_problem(problem, keep_rules=True, parts=("pins", "forbidden"))

    def set_plan(self, plan: Plan, violations: list[tuple[str, str]] | None) -> None:
        self.plan = plan
        self.plan_key = new_key()
        self.plan_problem, self.viewing = None, None
        self.violations = violations
        self.stale = False

    def set_previous(self, plan: Plan | None) -> None:
        """Last year's plan (None removes it), kept in the scenario's companion so that a reopen shows it."""
        self.previous = plan
        self.previous_key = new_key() if plan is not None else ""
        if self.store is None or self.problem is None:
            return
        try:
            self.store.save_solved(self.scenario + PREVIOUS_SUFFIX, self.problem, plan or empty_plan(),
                                   author=self.author, kind="previous")
        except Exception as exc:
            self.store_error = f"{type(exc).__name__}: {exc}"

    def show_version(self, number: int) -> None:
        """Show an older version's plan in Results, with the input it was solved from."""
        assert self.store is not None
        problem, plan = self.store.load_version(self.scenario, number)
        latest = self.store.latest_version(self.scenario)
        self.plan, self.plan_key, self.version = plan, new_key(), number
        self.plan_problem = None if number == latest else problem
        self.viewing = None if number == latest else number
        self.violations = self._findings(plan, problem)
        self.stale = self._changed_since_version(number) if number == latest else False

    def restore(self, number: int) -> int:
        """Make version `number`'s input current again and keep its plan as a new version (kind "restore"), so
        that the latest version always matches what is shown after a reopen. Returns the new version number."""
        assert self.store is not None
        self.revision = self.store.restore(self.scenario, number, author=self.author,
                                           expected_revision=self.revision)
        problem, plan = self.store.load_version(self.scenario, number)
        new = self.store.save_solved(self.scenario, problem, plan, author=self.author, kind="restore",
                                     base_version=number, expected_revision=self.revision,
                                     note=f"restore of version {number}")
        self.load_scenario(self.scenario)
        return new

    def problem_for_solve(self) -> Problem:
        """The Problem with the rules edited on the Rules page (revalidated only when they changed)."""
        assert self.problem is not None
        if self.problem.rules.to_dict() == self.rules.to_dict():
            return self.problem
        from planner.io.validate import build_problem

        problem = build_problem(self.problem.raw_tables(), self.rules, self.problem.source)
        self.problem = problem
        self.problem_key = new_key()
        return problem

    # -- the solve ---------------------------------------------------------------------------------------------
    def start_solve(self, since: date | None = None) -> SolveJob:
        """Start a solve (or, with `since`, a mid-year replan) in the background; a second click while one runs
        returns the running one."""
        if self.job is not None and not self.job.done:
            return self.job
        problem = self.problem_for_solve()
        previous = self.plan if self.plan is not None else self.previous
        self.last_outcome = None
        self.job = SolveJob(problem, previous, store=self.store, scenario=self.scenario, author=self.author,
                            expected_revision=self.revision, since=since).start()
        remember_job(self.store, self.scenario, self.job)
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
            self.version, self.store_error, self.replan = job.version, job.store_error, job.replan
        else:
            self.last_outcome = job.error
        return True


def load_demo() -> Problem:
    from planner.io.read import read_problem

    return read_problem(demo_path())


def pick_scenario(store: Store, wanted: str | None) -> str:
    """The scenario a new session opens: the one named in the URL, else the last one changed, else a new one."""
    names = user_scenarios(store)
    if wanted and wanted in names:
        return wanted
    if names:
        infos = [s for s in store.list_scenarios() if s.name in names]
        return max(infos, key=lambda s: s.updated_at).name
    name = os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO
    with contextlib.suppress(StoreError):   # created meanwhile by another session
        store.create_scenario(name, default_author())
    return name


def new_workspace(wanted: str | None = None, account: Any = None) -> Workspace:
    """The first run of a session: the scenario's last state from the store, else the bundled demo.

    With a signed-in `account` (planner.access) the store is guarded by the policy and every change is authored
    by the account."""
    ws = Workspace(author=default_author() if account is None else account.name)
    try:
        ws.store = shared_store()
        if account is not None:
            from planner.access.guard import GuardedStore

            ws.store = GuardedStore(ws.store, account)
        ws.load_scenario(pick_scenario(ws.store, wanted))
        ws.job = running_job(ws.store, ws.scenario, ws.author)   # a refresh during a solve: still running
    except Exception as exc:   # no usable store: work in the session only, and say so
        ws.store = None
        ws.store_error = f"{type(exc).__name__}: {exc}"
        try:
            ws.set_problem(load_demo(), new_data=True)
        except (InputError, OSError) as err:
            ws.upload_issues = err.issues if isinstance(err, InputError) else [
                Issue(str(demo_path()), None, None, str(err), str(err))]
    return ws


def workspace(account: Any = None) -> Workspace:
    import streamlit as st

    ws = st.session_state.get(WS_KEY)
    if ws is None:
        ws = new_workspace(st.query_params.get("scenario"), account)
        st.session_state[WS_KEY] = ws
    assert isinstance(ws, Workspace)
    return ws
