"""reports.csv: read like actuals.csv — located errors in Chinese with English, exit 2 with nothing written —
titles cleaned of control characters, one report per person and title."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from planner.cli import EXIT_BAD_INPUT, EXIT_OK, main
from planner.errors import InputError
from planner.plan import Plan, write_plan
from planner.reports.due import report_due
from planner.reports.handed import MAX_TITLE, clean_title, raw_reports, read_reports, validate_reports
from tests.reports.helpers import office_problem, reports, write_data
from tests.supervision.helpers import PAIRS, visits

GOOD = ("L1", "2026-06-15", "关于老旧小区改造的调研报告")


@pytest.mark.parametrize(("row", "line", "column", "words"), [
    (("LX", "2026-06-15", "题目"), 2, "person_id", "不是已知的区级领导、办事处领导或干部编号"),
    (("U1", "2026-06-15", "题目"), 2, "person_id", "不是已知的"),            # a unit writes no report
    (("", "2026-06-15", "题目"), 2, "person_id", "必填"),
    (("L1", "2025-12-31", "题目"), 2, "date", "不在计划年度 2026 年内"),
    (("L1", "2026-02-30", "题目"), 2, "date", "2026-02-30"),
    (("L1", "下个月", "题目"), 2, "date", "下个月"),
    (("L1", "", "题目"), 2, "date", "必填"),
    (("L1", "2026-06-15", ""), 2, "title", "必填"),
    (("L1", "2026-06-15", "\u200b\u202e"), 2, "title", "不可见字符"),
    (("L1", "2026-06-15", "长" * (MAX_TITLE + 1)), 2, "title", f"超过 {MAX_TITLE} 字"),
])
def test_bad_cells_are_located(row: tuple[str, str, str], line: int, column: str, words: str) -> None:
    frame = reports(row, GOOD)
    with pytest.raises(InputError) as caught:
        validate_reports(frame, office_problem(), "reports.csv")
    issues = caught.value.issues
    assert [(i.file, i.row, i.column) for i in issues] == [("reports.csv", line, column)]
    assert words in issues[0].message_zh and issues[0].message_en


def test_every_bad_row_is_listed_at_once() -> None:
    frame = reports(GOOD, ("LX", "2026-01-05", "a"), GOOD, ("L2", "2027-01-05", "b"))
    with pytest.raises(InputError) as caught:
        validate_reports(frame, office_problem(), "reports.csv")
    assert sorted((i.row, i.column) for i in caught.value.issues) == [(3, "person_id"), (5, "date")]


def test_missing_column_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        validate_reports(pd.DataFrame({"person_id": ["L1"], "date": ["2026-06-15"]}), office_problem(), "r.csv")
    assert [(i.row, i.column) for i in caught.value.issues] == [(1, "title")]
    with pytest.raises(InputError) as missing:
        read_reports(tmp_path / "nope.csv", office_problem())
    assert "找不到调研报告文件" in missing.value.issues[0].message_zh


def test_titles_lose_control_and_invisible_characters() -> None:
    assert clean_title("关于\n养老\t服务的调研报告") == "关于 养老 服务的调研报告"
    assert clean_title("\u202e报告\u200b题目\x00  ") == "报告题目"
    assert clean_title("  a   b ") == "a b"
    assert clean_title("＝全角不变") == "＝全角不变"   # free text: no NFKC


def test_same_title_counts_once_at_its_first_date_and_office_leaders_may_report() -> None:
    frame = reports(("L1", "2026-07-01", "题目 A"), ("L1", "2026-06-01", "题目\nA"), ("L1", "2026-06-01", "题目 B"),
                    ("B01-M", "2026-03-01", "委员的报告"))
    handed = validate_reports(frame, office_problem(), "reports.csv")
    assert handed.duplicates == 1
    got = handed.reports.assign(date=handed.reports["date"].dt.strftime("%Y-%m-%d"))
    assert sorted(map(tuple, got.to_numpy().tolist())) == [("B01-M", "2026-03-01", "委员的报告"),
                                                           ("L1", "2026-06-01", "题目 A"),
                                                           ("L1", "2026-06-01", "题目 B")]


def test_chinese_headers_gbk_and_a_workbook_sheet() -> None:
    prob = office_problem()
    text = "人员编号,完成日期,报告题目\nL1,2026/6/15,关于社区养老的调研报告\n"
    handed = validate_reports(raw_reports("reports.csv", text.encode("gb18030")), prob)
    assert handed.reports["title"].tolist() == ["关于社区养老的调研报告"]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame({"人员编号": ["G1"], "完成日期": ["2026-12-01"], "报告题目": ["单位调研"]}).to_excel(
            writer, sheet_name="调研报告", index=False)
    book = validate_reports(raw_reports("报告.xlsx", buffer.getvalue()), prob)
    assert book.reports["person_id"].tolist() == ["G1"] and book.source == "报告.xlsx[调研报告]"


def _folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    data = write_data(tmp_path / "data")
    plan = tmp_path / "plan"
    write_plan(Plan(visits=visits(), report_due=report_due(office_problem()), **PAIRS), plan)
    actuals = tmp_path / "actuals.csv"
    visits().to_csv(actuals, index=False)
    return data, plan, actuals


def test_cli_bad_reports_exit_2_and_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, plan, actuals = _folders(tmp_path)
    bad = tmp_path / "reports.csv"
    reports(GOOD, ("LX", "2026-06-15", "x")).to_csv(bad, index=False)
    out = tmp_path / "out"
    code = main(["progress", str(data), str(plan), "--actuals", str(actuals), "--reports", str(bad),
                 "--as-of", "2026-07-01", "--out", str(out)])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr()
    assert "reports.csv" in err.err + err.out and "第3行" in err.err + err.out and "Traceback" not in err.err
    assert not out.exists()


def test_cli_counts_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, plan, actuals = _folders(tmp_path)
    good = tmp_path / "reports.csv"
    reports(GOOD, ("G3", "2026-05-01", "科级干部的专题汇报")).to_csv(good, index=False, encoding="utf-8-sig")
    out = tmp_path / "out"
    assert main(["progress", str(data), str(plan), "--actuals", str(actuals), "--reports", str(good),
                 "--as-of", "2026-07-01", "--out", str(out)]) == EXIT_OK
    table = pd.read_csv(out / "progress.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    rows = table.loc[table["obligation"] == "reports"].set_index("person_id")
    assert rows.loc["L1", ["required", "planned_to_date", "done", "status"]].tolist() == ["2", "1", "1", "on_track"]
    assert rows.loc["L2", ["done", "periods_missed", "status"]].tolist() == ["0", "1", "behind"]
    assert rows.loc["B01-S", ["person_kind", "planned_to_date", "status"]].tolist() == ["office_leader", "0",
                                                                                         "on_track"]
    summary = pd.read_json(out / "summary.json", typ="series")
    assert summary["reports"]["not_owed"] == ["G3"] and summary["reports"]["handed_in"] == 1
    assert "调研报告：已完成 1 篇，到期未交 2 次" in capsys.readouterr().out
