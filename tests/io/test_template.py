"""The template workbook: instructions first, one sheet per table with Chinese headers, reads back cleanly."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from planner.errors import InputError
from planner.io.read import read_problem
from planner.io.template import EXAMPLES_SHEET, INSTRUCTIONS_SHEET, RULES_SHEET, example_tables, write_template
from planner.model import REQUIRED_TABLES, TABLES
from planner.rules import rule_fields


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("t") / "template.xlsx")


def test_sheets_headers_and_validations(template: Path) -> None:
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == [INSTRUCTIONS_SHEET, *(t.stem for t in TABLES), "走访记录", "问题台账", RULES_SHEET,
                               EXAMPLES_SHEET]
    for spec in TABLES:
        sheet = book[spec.stem]
        assert [c.value for c in sheet[1]] == [c.zh for c in spec.columns]
    tier = book["leaders"].data_validations.dataValidation
    assert any("区委书记" in (v.formula1 or "") for v in tier)


def test_instructions_list_every_column_and_rule(template: Path) -> None:
    sheet = openpyxl.load_workbook(template)[INSTRUCTIONS_SHEET]
    text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    for spec in TABLES:
        for col in spec.columns:
            assert col.zh in text and col.name in text
    for name, f in rule_fields():
        assert name in text
        if f.metadata["source"]:
            assert f.metadata["source"] in text
    assert "每年入户不少于6次" in text


def test_empty_template_reports_empty_tables(template: Path) -> None:
    with pytest.raises(InputError) as err:
        read_problem(template)
    issues = err.value.issues
    assert len(issues) == len(REQUIRED_TABLES)
    assert all("没有数据" in i.message_zh and i.row is None for i in issues)
    assert {i.file for i in issues} == {f"template.xlsx[{stem}]" for stem in REQUIRED_TABLES}


def test_template_filled_with_examples_validates(template: Path, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(template)
    for stem, records in example_tables().items():
        for record in records:
            book[stem].append(list(record.values()))
    for row in book[RULES_SHEET].iter_rows(min_row=2):
        if row[0].value == "visits.cadre_household":
            row[1].value = 8
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    p = read_problem(filled, year=2027)
    assert p.counts() == {stem: len(records) for stem, records in example_tables().items()}
    assert p.rules.visits.cadre_household == 8
    assert p.pins["subject"].tolist() == [0] and p.unavailability["person_kind"].tolist() == ["leader"]


def test_shipped_template_matches_schema() -> None:
    shipped = Path(__file__).resolve().parents[2] / "data" / "template.xlsx"
    book = openpyxl.load_workbook(shipped)
    assert [c.value for c in book["households"][1]] == [c.zh for c in TABLES[2].columns]


def test_instructions_and_rules_print_cleanly(template: Path) -> None:
    """Landscape A4 fitted to one page wide, header row repeated, narrow margins; wrapped text rows tall enough;
    every cell in the Chinese font."""
    book = openpyxl.load_workbook(template)
    for name in (INSTRUCTIONS_SHEET, RULES_SHEET):
        ws = book[name]
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)  # 1 is the default
        assert ws.page_setup.fitToHeight == 0 and ws.page_margins.left <= 0.5
        assert ws.print_title_rows and "第 &P 页" in ws.oddFooter.center.text
    assert book[RULES_SHEET].print_title_rows == "$1:$1"
    header = next(r for r in book[INSTRUCTIONS_SHEET].iter_rows() if r[0].value == "工作表 / 列")[0].row
    assert book[INSTRUCTIONS_SHEET].print_title_rows == f"${header}:${header}"
    rules = book[RULES_SHEET]
    longest = max(rules.iter_rows(min_row=2), key=lambda r: len(r[4].value or ""))
    assert longest[4].alignment.wrap_text and rules.row_dimensions[longest[0].row].height >= 30
    fonts = {c.font.name for ws in book.worksheets for row in ws.iter_rows(max_row=40) for c in row
             if c.value is not None}
    assert fonts == {"等线"}


@pytest.mark.slow
def test_libreoffice_prints_every_text_in_landscape(template: Path, tmp_path: Path) -> None:
    """LibreOffice (headless) prints the template to PDF: every page landscape, and every column's help and every
    rule's policy source appears whole (a cut cell loses its end)."""
    import re

    from planner.io.template import _column_help, _rule_rows
    from tests.export.conftest import libreoffice_pdf

    sizes, text = libreoffice_pdf(template, tmp_path)
    assert sizes and all(w > h for w, h in sizes)
    wanted = [_column_help(c) for spec in TABLES for c in spec.columns] + [s for *_, s in _rule_rows() if s]
    assert [w for w in wanted if re.sub(r"\s+", "", w) not in text] == []
