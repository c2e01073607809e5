"""Reading: CSV folders in every encoding, workbooks, uploads; round trips give identical Problem tables."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from planner.errors import InputError
from planner.io.read import decode_csv, read_problem, read_tables, read_upload, read_upload_problem
from planner.model import TABLE_BY_STEM
from planner.problem import Problem
from tests.fixtures import TINY_YEAR, tiny_tables

STEMS = ("offices", "communities", "households", "leaders", "units", "cadres", "unavailability", "pins",
         "forbidden", "holidays")


def _extended_tables() -> dict[str, pd.DataFrame]:
    """tiny_tables plus every optional table and a leading-zero id, so round trips cover all columns."""
    tables = tiny_tables()
    tables["households"].loc[0, "household_id"] = "007"
    tables["unavailability"] = pd.DataFrame({"person_id": ["L1", "G2"], "start": ["2026-02-02", "2026-05-01"],
                                             "end": ["2026-02-06", "2026-05-31"], "reason": ["出差", "培训"]})
    tables["pins"] = pd.DataFrame({"kind": ["cadre_household"], "subject_id": ["G1"], "target_id": ["007"]})
    tables["forbidden"] = pd.DataFrame({"kind": ["unit_community"], "subject_id": ["U3"], "target_id": ["C01"]})
    tables["holidays"] = pd.DataFrame({"date": ["2026-10-10"], "kind": ["workday"]})
    return tables


def write_csv_folder(folder: Path, tables: dict[str, pd.DataFrame], encoding: str = "utf-8",
                     chinese_headers: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, frame in tables.items():
        out = frame
        if chinese_headers:
            out = frame.rename(columns={c.name: c.zh for c in TABLE_BY_STEM[stem].columns})
        out.to_csv(folder / f"{stem}.csv", index=False, encoding=encoding)
    return folder


def write_workbook(path: Path, tables: dict[str, pd.DataFrame], chinese: bool = False) -> Path:
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        for stem, frame in tables.items():
            spec = TABLE_BY_STEM[stem]
            out = frame.rename(columns={c.name: c.zh for c in spec.columns}) if chinese else frame
            out.to_excel(writer, sheet_name=spec.zh if chinese else stem, index=False)
    return path


def assert_same_tables(a: Problem, b: Problem) -> None:
    for stem in STEMS:
        pd.testing.assert_frame_equal(getattr(a, stem), getattr(b, stem), obj=stem)


@pytest.fixture(scope="module")
def reference() -> Problem:
    from planner.io.validate import build_problem
    from planner.rules import Rules

    return build_problem(_extended_tables(), Rules(year=TINY_YEAR))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_round_trip_every_encoding(tmp_path: Path, reference: Problem, encoding: str) -> None:
    folder = write_csv_folder(tmp_path / "data", _extended_tables(), encoding)
    p = read_problem(folder, year=TINY_YEAR)
    assert_same_tables(reference, p)
    assert p.households["household_id"].iloc[0] == "007"


def test_xlsx_round_trip(tmp_path: Path, reference: Problem) -> None:
    p = read_problem(write_workbook(tmp_path / "in.xlsx", _extended_tables()), year=TINY_YEAR)
    assert_same_tables(reference, p)


def test_xlsx_chinese_sheets_and_headers(tmp_path: Path, reference: Problem) -> None:
    p = read_problem(write_workbook(tmp_path / "in.xlsx", _extended_tables(), chinese=True), year=TINY_YEAR)
    assert_same_tables(reference, p)


def test_csv_chinese_headers_gbk(tmp_path: Path, reference: Problem) -> None:
    folder = write_csv_folder(tmp_path / "data", _extended_tables(), "gbk", chinese_headers=True)
    assert_same_tables(reference, read_problem(folder, year=TINY_YEAR))


def test_leading_zeros_survive_in_every_column(tmp_path: Path) -> None:
    tables = tiny_tables()
    tables["offices"]["office_id"] = ["001", "002"]
    tables["communities"]["office_id"] = ["001", "001", "002", "002"]
    folder = write_csv_folder(tmp_path / "data", tables)
    p = read_problem(folder, year=TINY_YEAR)
    assert p.offices["office_id"].tolist() == ["001", "002"]
    assert p.communities["office"].tolist() == [0, 0, 1, 1]


def test_decode_prefers_utf8_then_gb18030() -> None:
    assert decode_csv("编号\n".encode("utf-8-sig")) == "编号\n"
    assert decode_csv("编号\n".encode("gbk")) == "编号\n"


def test_unreadable_encoding_is_an_issue(tmp_path: Path) -> None:
    folder = write_csv_folder(tmp_path / "data", tiny_tables())
    (folder / "units.csv").write_bytes(b"unit_id,name\nU1,\x81\x20\xff\xfe\x81\n")
    with pytest.raises(InputError) as err:
        read_problem(folder)
    issues = err.value.issues
    assert any(i.file == "units.csv" and "编码" in i.message_zh for i in issues)
    assert not any(i.file == "units.csv" and "缺少" in i.message_zh for i in issues)  # not also "missing"


def test_malformed_csv_is_an_issue(tmp_path: Path) -> None:
    folder = write_csv_folder(tmp_path / "data", tiny_tables())
    (folder / "leaders.csv").write_text('leader_id,name,tier\nL1,"unterminated,secretary\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_problem(folder)
    assert any(i.file == "leaders.csv" for i in err.value.issues)


def test_csv_row_numbers_count_blank_lines(tmp_path: Path) -> None:
    folder = write_csv_folder(tmp_path / "data", tiny_tables())
    (folder / "leaders.csv").write_text("leader_id,name,tier\nL1,甲,secretary\n\nL2,乙,head\nL3,丙,emperor\n",
                                        encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_problem(folder)
    issue = err.value.issues[0]
    assert (issue.file, issue.row, issue.column) == ("leaders.csv", 5, "tier")


def test_missing_folder_and_missing_table(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_problem(tmp_path / "nope")
    folder = write_csv_folder(tmp_path / "data", tiny_tables())
    (folder / "cadres.csv").unlink()
    with pytest.raises(InputError) as err:
        read_problem(folder)
    assert [(i.file, i.row) for i in err.value.issues] == [("cadres.csv", None)]


def test_sheet_label_in_workbook_issues(tmp_path: Path) -> None:
    tables = tiny_tables()
    tables["cadres"].loc[3, "unit_id"] = "U404"
    with pytest.raises(InputError) as err:
        read_problem(write_workbook(tmp_path / "in.xlsx", tables))
    issue = err.value.issues[0]
    assert (issue.file, issue.row, issue.column) == ("in.xlsx[cadres]", 5, "unit_id")


def test_corrupt_workbook_is_an_issue(tmp_path: Path) -> None:
    (tmp_path / "bad.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(InputError, match="workbook"):
        read_problem(tmp_path / "bad.xlsx")


# -- rules -------------------------------------------------------------------------------------------------------
def test_rules_toml_in_folder_and_overrides(tmp_path: Path) -> None:
    folder = write_csv_folder(tmp_path / "data", tiny_tables())
    (folder / "rules.toml").write_text("year = 2026\n[assign]\ncadre_max_households = 4\n", encoding="utf-8")
    p = read_problem(folder)
    assert p.rules.year == 2026 and p.cadres["capacity"].tolist() == [4] * 8
    q = read_problem(folder, year=2025, overrides={"visits": {"cadre_household": 7}})
    assert (q.rules.year, q.rules.visits.cadre_household, q.rules.assign.cadre_max_households) == (2025, 7, 4)


@pytest.mark.parametrize(("text", "column"), [
    ("[visits]\nbogus_key = 3\n", "visits.bogus_key"),
    ("[assign]\ncadre_max_households = \"five\"\n", "assign.cadre_max_households"),
    ("[assign]\nlinkage = \"sometimes\"\n", "assign.linkage"),
])
def test_rules_toml_unknown_key_or_bad_value(tmp_path: Path, text: str, column: str) -> None:
    folder = write_csv_folder(tmp_path / "data", tiny_tables())
    (folder / "rules.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_problem(folder)
    assert [(i.file, i.column) for i in err.value.issues] == [("rules.toml", column)]


def test_bad_rules_and_bad_tables_reported_together(tmp_path: Path) -> None:
    tables = tiny_tables()
    tables["leaders"].loc[0, "tier"] = "king"
    folder = write_csv_folder(tmp_path / "data", tables)
    (folder / "rules.toml").write_text("[visits]\nnope = 1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_problem(folder)
    assert {i.file for i in err.value.issues} == {"rules.toml", "leaders.csv"}


def test_rules_sheet_and_rules_toml_next_to_workbook(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "in.xlsx", tiny_tables())
    (tmp_path / "rules.toml").write_text("[visits]\ntalks_per_household = 3\n", encoding="utf-8")
    assert read_problem(book).rules.visits.talks_per_household == 3
    (tmp_path / "rules.toml").unlink()
    with pd.ExcelWriter(tmp_path / "r.xlsx", engine="xlsxwriter") as writer:
        for stem, frame in tiny_tables().items():
            frame.to_excel(writer, sheet_name=stem, index=False)
        pd.DataFrame({"规则项": ["visits.talks_per_household", "assign.linkage", "year", "calendar.group_same_community"],
                      "值": ["3", "prefer", "", "否"]}).to_excel(writer, sheet_name="规则", index=False)
    rules = read_problem(tmp_path / "r.xlsx").rules
    assert (rules.visits.talks_per_household, rules.assign.linkage, rules.calendar.group_same_community) == (
        3, "prefer", False)


def test_rules_sheet_bad_key(tmp_path: Path) -> None:
    with pd.ExcelWriter(tmp_path / "r.xlsx", engine="xlsxwriter") as writer:
        for stem, frame in tiny_tables().items():
            frame.to_excel(writer, sheet_name=stem, index=False)
        pd.DataFrame({"key": ["visits.nope"], "value": ["1"]}).to_excel(writer, sheet_name="rules", index=False)
    with pytest.raises(InputError) as err:
        read_problem(tmp_path / "r.xlsx")
    assert err.value.issues[0].column == "visits.nope"


# -- uploads -----------------------------------------------------------------------------------------------------
def _zip(files: dict[str, bytes], gbk_names: bool = False) -> bytes:
    """A zip; with gbk_names, member names are GBK bytes without the UTF-8 flag, as Windows' zip writes them."""
    buffer = io.BytesIO()
    placeholders: dict[bytes, bytes] = {}
    with zipfile.ZipFile(buffer, "w") as archive:
        for i, (name, content) in enumerate(files.items()):
            if gbk_names:
                raw = name.encode("gbk")
                placeholder = (chr(ord("A") + i) * (len(raw) - 4) + ".csv").encode()
                placeholders[placeholder] = raw
                name = placeholder.decode()
            archive.writestr(name, content)
    data = buffer.getvalue()
    for placeholder, raw in placeholders.items():  # same length: offsets and CRCs stay valid
        data = data.replace(placeholder, raw)
    return data


