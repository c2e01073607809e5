"""The case ledger in the store: open, assign, transfer, resolve, reply, call back; import / export cases.csv; load;
purge the summaries.

Every step is one transaction that updates the `cases` row, appends a `case_history` row (the step, its date, the
units of a transfer, the account) and an audit entry naming the account — never the summary, which lives apart in
`case_summaries` so that `purge_case_summaries` erases it without touching the ledger. Steps keep the order of the
life cycle (受理 → 办理 → 办结 → 答复 → 回访): a step dated before the one it follows is refused (CaseStepError).
Who may take a step is the page's question (planner.access.policy.can_change with Action.CASES), not the store's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import insert, select, update

from planner.problem import Problem
from planner.store import schema as t
from planner.store.api import Store
from planner.supervision.cases import CASE_COLUMNS, DATE_COLUMNS, CaseLedger, ledger_from_frame, write_cases

STEPS = ("open", "assign", "transfer", "resolve", "reply", "callback", "import")
# a step's date column, and the column it must not come before
STEP_DATES = {"resolve": ("resolved_on", "opened"), "reply": ("replied_on", "resolved_on"),
              "callback": ("callback_on", "replied_on")}
STEP_ZH = {"open": "受理", "assign": "指定责任人", "transfer": "转办", "resolve": "办结", "reply": "答复",
           "callback": "回访", "import": "导入"}


class CaseStepError(ValueError):
    """A step the life cycle does not allow (date out of order, unknown case, duplicate id)."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def _sid(store: Store, conn: Any, scenario: str) -> int:
    return int(store._scenario_row(conn, scenario).id)


def _row(conn: Any, sid: int, case_id: str) -> Any:
    row = conn.execute(select(t.cases).where((t.cases.c.scenario_id == sid) & (t.cases.c.case_id == case_id))).first()
    if row is None:
        raise CaseStepError(f"没有编号为“{case_id}”的案件", f"no case '{case_id}'")
    return row


def _day(value: Any) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _history(conn: Any, case_pk: int, step: str, author: str, now: datetime, on: dt.date | None = None,
             from_unit: str = "", to_unit: str = "", owner: str = "") -> None:
    conn.execute(insert(t.case_history).values(case_pk=case_pk, step=step, step_date=on, from_unit=from_unit,
                                               to_unit=to_unit, owner=owner, author=author, at=now))


