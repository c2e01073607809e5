"""build_problem: each input problem is reported with file, Excel row and column, and the Problem is well formed."""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import pandas as pd
import pytest

from planner.errors import InputError, Issue
from planner.io.validate import build_problem
from planner.rules import Rules
from tests.fixtures import TINY_YEAR, tiny_problem, tiny_tables

RULES = Rules(year=TINY_YEAR)


def issues_of(tables: dict[str, pd.DataFrame]) -> list[Issue]:
    with pytest.raises(InputError) as err:
        build_problem(tables, RULES)
    return err.value.issues


def only(issues: list[Issue], column: str | None = None) -> Issue:
    """The single issue (about `column`, if given)."""
    chosen = [i for i in issues if column is None or i.column == column]
    assert len(chosen) == 1, [i.render("en") for i in issues]
    return chosen[0]


def with_cell(table: str, row: int, column: str, value: object) -> dict[str, pd.DataFrame]:
    """tiny_tables() with one cell changed; `row` is the data position (Excel row = row + 2)."""
    tables = tiny_tables()
    frame = tables[table].astype(object)
    frame.loc[row, column] = value
    tables[table] = frame
    return tables


def with_table(name: str, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    tables = tiny_tables()
    tables[name] = frame
    return tables


# -- the valid case ----------------------------------------------------------------------------------------------
def test_tiny_problem_resolves_index_columns() -> None:
    p = tiny_problem()
    assert p.counts()["households"] == 20 and p.n_cadres == 8
    assert p.communities["office"].tolist() == [0, 0, 1, 1]
    assert p.households["community"].tolist()[:6] == [0, 0, 0, 0, 0, 1]
    assert p.households["office"].tolist()[-1] == 1
    assert p.cadres["unit"].tolist() == [0, 0, 0, 1, 1, 1, 2, 2]
    assert p.cadres["capacity"].tolist() == [5] * 8
    assert p.households["priority"].dtype == np.int64
    assert p.cadres["lat"].isna().all() and p.cadres["lat"].dtype == float
    assert len(p.unavailability) == 0 and "person" in p.unavailability.columns
    assert p.rules.year == TINY_YEAR


def test_defaults_fill_optional_cells() -> None:
    tables = with_cell("households", 0, "priority", None)
    tables["offices"].loc[0, "kind"] = ""
    tables["cadres"].loc[0, "rank"] = None
    tables["cadres"].loc[1, "max_households"] = 2
    p = build_problem(tables, RULES.replace(assign={"cadre_max_households": 4}))
    assert p.households["priority"].iloc[0] == 1
    assert p.offices["kind"].iloc[0] == "office"
    assert p.cadres["rank"].iloc[0] == "staff"
    assert p.cadres["capacity"].tolist()[:3] == [4, 2, 4]
    assert np.isnan(p.cadres["max_households"].iloc[0])


def test_chinese_enum_labels_and_codes_accepted() -> None:
    tables = tiny_tables()
    tables["leaders"]["tier"] = ["区委书记", "HEAD", "区委常委"]
    tables["offices"]["kind"] = ["办事处", "集聚区管委会"]
    tables["cadres"].loc[0, "rank"] = "科级"
    p = build_problem(tables, RULES)
    assert p.leaders["tier"].tolist() == ["secretary", "head", "standing"]
    assert p.offices["kind"].tolist() == ["office", "zone"]
    assert p.cadres["rank"].iloc[0] == "section"


def test_chinese_headers_accepted() -> None:
    tables = tiny_tables()
    tables["communities"] = tables["communities"].rename(
        columns={"community_id": "社区编号", "name": " 社区名称 ", "office_id": "所属办事处编号*"})
    p = build_problem(tables, RULES)
    assert p.communities["office"].tolist() == [0, 0, 1, 1]


def test_new_rules_round_trip_keeps_tables() -> None:
    p = tiny_problem()
    q = build_problem(p.raw_tables(), p.rules.replace(assign={"cadre_max_households": 3}), p.source)
    assert q.cadres["capacity"].tolist() == [3] * 8
    pd.testing.assert_frame_equal(p.households, q.households)


def test_blank_rows_skipped_without_shifting_row_numbers() -> None:
    tables = tiny_tables()
    h = tables["households"].astype(object)
    blank = pd.DataFrame([[""] * len(h.columns)], columns=h.columns)
    h = pd.concat([h.iloc[:3], blank, h.iloc[3:]], ignore_index=True)
    h.loc[10, "priority"] = 7  # Excel row 12 (blank row 5 still counts)
    tables["households"] = h
    issue = only(issues_of(tables))
    assert (issue.file, issue.row, issue.column) == ("households.csv", 12, "priority")


# -- table and column presence -----------------------------------------------------------------------------------
def test_missing_required_table() -> None:
    tables = tiny_tables()
    del tables["households"]
    issue = only(issues_of(tables))
    assert issue.file == "households.csv" and issue.row is None
    assert "联系户" in issue.message_zh and "households" in issue.message_en


def test_missing_required_column() -> None:
    issue = only(issues_of(with_table("communities", tiny_tables()["communities"].drop(columns=["office_id"]))))
    assert (issue.file, issue.row, issue.column) == ("communities.csv", 1, "office_id")
    assert "所属办事处编号" in issue.message_zh


def test_missing_optional_column_is_fine() -> None:
    p = build_problem(with_table("households", tiny_tables()["households"].drop(columns=["lat", "lon", "name"])),
                      RULES)
    assert p.households["lat"].isna().all()


@pytest.mark.parametrize("table", ["offices", "communities", "households", "leaders", "units", "cadres"])
def test_empty_required_table(table: str) -> None:
    tables = tiny_tables()
    tables[table] = tables[table].iloc[0:0]
    issues = issues_of(tables)
    assert any(i.file == f"{table}.csv" and i.row is None and "没有数据" in i.message_zh for i in issues)


def test_empty_optional_tables_are_fine() -> None:
    tables = tiny_tables()
    tables["pins"] = pd.DataFrame(columns=["kind", "subject_id", "target_id"])
    tables["holidays"] = pd.DataFrame(columns=["date", "kind"])
    p = build_problem(tables, RULES)
    assert len(p.pins) == 0 and len(p.holidays) == 0


def test_empty_required_cell() -> None:
    issue = only(issues_of(with_cell("leaders", 1, "name", "  ")))
    assert (issue.file, issue.row, issue.column) == ("leaders.csv", 3, "name")
    assert "姓名" in issue.message_zh and "必填" in issue.message_zh


# -- ids and references -----------------------------------------------------------------------------------------
def test_duplicate_id() -> None:
    issue = only(issues_of(with_cell("households", 5, "household_id", "H01")))
    assert (issue.file, issue.row, issue.column) == ("households.csv", 7, "household_id")
    assert "第2行" in issue.message_zh and "联系户编号" in issue.message_zh


@pytest.mark.parametrize(("table", "column", "target"), [
    ("communities", "office_id", "offices"),
    ("households", "community_id", "communities"),
    ("cadres", "unit_id", "units"),
])
def test_unknown_reference(table: str, column: str, target: str) -> None:
    issue = only(issues_of(with_cell(table, 1, column, "X99")))
    assert (issue.file, issue.row, issue.column) == (f"{table}.csv", 3, column)
    assert "X99" in issue.message_zh and f"{target}.csv" in issue.message_zh


def _unavailability(person: str, start: str = "2026-03-01", end: str = "2026-03-05") -> pd.DataFrame:
    return pd.DataFrame({"person_id": ["L1", person], "start": ["2026-01-05", start], "end": ["2026-01-06", end],
                         "reason": ["", "出差"]})


def test_unavailability_resolves_person_kind() -> None:
    frame = pd.DataFrame({"person_id": ["L2", "U3", "G4"], "start": ["2026-03-01", "2026/3/2", "2026年3月3日"],
                          "end": ["2026-03-01", "2026-03-02 00:00:00", "2026-03-09"], "reason": ["", "", ""]})
    p = build_problem(with_table("unavailability", frame), RULES)
    assert p.unavailability["person_kind"].tolist() == ["leader", "unit", "cadre"]
    assert p.unavailability["person"].tolist() == [1, 2, 3]
    assert p.unavailability["start"].tolist() == [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)]


