"""The audit trail: what each change did, in counts and ids (never names, coordinates or notes), and its rows.

Every write of the store adds one row per changed part (data, locks, rules) or per action (create, restore,
version, publish, purge, actuals) in the same transaction as the change, so the trail and the data never disagree.
`ConflictError` is built from these rows: "who changed what since your revision".
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, insert, select

from planner.model import TABLES
from planner.store import schema as t
from planner.store.records import LOCK_TABLES, AuditEntry, aware, jsonable, utcnow

AUDIT_ID_SAMPLE = 20   # ids listed per table in an audit row's details (counts are always complete)
CONFLICT_ACTIONS = ("data", "rules", "locks", "restore")   # the actions that move a scenario's revision
AUDIT_COLUMNS = ["at", "author", "action", "what", "revision", "version"]


def table_change(stem: str, old: pd.DataFrame, new: pd.DataFrame) -> dict[str, Any]:
    """Counts (and a sample of ids) of rows added, removed and changed; never names or coordinates."""
    spec = next(s for s in TABLES if s.stem == stem)
    out: dict[str, Any] = {"rows_before": len(old), "rows_after": len(new)}
    if spec.id_column and spec.id_column in old.columns and spec.id_column in new.columns:
        key = spec.id_column
        before = old.set_index(old[key].astype(str))
        after = new.set_index(new[key].astype(str))
        added = sorted(set(after.index) - set(before.index))
        removed = sorted(set(before.index) - set(after.index))
        common = sorted(set(before.index) & set(after.index))
        changed = []
        if common:
            b = before.loc[common].astype(str)
            a = after.loc[common].reindex(columns=b.columns).astype(str)
            changed = sorted(b.index[(a != b).any(axis=1).to_numpy()])
        out.update(added=len(added), removed=len(removed), changed=len(changed),
                   added_ids=added[:AUDIT_ID_SAMPLE], removed_ids=removed[:AUDIT_ID_SAMPLE],
                   changed_ids=changed[:AUDIT_ID_SAMPLE])
    else:
        rows_b = set(map(tuple, old.astype(str).to_numpy().tolist()))
        rows_a = set(map(tuple, new.astype(str).to_numpy().tolist()))
        out.update(added=len(rows_a - rows_b), removed=len(rows_b - rows_a))
        if stem in LOCK_TABLES:   # locks are few and are ids only: list them
            out.update(added_rows=sorted(rows_a - rows_b)[:AUDIT_ID_SAMPLE],
                       removed_rows=sorted(rows_b - rows_a)[:AUDIT_ID_SAMPLE])
    return out


def rules_change(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out.update(rules_change(a, b, f"{prefix}{key}."))
        elif a != b:
            out[f"{prefix}{key}"] = [a, b]
    return out


def summary(action: str, details: dict[str, Any]) -> str:
    if action == "rules":
        return "rules: " + ", ".join(f"{k} {v[0]}→{v[1]}" for k, v in list(details.items())[:8])
    parts = []
    for stem, d in details.items():
        bits = [f"{sign}{d[k]}" for k, sign in (("added", "+"), ("removed", "-"), ("changed", "~")) if d.get(k)]
        parts.append(f"{stem} ({' '.join(bits) or 'rewritten'})")
    return f"{action}: " + ", ".join(parts)



def write(conn: Connection, scenario_id: int, author: str, action: str, what: str, revision: int | None,
          version: int | None, input_id: int | None, details: dict[str, Any]) -> None:
    conn.execute(insert(t.audit).values(scenario_id=scenario_id, at=utcnow(), author=author, action=action,
                                        what=what, revision=revision, version=version, input_id=input_id,
                                        details=jsonable(details)))


def entry(r: Any) -> AuditEntry:
    return AuditEntry(at=aware(r.at), author=r.author, action=r.action, what=r.what, revision=r.revision,
                      version=r.version, details=r.details or {})


def entries(conn: Connection, scenario_id: int) -> list[AuditEntry]:
    """The whole trail of a scenario, oldest first."""
    rows = conn.execute(select(t.audit).where(t.audit.c.scenario_id == scenario_id).order_by(t.audit.c.id)).all()
    return [entry(r) for r in rows]


def changes_since(conn: Connection, scenario_id: int, revision: int) -> list[AuditEntry]:
    """The edits after `revision` (what a ConflictError reports)."""
    rows = conn.execute(select(t.audit).where(t.audit.c.scenario_id == scenario_id,
                                              t.audit.c.revision > revision,
                                              t.audit.c.action.in_(CONFLICT_ACTIONS))
                        .order_by(t.audit.c.id)).all()
    return [entry(r) for r in rows]


def input_at(conn: Connection, scenario_id: int, revision: int) -> int | None:
    """The input that was current at `revision` (the base of a three-way merge)."""
    row = conn.execute(select(t.audit.c.input_id).where(
        t.audit.c.scenario_id == scenario_id, t.audit.c.revision <= revision, t.audit.c.input_id.is_not(None))
        .order_by(t.audit.c.revision.desc(), t.audit.c.id.desc()).limit(1)).first()
    return None if row is None else row.input_id


def frame(trail: list[AuditEntry]) -> pd.DataFrame:
    """The trail as a table for display (at, author, action, what, revision, version)."""
    return pd.DataFrame([{"at": e.at, "author": e.author, "action": e.action, "what": e.what,
                          "revision": e.revision, "version": e.version} for e in trail], columns=AUDIT_COLUMNS)
