"""Comparing two plans: which pairs changed, which visits moved. Pure functions over Plans (no database).

Definitions (used by `planner replan`, `Store.compare` and the app's history page):
- pairs: per pair table, `kept` = rows in both plans, `removed` = rows only in the first, `added` = only in the
  second. `surviving` = first-plan pairs whose subject and target still exist in the second problem; the share
  of those kept is what "few pairs changed" is measured on (a pair whose cadre left cannot be kept).
- visits: rows are matched as a multiset on (date, person, activity, target). An unmatched first-plan row is
  `moved` when the same person has an unmatched second-plan row with the same activity and target (the visit was
  rescheduled), otherwise `dropped`; unmatched second-plan rows that are not moves are `new`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from planner.plan import PAIR_FILES, Plan

VISIT_KEY = ("person_kind", "person_id", "activity", "target_kind", "target_id")
PAIR_COLUMNS: dict[str, tuple[str, str]] = {
    "leader_offices": ("leader_id", "office_id"),
    "unit_communities": ("unit_id", "community_id"),
    "cadre_households": ("cadre_id", "household_id"),
    "office_leader_communities": ("person_id", "community_id"),
}


@dataclass(frozen=True)
class PairDiff:
    before: int
    after: int
    kept: int
    removed: int
    added: int
    surviving: int          # first-plan pairs whose both ends still exist
    surviving_kept: int     # of those, kept

    @property
    def kept_share(self) -> float:
        """Share of surviving pairs that are unchanged (1.0 when nothing survives to compare)."""
        return self.surviving_kept / self.surviving if self.surviving else 1.0


@dataclass(frozen=True)
class VisitDiff:
    before: int
    after: int
    kept: int
    moved: int
    dropped: int
    new: int
    frozen_before: int = 0        # first-plan visits dated before `since`
    frozen_kept: int = 0          # of those, present unchanged in the second plan


@dataclass(frozen=True)
class PlanDiff:
    pairs: dict[str, PairDiff]
    visits: VisitDiff
    violations: tuple[int | None, int | None] = (None, None)   # independent checker, when it was run
    violations_by_rule: tuple[dict[str, int], dict[str, int]] = field(default_factory=lambda: ({}, {}))

    @property
    def pairs_changed(self) -> int:
        """Pairs of the first plan no longer in the second (a re-linked household counts once)."""
        return sum(p.removed for p in self.pairs.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "pairs": {k: {**vars(v), "kept_share": v.kept_share} for k, v in self.pairs.items()},
            "pairs_changed": self.pairs_changed,
            "visits": vars(self.visits),
            "violations": list(self.violations),
            "violations_by_rule": list(self.violations_by_rule),
        }


def _pair_set(frame: pd.DataFrame, columns: tuple[str, str]) -> set[tuple[str, str]]:
    if not len(frame):
        return set()
    return set(zip(frame[columns[0]].astype(str), frame[columns[1]].astype(str), strict=True))


def compare_pairs(before: Plan, after: Plan, alive: Mapping[str, tuple[set[str], set[str]]] | None = None
                  ) -> dict[str, PairDiff]:
    """Per pair table; `alive[table] = (subject ids, target ids)` of the second problem (default: all survive)."""
    out: dict[str, PairDiff] = {}
    for table in PAIR_FILES:
        columns = PAIR_COLUMNS[table]
        first = _pair_set(getattr(before, table), columns)
        second = _pair_set(getattr(after, table), columns)
        if alive is not None and table in alive:
            subjects, targets = alive[table]
            surviving = {p for p in first if p[0] in subjects and p[1] in targets}
        else:
            surviving = first
        out[table] = PairDiff(before=len(first), after=len(second), kept=len(first & second),
                              removed=len(first - second), added=len(second - first), surviving=len(surviving),
                              surviving_kept=len(surviving & second))
    return out


def visit_dates(visits: pd.DataFrame) -> pd.Series:
    """Visit dates as datetime.date whatever they were stored as (str from a folder, date from a solve)."""
    if not len(visits):
        return pd.Series([], dtype=object)
    return pd.Series(pd.to_datetime(visits["date"].astype(str)).dt.date.to_numpy(), index=visits.index, dtype=object)


def _visit_rows(visits: pd.DataFrame) -> list[tuple[str, ...]]:
    if not len(visits):
        return []
    dates = visit_dates(visits).map(lambda d: d.isoformat())
    columns = [dates, *(visits[c].astype(str) for c in VISIT_KEY)]
    return list(zip(*columns, strict=True))


def compare_visits(before: Plan, after: Plan, since: date | None = None) -> VisitDiff:
    first, second = Counter(_visit_rows(before.visits)), Counter(_visit_rows(after.visits))
    common = first & second
    gone, came = first - common, second - common
    gone_by_key: Counter[tuple[str, ...]] = Counter()
    came_by_key: Counter[tuple[str, ...]] = Counter()
    for row, n in gone.items():
        gone_by_key[row[1:]] += n
    for row, n in came.items():
        came_by_key[row[1:]] += n
    moved = sum(min(n, came_by_key[key]) for key, n in gone_by_key.items())
    frozen_before = frozen_kept = 0
    if since is not None:
        cut = since.isoformat()
        early = Counter({row: n for row, n in first.items() if row[0] < cut})
        frozen_before = sum(early.values())
        frozen_kept = sum((early & second).values())
    return VisitDiff(before=sum(first.values()), after=sum(second.values()), kept=sum(common.values()), moved=moved,
                     dropped=sum(gone.values()) - moved, new=sum(came.values()) - moved,
                     frozen_before=frozen_before, frozen_kept=frozen_kept)


def alive_ids(problem: Any) -> dict[str, tuple[set[str], set[str]]]:
    """Subject and target ids per pair table in a Problem (who can still be paired)."""
    return {
        "leader_offices": (set(problem.leaders["leader_id"].astype(str)), set(problem.offices["office_id"].astype(str))),
        "unit_communities": (set(problem.units["unit_id"].astype(str)),
                             set(problem.communities["community_id"].astype(str))),
        "cadre_households": (set(problem.cadres["cadre_id"].astype(str)),
                             set(problem.households["household_id"].astype(str))),
    }


def compare_plans(before: Plan, after: Plan, after_problem: Any = None, since: date | None = None) -> PlanDiff:
    alive = alive_ids(after_problem) if after_problem is not None else None
    return PlanDiff(pairs=compare_pairs(before, after, alive), visits=compare_visits(before, after, since))
