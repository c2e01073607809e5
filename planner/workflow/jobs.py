"""Background jobs: one solve (or mid-year replan) in a thread, checked and saved, for the app's Solve button.

The thread runs the same workflow as the CLI (workflow.solve.plan_and_check, workflow.replan.replan_scenario);
only plain attributes are written from it and the page polls them, so Streamlit's script thread never blocks.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from planner.plan import Plan
from planner.problem import Problem
from planner.progress import SolveControl
from planner.store.api import Store
from planner.workflow.solve import plan_and_check, record_findings, save

DEFAULT_AUTHOR = "组织部"


@dataclass
class SolveJob:
    """One solve in a thread. Only plain attributes are written from the thread; the page polls them.

    With `since` set it is a mid-year replan (planner.workflow.replan): visits before `since` stay as history.
    """

    problem: Problem = field(repr=False)
    previous: Plan | None = field(repr=False)
    control: SolveControl = field(default_factory=SolveControl, repr=False)
    store: Store | None = field(default=None, repr=False)
    scenario: str | None = None           # store scenario that receives each solved plan as a version
    author: str = DEFAULT_AUTHOR
    expected_revision: int | None = None
    since: date | None = None
    plan: Plan | None = None
    violations: list[tuple[str, str]] | None = None
    error: BaseException | None = None
    checking: bool = False
    version: int | None = None
    replan: dict[str, Any] | None = None  # frozen visits, pairs changed, visits moved (for the page)
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
        try:
            self.plan = self._replan() if self.since is not None else self._solve()
        except Exception as exc:  # InfeasibleError, InputError, Cancelled or a bug: shown to the user, never lost
            self.error = exc
        finally:
            self.finished_at = time.monotonic()
            self._done.set()

    def _solve(self) -> Plan:
        checked = plan_and_check(self.problem, self.previous, self.control, on_checking=self._checking)
        self.violations = record_findings(checked)
        if self.store is not None and self.scenario:
            try:
                self.version = save(self.store, self.scenario, self.problem, checked.plan, self.author,
                                    expected_revision=self.expected_revision)
            except Exception as exc:  # the plan is still shown; the page says it was not stored
                self.store_error = f"{type(exc).__name__}: {exc}"
        return checked.plan

    def _replan(self) -> Plan:
        from planner.workflow.replan import replan_scenario

        assert self.store is not None and self.scenario and self.since is not None
        result = replan_scenario(self.store, self.scenario, self.since, author=self.author, problem=self.problem,
                                 control=self.control, check_rules=True)
        self.version = result.version
        self.replan = {"since": self.since, "base": result.base_version, "frozen": result.frozen,
                       "pairs_changed": result.diff.pairs_changed, "visits_moved": result.diff.visits.moved,
                       "visits_new": result.diff.visits.new, "visits_dropped": result.diff.visits.dropped}
        assert result.checked is not None
        self.checking = True
        self.violations = result.checked.texts()
        return result.plan

    def _checking(self) -> None:
        self.checking = True

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
