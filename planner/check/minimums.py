"""What the calendar rules share: the per-person "minimums met" table being built, and two counting helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.check.context import Context
from planner.check.violation import MINIMUM_COLUMNS

MAIN_TIERS = ("secretary", "head")
OTHER_TIERS = ("standing", "other")


class Minimums:
    """Collects rows of the minimums table as arrays; one DataFrame at the end."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, person_kind: str, person_ids: np.ndarray, requirement: str, target_kind: str,
            target_ids: np.ndarray | None, actual: np.ndarray, required: np.ndarray | int) -> None:
        n = len(person_ids)
        if not n:
            return
        actual = np.asarray(actual, dtype=np.int64)
        required = np.broadcast_to(np.asarray(required, dtype=np.int64), (n,))
        self.parts.append(pd.DataFrame({
            "person_kind": person_kind, "person_id": person_ids, "requirement": requirement,
            "target_kind": target_kind, "target_id": target_ids if target_ids is not None else "",
            "actual": actual, "required": required, "met": actual >= required,
        }))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=list(MINIMUM_COLUMNS))
        return pd.concat(self.parts, ignore_index=True)


def distinct_per(group: np.ndarray, day: np.ndarray, n_groups: int, n_days: int) -> np.ndarray:
    """Distinct days per group."""
    if not len(group):
        return np.zeros(n_groups, dtype=np.int64)
    keys = np.unique(group * n_days + day)
    return np.bincount(keys // n_days, minlength=n_groups)


def periods_text(ctx: Context, periods: np.ndarray, months: int) -> tuple[str, str]:
    zh = "、".join(ctx.period_label(int(p), months, "zh") for p in periods)
    en = ", ".join(ctx.period_label(int(p), months, "en") for p in periods)
    return zh, en


def missed_periods(ctx: Context, kind: str, n: int, months: int, history: tuple[np.ndarray, np.ndarray],
                   judged: tuple[np.ndarray, np.ndarray], linked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The "at least one contact visit every `months`" rules (district and office leaders): which periods each
    person must cover (`ctx.required_since`, judging only periods after the contact visits already in the history,
    given as (person, day) arrays) and which of them the judged visits (person, day) do not cover; people without a
    contact pair (`linked` False) owe nothing. Returns (required, missing), both person × period."""
    qualified = np.zeros((n, ctx.n_periods(months)), dtype=bool)
    qualified[history[0], ctx.day_period(history[1], months)] = True
    required = ctx.required_since(kind, n, months, qualified)
    covered = np.zeros_like(required)
    covered[judged[0], ctx.day_period(judged[1], months)] = True
    return required, required & ~covered & linked[:, None]