def test_upload_zip_of_csvs(reference: Problem) -> None:
    files = {f"data/{stem}.csv": frame.to_csv(index=False).encode("gbk") for stem, frame in _extended_tables().items()}
    files["data/rules.toml"] = b"[visits]\ncadre_household = 7\n"
    p = read_upload_problem("input.zip", _zip(files), year=TINY_YEAR)
    assert_same_tables(reference, p)
    assert p.rules.visits.cadre_household == 7


def test_upload_zip_with_gbk_member_names(reference: Problem) -> None:
    files = {f"{TABLE_BY_STEM[stem].zh}.csv": frame.to_csv(index=False).encode("utf-8")
             for stem, frame in _extended_tables().items()}
    assert_same_tables(reference, read_upload_problem("输入.zip", _zip(files, gbk_names=True), year=TINY_YEAR))


def test_upload_xlsx_bytes(tmp_path: Path, reference: Problem) -> None:
    data = write_workbook(tmp_path / "in.xlsx", _extended_tables()).read_bytes()
    tables, rules = read_upload("in.xlsx", data)
    assert set(tables) == set(STEMS) and rules is None
    assert_same_tables(reference, read_upload_problem("in.xlsx", data, year=TINY_YEAR))


def test_upload_single_csv_and_bad_types() -> None:
    tables, _ = read_upload("households.csv", tiny_tables()["households"].to_csv(index=False).encode())
    assert list(tables) == ["households"] and tables["households"]["household_id"].iloc[0] == "H01"
    with pytest.raises(InputError, match="unsupported"):
        read_upload("data.pdf", b"%PDF")
    with pytest.raises(InputError, match="zip"):
        read_upload("data.zip", b"garbage")