def test_unavailability_unknown_person() -> None:
    issue = only(issues_of(with_table("unavailability", _unavailability("NOBODY"))))
    assert (issue.file, issue.row, issue.column) == ("unavailability.csv", 3, "person_id")
    assert "NOBODY" in issue.message_zh


def test_unavailability_ambiguous_person() -> None:
    tables = with_table("unavailability", _unavailability("U1"))
    tables["leaders"].loc[2, "leader_id"] = "U1"
    issue = only(issues_of(tables))
    assert (issue.row, issue.column) == (3, "person_id") and "无法区分" in issue.message_zh


def test_start_after_end() -> None:
    issue = only(issues_of(with_table("unavailability", _unavailability("G1", "2026-04-02", "2026-04-01"))))
    assert (issue.file, issue.row, issue.column) == ("unavailability.csv", 3, "start")
    assert "晚于" in issue.message_zh


@pytest.mark.parametrize("value", ["2026-13-01", "2026-02-30", "next monday", "20260301x"])
def test_bad_date(value: str) -> None:
    issue = only(issues_of(with_table("unavailability", _unavailability("G1", "2026-01-01", value))))
    assert (issue.row, issue.column) == (3, "end") and "日期" in issue.message_zh


@pytest.mark.parametrize("table", ["pins", "forbidden"])
def test_locks_resolve_by_kind(table: str) -> None:
    frame = pd.DataFrame({"kind": ["leader_office", "单位-社区", "cadre_household"],
                          "subject_id": ["L2", "U3", "G8"], "target_id": ["Z01", "C01", "H20"]})
    p = build_problem(with_table(table, frame), RULES)
    locks = getattr(p, table)
    assert locks["kind"].tolist() == ["leader_office", "unit_community", "cadre_household"]
    assert locks["subject"].tolist() == [1, 2, 7] and locks["target"].tolist() == [1, 0, 19]


