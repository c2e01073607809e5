"""cases.csv / 问题台账 input: encodings, Chinese headers, the workbook sheet, bad rows located (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planner.cli import main
from planner.errors import InputError
from planner.io.safe import write_csv
from planner.plan import Plan, write_plan
from planner.supervision.cases import CASES_SPEC, read_cases, validate_cases, write_cases
from tests.fixtures import tiny_tables
from tests.supervision.helpers import PAIRS, problem

HEAD = "case_id,opened,source,raised_with,household_id,community_id,summary,owner_unit,owner,due,resolved_on," \
       "replied_on,callback_on,satisfied\n"
GOOD = HEAD + "K1,2026-03-02,visit,G1,H01,,水管漏水,U1,G1,2026-03-20,,,,\n" \
              "K2,2026-03-02,hotline,,,,,U2,,2026-03-09,2026-03-05,2026-03-06,2026-03-08,yes\n"


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    for stem, frame in tiny_tables().items():
        write_csv(frame, data / f"{stem}.csv")
    (data / "rules.toml").write_text("year = 2026\n", encoding="utf-8")
    plan = tmp_path / "plan"
    write_plan(Plan(**PAIRS, visits=pd.DataFrame(columns=["date", "person_kind", "person_id", "activity",
                                                          "target_kind", "target_id", "role", "talk"]),
                    report={"rules": {"year": 2026}}), plan)
    (tmp_path / "actuals.csv").write_text("date,person_kind,person_id,activity,target_kind,target_id,role,talk\n"
                                          "2026-01-05,cadre,G1,household,household,H01,,1\n", encoding="utf-8")
    return data, plan


def test_gbk_chinese_headers_and_chinese_codes(tmp_path: Path) -> None:
    headers = ",".join(c.zh for c in CASES_SPEC.columns)
    text = f"{headers}\nK1,2026/3/2,走访,G1,H06,,路灯不亮,U1,,,2026-03-10,2026-03-11,2026-03-12,满意\n"
    path = tmp_path / "cases.csv"
    path.write_bytes(text.encode("gbk"))
    ledger = read_cases(path, problem())
    row = ledger.cases.iloc[0]
    assert row["source"] == "visit" and row["satisfied"] == "yes" and row["community_id"] == "C02"  # from household
    assert row["due"] == pd.Timestamp("2026-04-01")   # no due: opened + cases.due_days (30)
    assert "summary" not in ledger.cases.columns and ledger.summaries.to_dict() == {"K1": "路灯不亮"}


def test_default_due_follows_the_rule(tmp_path: Path) -> None:
    raw = pd.DataFrame({"case_id": ["K1"], "opened": ["2026-03-02"], "source": ["letter"], "owner_unit": ["U1"]})
    ledger = validate_cases(raw, problem(cases={"due_days": 10}))
    assert ledger.cases.loc[0, "due"] == pd.Timestamp("2026-03-12")


def test_workbook_sheet(tmp_path: Path) -> None:
    frame = pd.read_csv(pd.io.common.StringIO(GOOD), dtype=str, keep_default_na=False)
    path = tmp_path / "ledger.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="其他", index=False)
        frame.to_excel(writer, sheet_name="问题台账", index=False)
    assert read_cases(path, problem()).cases["case_id"].tolist() == ["K1", "K2"]


def test_round_trip_through_the_csv(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(GOOD, encoding="utf-8")
    first = read_cases(path, problem())
    again = read_cases(write_cases(first, tmp_path / "again.csv"), problem())
    pd.testing.assert_frame_equal(first.cases, again.cases)
    assert again.summaries.to_dict() == first.summaries.to_dict()
    no_summary = tmp_path / "plain.csv"
    write_cases(first, no_summary, with_summaries=False)
    assert "水管漏水" not in no_summary.read_text(encoding="utf-8-sig")


BAD_ROWS = [
    ("K3,2026-03-02,visit,G1,H01,,,U9,,,,,,", "owner_unit"),                        # unknown unit
    ("K3,2026-03-02,visit,G99,H01,,,U1,,,,,,", "raised_with"),                      # unknown person
    ("K3,2026-03-02,visit,G1,H01,,,U1,X7,,,,,", "owner"),                           # unknown owner
    ("K3,2026-03-02,visit,G1,H99,,,U1,,,,,,", "household_id"),                      # unknown household
    ("K3,2026-03-02,letter,,,C99,,U1,,,,,,", "community_id"),                       # unknown community
    ("K3,2026-03-02,visit,G1,H01,C03,,U1,,,,,,", "community_id"),                   # not the household's community
    ("K3,2026-13-45,visit,G1,H01,,,U1,,,,,,", "opened"),                            # unreadable date
    ("K3,2026-03-02,visit,G1,H01,,,U1,,2026-03-01,,,,", "due"),                     # due before opened
    ("K3,2026-03-02,visit,G1,H01,,,U1,,,2026-03-01,,,", "resolved_on"),             # resolved before opened
    ("K3,2026-03-02,visit,G1,H01,,,U1,,,2026-03-05,2026-03-04,,", "replied_on"),    # replied before resolved
    ("K3,2026-03-02,visit,G1,H01,,,U1,,,,2026-03-04,,", "replied_on"),              # replied, never resolved
    ("K3,2026-03-02,visit,G1,H01,,,U1,,,2026-03-03,2026-03-05,2026-03-04,", "callback_on"),  # callback before reply
    ("K3,2026-03-02,visit,G1,H01,,,U1,,,,,,maybe", "satisfied"),                    # satisfied not yes/no/empty
    ("K3,2026-03-02,fax,G1,H01,,,U1,,,,,,", "source"),                              # bad source
    ("K3,2026-03-02,reception,,,,,U1,,,,,,", "raised_with"),                        # reception without the leader
    ("K1,2026-03-02,letter,,,,,U1,,,,,,", "case_id"),                               # duplicate id
]


@pytest.mark.parametrize(("line", "column"), BAD_ROWS)
def test_bad_row_exits_2_naming_file_row_column(folders: tuple[Path, Path], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str], line: str, column: str) -> None:
    data, plan = folders
    cases = tmp_path / "cases.csv"
    cases.write_text(GOOD + line + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["--lang", "en", "progress", str(data), str(plan), "--actuals", str(tmp_path / "actuals.csv"),
                 "--as-of", "2026-06-30", "--out", str(out), "--cases", str(cases)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"cases.csv, row 4, column {column}" in err
    assert not out.exists() and "Traceback" not in err


def test_good_rows_are_not_flagged() -> None:
    raw = pd.read_csv(pd.io.common.StringIO(GOOD), dtype=str, keep_default_na=False)
    assert len(validate_cases(raw, problem()).cases) == 2     # the pair of the table above: valid


def test_every_issue_is_collected() -> None:
    raw = pd.DataFrame({"case_id": ["K1", "K2"], "opened": ["2026-03-02", "x"], "source": ["letter", "letter"],
                        "owner_unit": ["U9", "U1"]})
    with pytest.raises(InputError) as err:
        validate_cases(raw, problem())
    assert {(i.row, i.column) for i in err.value.issues} == {(2, "owner_unit"), (3, "opened")}


def test_progress_with_cases_summary_and_bulletin(folders: tuple[Path, Path], tmp_path: Path) -> None:
    data, plan = folders
    cases = tmp_path / "cases.csv"
    cases.write_text(GOOD + "K3,2026-06-20,letter,,,,私人信息,U2,G4,2026-06-30,,,,\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["progress", str(data), str(plan), "--actuals", str(tmp_path / "actuals.csv"), "--as-of",
                 "2026-06-30", "--out", str(out), "--cases", str(cases)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    c = summary["cases"]
    assert c["overdue"] == ["K1"]              # K3 due on the as-of day: not overdue yet
    assert c["due_soon"] == ["K3"]
    assert c["by_status"] == {"opened": 0, "in_progress": 2, "resolved": 0, "replied": 0, "callback": 1}
    assert c["by_unit"]["U2"]["closing_rate"] == 0.5 and c["by_unit"]["U1"]["overdue"] == 1
    assert c["median_days_to_resolve"] == 3.0 and c["median_days_to_reply"] == 4.0 and c["satisfaction_rate"] == 1.0
    book = openpyxl.load_workbook(out / "通报.xlsx")
    assert "台账" in book.sheetnames
    rows = list(book["台账"].iter_rows(values_only=True))
    assert rows[0][0] == "案件编号" and [r[0] for r in rows[1:]] == ["K1", "K3", "K2"]   # overdue first
    assert rows[1][1] == "超期" and rows[1][2] == 102
    cells = [str(v) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for v in r if v is not None]
    assert "五、各单位问题办结情况（问题台账）" in cells
    for text in ("水管漏水", "私人信息"):      # summaries: personal data, never in the bulletin or summary.json
        assert not any(text in v for v in cells)
        assert text not in (out / "summary.json").read_text(encoding="utf-8")
        assert text not in (out / "通报.html").read_text(encoding="utf-8")
    assert "问题台账（超期在前）" in (out / "通报.html").read_text(encoding="utf-8")


def test_the_template_sheet_is_read(tmp_path: Path) -> None:
    from planner.io.template import write_template

    path = write_template(tmp_path / "template.xlsx") or tmp_path / "template.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["问题台账"]
    headers = [c.value for c in sheet[1]]
    values = {"案件编号": "K1", "受理日期": "2026-03-02", "来源": "来信", "承办单位": "U1", "是否满意": ""}
    sheet.append([values.get(h, "") for h in headers])
    book.save(path)
    ledger = read_cases(path, problem())
    assert ledger.cases["case_id"].tolist() == ["K1"] and ledger.cases.loc[0, "source"] == "letter"