def test_read_tables_gives_text_and_labels(tmp_path: Path) -> None:
    folder = write_csv_folder(tmp_path / "data", tiny_tables())
    tables, rules = read_tables(folder)
    assert rules is None
    assert tables["households"]["priority"].iloc[0] == "3"
    assert tables["households"].attrs["label"] == "households.csv"


def test_workbook_with_real_date_and_number_cells(tmp_path: Path) -> None:
    """Excel users type dates and numbers as such: date cells, numeric ids and priorities still read right."""
    from datetime import datetime

    tables = tiny_tables()
    tables["units"]["unit_id"] = [101, 102, 103]
    tables["cadres"]["unit_id"] = [101, 101, 101, 102, 102, 102, 103, 103]
    tables["unavailability"] = pd.DataFrame({"person_id": ["G1"], "start": [datetime(2026, 3, 2)],
                                             "end": [datetime(2026, 3, 6)], "reason": ["病假"]})
    p = read_problem(write_workbook(tmp_path / "in.xlsx", tables), year=TINY_YEAR)
    assert p.units["unit_id"].tolist() == ["101", "102", "103"] and p.cadres["unit"].tolist()[-1] == 2
    assert str(p.unavailability["start"].iloc[0]) == "2026-03-02" and p.households["priority"].iloc[0] == 3


