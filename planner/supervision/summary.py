"""What the bulletin, summary.json and the app show from a Progress: completion by office and unit, who needs help.

Completion of an office or unit = Σ min(done, required) / Σ min(planned_to_date, required) over its visit-count
obligations (leader_contact to the office; unit_visits of communities; cadre_visits of households — an office
through its communities' and households' obligations, a unit through its own and its cadres'). Capping each pair
at its minimum keeps one over-visited household from hiding another that nobody visits. Red / amber / green use
the thresholds below (documented in docs/SUPERVISION.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.problem import Problem
from planner.supervision.progress import COMPLETION, OBLIGATIONS, STATUSES, Progress

GREEN_AT = 0.95   # completion ≥ 95 % of what the plan expected by now
AMBER_AT = 0.80   # 80–95 %; below is red


def _tuples(frame: pd.DataFrame) -> Any:
    """Rows as namedtuples (typed Any: column attributes are not known to mypy)."""
    return frame.itertuples(index=False)


def rag(completion: float) -> str:
    if completion >= GREEN_AT:
        return "green"
    return "amber" if completion >= AMBER_AT else "red"


def by_level(progress: Progress, problem: Problem, level: str) -> pd.DataFrame:
    """One row per office (level='office') or unit: done, planned_to_date, required (capped sums), completion, rag,
    and how many obligations of each status fall there."""
    table = progress.table
    group = progress.target_office if level == "office" else progress.person_unit
    visits = table["obligation"].isin(COMPLETION).to_numpy() & (group != "").to_numpy()
    req = table["required"].to_numpy()
    frame = pd.DataFrame({"id": group.to_numpy()[visits],
                          "done": np.minimum(table["done"].to_numpy(), req)[visits],
                          "planned_to_date": np.minimum(table["planned_to_date"].to_numpy(), req)[visits],
                          "required": req[visits]})
    out = frame.groupby("id", sort=True).sum()
    statuses = pd.crosstab(group[(group != "").to_numpy()], table["status"][(group != "").to_numpy()])
    out = out.join(statuses.reindex(columns=list(STATUSES), fill_value=0), how="left").fillna(0)
    ids = problem.offices["office_id"] if level == "office" else problem.units["unit_id"]
    names = dict(zip(ids.astype(str), (problem.offices if level == "office" else problem.units)["name"], strict=True))
    out = out.reset_index()
    out.insert(1, "name", out["id"].map(names).fillna(""))
    planned = out["planned_to_date"].to_numpy(dtype=float)
    out["completion"] = np.where(planned > 0, out["done"] / np.maximum(planned, 1), 1.0)
    out["rag"] = [rag(c) for c in out["completion"]]
    for status in STATUSES:
        out[status] = out[status].astype(np.int64)
    return out


def needs_help(progress: Progress) -> pd.DataFrame:
    """Obligations behind the plan or that cannot be met, with the gap — ordered by unit / office and id, never by
    the size of the gap (no league table of individuals)."""
    table = progress.table.assign(office_id=progress.target_office.to_numpy(), unit_id=progress.person_unit.to_numpy())
    out = table.loc[table["status"].isin(("behind", "cannot_meet"))].copy()
    out["gap_to_plan"] = (out["planned_to_date"] - out["done"]).clip(lower=0)
    out["gap_to_required"] = (out["required"] - out["done"]).clip(lower=0)
    order = {name: i for i, name in enumerate(OBLIGATIONS)}
    out["_o"] = out["obligation"].map(order)
    out["_k"] = out["person_kind"].map({"leader": 0, "unit": 1, "cadre": 2})
    out = out.sort_values(["_k", "unit_id", "person_id", "_o", "target_id"], kind="stable")
    return out.drop(columns=["_o", "_k"]).reset_index(drop=True)


def summary_dict(progress: Progress, problem: Problem, checks: pd.DataFrame | None = None) -> dict[str, Any]:
    table = progress.table
    counts = {ob: {st: 0 for st in STATUSES} for ob in OBLIGATIONS if (table["obligation"] == ob).any()}
    sizes = table.groupby(["obligation", "status"]).size()
    for key, n in zip(sizes.index.tolist(), sizes.tolist(), strict=True):
        counts[str(key[0])][str(key[1])] = int(n)

    def level(name: str) -> dict[str, Any]:
        frame = by_level(progress, problem, name)
        return {str(r.id): {"name": str(r.name), "done": int(r.done), "planned_to_date": int(r.planned_to_date),
                            "required": int(r.required), "completion": round(float(r.completion), 4),
                            "rag": str(r.rag)} for r in _tuples(frame)}

    anomalies = progress.anomalies.copy()
    if "date" in anomalies:
        anomalies["date"] = pd.to_datetime(anomalies["date"]).dt.strftime("%Y-%m-%d")
    out: dict[str, Any] = {
        "as_of": progress.as_of.isoformat(),
        "counts": counts,
        "by_office": level("office"),
        "by_unit": level("unit"),
        "periods_missed": len(progress.missed),
        "anomalies": {"count": len(anomalies),
                      "rows": json.loads(anomalies.to_json(orient="records", force_ascii=False))},
    }
    if checks is not None:
        out["checks"] = checks_summary(checks)
    return out


def reports_summary(progress: Progress, duplicates: int = 0) -> dict[str, Any]:
    """summary.json `reports`: reports counted (≤ D), due dates missed, reports by people who owe none."""
    table = progress.table.loc[progress.table["obligation"] == "reports"]
    missed = progress.missed.loc[progress.missed["obligation"] == "reports"]
    not_owed = progress.reports_not_owed
    return {"owed_by": len(table), "required": int(table["required"].sum()),
            "due_to_date": int(table["planned_to_date"].sum()), "handed_in": int(table["done"].sum()),
            "missed_due_dates": len(missed), "duplicates": int(duplicates),
            "not_owed": sorted({str(p) for p in not_owed["person_id"]}) if not_owed is not None else []}


def checks_summary(rates: pd.DataFrame) -> dict[str, Any]:
    """Confirmation rate by unit from `planner.supervision.sample.confirmation_rates`."""
    by_unit = {str(r.unit_id): {"checked": int(r.checked), "confirmed": int(r.confirmed),
                                "not_confirmed": int(r.not_confirmed), "pending": int(r.pending),
                                "rate": None if pd.isna(r.rate) else round(float(r.rate), 4)}
               for r in _tuples(rates)}
    checked = int(rates["checked"].sum())
    confirmed = int(rates["confirmed"].sum())
    return {"by_unit": by_unit, "checked": checked, "confirmed": confirmed,
            "rate": round(confirmed / checked, 4) if checked else None}


def write_summary(summary: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
