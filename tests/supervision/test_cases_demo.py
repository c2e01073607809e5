"""The demo's case ledger: valid, from visits and reception days, every step present, reported by progress."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from planner.cli import main
from planner.io.read import read_problem
from planner.supervision.case_report import case_status
from planner.supervision.cases import read_cases


def test_demo_writes_a_ledger_that_validates_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert main(["demo", str(out), "--year", "2026", "--actuals", "2026-06-30"]) == 0
    problem = read_problem(out)
    ledger = read_cases(out / "cases.csv", problem)          # the generator's output passes the validation
    cases = ledger.cases
    assert len(cases) >= 50 and set(cases["source"]) >= {"visit", "reception", "letter", "hotline", "online"}
    assert cases["opened"].max() <= pd.Timestamp("2026-06-30")
    for column in ("resolved_on", "replied_on", "callback_on"):
        assert cases[column].dropna().max() <= pd.Timestamp("2026-06-30")   # no step after the date
    reception = cases.loc[cases["source"] == "reception"]
    actuals = pd.read_csv(out / "actuals.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    days = actuals.loc[actuals["activity"] == "reception"]
    leaders_of = days.groupby("date")["person_id"].apply(set).to_dict()
    assert all(r.raised_with in leaders_of[r.opened.strftime("%Y-%m-%d")] for r in reception.itertuples())
    status = case_status(cases, pd.Timestamp("2026-06-30").date())
    assert status["overdue"].any() and set(status["status"]) >= {"in_progress", "callback"}
    assert main(["progress", str(out), str(out / "plan"), "--actuals", str(out / "actuals.csv"), "--as-of",
                 "2026-06-30", "--out", str(tmp_path / "p"), "--cases", str(out / "cases.csv")]) == 0
    summary = json.loads((tmp_path / "p" / "summary.json").read_text(encoding="utf-8"))
    assert sorted(summary["cases"]["overdue"]) == sorted(status.loc[status["overdue"], "case_id"])
