"""What already counts before the engine places anything: history rows (before `since`) and kept previous visits.

History rows (SEMANTICS "Mid-year replanning") are kept verbatim — even when their person or target has left the
input — and only count: a pair (person, target) of the new assignment counts its own rows plus the history rows to
the same target by persons of the same kind who do not link that target now (a household's previous cadre, a
community's previous unit, an office's previous leader; co-leaders of one office do not count for each other).
Targets with no history rows of that kind, and persons with no history rows at all, get pro-rated minimums:
ceil(min × workdays ≥ since / workdays of the year).

Kept previous visits (pins, dated ≥ since) are added to the same tallies as the person's own rows, so the task
builders compute only what is still missing. Tallies are keyed by ids (not indices).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from planner.calendar.days import _as_date
from planner.model import PLAN_COLUMNS


@dataclass
class Tally:
    rows: int = 0
    dates: set[date] = field(default_factory=set)
    talks: int = 0


@dataclass
class Frozen:
    rows: pd.DataFrame                                   # history rows, verbatim
    n_planned: int = 1                                   # workdays ≥ since
    n_year: int = 1                                      # workdays of the year
    # (activity, target) -> person -> tally (history rows of everyone, and the person's own kept rows)
    by_target: dict[tuple[str, str], dict[str, Tally]] = field(default_factory=lambda: defaultdict(dict))
    history_targets: set[tuple[str, str]] = field(default_factory=set)   # (activity, target) with history
    history_people: set[str] = field(default_factory=set)                # persons with ≥1 history row
    grassroots: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))  # leader/cadre -> dates
    offices_seen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # leader -> offices
    contact_dates: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))  # leader -> any contact
    reception_dates: set[date] = field(default_factory=set)
    role_count: Counter[tuple[str, str]] = field(default_factory=Counter)              # (leader, role)
    a_dates: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))     # leader -> A dates
    capped: set[str] | None = None    # catch-up mode (calendar/shortfall.py): persons whose minimums were capped

    def add(self, kind: str, pid: str, act: str, tkind: str, tid: str, d: date, talk: int = 0) -> None:
        """Count one row (history or kept) of person `pid`."""
        tally = self.by_target[(act, tid)].setdefault(pid, Tally())
        tally.rows += 1
        tally.dates.add(d)
        tally.talks += int(talk == 1 and act == "household")
        if act in ("contact", "research", "household"):
            self.grassroots[pid].add(d)
        if kind == "leader" and act in ("contact", "research") and tkind == "office":
            self.offices_seen[pid].add(tid)
        if kind == "leader" and act == "contact":
            self.contact_dates[pid].add(d)

    def pair(self, person: str, act: str, target: str, linked: Iterable[str] = ()) -> Tally:
        """Rows, distinct dates and talks that count for (person, target): its own rows plus the history rows of
        persons who do not link the target now (`linked`: the target's current linkers)."""
        skip = set(linked) - {person}
        out = Tally()
        for pid, tally in self.by_target.get((act, target), {}).items():
            if pid in skip:
                continue
            out.rows += tally.rows
            out.dates |= tally.dates
            out.talks += tally.talks
        return out

    def target_minimum(self, minimum: int, act: str, target: str) -> int:
        """A target without history rows of this activity gets the pro-rated minimum."""
        return minimum if (act, target) in self.history_targets else self.prorate(minimum)

    def person_minimum(self, minimum: int, person: str) -> int:
        """Grassroots days of a person without any history row are pro-rated."""
        return minimum if person in self.history_people else self.prorate(minimum)

    def prorate(self, minimum: int) -> int:
        return -(-minimum * self.n_planned // max(self.n_year, 1))


def empty_visits() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in PLAN_COLUMNS["visits"]})


def normalize_visits(visits: pd.DataFrame) -> pd.DataFrame:
    """Contract columns, dates as datetime.date, ids as text, role '' or A/B, talk 0/1."""
    frame = visits.reindex(columns=list(PLAN_COLUMNS["visits"])).copy()
    frame["date"] = [_as_date(d) for d in frame["date"]]
    frame["role"] = frame["role"].fillna("").astype(str)
    frame["talk"] = pd.to_numeric(frame["talk"], errors="coerce").fillna(0).astype(int)
    for col in ("person_kind", "person_id", "activity", "target_kind", "target_id"):
        frame[col] = frame[col].astype(str)
    return frame


def read_frozen(frozen_visits: pd.DataFrame | None, since: date | None, n_planned: int = 1,
                n_year: int = 1, capped: set[str] | None = None) -> Frozen:
    """Keep rows dated before `since` (none when since is None: nothing is history). `capped`: catch-up mode."""
    if frozen_visits is None or len(frozen_visits) == 0 or since is None:
        return Frozen(empty_visits(), n_planned, n_year, capped=capped)
    frame = normalize_visits(frozen_visits)
    frame = frame[[d < since for d in frame["date"]]].copy()
    out = Frozen(frame.reset_index(drop=True), n_planned, n_year, capped=capped)
    for d, kind, pid, act, tkind, tid, role, talk in frame.itertuples(index=False, name=None):
        out.add(kind, pid, act, tkind, tid, d, talk)
        out.history_people.add(pid)
        out.history_targets.add((act, tid))
        if act == "reception":
            out.reception_dates.add(d)
            out.role_count[(pid, role)] += 1
            if role == "A":
                out.a_dates[pid].add(d)
    return out