def _values(case: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {c: ("" if case.get(c) is None or pd.isna(case.get(c)) else str(case.get(c))) for c in CASE_COLUMNS
           if c not in DATE_COLUMNS}
    out.update({c: _day(case.get(c)) for c in DATE_COLUMNS})
    return out


def _insert(conn: Any, sid: int, case: Mapping[Any, Any], summary: str, author: str, now: datetime, step: str) -> int:
    values = _values(case)
    exists = conn.execute(select(t.cases.c.id).where((t.cases.c.scenario_id == sid)
                                                     & (t.cases.c.case_id == values["case_id"]))).first()
    if exists is not None:
        raise CaseStepError(f"案件编号“{values['case_id']}”已存在", f"case '{values['case_id']}' already exists")
    result = conn.execute(insert(t.cases).values(scenario_id=sid, updated_by=author, updated_at=now, **values))
    pk = int(result.inserted_primary_key[0])
    if summary:
        conn.execute(insert(t.case_summaries).values(case_pk=pk, summary=summary))
    _history(conn, pk, step, author, now, values["opened"], to_unit=values["owner_unit"], owner=values["owner"])
    for later, _ in STEP_DATES.values():
        if values[later] is not None and step == "import":
            _history(conn, pk, {"resolved_on": "resolve", "replied_on": "reply", "callback_on": "callback"}[later],
                     author, now, values[later])
    return pk


def open_case(store: Store, scenario: str, case: Mapping[Any, Any], author: str, summary: str = "") -> None:
    """受理: a new case (a dict of cases.csv columns, already validated — see ledger_from_frame)."""
    now = datetime.now(UTC)
    with store._tx() as conn:
        sid = _sid(store, conn, scenario)
        _insert(conn, sid, case, summary, author, now, "open")
        store._audit(conn, sid, author, "cases", f"case {case['case_id']} opened", None, None, None,
                     {"owner_unit": str(case.get("owner_unit", "")), "source": str(case.get("source", ""))})


def assign(store: Store, scenario: str, case_id: str, owner: str, author: str) -> None:
    """Name (or change) the 责任人 of a case."""
    _change(store, scenario, case_id, author, "assign", {"owner": owner}, owner=owner)


def transfer(store: Store, scenario: str, case_id: str, to_unit: str, author: str, owner: str = "") -> None:
    """转办: another owner unit takes the case (the history keeps where it came from); the owner is reset."""
    _change(store, scenario, case_id, author, "transfer", {"owner_unit": to_unit, "owner": owner}, owner=owner)


def resolve(store: Store, scenario: str, case_id: str, on: dt.date, author: str) -> None:
    _change(store, scenario, case_id, author, "resolve", {"resolved_on": on})


def reply(store: Store, scenario: str, case_id: str, on: dt.date, author: str) -> None:
    _change(store, scenario, case_id, author, "reply", {"replied_on": on})


def callback(store: Store, scenario: str, case_id: str, on: dt.date, satisfied: str, author: str) -> None:
    if satisfied not in ("yes", "no", ""):
        raise CaseStepError("满意度只能是 yes / no / 空", "satisfied must be yes, no or empty")
    _change(store, scenario, case_id, author, "callback", {"callback_on": on, "satisfied": satisfied})


def _change(store: Store, scenario: str, case_id: str, author: str, step: str, values: dict[str, Any],
            owner: str = "") -> None:
    now = datetime.now(UTC)
    with store._tx() as conn:
        sid = _sid(store, conn, scenario)
        row = _row(conn, sid, case_id)
        on = None
        if step in STEP_DATES:
            column, before = STEP_DATES[step]
            on = values[column]
            earlier = getattr(row, before)
            if earlier is None or on < earlier:
                zh, en = {"resolve": ("办结日期不能早于受理日期", "resolved before opened"),
                          "reply": ("须先办结，答复日期不能早于办结日期", "reply needs a resolution on or before it"),
                          "callback": ("须先答复，回访日期不能早于答复日期", "callback needs a reply on or before it")}[step]
                raise CaseStepError(f"案件“{case_id}”：{zh}", f"case '{case_id}': {en}")
        conn.execute(update(t.cases).where(t.cases.c.id == row.id).values(updated_by=author, updated_at=now, **values))
        from_unit = str(row.owner_unit) if step == "transfer" else ""
        to_unit = str(values.get("owner_unit", "")) if step == "transfer" else ""
        _history(conn, int(row.id), step, author, now, on, from_unit, to_unit, owner)
        details = {"step": step, **({"from": from_unit, "to": to_unit} if step == "transfer" else {})}
        store._audit(conn, sid, author, "cases", f"case {case_id}: {step}", None, None, None, details)


def import_cases(store: Store, scenario: str, ledger: CaseLedger, author: str) -> tuple[int, int]:
    """Store a validated ledger: new case ids are added (with their steps in the history), known ones updated in
    place (an `import` history row). Returns (added, updated)."""
    now = datetime.now(UTC)
    added = updated = 0
    with store._tx() as conn:
        sid = _sid(store, conn, scenario)
        known = {r.case_id: r for r in conn.execute(select(t.cases).where(t.cases.c.scenario_id == sid))}
        summaries = ledger.summaries.to_dict() if len(ledger.summaries) else {}
        for case in ledger.cases.to_dict("records"):
            summary = str(summaries.get(case["case_id"], "") or "")
            old = known.get(case["case_id"])
            if old is None:
                _insert(conn, sid, case, summary, author, now, "import")
                added += 1
                continue
            values = _values(case)
            conn.execute(update(t.cases).where(t.cases.c.id == old.id).values(updated_by=author, updated_at=now,
                                                                              **values))
            moved = str(old.owner_unit) != values["owner_unit"]
            _history(conn, int(old.id), "import", author, now, None, str(old.owner_unit) if moved else "",
                     values["owner_unit"] if moved else "", values["owner"])
            if summary:
                exists = conn.execute(select(t.case_summaries.c.case_pk).where(t.case_summaries.c.case_pk == old.id))
                if exists.first() is None:
                    conn.execute(insert(t.case_summaries).values(case_pk=old.id, summary=summary))
                else:
                    conn.execute(update(t.case_summaries).where(t.case_summaries.c.case_pk == old.id)
                                 .values(summary=summary, purged_at=None))
            updated += 1
        store._audit(conn, sid, author, "cases", f"{added} cases added, {updated} updated from {ledger.source}",
                     None, None, None, {"added": added, "updated": updated})
    return added, updated


def load_cases(store: Store, scenario: str, with_summaries: bool = False) -> pd.DataFrame:
    """The ledger as cases.csv columns (dates as datetime64), + summary when asked, + updated_by / updated_at."""
    with store._tx() as conn:
        sid = _sid(store, conn, scenario)
        rows = conn.execute(select(t.cases).where(t.cases.c.scenario_id == sid).order_by(t.cases.c.case_id))
        frame = pd.DataFrame([dict(r._mapping) for r in rows], columns=[c.name for c in t.cases.columns])
        if with_summaries:
            found = conn.execute(select(t.case_summaries).where(t.case_summaries.c.case_pk.in_(frame["id"].tolist())))
            lookup = {r.case_pk: r.summary or "" for r in found}
            frame["summary"] = [lookup.get(i, "") for i in frame["id"]]
    for column in DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column])
    keep = [*CASE_COLUMNS, *(["summary"] if with_summaries else []), "updated_by", "updated_at"]
    return frame[keep].reset_index(drop=True)


