"""data/template.xlsx is what `planner template` writes today: a rule or column added later must reach it."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from planner.io.template import write_template

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "template.xlsx"


def _cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(path)
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def test_bundled_template_matches_the_generator(tmp_path: Path) -> None:
    fresh = tmp_path / "template.xlsx"
    write_template(fresh)
    assert _cells(BUNDLED) == _cells(fresh), "regenerate it: planner template data/template.xlsx"