def test_formula_guard_apostrophe_is_removed(tmp_path: Path) -> None:
    """Files written by planner.io.safe.write_csv (text columns guarded with ') read back as the original."""
    from planner.io.safe import write_csv

    tables = {stem: frame.astype(str) for stem, frame in tiny_tables().items()}
    tables["units"]["lon"] = ["-113.63", "-113.65", "-113.67"]
    tables["leaders"].loc[0, "name"] = "=SUM(A1)"
    folder = tmp_path / "data"
    folder.mkdir()
    for stem, frame in tables.items():
        write_csv(frame.replace("nan", ""), folder / f"{stem}.csv")
    assert "'-113.63" in (folder / "units.csv").read_text(encoding="utf-8-sig")
    p = read_problem(folder, year=TINY_YEAR)
    assert p.units["lon"].tolist() == [-113.63, -113.65, -113.67] and p.leaders["name"].iloc[0] == "=SUM(A1)"


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_both_excel_engines_read_the_same(tmp_path: Path, reference: Problem, engine: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """calamine is the fast path when installed; openpyxl the fallback: both give the same Problem."""
    import importlib.util

    if engine == "calamine" and importlib.util.find_spec("python_calamine") is None:
        pytest.skip("python-calamine not installed")
    monkeypatch.setattr("planner.io.read.excel_engine", lambda: engine)
    tables = _extended_tables()
    tables["leaders"] = pd.concat([tables["leaders"], pd.DataFrame({"leader_id": [""]})], ignore_index=True)
    path = write_workbook(tmp_path / "in.xlsx", tables)
    assert_same_tables(reference, read_problem(path, year=TINY_YEAR))


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_workbook_row_numbers_count_blank_rows(tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    import openpyxl

    if engine == "calamine" and importlib.util.find_spec("python_calamine") is None:
        pytest.skip("python-calamine not installed")
    monkeypatch.setattr("planner.io.read.excel_engine", lambda: engine)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for stem, frame in tiny_tables().items():
        sheet = book.create_sheet(stem)
        sheet.append(list(frame.columns))
        for i, row in enumerate(frame.astype(object).where(frame.notna(), None).itertuples(index=False)):
            if stem == "leaders" and i == 1:
                sheet.append([])
                sheet.append([])
            sheet.append(list(row))
    book["leaders"]["C6"] = "emperor"
    book.save(tmp_path / "blank.xlsx")
    with pytest.raises(InputError) as err:
        read_problem(tmp_path / "blank.xlsx", year=TINY_YEAR)
    assert [(i.file, i.row, i.column) for i in err.value.issues] == [("blank.xlsx[leaders]", 6, "tier")]


def test_folder_with_only_a_workbook_reads_the_workbook(tmp_path: Path, reference: Problem) -> None:
    (tmp_path / "in").mkdir()
    write_workbook(tmp_path / "in" / "filled.xlsx", _extended_tables())
    assert_same_tables(reference, read_problem(tmp_path / "in", year=TINY_YEAR))
