"""Actual visits in the store: record one in a few clicks, import a file, load them back, purge the notes.

A record answers a planned visit or stands alone: `as_planned` (done on the plan's date), `other_day` (done on
another date), `missed` (not done: no date, a reason), `imported` (from actuals.csv). Only the first, second and
fourth are visits that happened (`load_actuals`). Notes and reasons live in `actual_notes`, apart, so
`purge_actual_notes` erases them without touching the counts; the audit trail says who recorded what, never the note.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import delete, insert, select, update

from planner.store import schema as t
from planner.store.api import Store

log = logging.getLogger(__name__)

OUTCOMES = ("as_planned", "other_day", "missed", "imported")
HAPPENED = ("as_planned", "other_day", "imported")
VISIT_COLUMNS = ("date", "person_kind", "person_id", "activity", "target_kind", "target_id", "role", "talk")


@dataclass(frozen=True)
class Record:
    """One recorded outcome of a visit."""

    person_kind: str
    person_id: str
    activity: str
    target_kind: str
    target_id: str
    outcome: str
    date: dt.date | None = None
    planned_date: dt.date | None = None
    talk: int = 0
    role: str = ""
    note: str = ""
    reason: str = ""

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")
        if self.outcome != "missed" and self.date is None:
            raise ValueError("a visit that happened needs its date")


def _scenario_id(store: Store, conn: Any, scenario: str) -> int:
    return int(store._scenario_row(conn, scenario).id)


def record_visits(store: Store, scenario: str, records: list[Record], author: str) -> list[int]:
    """Insert records (one transaction, one audit entry); returns their ids."""
    now = datetime.now(UTC)
    ids: list[int] = []
    with store._tx() as conn:
        sid = _scenario_id(store, conn, scenario)
        for rec in records:
            result = conn.execute(insert(t.actual_visits).values(
                scenario_id=sid, date=rec.date if rec.outcome != "missed" else None, person_kind=rec.person_kind,
                person_id=rec.person_id, activity=rec.activity, target_kind=rec.target_kind, target_id=rec.target_id,
                role=rec.role or "", talk=int(rec.talk), outcome=rec.outcome, planned_date=rec.planned_date,
                recorded_by=author, recorded_at=now))
            visit_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            ids.append(visit_id)
            if rec.note or rec.reason:
                conn.execute(insert(t.actual_notes).values(visit_id=visit_id, note=rec.note or None,
                                                           reason=rec.reason or None))
        outcomes = {o: sum(r.outcome == o for r in records) for o in OUTCOMES if any(r.outcome == o for r in records)}
        store._audit(conn, sid, author, "actuals", f"{len(records)} visit records", None, None, None,
                     {"outcomes": outcomes})
    log.info("%d visit records stored for scenario %s", len(records), scenario)
    return ids


def import_actuals(store: Store, scenario: str, visits: pd.DataFrame, notes: pd.Series | None, author: str) -> int:
    """Store a validated actuals frame (planner.supervision.actuals.Actuals.visits / .notes) as `imported`."""
    records = []
    note_list = list(notes) if notes is not None and len(notes) == len(visits) else [""] * len(visits)
    for row, note in zip(visits.to_dict("records"), note_list, strict=True):
        records.append(Record(str(row["person_kind"]), str(row["person_id"]), str(row["activity"]),
                              str(row["target_kind"]), str(row["target_id"]), "imported",
                              date=pd.Timestamp(row["date"]).date(), talk=int(row.get("talk", 0) or 0),
                              role=str(row.get("role", "") or ""), note=str(note or "")))
    return len(record_visits(store, scenario, records, author))


def load_records(store: Store, scenario: str, with_notes: bool = False) -> pd.DataFrame:
    """Every record (all outcomes) with id, outcome, planned_date, recorded_by; notes only when asked."""
    with store._tx() as conn:
        sid = _scenario_id(store, conn, scenario)
        rows = conn.execute(select(t.actual_visits).where(t.actual_visits.c.scenario_id == sid)
                            .order_by(t.actual_visits.c.id)).mappings().all()
        frame = pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in t.actual_visits.columns])
        if with_notes and len(frame):
            notes = conn.execute(select(t.actual_notes).where(t.actual_notes.c.visit_id.in_(frame["id"].tolist())))
            lookup = {r.visit_id: (r.note or "", r.reason or "") for r in notes}
            frame["note"] = [lookup.get(i, ("", ""))[0] for i in frame["id"]]
            frame["reason"] = [lookup.get(i, ("", ""))[1] for i in frame["id"]]
    return frame.drop(columns=["scenario_id"])


def load_actuals(store: Store, scenario: str) -> pd.DataFrame:
    """The visits that happened, as actuals.csv columns (+ recorded_by), for `compute_progress`."""
    frame = load_records(store, scenario)
    frame = frame.loc[frame["outcome"].isin(HAPPENED)] if len(frame) else frame
    out = frame.reindex(columns=[*VISIT_COLUMNS, "recorded_by"]).reset_index(drop=True)
    out["date"] = pd.to_datetime(out["date"])
    out["talk"] = out["talk"].fillna(0).astype(int)
    out["role"] = out["role"].fillna("")
    return out


def delete_record(store: Store, scenario: str, visit_id: int, author: str) -> None:
    with store._tx() as conn:
        sid = _scenario_id(store, conn, scenario)
        conn.execute(delete(t.actual_visits).where((t.actual_visits.c.id == visit_id)
                                                   & (t.actual_visits.c.scenario_id == sid)))
        store._audit(conn, sid, author, "actuals", f"visit record {visit_id} deleted", None, None, None, {})


def purge_actual_notes(store: Store, scenario: str, author: str) -> int:
    """Erase every note and reason of the scenario's records; returns how many were erased."""
    with store._tx() as conn:
        sid = _scenario_id(store, conn, scenario)
        ids = select(t.actual_visits.c.id).where(t.actual_visits.c.scenario_id == sid)
        result = conn.execute(update(t.actual_notes).where(t.actual_notes.c.visit_id.in_(ids)
                                                           & t.actual_notes.c.purged_at.is_(None))
                              .values(note=None, reason=None, purged_at=datetime.now(UTC)))
        n = int(result.rowcount or 0)
        store._audit(conn, sid, author, "purge", f"{n} visit notes purged", None, None, None, {})
    return n