def load_ledger(store: Store, scenario: str, problem: Problem | None, with_summaries: bool = False) -> CaseLedger:
    """The stored ledger through the same validation as a file (so reports read one kind of object)."""
    frame = load_cases(store, scenario, with_summaries)
    return ledger_from_frame(frame.drop(columns=["updated_by", "updated_at"]), problem, f"store:{scenario}")


def export_cases(store: Store, scenario: str, path: str | Path, problem: Problem | None,
                 with_summaries: bool = False) -> Path:
    """cases.csv of the stored ledger; summaries only when asked (personal data)."""
    return write_cases(load_ledger(store, scenario, problem, with_summaries), path, with_summaries)


def timeline(store: Store, scenario: str, case_id: str) -> pd.DataFrame:
    """A case's history, oldest first: step, step_date, from_unit, to_unit, owner, author, at."""
    with store._tx() as conn:
        row = _row(conn, _sid(store, conn, scenario), case_id)
        found = conn.execute(select(t.case_history).where(t.case_history.c.case_pk == row.id)
                             .order_by(t.case_history.c.id))
        frame = pd.DataFrame([dict(r._mapping) for r in found], columns=[c.name for c in t.case_history.columns])
    return frame.drop(columns=["id", "case_pk"])


def purge_case_summaries(store: Store, scenario: str, author: str) -> int:
    """Erase every case summary of the scenario; the ledger and its history stay. Returns how many were erased."""
    with store._tx() as conn:
        sid = _sid(store, conn, scenario)
        ids = select(t.cases.c.id).where(t.cases.c.scenario_id == sid)
        result = conn.execute(update(t.case_summaries).where(t.case_summaries.c.case_pk.in_(ids)
                                                             & t.case_summaries.c.purged_at.is_(None))
                              .values(summary=None, purged_at=datetime.now(UTC)))
        n = int(result.rowcount or 0)
        store._audit(conn, sid, author, "purge", f"{n} case summaries purged", None, None, None, {})
    return n
