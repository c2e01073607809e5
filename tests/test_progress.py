"""SolveControl: progress is recorded from any thread; cancel stops registered solvers, even late ones."""

from __future__ import annotations

import threading

from planner.progress import SolveControl


class FakeSolver:
    def __init__(self) -> None:
        self.stopped = False

    def stop_search(self) -> None:
        self.stopped = True


def test_events_from_threads_and_snapshot() -> None:
    seen: list[str] = []
    control = SolveControl(on_event=lambda e: seen.append(e.stage))
    threads = [threading.Thread(target=control.report, args=(f"s{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == [f"s{i}" for i in range(8)]
    snap = control.snapshot()
    assert snap is not None and snap.stage in seen and snap.elapsed >= 0


def test_cancel_stops_running_and_later_solvers() -> None:
    control = SolveControl()
    running = FakeSolver()
    control.register(running)
    control.cancel()
    assert running.stopped and control.cancelled
    late = FakeSolver()
    control.register(late)
    assert late.stopped, "a solver registered after cancel stops at once"
