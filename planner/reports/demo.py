"""Synthetic research reports for the demo (`planner demo DIR --actuals D` writes DIR/reports.csv; the 督查 page's
demo source uses it too): a living year of reports up to a date.

For each person who owes reports and each of their due dates in the plan, the report usually comes in during the
month before the due date; some come late (a few weeks after), a few not at all; a couple of people who owe none
(section cadres) hand one in anyway, and one report is entered twice. Only reports dated ≤ `until` are kept.
Deterministic for a seed. Titles are generic topics, no names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from planner.plan import Plan
from planner.problem import Problem
from planner.reports.due import owed, report_due
from planner.workdays import work_calendar

TOPICS = ("老旧小区改造", "困难群众救助帮扶", "社区养老服务", "基层党组织建设", "农民工子女入学", "背街小巷环境整治",
          "社区网格化管理", "就业创业服务", "矛盾纠纷多元化解", "便民服务中心运行", "小微企业融资", "居民用水用电保障")


@dataclass(frozen=True)
class DemoReportsMix:
    """Shares of the generated year; demo knobs, not policy."""

    late: float = 0.15           # handed in after the due date
    missing: float = 0.10        # not handed in
    early_days: int = 30         # on time: within this many days before the due date
    late_days: int = 30          # late: within this many days after it
    volunteers: int = 2          # reports by people who owe none


def demo_reports(problem: Problem, plan: Plan, until: date, seed: int = 0,
                 mix: DemoReportsMix | None = None) -> pd.DataFrame:
    """reports.csv rows (person_id, date as YYYY-MM-DD, title) dated ≤ `until`."""
    mix = mix or DemoReportsMix()
    rng = np.random.default_rng(seed)
    due = plan.report_due if plan.report_due is not None else report_due(problem)
    workdays = np.asarray(work_calendar(problem.rules.year, problem.holidays).days, dtype="datetime64[D]")
    rows: list[tuple[str, np.datetime64, str]] = []
    if len(due) and len(workdays):
        days = pd.to_datetime(due["due"].astype(str)).to_numpy().astype("datetime64[D]")
        u = rng.random(len(due))
        shift = np.where(u < mix.late, rng.integers(1, mix.late_days + 1, len(due)),
                         -rng.integers(0, mix.early_days + 1, len(due)))
        pos = np.clip(np.searchsorted(workdays, days + shift), 0, len(workdays) - 1)
        topics = rng.integers(0, len(TOPICS), len(due))
        for pid, day, keep, topic, k in zip(due["person_id"].astype(str), workdays[pos], u < 1 - mix.missing,
                                            topics, due.groupby("person_id").cumcount() + 1, strict=True):
            if keep:
                rows.append((pid, day, f"关于{TOPICS[topic]}的调研报告（{k}）"))
    owing = set(owed(problem)["person_id"])
    others = sorted(set(problem.cadres["cadre_id"].astype(str)) - owing)
    for pid in rng.choice(np.asarray(others, dtype=object), size=min(mix.volunteers, len(others)), replace=False):
        rows.append((str(pid), workdays[int(rng.integers(0, len(workdays)))], f"关于{TOPICS[0]}的专题汇报"))
    frame = pd.DataFrame(rows, columns=["person_id", "date", "title"])
    frame = frame.loc[frame["date"].to_numpy(dtype="datetime64[D]") <= np.datetime64(until)]
    if len(frame):
        frame = pd.concat([frame, frame.sample(n=1, random_state=seed)], ignore_index=True)
    frame = frame.sort_values(["date", "person_id"], kind="stable").reset_index(drop=True)
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
    return frame


def write_demo_reports(problem: Problem, plan: Plan, until: date, out: str | Path, seed: int = 0) -> int:
    """Write reports.csv (UTF-8 with BOM) and return the number of rows."""
    from planner.io.safe import write_csv

    frame = demo_reports(problem, plan, until, seed)
    write_csv(frame, Path(out))
    return len(frame)