@pytest.mark.parametrize("table", ["pins", "forbidden"])
@pytest.mark.parametrize(("kind", "subject", "target", "bad_column"), [
    ("leader_office", "L1", "C01", "target_id"),     # a community is not an office
    ("unit_community", "G1", "C01", "subject_id"),   # a cadre is not a unit
    ("cadre_household", "G1", "H99", "target_id"),
])
def test_locks_unknown_subject_or_target(table: str, kind: str, subject: str, target: str, bad_column: str) -> None:
    frame = pd.DataFrame({"kind": [kind], "subject_id": [subject], "target_id": [target]})
    issue = only(issues_of(with_table(table, frame)))
    assert (issue.file, issue.row, issue.column) == (f"{table}.csv", 2, bad_column)


# -- enums, numbers ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("table", "column", "frame"), [
    ("offices", "kind", None),
    ("leaders", "tier", None),
    ("cadres", "rank", None),
    ("pins", "kind", pd.DataFrame({"kind": ["leader_office"], "subject_id": ["L1"], "target_id": ["B01"]})),
    ("holidays", "kind", pd.DataFrame({"date": ["2026-01-01"], "kind": ["holiday"]})),
])
def test_bad_enum(table: str, column: str, frame: pd.DataFrame | None) -> None:
    tables = tiny_tables() if frame is None else with_table(table, frame)
    tables[table] = tables[table].astype(object)
    tables[table].loc[0, column] = "bogus"
    issue = only(issues_of(tables))
    assert (issue.file, issue.row, issue.column) == (f"{table}.csv", 2, column)
    assert "bogus" in issue.message_zh and "应为" in issue.message_zh


@pytest.mark.parametrize(("table", "column", "value"), [
    ("households", "priority", 4),
    ("households", "priority", 0),
    ("households", "priority", 1.5),
    ("households", "priority", "high"),
    ("cadres", "max_households", -1),
    ("cadres", "max_households", 2.5),
    ("offices", "lat", 91),
    ("offices", "lat", "north"),
    ("offices", "lon", "inf"),
    ("units", "lon", -180.5),
    ("communities", "lon", 181),
])
def test_bad_number(table: str, column: str, value: object) -> None:
    issue = only(issues_of(with_cell(table, 1, column, value)))
    assert (issue.file, issue.row, issue.column) == (f"{table}.csv", 3, column)
    assert str(value) in issue.message_zh


