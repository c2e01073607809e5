"""`planner plan` progress on the terminal: one tqdm bar per stage with elapsed time, objective and bound.

On by default when stderr is a terminal (`--verbose` prints one line per event instead; pipes and files get
nothing, so scripted output stays clean). Events may arrive from solver threads; tqdm serialises its writes.
"""

from __future__ import annotations

import shutil
import sys
from typing import IO

from tqdm import tqdm

from planner.progress import ProgressEvent

MIN_WIDTH, FALLBACK_WIDTH, FALLBACK_ROWS = 40, 100, 20


def _size() -> tuple[int, int]:
    """The terminal's columns and rows; a pseudo-terminal without a size (0 × 0) would hide every bar."""
    size = shutil.get_terminal_size((FALLBACK_WIDTH, FALLBACK_ROWS))
    return (size.columns if size.columns >= MIN_WIDTH else FALLBACK_WIDTH,
            size.lines if size.lines > 1 else FALLBACK_ROWS)


class ProgressBar:
    """Callable progress sink: a new bar when the stage changes, sub-models done/total as its count."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.stage: str | None = None
        self.bar: tqdm | None = None

    def __call__(self, event: ProgressEvent) -> None:
        if self.bar is None or event.stage != self.stage:
            self.close()
            self.stage = event.stage
            columns, rows = _size()
            self.bar = tqdm(total=event.total, desc=event.stage, file=self.stream, unit="model", leave=True,
                            ncols=columns, nrows=rows, mininterval=0.2)
        bar = self.bar
        if event.total and bar.total != event.total:
            bar.total = event.total
        if event.done is not None:
            bar.n = event.done
        postfix = {"t": f"{event.elapsed:.1f}s"}
        if event.objective is not None:
            postfix["obj"] = f"{event.objective:.6g}"
        if event.bound is not None:
            postfix["bound"] = f"{event.bound:.6g}"
        bar.set_postfix(postfix, refresh=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def terminal_progress() -> ProgressBar | None:
    """A bar on stderr when it is a terminal, else None (no progress output)."""
    return ProgressBar() if sys.stderr.isatty() else None
