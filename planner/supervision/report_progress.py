"""The `reports` obligation of the progress table: research reports handed in against the plan's due dates.

One row per person who owes reports under DATA's rules (planner.reports.due `owed`: district leaders, unit heads,
office secretaries and directors), target empty:
- required: reports a year (`reports.district_leader` / `reports.main_head`);
- planned_to_date: the person's due dates in the plan's report_due.csv on or before D;
- done: reports handed in dated ≤ D (reports.csv, one per title);
- left_days: the person's available workdays after D, as for every obligation;
- periods_missed: due dates on or before D by which fewer reports than due had been handed in (the k-th due date is
  missed when fewer than k reports are dated on or before it), also listed in `Progress.missed`;
- status: the contract's rule — met, cannot_meet, behind (done < planned_to_date: a due date has passed without
  its report), else on_track (every due date so far is covered, a late report included).
Vectorised with numpy like the rest of the engine; planner/check/progress.py recomputes the same independently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from planner.problem import Problem
from planner.reports.due import owed, report_due
from planner.supervision.dense import _available, _year

OBLIGATION = "reports"
MISSED_COLUMNS = ["obligation", "person_kind", "person_id", "target_kind", "target_id", "period", "first_month",
                  "last_month"]


@dataclass(frozen=True, eq=False)
class ReportBlock:
    table: pd.DataFrame     # progress COLUMNS (status excluded) + _office, _unit
    missed: pd.DataFrame    # MISSED_COLUMNS, one row per missed due date (period = its 0-based rank)
    not_owed: pd.DataFrame  # reports (≤ D) by people who owe none: person_id, date, title


def report_block(problem: Problem, reports: pd.DataFrame, as_of: date,
                 due: pd.DataFrame | None = None) -> ReportBlock:
    """The reports rows as of `as_of`; `due` is the plan's report_due table (None: computed from the rules, for a
    plan made before reports were planned)."""
    people = owed(problem)
    due = report_due(problem) if due is None else due
    stamp = pd.Timestamp(as_of)
    if len(reports):   # one report per (person, title), at its first date, whoever validated the frame
        reports = reports.assign(date=pd.to_datetime(reports["date"])).sort_values("date", kind="stable") \
            .drop_duplicates(["person_id", "title"]).sort_index()
    handed = reports.loc[reports["date"] <= stamp] if len(reports) else reports
    pid = people["person_id"].astype(str).to_numpy()
    index = pd.Index(pid)
    n = len(pid)

    hand_pos = index.get_indexer(pd.Index(handed["person_id"].astype(str))) if len(handed) else np.zeros(0, int)
    done = np.bincount(hand_pos[hand_pos >= 0], minlength=n).astype(np.int64)
    due_day = pd.to_datetime(due["due"].astype(str), errors="coerce").to_numpy(dtype="datetime64[ns]") \
        if len(due) else np.zeros(0, dtype="datetime64[ns]")
    due_pos = index.get_indexer(pd.Index(due["person_id"].astype(str))) if len(due) else np.zeros(0, int)
    passed = (due_pos >= 0) & (due_day <= stamp.to_datetime64())   # NaT (unreadable) never passes
    planned = np.bincount(due_pos[passed], minlength=n).astype(np.int64)

    missed = _missed(people, due_pos[passed], due_day[passed], hand_pos,
                     pd.to_datetime(handed["date"]).to_numpy() if len(handed) else np.zeros(0, "M8[ns]"))
    table = pd.DataFrame({
        "obligation": OBLIGATION, "person_kind": people["person_kind"].to_numpy(), "person_id": pid,
        "target_kind": "", "target_id": "", "required": people["required"].to_numpy(dtype=np.int64),
        "planned_to_date": planned, "done": done, "left_days": _left_days(problem, people, as_of),
        "periods_missed": pd.array(np.bincount(index.get_indexer(pd.Index(missed["person_id"])), minlength=n)
                                   if len(missed) else np.zeros(n, dtype=np.int64), dtype="Int64"),
        "_office": _office_of(problem, people), "_unit": _unit_of(problem, people)})
    not_owed = handed.loc[hand_pos < 0, ["person_id", "date", "title"]].reset_index(drop=True) if len(handed) else \
        pd.DataFrame(columns=["person_id", "date", "title"])
    return ReportBlock(table, missed, not_owed)


def _missed(people: pd.DataFrame, due_pos: np.ndarray, due_day: np.ndarray, hand_pos: np.ndarray,
            hand_day: np.ndarray) -> pd.DataFrame:
    """Passed due dates whose rank k exceeds the reports handed in by then."""
    if not len(due_pos):
        return pd.DataFrame(columns=MISSED_COLUMNS)
    order = np.lexsort((due_day, due_pos))
    due_pos, due_day = due_pos[order], due_day[order]
    starts = np.searchsorted(due_pos, due_pos, side="left")
    rank = np.arange(len(due_pos)) - starts + 1                       # k-th due date of its person
    ok = hand_pos >= 0
    keys_hand = np.sort(hand_pos[ok].astype(np.int64) * 10**6 + _day_number(hand_day[ok]))
    keys_due = due_pos.astype(np.int64) * 10**6 + _day_number(due_day)
    by_then = np.searchsorted(keys_hand, keys_due, side="right") - np.searchsorted(keys_hand, due_pos * 10**6,
                                                                                   side="left")
    bad = by_then < rank
    month = pd.DatetimeIndex(due_day[bad]).month.to_numpy()
    return pd.DataFrame({"obligation": OBLIGATION, "person_kind": people["person_kind"].to_numpy()[due_pos[bad]],
                         "person_id": people["person_id"].astype(str).to_numpy()[due_pos[bad]], "target_kind": "",
                         "target_id": "", "period": rank[bad] - 1, "first_month": month, "last_month": month})


def _day_number(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype(np.int64) + 100_000   # days since 1970, kept positive


def _left_days(problem: Problem, people: pd.DataFrame, as_of: date) -> np.ndarray:
    yr = _year(problem)
    as_of_day = int(np.clip((as_of - yr.first).days, -1, yr.n_days - 1))
    out = np.zeros(len(people), dtype=np.int64)
    for kind in people["person_kind"].unique():
        sel = (people["person_kind"] == kind).to_numpy()
        avail = _available(problem, yr, str(kind), pd.Index(people["person_id"].astype(str)[sel]))
        out[sel] = avail[:, as_of_day + 1:].sum(axis=1)
    return out


def _office_of(problem: Problem, people: pd.DataFrame) -> np.ndarray:
    """An office leader's office (for the by-office view); '' for the others."""
    out = np.full(len(people), "", dtype=object)
    office = getattr(problem, "office_leaders", None)
    if office is not None and len(office):
        where = dict(zip(office["person_id"].astype(str), office["office_id"].astype(str), strict=True))
        sel = (people["person_kind"] == "office_leader").to_numpy()
        out[sel] = [where.get(p, "") for p in people["person_id"].astype(str)[sel]]
    return out


def _unit_of(problem: Problem, people: pd.DataFrame) -> np.ndarray:
    """A cadre's unit (for the by-unit view); '' for the others."""
    where = dict(zip(problem.cadres["cadre_id"].astype(str), problem.cadres["unit_id"].astype(str), strict=True))
    sel = (people["person_kind"] == "cadre").to_numpy()
    out = np.full(len(people), "", dtype=object)
    out[sel] = [where.get(p, "") for p in people["person_id"].astype(str)[sel]]
    return out
