"""The case ledger as of a date: each case's step, overdue and due-soon, the `cases` object of summary.json and
the bulletin's tables (overdue first; per-unit closing rates).

As of D only what happened by D counts: a case opened after D does not exist yet; a date after D is a step not
taken yet. The step (status) of a case at D is the last one taken: 回访 `callback` (callback_on ≤ D), 答复
`replied`, 办结 `resolved`, else 办理 `in_progress` when a 责任人 (owner) is named, else 受理 `opened` (accepted,
waiting to be assigned). Overdue at D (contract): not resolved by D and due < D — due == D is not overdue yet.
Due soon: not resolved, not overdue, due ≤ D + `rules.cases.due_soon_days`. Closing rate of a unit = resolved by
D ÷ cases opened by D. Days to resolve / reply count from `opened`. Summaries (personal data) never appear here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from planner.problem import Problem
from planner.supervision.cases import SOURCES, CaseLedger

STATUSES = ("opened", "in_progress", "resolved", "replied", "callback")
STATUS_ZH = {"opened": "受理", "in_progress": "办理", "resolved": "办结", "replied": "答复", "callback": "回访"}
SATISFIED_ZH = {"yes": "满意", "no": "不满意", "": ""}


def case_status(cases: pd.DataFrame, as_of: date, due_soon_days: int = 7) -> pd.DataFrame:
    """The cases opened by `as_of`, with `status`, `overdue` (bool), `due_soon` (bool), `days_overdue`."""
    day = pd.Timestamp(as_of)
    frame = cases.loc[pd.to_datetime(cases["opened"]) <= day].copy()

    def done(column: str) -> np.ndarray:
        values = pd.to_datetime(frame[column])
        return (values.notna() & (values <= day)).to_numpy()

    resolved, replied, called = done("resolved_on"), done("replied_on"), done("callback_on")
    assigned = (frame["owner"].astype(str) != "").to_numpy()
    frame["status"] = np.select([called, replied, resolved, assigned],
                                ["callback", "replied", "resolved", "in_progress"], "opened")
    due = pd.to_datetime(frame["due"])
    frame["overdue"] = ~resolved & (due < day).to_numpy()
    soon = day + pd.Timedelta(days=due_soon_days)
    frame["due_soon"] = ~resolved & ~frame["overdue"].to_numpy() & (due <= soon).to_numpy()
    frame["days_overdue"] = np.where(frame["overdue"], (day - due).dt.days, 0).astype(np.int64)
    return frame.reset_index(drop=True)


def due_within(cases: pd.DataFrame, as_of: date, days: int) -> pd.DataFrame:
    """Unresolved cases due between as_of and as_of + days (the home-page reminder), earliest due first."""
    frame = case_status(cases, as_of, days)
    return frame.loc[frame["due_soon"]].sort_values(["due", "case_id"], kind="stable").reset_index(drop=True)


def _median_days(frame: pd.DataFrame, column: str, as_of: date) -> float | None:
    end = pd.to_datetime(frame[column])
    ok = end.notna() & (end <= pd.Timestamp(as_of))
    if not ok.any():
        return None
    return float(np.median((end[ok] - pd.to_datetime(frame["opened"])[ok]).dt.days))


def by_unit(status: pd.DataFrame, problem: Problem | None) -> pd.DataFrame:
    """One row per owner unit: cases, each status, overdue, closed (办结 or a later step), closing rate,
    satisfaction rate (yes ÷ yes + no)."""
    names = {} if problem is None else dict(zip(problem.units["unit_id"].astype(str), problem.units["name"].astype(str),
                                                strict=True))
    columns = ["unit_id", "name", "cases", *STATUSES, "overdue", "closed", "closing_rate", "satisfaction_rate"]
    if status.empty:
        return pd.DataFrame(columns=columns)
    flags = pd.DataFrame({"unit_id": status["owner_unit"].astype(str), "cases": 1,
                          **{s: (status["status"] == s).astype(int) for s in STATUSES},
                          "overdue": status["overdue"].astype(int),
                          "closed": status["status"].isin(STATUSES[2:]).astype(int),
                          "yes": (status["satisfied"] == "yes").astype(int),
                          "rated": status["satisfied"].isin(("yes", "no")).astype(int)})
    out = flags.groupby("unit_id", sort=True).sum().reset_index()
    out.insert(1, "name", out["unit_id"].map(names).fillna(""))
    out["closing_rate"] = out["closed"] / out["cases"]
    out["satisfaction_rate"] = (out["yes"] / out["rated"].where(out["rated"] > 0)).astype(object)
    out.loc[out["rated"] == 0, "satisfaction_rate"] = None
    return out[columns]


def cases_summary(ledger: CaseLedger, as_of: date, problem: Problem | None = None,
                  due_soon_days: int | None = None) -> dict[str, Any]:
    """summary.json's `cases` object."""
    days = due_soon_days if due_soon_days is not None else (problem.rules.cases.due_soon_days if problem else 7)
    status = case_status(ledger.cases, as_of, days)
    units = by_unit(status, problem)
    yes = int((status["satisfied"] == "yes").sum())
    rated = int(status["satisfied"].isin(("yes", "no")).sum())

    def rnd(value: float | None) -> float | None:
        return None if value is None or pd.isna(value) else round(float(value), 4)

    overdue = status.loc[status["overdue"]].sort_values(["due", "case_id"], kind="stable")
    return {
        "as_of": as_of.isoformat(),
        "total": len(status),
        "overdue": [str(c) for c in overdue["case_id"]],
        "due_soon": [str(c) for c in status.loc[status["due_soon"]].sort_values(["due", "case_id"])["case_id"]],
        "due_soon_days": days,
        "by_status": {s: int((status["status"] == s).sum()) for s in STATUSES},
        "by_source": {s: int((status["source"] == s).sum()) for s in SOURCES},
        "by_unit": {r["unit_id"]: {"name": r["name"], "cases": r["cases"], **{s: r[s] for s in STATUSES},
                                   "overdue": r["overdue"], "closed": r["closed"],
                                   "closing_rate": rnd(r["closing_rate"]),
                                   "satisfaction_rate": rnd(r["satisfaction_rate"])}
                    for r in units.to_dict("records")},
        "median_days_to_resolve": _median_days(status, "resolved_on", as_of),
        "median_days_to_reply": _median_days(status, "replied_on", as_of),
        "satisfied": yes, "rated": rated, "satisfaction_rate": rnd(yes / rated) if rated else None,
        "closing_rate": rnd(int(status["status"].isin(STATUSES[2:]).sum()) / len(status)) if len(status) else None,
    }


