"""Research reports handed in, in the store: import a validated reports table, load it back, delete one.

A report is (scenario, person, title), as in reports.csv: importing a title the store already holds for that
person keeps the earlier date (the first hand-in counts) and is not a new report. One transaction and one audit
entry per import.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import delete, insert, select, update

from planner.store import schema as t
from planner.store.api import Store

log = logging.getLogger(__name__)
COLUMNS = ("person_id", "date", "title")


def _scenario_id(store: Store, conn: Any, scenario: str) -> int:
    return int(store._scenario_row(conn, scenario).id)


def import_reports(store: Store, scenario: str, reports: pd.DataFrame, author: str) -> int:
    """Store a validated reports frame (planner.reports.handed.Reports.reports); returns how many are new."""
    now = datetime.now(UTC)
    table = t.research_reports
    added = moved = 0
    with store._tx() as conn:
        sid = _scenario_id(store, conn, scenario)
        held = {(r.person_id, r.title): (r.id, r.date) for r in conn.execute(
            select(table.c.id, table.c.person_id, table.c.title, table.c.date).where(table.c.scenario_id == sid))}
        for row in reports.to_dict("records"):
            key = (str(row["person_id"]), str(row["title"]))
            day = pd.Timestamp(row["date"]).date()
            if key in held:
                if day < held[key][1]:
                    conn.execute(update(table).where(table.c.id == held[key][0]).values(date=day))
                    moved += 1
                continue
            conn.execute(insert(table).values(scenario_id=sid, person_id=key[0], date=day, title=key[1],
                                              recorded_by=author, recorded_at=now))
            held[key] = (0, day)
            added += 1
        store._audit(conn, sid, author, "reports", f"{added} research reports", None, None, None,
                     {"added": added, "earlier_date": moved})
    log.info("%d research reports stored for scenario %s", added, scenario)
    return added


def load_reports(store: Store, scenario: str) -> pd.DataFrame:
    """person_id, date (datetime64), title, recorded_by — for `compute_progress(..., reports=...)`."""
    table = t.research_reports
    with store._tx() as conn:
        sid = _scenario_id(store, conn, scenario)
        rows = conn.execute(select(table.c.person_id, table.c.date, table.c.title, table.c.recorded_by)
                            .where(table.c.scenario_id == sid).order_by(table.c.id)).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=[*COLUMNS, "recorded_by"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def delete_report(store: Store, scenario: str, person_id: str, title: str, author: str) -> bool:
    table = t.research_reports
    with store._tx() as conn:
        sid = _scenario_id(store, conn, scenario)
        result = conn.execute(delete(table).where((table.c.scenario_id == sid) & (table.c.person_id == person_id)
                                                  & (table.c.title == title)))
        gone = bool(result.rowcount)
        if gone:
            store._audit(conn, sid, author, "reports", f"research report of {person_id} deleted", None, None, None,
                         {})
    return gone
