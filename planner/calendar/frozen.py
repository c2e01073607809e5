"""What already happened before `since` (mid-year replanning): the kept rows and the tallies they contribute.

Frozen rows are kept exactly as given and count toward every yearly minimum; the engine only plans the rest.
Tallies are keyed by ids (not indices) so that rows of people who left still count where they belong.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from planner.calendar.days import _as_date
from planner.model import PLAN_COLUMNS


@dataclass
class Frozen:
    rows: pd.DataFrame
    rows_per_pair: Counter[tuple[str, str, str]] = field(default_factory=Counter)       # (person, activity, target)
    dates_per_pair: dict[tuple[str, str, str], set[date]] = field(default_factory=lambda: defaultdict(set))
    talks: Counter[tuple[str, str]] = field(default_factory=Counter)                   # (cadre, household)
    grassroots: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))  # leader/cadre -> dates
    offices_seen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # leader -> offices
    contact_dates: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))  # leader -> any contact
    reception_dates: set[date] = field(default_factory=set)
    role_count: Counter[tuple[str, str]] = field(default_factory=Counter)              # (leader, role)
    a_dates: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))     # leader -> A dates

    def pair_dates(self, person: str, activity: str, target: str) -> set[date]:
        return self.dates_per_pair.get((person, activity, target), set())


def empty_visits() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in PLAN_COLUMNS["visits"]})


def read_frozen(frozen_visits: pd.DataFrame | None, since: date | None) -> Frozen:
    """Keep rows dated before `since` (all of them when since is None: nothing is replanned)."""
    if frozen_visits is None or len(frozen_visits) == 0 or since is None:
        return Frozen(empty_visits())
    frame = frozen_visits.reindex(columns=list(PLAN_COLUMNS["visits"])).copy()
    frame["date"] = [_as_date(d) for d in frame["date"]]
    frame = frame[[d < since for d in frame["date"]]].copy()
    frame["role"] = frame["role"].fillna("").astype(str)
    frame["talk"] = pd.to_numeric(frame["talk"], errors="coerce").fillna(0).astype(int)
    for col in ("person_kind", "person_id", "activity", "target_kind", "target_id"):
        frame[col] = frame[col].astype(str)
    out = Frozen(frame.reset_index(drop=True))
    for d, kind, pid, act, tkind, tid, role, talk in frame.itertuples(index=False, name=None):
        key = (pid, act, tid)
        out.rows_per_pair[key] += 1
        out.dates_per_pair[key].add(d)
        if act == "household" and talk == 1:
            out.talks[(pid, tid)] += 1
        if act in ("contact", "research", "household"):
            out.grassroots[pid].add(d)
        if kind == "leader" and act in ("contact", "research") and tkind == "office":
            out.offices_seen[pid].add(tid)
        if kind == "leader" and act == "contact":
            out.contact_dates[pid].add(d)
        if act == "reception":
            out.reception_dates.add(d)
            out.role_count[(pid, role)] += 1
            if role == "A":
                out.a_dates[pid].add(d)
    return out
