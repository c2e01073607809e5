"""office_leaders.csv (办事处领导): read, validated with located messages (exit 2), rules with their seed source."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planner.cli import main
from planner.errors import InputError
from planner.io.template import write_template
from planner.model import ENUM_LABELS_ZH, LOCK_TARGETS, TABLE_BY_STEM, PersonKind
from planner.rules import Rules
from tests.fixtures import TINY_YEAR, tiny_office_leaders, tiny_office_problem, tiny_tables


def _folder(tmp_path: Path, office_leaders: pd.DataFrame) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for stem, frame in {**tiny_tables(), "office_leaders": office_leaders}.items():
        frame.to_csv(folder / f"{stem}.csv", index=False, encoding="utf-8-sig")
    return folder


def test_table_spec_and_person_kind() -> None:
    spec = TABLE_BY_STEM["office_leaders"]
    assert spec.names == ("person_id", "name", "office_id", "role") and not spec.required
    assert [c.zh for c in spec.columns] == ["人员编号", "姓名", "所属办事处编号", "职务"]
    assert ENUM_LABELS_ZH["office_role"] == {"secretary": "党工委书记", "director": "主任", "member": "班子成员"}
    assert PersonKind.OFFICE_LEADER == "office_leader"
    assert LOCK_TARGETS["office_leader_community"] == ("office_leaders", "communities")


def test_valid_table_resolves_offices_and_chinese_roles() -> None:
    table = tiny_office_leaders().assign(role=["党工委书记", "主任", "secretary", "班子成员"])
    problem = tiny_office_problem(table)
    assert problem.office_leaders["office"].tolist() == [0, 0, 1, 1]
    assert problem.office_leaders["role"].tolist() == ["secretary", "director", "secretary", "member"]
    assert problem.counts()["office_leaders"] == 4


def test_absent_table_is_an_empty_office_level() -> None:
    from tests.fixtures import tiny_problem

    problem = tiny_problem()
    assert len(problem.office_leaders) == 0 and "office_leaders" not in problem.counts()


def test_unknown_office_exit_2_with_file_row_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tiny_office_leaders()
    table.loc[2, "office_id"] = "B99"
    assert main(["--lang", "zh", "validate", str(_folder(tmp_path, table)), "--year", str(TINY_YEAR)]) == 2
    err = capsys.readouterr().err
    assert "office_leaders.csv，第4行，列 office_id" in err and "B99" in err


@pytest.mark.parametrize(("column", "value", "row", "needle"), [
    ("role", "boss", 3, "职务"),                 # not a role
    ("person_id", "OB1", 3, "重复"),            # duplicate id
    ("person_id", "L1", 2, "已是区级领导"),      # the id of a district leader
    ("name", "", 5, "必填"),                    # required
])
def test_bad_rows_are_located(column: str, value: str, row: int, needle: str) -> None:
    table = tiny_office_leaders()
    table.loc[row - 2, column] = value
    with pytest.raises(InputError) as info:
        tiny_office_problem(table)
    found = [i for i in info.value.issues if i.file == "office_leaders.csv" and i.row == row and i.column == column]
    assert found and needle in found[0].message_zh


def test_pins_of_the_office_kind_resolve() -> None:
    tables = {**tiny_tables(), "office_leaders": tiny_office_leaders(),
              "pins": pd.DataFrame({"kind": ["办事处领导-社区"], "subject_id": ["OB1"], "target_id": ["C02"]})}
    from planner.io.validate import build_problem

    problem = build_problem(tables, Rules(year=TINY_YEAR))
    assert problem.pins[["kind", "subject", "target"]].values.tolist() == [["office_leader_community", 0, 1]]


def test_rule_defaults_quote_the_seed() -> None:
    rules = Rules()
    assert rules.visits.office_leader_contact == 12 and rules.visits.office_all_communities is True
    assert rules.assign.office_no_sharing == "prefer"
    import dataclasses

    meta = {f.name: f.metadata for f in dataclasses.fields(rules.visits)}
    assert "办事处领导干部走遍社区" in meta["office_all_communities"]["source"]
    assert "办事处党政领导班子成员要建立基层联系点" in meta["office_leader_contact"]["source"]
    with pytest.raises(InputError):
        rules.replace(assign={"office_no_sharing": "sometimes"})


def test_template_has_the_sheet(tmp_path: Path) -> None:
    import openpyxl

    path = write_template(tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(path)["office_leaders"]
    assert [c.value for c in sheet[1]] == ["人员编号", "姓名", "所属办事处编号", "职务"]
