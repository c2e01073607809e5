"""A realistic synthetic case ledger for the demo: what people raised on the visits and reception days up to a date.

From the demo's actual visits (planner.supervision.demo_actuals): a share of the household visits raise a problem
(raised with the cadre, at that household; owned by the cadre's unit, sometimes by another unit that is
competent); each reception day raises a few (raised with that day's A leader, or B; owned by a unit); a few
letters, hotline calls and online messages each month. Each case then moves on: most are resolved within the
due period, some late, a few still open; replies and callbacks follow; steps later than `until` are not taken
yet. Some recent cases have no 责任人 yet (受理). Deterministic for a seed. Summaries are generic phrases, no names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from planner.problem import Problem
from planner.supervision.cases import CASE_COLUMNS

SUMMARIES = ("小区路灯损坏，夜间出行不便", "楼道堆放杂物，存在消防隐患", "申请临时救助", "子女入学咨询", "自来水水压不足",
             "老旧小区加装电梯诉求", "医保报销政策咨询", "噪音扰民", "低保申请进度", "下水道堵塞")


@dataclass(frozen=True)
class DemoCasesMix:
    """Shares of the generated ledger; demo knobs, not policy."""

    per_household_visit: float = 0.008   # a household visit raises a problem (district half-year: ~360)
    per_reception_day: float = 2.0       # mean cases raised on a reception day
    by_hand_per_month: float = 6.0       # letters, hotline calls, online messages
    other_unit: float = 0.3              # owned by another unit than the visiting cadre's
    unassigned_recent_days: int = 5      # cases opened this close to `until` may have no owner yet
    late: float = 0.12                   # resolved after the due date (or not yet: overdue)
    never: float = 0.04                  # not resolved at all by `until`
    satisfied: float = 0.88


def demo_cases(problem: Problem, actuals: pd.DataFrame, until: date, seed: int = 0,
               mix: DemoCasesMix | None = None) -> pd.DataFrame:
    """cases.csv rows (text) from actual visits (the demo's actuals.csv frame) dated ≤ `until`."""
    mix = mix or DemoCasesMix()
    rng = np.random.default_rng(seed + 7)
    visits = actuals.assign(date=pd.to_datetime(actuals["date"]))
    visits = visits.loc[visits["date"] <= pd.Timestamp(until)].drop_duplicates()
    units = problem.units["unit_id"].astype(str).to_numpy()
    cadre_unit = dict(zip(problem.cadres["cadre_id"].astype(str), problem.cadres["unit_id"].astype(str), strict=True))
    unit_cadres = {str(k): list(v) for k, v in problem.cadres.astype(str).groupby("unit_id")["cadre_id"]}
    home = dict(zip(problem.households["household_id"].astype(str), problem.households["community_id"].astype(str),
                    strict=True))
    rows: list[dict[str, object]] = []
    homes = visits.loc[visits["activity"] == "household"]
    raised = homes.loc[rng.random(len(homes)) < mix.per_household_visit]
    for r in raised.itertuples(index=False):
        own = cadre_unit.get(str(r.person_id), "")
        unit = str(rng.choice(units)) if rng.random() < mix.other_unit or not own else own
        rows.append({"opened": r.date, "source": "visit", "raised_with": str(r.person_id),
                     "household_id": str(r.target_id), "community_id": home.get(str(r.target_id), ""),
                     "owner_unit": unit})
    reception = visits.loc[visits["activity"] == "reception"]
    for day, leaders in reception.groupby("date"):
        by_role = dict(zip(leaders["role"].astype(str), leaders["person_id"].astype(str), strict=False))
        for _ in range(int(rng.poisson(mix.per_reception_day))):
            who = by_role.get("A") if rng.random() < 0.7 or "B" not in by_role else by_role.get("B")
            rows.append({"opened": day, "source": "reception", "raised_with": who or str(leaders["person_id"].iloc[0]),
                         "owner_unit": str(rng.choice(units))})
    start = pd.Timestamp(date(problem.rules.year, 1, 1))
    days = max((pd.Timestamp(until) - start).days + 1, 0)
    for _ in range(int(rng.poisson(mix.by_hand_per_month * days / 30.4)) if days else 0):
        rows.append({"opened": start + pd.Timedelta(days=int(rng.integers(0, days))),
                     "source": str(rng.choice(["letter", "hotline", "online"])), "owner_unit": str(rng.choice(units))})
    if not rows:
        return pd.DataFrame(columns=[*CASE_COLUMNS[:6], "summary", *CASE_COLUMNS[6:]])
    frame = pd.DataFrame(rows).sort_values(["opened", "source", "owner_unit"], kind="stable").reset_index(drop=True)
    return _life(frame, rng, mix, until, problem.rules.cases.due_days, unit_cadres)


def _life(frame: pd.DataFrame, rng: np.random.Generator, mix: DemoCasesMix, until: date, due_days: int,
          unit_cadres: dict[str, list[str]]) -> pd.DataFrame:
    """Owners, due dates and the later steps; a step after `until` is not taken yet."""
    n = len(frame)
    end = pd.Timestamp(until)
    opened = pd.to_datetime(frame["opened"])
    due = opened + pd.to_timedelta(np.where(rng.random(n) < 0.5, due_days, 15), unit="D")
    u = rng.random(n)
    late = u < mix.late
    never = (u >= mix.late) & (u < mix.late + mix.never)
    span = (due - opened).dt.days.to_numpy()
    took = np.where(late, span + rng.integers(1, 20, n), np.maximum(1, (rng.random(n) * span).astype(int)))
    resolved = opened + pd.to_timedelta(took, unit="D")
    replied = resolved + pd.to_timedelta(rng.integers(0, 4, n), unit="D")
    called = replied + pd.to_timedelta(rng.integers(2, 15, n), unit="D")

    def taken(days: pd.Series) -> pd.Series:
        return days.where(~never & (days <= end).to_numpy())

    resolved, replied, called = taken(resolved), taken(replied), taken(called)
    replied = replied.where(resolved.notna())
    called = called.where(replied.notna())
    recent = ((end - opened).dt.days < mix.unassigned_recent_days).to_numpy() & (rng.random(n) < 0.5)
    owners = [("" if recent[i] or not unit_cadres.get(unit) else str(rng.choice(unit_cadres[unit])))
              for i, unit in enumerate(frame["owner_unit"])]
    happy = np.where(rng.random(n) < mix.satisfied, "yes", "no")

    def text(days: pd.Series) -> pd.Series:
        return days.dt.strftime("%Y-%m-%d").fillna("")

    out = pd.DataFrame({
        "case_id": [f"Q{i + 1:05d}" for i in range(n)], "opened": text(opened), "source": frame["source"],
        "raised_with": frame.get("raised_with", pd.Series([""] * n)).fillna(""),
        "household_id": frame.get("household_id", pd.Series([""] * n)).fillna(""),
        "community_id": frame.get("community_id", pd.Series([""] * n)).fillna(""),
        "summary": rng.choice(np.asarray(SUMMARIES, dtype=object), size=n),
        "owner_unit": frame["owner_unit"], "owner": owners, "due": text(due), "resolved_on": text(resolved),
        "replied_on": text(replied), "callback_on": text(called),
        "satisfied": np.where(called.notna().to_numpy(), happy, "")})
    return out


def write_demo_cases(problem: Problem, actuals: pd.DataFrame, until: date, out: str, seed: int = 0) -> int:
    """Write cases.csv (UTF-8 with BOM) and return the number of cases."""
    from pathlib import Path

    from planner.io.safe import write_csv

    frame = demo_cases(problem, actuals, until, seed)
    write_csv(frame, Path(out))
    return len(frame)
