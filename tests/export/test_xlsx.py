"""The printable workbook opens in openpyxl, has the expected sheets, numbers that match the visits, no formulas."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from planner.export.summary import SUMMARY_GROUPS, SUMMARY_HEADERS
from planner.export.xlsx import export_xlsx, sheet_names, xlsx_bytes
from planner.io.safe import FORMULA_START
from planner.io.template import text_width
from planner.plan import Plan, read_plan, write_plan
from planner.rules import Rules
from tests.export.conftest import make_plan

FIXED = ["汇总", "月度统计", "信访接待"]


def _book(plan: Plan, redact: bool = False) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx_bytes(plan, redact=redact)))


def _records(ws: Any) -> list[dict[str, Any]]:
    """Rows as dicts by header; the summary's two header rows are read by SUMMARY_HEADERS (its leaves repeat)."""
    rows = list(ws.iter_rows(values_only=True))
    if ws.title == "汇总":
        return [dict(zip(SUMMARY_HEADERS, row, strict=True)) for row in rows[2:]]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_sheets_per_office_and_unit(small_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "out" / "plan.xlsx"
    export_xlsx(small_plan, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [*FIXED, "东城办事处", "西城办事处", "区财政局", "区教育局"]
    assert [p.name for p in path.parent.iterdir()] == ["plan.xlsx"]  # no temporary file left behind
    east = _records(book["东城办事处"])
    assert [r["领导"] for r in east] == ["王书记"] * 3  # L01's whole schedule, incl. research and reception
    finance = _records(book["区财政局"])
    assert Counter(r["编号"] for r in finance) == {"U001": 2, "G0001": 4}
    assert sum(r["谈心谈话"] == "是" for r in finance) == 1
    roster = _records(book["信访接待"])
    assert [(r["A角"], r["B角"]) for r in roster] == [("王书记", "李常委")]


def test_summary_numbers_match_visits(small_plan: Plan) -> None:
    rows = {r["编号"]: r for r in _records(_book(small_plan)["汇总"])}
    visits = small_plan.visits
    for person, count in Counter(visits["person_id"]).items():
        assert rows[person]["走访总次数"] == count
    g1 = rows["G0001"]
    assert (g1["联系对象数"], g1["每对象最少次数"], g1["每户最少谈心谈话"], g1["基层天数"]) == (2, 1, 0, 3)
    assert g1["要求次数"] == Rules().visits.cadre_household and g1["达标"] == "否"
    assert (g1["职务/职级"], g1["要求基层天数"]) == ("主要负责人", Rules().grassroots_days.unit_head)
    assert "基层天数 3<20" in g1["未达标项"]
    assert (rows["G0002"]["职务/职级"], rows["G0002"]["要求基层天数"]) == ("一般干部", 0)
    l1 = rows["L01"]
    assert (l1["基层天数"], l1["要求基层天数"]) == (2, Rules().grassroots_days.secretary)
    assert "走遍办事处 2/2" in l1["备注"] and "三走遍" not in (l1["未达标项"] or "")
    assert "三走遍（1/2）" in rows["L02"]["未达标项"]
    # leaders: 到联系点不少于12次 fills both the visits and the days requirement
    assert l1["要求次数"] == l1["要求天数"] == Rules().visits.leader_contact and "次数 1<12" in l1["未达标项"]


def test_summary_header_pairs_actual_and_required_under_one_title(small_plan: Plan) -> None:
    ws = _book(small_plan)["汇总"]
    top = [c.value for c in ws[1]]
    leaves = [c.value for c in ws[2]]
    for first, (title, *names) in SUMMARY_GROUPS.items():
        assert top[first] == title and leaves[first:first + len(names)] == names
        assert f"{ws.cell(1, first + 1).coordinate}:{ws.cell(1, first + len(names)).coordinate}" in {
            str(r) for r in ws.merged_cells.ranges}
    assert "A1:A2" in {str(r) for r in ws.merged_cells.ranges} and top[0] == "类型"
    assert ws.freeze_panes == "D3" and ws.print_title_rows == "$1:$2"
    why = SUMMARY_HEADERS.index("未达标项") + 1
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(why)].width
    long = [r[0].row for r in ws.iter_rows(min_row=3, min_col=why, max_col=why) if text_width(r[0].value or "") > width]
    assert long and all(ws.cell(r, why).alignment.wrap_text and (ws.row_dimensions[r].height or 0) >= 30
                        for r in long)
    # wrapped titles fit: the two header rows together are at least as tall as the tallest wrapped header needs
    widths = {c: ws.column_dimensions[openpyxl.utils.get_column_letter(c + 1)].width for c in range(len(top))}
    height = ws.row_dimensions[1].height + ws.row_dimensions[2].height
    for c, header in enumerate(top):
        if header and c not in SUMMARY_GROUPS:
            needed = -(-2 * len(header) // max(int(widths[c]) - 1, 1))
            assert height >= 15 * needed, header


def test_summary_uses_rules_from_the_report(small_plan: Plan) -> None:
    rules = Rules(year=2027).replace(visits={"cadre_household": 1, "cadre_household_days": 1,
                                             "talks_per_household": 0, "unit_community": 1,
                                             "unit_community_days": 1})
    plan = Plan(small_plan.leader_offices, small_plan.unit_communities, small_plan.cadre_households,
                small_plan.visits, {"year": 2027, "rules": rules.to_dict()}, small_plan.names)
    rows = {r["编号"]: r for r in _records(_book(plan)["汇总"])}
    assert rows["G0001"]["要求次数"] == 1
    assert [rows[p]["达标"] for p in ("U001", "U002", "G0002")] == ["是", "是", "是"]


def test_month_grid_counts_per_person_and_month(small_plan: Plan) -> None:
    grid = {r["编号"]: r for r in _records(_book(small_plan)["月度统计"])}
    assert grid["G0001"]["1月"] == 2 and grid["G0001"]["5月"] == 1 and grid["G0002"]["12月"] == 1
    for person, count in Counter(small_plan.visits["person_id"]).items():
        assert grid[person]["合计"] == count == sum(grid[person][f"{m}月"] for m in range(1, 13))


def test_print_setup_and_frozen_header(small_plan: Plan) -> None:
    book = _book(small_plan)
    for ws in book.worksheets:
        header_rows = 2 if ws.title == "汇总" else 1
        assert ws.freeze_panes in (f"A{header_rows + 1}", f"D{header_rows + 1}"), ws.title
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows == f"$1:${header_rows}"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert book["东城办事处"]["A2"].is_date


def _all_text(book: openpyxl.Workbook) -> list[str]:
    return [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]


def test_formula_names_are_text_cells_with_the_quote_prefix(tmp_path: Path) -> None:
    """Shown exactly as typed (no literal apostrophe), stored as text with quotePrefix, never as a formula; the
    same after the plan went through its CSV files (names.csv is guarded on disk and unguarded when read)."""
    plan = make_plan(person_name="=cmd|' /C calc'!A0", community_name="+SUM(A1)")
    write_plan(plan, tmp_path / "plan")
    for source in (plan, read_plan(tmp_path / "plan", require_visits=True)):
        book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(source)))
        cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        risky = [c for c in cells if c.value.startswith(FORMULA_START)]
        assert {c.value for c in risky} >= {"=cmd|' /C calc'!A0", "+SUM(A1)"}
        assert all(c.data_type == "s" and c.quotePrefix for c in risky)
        assert not [c for c in cells if c.value.startswith("'")]
        assert not [c for c in cells if c.value[:1] not in FORMULA_START and c.quotePrefix]
    # the same names in a sheet title are made valid too (no : * ? / \ [ ])
    assert sheet_names(["=a:b", "-x"]) == ["=a_b", "-x"]


