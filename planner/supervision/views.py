"""Small pure views the 督查 page draws (kept out of the page so they are tested without Streamlit).

- `month_matrix`: completion (%) by office or unit × month, from Progress.monthly.
- `missing_visits`: a person's planned visits dated ≤ D with no actual visit to the same target on that date — the
  visits to ask about when drilling down. A visit done on another day still shows here (and the counts already
  credit it): it tells the unit which planned date was not kept, not that the visit is lost.
- `open_planned`: planned visits of a person that no record answers yet (for the "record from the plan" form).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

KEYS = ["person_kind", "person_id", "activity", "target_id", "date"]


def month_matrix(monthly: pd.DataFrame, level: str, names: dict[str, str] | None = None) -> pd.DataFrame:
    frame = monthly.loc[monthly["level"] == level]
    if frame.empty:
        return pd.DataFrame()
    ratio = (100 * frame["done"] / frame["planned"].where(frame["planned"] > 0)).round(1)
    grid = frame.assign(ratio=ratio).pivot(index="id", columns="month", values="ratio")
    grid.columns = [f"{m}月" for m in grid.columns]
    if names:
        grid.insert(0, "名称", [names.get(str(i), "") for i in grid.index])
    return grid


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["date"] = pd.to_datetime(out["date"]).dt.normalize()
    return out


def missing_visits(plan_visits: pd.DataFrame, actuals: pd.DataFrame, person_kind: str, person_id: str,
                   as_of: date) -> pd.DataFrame:
    plan = _dated(plan_visits)
    plan = plan.loc[(plan["person_kind"] == person_kind) & (plan["person_id"].astype(str) == person_id)
                    & (plan["date"] <= pd.Timestamp(as_of)) & (plan["activity"] != "reception")]
    done = _dated(actuals)[KEYS].drop_duplicates() if len(actuals) else pd.DataFrame(columns=KEYS)
    merged = plan.merge(done.assign(_done=True), on=KEYS, how="left")
    out = merged.loc[merged["_done"].isna()].drop(columns="_done")
    out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    return out.reset_index(drop=True)


def open_planned(plan_visits: pd.DataFrame, records: pd.DataFrame, person_kind: str, person_id: str) -> pd.DataFrame:
    """Planned visits of the person not yet answered by a stored record (matched on target and planned date)."""
    plan = _dated(plan_visits)
    plan = plan.loc[(plan["person_kind"] == person_kind) & (plan["person_id"].astype(str) == person_id)
                    & (plan["activity"] != "reception")]
    if len(records):
        answered = records.loc[records["planned_date"].notna(), ["person_id", "target_id", "planned_date"]].copy()
        answered["date"] = pd.to_datetime(answered.pop("planned_date")).dt.normalize()
        answered = answered.drop_duplicates()
        plan = plan.merge(answered.assign(_answered=True), on=["person_id", "target_id", "date"], how="left")
        plan = plan.loc[plan["_answered"].isna()].drop(columns="_answered")
    plan["date"] = plan["date"].dt.strftime("%Y-%m-%d")
    return plan.sort_values(["date", "target_id"], kind="stable").reset_index(drop=True)
