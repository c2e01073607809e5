"""Realistic synthetic actual visits for the demo: a living year up to a date.

From a plan's visits dated ≤ `until`: most are done as planned; some on another workday near the planned one
(same month when possible); a few people are far behind (most of their visits missed); a few rows are "strangers'
visits" (a cadre visiting a household that is not theirs: the anomalies the bulletin lists); a few exact
duplicates (the same visit entered twice). Deterministic for a seed. Notes are short generic phrases, no names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from planner.plan import Plan
from planner.problem import Problem
from planner.workdays import work_calendar


@dataclass(frozen=True)
class DemoActualsMix:
    """Shares of the generated year; demo knobs, not policy."""

    moved: float = 0.12          # done on another workday
    missed: float = 0.06         # simply not done
    behind_people: float = 0.03  # people who miss most of their visits
    behind_missed: float = 0.8
    strangers: float = 0.003     # extra rows: a cadre at a household that is not theirs
    duplicates: float = 0.002    # rows entered twice
    max_shift_days: int = 10


OFFICE_STREAM = 15   # office leaders' rows: their own random stream (issue 15)
NOTES = ("了解近况，生活基本稳定", "宣讲惠民政策", "协调解决用水问题", "子女就学情况已反馈社区", "帮助申请临时救助",
         "")


def demo_actuals(problem: Problem, plan: Plan, until: date, seed: int = 0,
                 mix: DemoActualsMix | None = None, *, split_office_level: bool = True) -> pd.DataFrame:
    """Actual visits (visit columns + note + recorded_by) dated ≤ `until`, as text, ready for actuals.csv."""
    mix = mix or DemoActualsMix()
    office = (plan.visits["person_kind"] == "office_leader").to_numpy() if len(plan.visits) else np.zeros(0, bool)
    if split_office_level and office.any():   # the office level draws from its own stream: the other rows are
        others = demo_actuals(problem, replace(plan, visits=plan.visits.loc[~office]), until, seed, mix)  # as without it
        mine = demo_actuals(problem, replace(plan, visits=plan.visits.loc[office]), until,
                            int(np.random.default_rng([seed, OFFICE_STREAM]).integers(0, 2**31)),
                            replace(mix, strangers=0.0, duplicates=0.0), split_office_level=False)
        both = pd.concat([others, mine], ignore_index=True)
        return both.sort_values(["date", "person_kind", "person_id", "target_id"], kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    visits = plan.visits.copy()
    if len(visits) == 0:
        return pd.DataFrame(columns=["date", "person_kind", "person_id", "activity", "target_kind", "target_id",
                                     "role", "talk", "note", "recorded_by"])
    visits["date"] = pd.to_datetime(visits["date"])
    visits = visits.loc[visits["date"] <= pd.Timestamp(until)].reset_index(drop=True)
    people = visits["person_kind"].astype(str) + ":" + visits["person_id"].astype(str)
    unique_people = np.sort(people.unique())
    behind = set(rng.choice(unique_people, size=round(len(unique_people) * mix.behind_people), replace=False))
    u = rng.random(len(visits))
    is_behind = people.isin(behind).to_numpy()
    reception = (visits["activity"] == "reception").to_numpy()  # reception days are fixed: kept as planned
    drop = ~reception & ((u < mix.missed) | (is_behind & (rng.random(len(visits)) < mix.behind_missed)))
    move = ~reception & ~drop & (u > 1 - mix.moved)
    workdays = np.asarray([np.datetime64(d) for d in work_calendar(problem.rules.year, problem.holidays).days],
                          dtype="datetime64[D]")
    planned_day = visits["date"].to_numpy().astype("datetime64[D]")
    pos = np.searchsorted(workdays, planned_day)
    shift = rng.integers(-mix.max_shift_days, mix.max_shift_days + 1, size=len(visits))
    new_pos = np.clip(pos + shift, 0, len(workdays) - 1)
    moved_day = workdays[new_pos]
    dates = np.where(move, moved_day, planned_day)
    keep = ~drop & (dates <= np.datetime64(until))
    out = visits.loc[keep].copy()
    out["date"] = pd.to_datetime(dates[keep])
    out["note"] = rng.choice(np.asarray(NOTES, dtype=object), size=len(out))
    out.loc[out["person_kind"] != "cadre", "note"] = ""
    recorder = {"cadre": "", "unit": "", "leader": "组织部"}
    out["recorded_by"] = [recorder.get(k, "") or p for k, p in zip(out["person_kind"], out["person_id"], strict=True)]
    out = pd.concat([out, _strangers(rng, plan, out, mix), out.sample(frac=mix.duplicates, random_state=seed)],
                    ignore_index=True)
    out = out.sort_values(["date", "person_kind", "person_id", "target_id"], kind="stable").reset_index(drop=True)
    out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    out["talk"] = pd.to_numeric(out["talk"], errors="coerce").fillna(0).astype(int)
    out["role"] = out["role"].fillna("")
    return out[["date", "person_kind", "person_id", "activity", "target_kind", "target_id", "role", "talk", "note",
                "recorded_by"]]


def _strangers(rng: np.random.Generator, plan: Plan, done: pd.DataFrame, mix: DemoActualsMix) -> pd.DataFrame:
    """Household rows moved to a household of another cadre (the row's cadre is not linked to it)."""
    household = done.loc[done["activity"] == "household"]
    n = max(1, round(len(household) * mix.strangers)) if len(household) else 0
    if n == 0 or len(plan.cadre_households) < 2:
        return household.iloc[:0]
    rows = household.sample(n=min(n, len(household)), random_state=int(rng.integers(0, 2**31)))
    linked = plan.cadre_households.set_index("household_id")["cadre_id"]
    others = plan.cadre_households["household_id"].to_numpy()
    picks = rng.choice(others, size=len(rows))
    fixed = [h if linked.get(h) != c else others[(i + 1) % len(others)]
             for i, (h, c) in enumerate(zip(picks, rows["person_id"], strict=True))]
    return rows.assign(target_id=fixed, talk=0, note="")


def write_demo_actuals(problem: Problem, plan: Plan, until: date, out: str | Path, seed: int = 0) -> int:
    """Write actuals.csv (UTF-8 with BOM) and return the number of rows."""
    from planner.io.safe import write_csv

    frame = demo_actuals(problem, plan, until, seed)
    write_csv(frame, Path(out))
    return len(frame)
