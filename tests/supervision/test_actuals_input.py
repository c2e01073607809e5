"""actuals.csv input: encodings, Chinese headers, the 走访记录 sheet, and bad rows located by file, row, column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planner.cli import main
from planner.errors import InputError
from planner.io.safe import write_csv
from planner.plan import Plan, write_plan
from planner.supervision.actuals import ACTUALS_SPEC, read_actuals
from tests.fixtures import tiny_tables
from tests.supervision.helpers import PAIRS, problem

GOOD = "date,person_kind,person_id,activity,target_kind,target_id,role,talk,note\n" \
       "2026-01-05,cadre,G1,household,household,H01,,1,生活稳定\n"


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
    return data, plan


def test_gbk_and_chinese_headers(tmp_path: Path) -> None:
    headers = ",".join(c.zh for c in ACTUALS_SPEC.columns[:9])
    text = f"{headers}\n2026/1/5,党员干部,G1,入户,联系户,H01,,1,备注\n2026-01-05,cadre,G1,household,household,H01,,1,备注\n"
    path = tmp_path / "actuals.csv"
    path.write_bytes(text.encode("gbk"))
    act = read_actuals(path, problem())
    assert len(act.visits) == 1 and act.duplicates == 1       # the two rows are the same visit
    assert act.visits.loc[0, "person_kind"] == "cadre" and int(act.visits.loc[0, "talk"]) == 1
    assert "note" not in act.visits.columns and act.notes.tolist() == ["备注"]   # notes kept apart


def test_workbook_sheet(tmp_path: Path) -> None:
    frame = pd.read_csv(pd.io.common.StringIO(GOOD), dtype=str, keep_default_na=False)
    path = tmp_path / "records.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="其他", index=False)
        frame.to_excel(writer, sheet_name="走访记录", index=False)
    assert len(read_actuals(path, problem()).visits) == 1


BAD_ROWS = [
    ("2026-01-05,cadre,G99,household,household,H01,,0", "person_id"),          # unknown person
    ("2026-01-05,cadre,G1,household,household,H99,,0", "target_id"),          # unknown target
    ("2026-13-05,cadre,G1,household,household,H01,,0", "date"),                # unreadable date
    ("2025-12-31,cadre,G1,household,household,H01,,0", "date"),                # outside the plan's year
    ("2026-01-05,cadre,G1,contact,office,B01,,0", "activity"),                 # combination not allowed
    ("2026-01-05,unit,U1,community,community,C01,,2", "talk"),                 # talk must be 0/1
    ("2026-01-05,robot,G1,household,household,H01,,0", "person_kind"),         # unknown kind
]


@pytest.mark.parametrize(("line", "column"), BAD_ROWS)
def test_bad_row_exits_2_naming_file_row_column(folders: tuple[Path, Path], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str], line: str, column: str) -> None:
    data, plan = folders
    actuals = tmp_path / "actuals.csv"
    actuals.write_text("date,person_kind,person_id,activity,target_kind,target_id,role,talk\n"
                       "2026-01-05,cadre,G1,household,household,H01,,0\n" + line + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["--lang", "en", "progress", str(data), str(plan), "--actuals", str(actuals), "--as-of",
                 "2026-06-30", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"actuals.csv, row 3, column {column}" in err
    assert not out.exists()
    assert "Traceback" not in err


def test_validation_collects_every_issue() -> None:
    raw = pd.DataFrame({"date": ["2026-01-05", "x"], "person_kind": ["cadre", "cadre"], "person_id": ["G9", "G1"],
                        "activity": ["household"] * 2, "target_kind": ["household"] * 2, "target_id": ["H01", "H01"]})
    raw.attrs["label"] = "a.csv"
    from planner.supervision.actuals import validate_actuals

    with pytest.raises(InputError) as err:
        validate_actuals(raw, problem())
    where = {(i.row, i.column) for i in err.value.issues}
    assert where == {(2, "person_id"), (3, "date")}


def test_progress_cli_writes_the_three_files(folders: tuple[Path, Path], tmp_path: Path) -> None:
    data, plan = folders
    actuals = tmp_path / "actuals.csv"
    actuals.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["progress", str(data), str(plan), "--actuals", str(actuals), "--as-of", "2026-06-30",
                 "--out", str(out)]) == 0
    table = pd.read_csv(out / "progress.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    hit = table[(table["obligation"] == "talks") & (table["target_id"] == "H01")]
    assert hit["done"].tolist() == ["1"]
    import json

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["as_of"] == "2026-06-30" and summary["anomalies"]["count"] == 0
    assert set(summary["counts"]["talks"]) == {"met", "cannot_meet", "behind", "on_track"}
    assert (out / "通报.xlsx").stat().st_size > 0
    import openpyxl

    book = openpyxl.load_workbook(out / "通报.xlsx")
    cells = [str(c) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r if c is not None]
    assert cells and not any("生活稳定" in c for c in cells)   # notes never reach the bulletin
    assert "生活稳定" not in (out / "summary.json").read_text(encoding="utf-8")


def test_demo_with_actuals_writes_plan_and_records(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert main(["demo", str(out), "--year", "2026", "--actuals", "2026-03-31"]) == 0
    assert (out / "plan" / "visits.csv").exists()
    act = read_actuals(out / "actuals.csv", __import__("planner.io.read", fromlist=["read_problem"]).read_problem(out))
    assert len(act.visits) > 0 and act.duplicates > 0
    assert act.visits["date"].max() <= pd.Timestamp("2026-03-31")
    assert main(["progress", str(out), str(out / "plan"), "--actuals", str(out / "actuals.csv"), "--as-of",
                 "2026-03-31", "--out", str(tmp_path / "p")]) == 0
    assert main(["sample", str(out / "actuals.csv"), "--as-of", "2026-03-31", "--n", "10", "--seed", "4", "--out",
                 str(tmp_path / "s.csv"), "--data", str(out)]) == 0
    first = (tmp_path / "s.csv").read_bytes()
    assert main(["sample", str(out / "actuals.csv"), "--as-of", "2026-03-31", "--n", "10", "--seed", "4", "--out",
                 str(tmp_path / "s.csv"), "--data", str(out)]) == 0
    assert (tmp_path / "s.csv").read_bytes() == first
