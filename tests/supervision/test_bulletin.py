"""The bulletin: sheets, a named Chinese font, print setup, who-needs-help order (no ranking), no personal data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl

from planner.supervision.bulletin import bulletin_html, write_bulletin
from planner.supervision.progress import compute_progress
from planner.supervision.sample import confirmation_rates
from tests.supervision.helpers import PAIRS, actuals, problem, visits

PLAN = visits(("2026-01-05", "cadre", "G1", "household", "household", "H01"),
              ("2026-01-06", "cadre", "G1", "household", "household", "H02"),
              ("2026-01-07", "cadre", "G4", "household", "household", "H06"),
              ("2026-01-08", "unit", "U1", "community", "community", "C01"))
DONE = visits(("2026-01-05", "cadre", "G1", "household", "household", "H01"),
              ("2026-01-09", "cadre", "G3", "household", "household", "H06"))     # an anomaly


def _progress():  # type: ignore[no-untyped-def]
    prob = problem()
    return prob, compute_progress(prob, PAIRS, PLAN, actuals(prob, DONE).visits, date(2026, 2, 28))


def test_workbook_sheets_font_and_print_setup(tmp_path: Path) -> None:
    prob, progress = _progress()
    path = write_bulletin(progress, prob, tmp_path / "通报.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["概况", "月度进度", "需要帮助", "漏报期", "异常记录"]
    summary = book["概况"]
    assert summary["A1"].value == "党员干部直接联系服务群众工作通报"
    assert summary["A1"].font.name == "等线"
    assert summary.page_setup.orientation == "landscape" and summary.page_setup.paperSize == 9
    helped = [r for r in book["需要帮助"].iter_rows(min_row=2, values_only=True)]
    kinds = [r[0] for r in helped]
    assert kinds == sorted(kinds, key=["区级领导", "区直单位", "党员干部"].index)   # leaders, units, cadres
    cadres = [(r[1], r[2]) for r in helped if r[0] == "党员干部"]
    assert cadres == sorted(cadres)                         # by unit and person id, never by the gap
    assert {r[2] for r in helped} >= {"G1", "G4", "U1"}     # behind the plan
    anomalies = list(book["异常记录"].iter_rows(min_row=2, values_only=True))
    assert len(anomalies) == 1 and anomalies[0][2] == "G3"
    texts = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert not any("户主" in t for t in texts)             # household names never appear
    assert book["月度进度"]._charts


def test_html_has_the_same_sections_and_checks(tmp_path: Path) -> None:
    prob, progress = _progress()
    import pandas as pd

    checks = pd.DataFrame({"unit_id": ["U1", "U1", "U2"], "confirmed": pd.array([True, False, None],
                                                                                 dtype="boolean")})
    page = bulletin_html(progress, prob, confirmation_rates(checks))
    for heading in ("各办事处完成情况", "各单位完成情况", "随机抽查回访确认率", "需要帮助的联系对象", "漏报期", "异常记录"):
        assert heading in page
    assert "<svg" in page and "@page" in page
    assert "50.0" in page      # U1: one of two answered callbacks confirmed


def test_formula_looking_names_are_text_cells_without_a_visible_apostrophe(tmp_path: Path) -> None:
    from planner.io.validate import build_problem
    from planner.rules import Rules
    from tests.fixtures import TINY_YEAR, tiny_tables

    tables = tiny_tables()
    cadres = tables["cadres"].copy()
    cadres.loc[cadres["cadre_id"] == "G1", "name"] = "=1+1"
    prob = build_problem({**tables, "cadres": cadres}, Rules().replace(year=TINY_YEAR), source="tiny")
    progress = compute_progress(prob, PAIRS, PLAN, actuals(prob, DONE).visits, date(2026, 2, 28))
    book = openpyxl.load_workbook(write_bulletin(progress, prob, tmp_path / "通报.xlsx"))
    cells = [c for row in book["需要帮助"].iter_rows(min_row=2) for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    texts = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert not any(t.startswith("'") for t in texts)