def test_numbers_as_text_are_accepted() -> None:
    tables = tiny_tables()
    tables["households"] = tables["households"].astype(str)
    tables["households"].loc[0, "priority"] = " 3 "
    p = build_problem(tables, RULES)
    assert p.households["priority"].iloc[0] == 3 and p.households["lat"].dtype == float


def test_duplicate_holiday_date() -> None:
    frame = pd.DataFrame({"date": ["2026-10-10", "2026-10-10"], "kind": ["workday", "holiday"]})
    issue = only(issues_of(with_table("holidays", frame)))
    assert (issue.file, issue.row, issue.column) == ("holidays.csv", 3, "date")


def test_all_problems_reported_together() -> None:
    tables = with_cell("households", 0, "priority", 9)
    tables["cadres"].loc[2, "unit_id"] = "U9"
    tables["leaders"].loc[0, "tier"] = "king"
    del tables["offices"]
    issues = issues_of(tables)
    where = {(i.file, i.row, i.column) for i in issues}
    assert {("households.csv", 2, "priority"), ("cadres.csv", 4, "unit_id"), ("leaders.csv", 2, "tier"),
            ("offices.csv", None, None)} <= where
    rendered = InputError(issues).render("zh")
    assert "households.csv，第2行，列 priority" in rendered


def test_label_override_names_the_sheet() -> None:
    with pytest.raises(InputError) as err:
        build_problem(with_cell("leaders", 0, "tier", "x"), RULES, labels={"leaders": "book.xlsx[区级领导]"})
    assert err.value.issues[0].file == "book.xlsx[区级领导]"


def test_city_size_validates_fast() -> None:
    """150,000 households, 40,000 cadres: validation is vectorised (about 0.4 s measured; generous bound)."""
    n, n_comm, n_units, n_cadres = 150_000, 1_500, 400, 40_000
    base = tiny_tables()
    tables = {
        "offices": base["offices"],
        "communities": pd.DataFrame({"community_id": [f"C{i:05d}" for i in range(n_comm)], "name": "c",
                                     "office_id": ["B01", "Z01"] * (n_comm // 2)}),
        "households": pd.DataFrame({"household_id": [f"H{i:07d}" for i in range(n)],
                                    "community_id": [f"C{i % n_comm:05d}" for i in range(n)],
                                    "priority": [str(1 + i % 3) for i in range(n)],
                                    "lat": np.round(np.linspace(34, 35, n), 5).astype(str),
                                    "lon": np.round(np.linspace(113, 114, n), 5).astype(str)}),
        "leaders": base["leaders"],
        "units": pd.DataFrame({"unit_id": [f"U{i}" for i in range(n_units)], "name": "u"}),
        "cadres": pd.DataFrame({"cadre_id": [f"G{i:06d}" for i in range(n_cadres)], "name": "g",
                                "unit_id": [f"U{i % n_units}" for i in range(n_cadres)], "rank": "staff"}),
    }
    started = time.perf_counter()
    p = build_problem(tables, RULES)
    seconds = time.perf_counter() - started
    assert p.n_households == n and p.households["office"].max() == 1
    assert seconds < 8, seconds


def test_pair_both_pinned_and_forbidden() -> None:
    pair = pd.DataFrame({"kind": ["cadre_household", "unit_community"], "subject_id": ["G1", "U1"],
                         "target_id": ["H01", "C01"]})
    tables = with_table("pins", pair.iloc[[0]])
    tables["forbidden"] = pair
    issue = only(issues_of(tables))
    assert (issue.file, issue.row, issue.column) == ("forbidden.csv", 2, "subject_id")
    assert "G1" in issue.message_zh and "pins.csv" in issue.message_zh


def test_duplicate_target_ids_do_not_stop_reference_checks() -> None:
    tables = with_cell("offices", 1, "office_id", "B01")  # Z01 is gone, B01 twice
    issues = issues_of(tables)
    where = {(i.file, i.row, i.column) for i in issues}
    assert ("offices.csv", 3, "office_id") in where
    assert {("communities.csv", 4, "office_id"), ("communities.csv", 5, "office_id")} <= where
