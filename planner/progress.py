"""Live progress and cancellation shared by the CLI, the app and the engines.

Engines call `control.report(...)` from CP-SAT solution callbacks (a solver thread) and `control.register(solver)`
so that `control.cancel()` can call `stop_search()`. Nothing here touches Streamlit: the app reads `snapshot()`
from its own thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProgressEvent:
    stage: str
    message: str = ""
    objective: float | None = None
    bound: float | None = None
    done: int | None = None       # sub-models finished, when a stage is decomposed
    total: int | None = None
    elapsed: float = 0.0


@dataclass
class SolveControl:
    """Thread-safe progress sink and stop switch for one solve."""

    on_event: Callable[[ProgressEvent], None] | None = None
    started: float = field(default_factory=time.monotonic)
    events: list[ProgressEvent] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cancelled: threading.Event = field(default_factory=threading.Event, repr=False)
    _solvers: list[Any] = field(default_factory=list, repr=False)

    def report(self, stage: str, message: str = "", objective: float | None = None, bound: float | None = None,
               done: int | None = None, total: int | None = None) -> None:
        event = ProgressEvent(stage, message, objective, bound, done, total, time.monotonic() - self.started)
        with self._lock:
            self.events.append(event)
            if len(self.events) > 2000:
                del self.events[:1000]
        if self.on_event is not None:
            self.on_event(event)

    def snapshot(self) -> ProgressEvent | None:
        with self._lock:
            return self.events[-1] if self.events else None

    def register(self, solver: Any) -> None:
        """Remember a running CP-SAT solver so that cancel() can stop it; stops it at once if already cancelled."""
        with self._lock:
            self._solvers.append(solver)
        if self._cancelled.is_set():
            solver.stop_search()

    def unregister(self, solver: Any) -> None:
        with self._lock:
            if solver in self._solvers:
                self._solvers.remove(solver)

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            solvers = list(self._solvers)
        for solver in solvers:
            solver.stop_search()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()


class Cancelled(Exception):
    """The user stopped the solve; nothing is written."""