def test_redact_hides_household_ids(small_plan: Plan) -> None:
    text = _all_text(_book(small_plan, redact=True))
    joined = "\n".join(text)
    for household in small_plan.cadre_households["household_id"]:
        assert household not in joined
    assert sum(t.startswith("户-") for t in text) == 4  # the four household visit rows
    assert "H00012" in "\n".join(_all_text(_book(small_plan)))


@pytest.mark.parametrize(("wanted", "expected"), [
    (["a/b", "A/B"], ["a_b", "A_B(2)"]),
    (["x" * 40, "x" * 40], ["x" * 31, "x" * 28 + "(2)"]),
    (["History", "[q]*?"], ["History_", "_q___"]),
    (["'quoted'", ""], ["quoted", "_"]),
    (["汇总"], ["汇总(2)"]),
])
def test_sheet_names_valid_and_unique(wanted: list[str], expected: list[str]) -> None:
    assert sheet_names(wanted, taken=FIXED) == expected


def test_empty_plan_still_gives_a_workbook(small_plan: Plan) -> None:
    empty = Plan(small_plan.leader_offices, small_plan.unit_communities, small_plan.cadre_households,
                 small_plan.visits.iloc[0:0], small_plan.report, small_plan.names)
    book = _book(empty)
    assert book.sheetnames[:3] == FIXED
    rows = _records(book["汇总"])
    assert len(rows) == 6 and all(r["走访总次数"] == 0 for r in rows)


def test_plan_without_rank_column_leaves_the_requirement_blank(small_plan: Plan) -> None:
    plan = Plan(small_plan.leader_offices, small_plan.unit_communities, small_plan.cadre_households,
                small_plan.visits, small_plan.report, small_plan.names.drop(columns=["rank"]))
    rows = {r["编号"]: r for r in _records(_book(plan)["汇总"])}
    assert rows["G0001"]["要求基层天数"] is None and "基层天数" not in rows["G0001"]["未达标项"]


def test_cadre_without_names_lands_in_its_unit_via_communities(small_plan: Plan) -> None:
    names = small_plan.names[small_plan.names["kind"] != "cadre"]
    plan = Plan(small_plan.leader_offices, small_plan.unit_communities, small_plan.cadre_households,
                small_plan.visits, small_plan.report, pd.DataFrame(names))
    finance = _records(_book(plan)["区财政局"])
    assert Counter(r["编号"] for r in finance)["G0001"] == 4


def test_every_cell_names_the_chinese_font(small_plan: Plan) -> None:
    book = _book(small_plan)
    fonts = {c.font.name for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
    assert fonts == {"等线"}
    assert {f.name for f in book._fonts} == {"等线"}   # the workbook default too (empty cells, new typing)


@pytest.mark.slow
def test_libreoffice_prints_the_workbook_whole(tmp_path: Path) -> None:
    """LibreOffice prints every sheet landscape and cuts no text: each person's name, the summary's notes and
    unmet requirements, and a formula-looking name appear whole, without an apostrophe."""
    from tests.export.conftest import libreoffice_pdf

    plan = make_plan(person_name="=王书记")
    path = tmp_path / "plan.xlsx"
    export_xlsx(plan, path)
    sizes, text = libreoffice_pdf(path, tmp_path)
    assert len(sizes) >= len(openpyxl.load_workbook(path).sheetnames) and all(w > h for w, h in sizes)
    summary = _records(_book(plan)["汇总"])
    wanted = [str(r[k]) for r in summary for k in ("姓名", "备注", "未达标项") if r[k]]
    assert [w for w in wanted if w.replace(" ", "") not in text] == []
    assert "=王书记" in text and "'=王书记" not in text