def _day(value: Any) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def ledger_tables(ledger: CaseLedger, as_of: date, problem: Problem | None = None,
                  due_soon_days: int | None = None) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The bulletin's tables: `cases` (every case by id, unit and dates — no summary, the bulletin goes to units;
    overdue first, then the open ones, then the closed; each by due date, unit and id) and `case_units` (per-unit closing rates)."""
    days = due_soon_days if due_soon_days is not None else (problem.rules.cases.due_soon_days if problem else 7)
    status = case_status(ledger.cases, as_of, days)
    names = {} if problem is None else dict(zip(problem.units["unit_id"].astype(str), problem.units["name"].astype(str),
                                                strict=True))
    status["_o"] = np.where(status["overdue"], 0, np.where(status["status"].isin(STATUSES[:2]), 1, 2))
    status = status.sort_values(["_o", "due", "owner_unit", "case_id"], kind="stable")
    rows = [[r["case_id"], "超期" if r["overdue"] else ("临期" if r["due_soon"] else ""), r["days_overdue"] or "",
             r["owner_unit"], names.get(str(r["owner_unit"]), ""), r["owner"], SOURCES.get(r["source"], r["source"]),
             _day(r["opened"]), _day(r["due"]), _day(r["resolved_on"]), _day(r["replied_on"]), _day(r["callback_on"]),
             SATISFIED_ZH.get(r["satisfied"], ""), STATUS_ZH[r["status"]]] for r in status.to_dict("records")]
    units = by_unit(status, problem)
    unit_rows = [[r["unit_id"], r["name"], r["cases"], r["closed"], round(100 * r["closing_rate"], 1), r["overdue"],
                  r["replied"] + r["callback"], "" if r["satisfaction_rate"] is None or pd.isna(r["satisfaction_rate"])
                  else round(100 * r["satisfaction_rate"], 1)] for r in units.to_dict("records")]
    return {
        "cases": (["案件编号", "提示", "超期天数", "承办单位编号", "承办单位", "责任人", "来源", "受理日期", "办理期限",
                   "办结日期", "答复日期", "回访日期", "满意度", "状态"], rows),
        "case_units": (["单位编号", "单位", "案件数", "已办结", "办结率%", "超期", "已答复/回访", "满意率%"], unit_rows),
    }
