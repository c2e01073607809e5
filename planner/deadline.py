"""A wall-clock budget for one whole solve (`planner plan --time-limit`, `--first-valid`).

The engines' own budgets (rules.solver.time_limit) are deterministic, so the same input gives the same plan on
any machine; the wall budget is the user's promise instead: when it ends, each stage stops improving and hands on
the best VALID plan it has (the constructive plans are complete before any improvement starts, and every
improvement step keeps the plan valid), so the run ends near the budget with a plan that passes `planner check`.
A plan cut short by the clock may differ between machines; without a wall budget nothing here reads the clock.

Phases end at fixed shares of the budget (elapsed since the solve started):
- assign.units improvement (whole-problem bound rounds, kicks): UNITS_SHARE;
- calendar improvement (local moves, exact re-solves): CALENDAR_SHARE; the rest is rows, checker and writing.
`first_valid`: every improvement phase is skipped — the first complete valid plan is the result.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Any

from planner.progress import SolveControl

UNITS_SHARE = 0.6
CALENDAR_SHARE = 0.85


@dataclass
class TimedControl(SolveControl):
    """SolveControl with a wall budget (seconds from `started`; None: none) and the first-valid switch."""

    budget: float | None = None
    first_valid: bool = False


def time_left(control: Any, share: float = 1.0) -> float:
    """Wall seconds left before the phase that ends at `share` of the budget must stop (inf: no budget; 0 when
    first-valid)."""
    if getattr(control, "first_valid", False):
        return 0.0
    budget = getattr(control, "budget", None)
    if budget is None:
        return math.inf
    return max(0.0, control.started + share * float(budget) - time.monotonic())


def expired(control: Any, share: float = 1.0) -> bool:
    """True when the phase ending at `share` of the budget must stop now."""
    return time_left(control, share) <= 0.0


def bounded(control: Any) -> bool:
    """True when a wall budget or first-valid applies (the engines then check the clock)."""
    return bool(getattr(control, "first_valid", False)) or getattr(control, "budget", None) is not None


@dataclass(frozen=True)
class Wall:
    """The picklable part of a TimedControl (what time_left/expired read), for worker processes: the monotonic
    clock is system-wide, so `started` means the same there."""

    started: float
    budget: float | None
    first_valid: bool


def wall_of(control: Any) -> Wall | None:
    """The control's wall budget as a Wall (None when it has none)."""
    if not bounded(control):
        return None
    return Wall(control.started, getattr(control, "budget", None), bool(getattr(control, "first_valid", False)))


WORKERS_ENV = "PLANNER_WORKERS"   # worker processes for independent sub-problems; default min(2, CPUs)


def process_workers() -> int:
    """Worker processes: $PLANNER_WORKERS, else min(2, CPUs). Plans do not depend on it."""
    raw = os.environ.get(WORKERS_ENV, "")
    if raw.strip().isdigit():
        return max(1, int(raw))
    return max(1, min(2, os.cpu_count() or 1))
