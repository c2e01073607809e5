"""`[reports]` in rules.toml: the seed's counts and sources, the due-date format and its located errors."""

from __future__ import annotations

import pytest

from planner.errors import InputError
from planner.report_rules import SOURCE_REPORTS, ReportRules, parse_cutoffs
from planner.rules import Rules, rule_fields


def test_defaults_are_the_seeds_numbers_with_their_sentence() -> None:
    r = Rules().reports
    assert (r.district_leader, r.main_head) == (2, 1)
    assert r.cutoffs("district_leader") == [(6, 31), (12, 31)]    # mid-year and year-end (31 = the month's end)
    assert r.cutoffs("main_head") == [(12, 31)]                   # year-end
    fields = dict(rule_fields())
    assert "每年至少完成2篇" in fields["reports.district_leader"].metadata["source"] == SOURCE_REPORTS
    assert "每年至少完成1篇" in fields["reports.main_head"].metadata["source"]
    assert "[reports]" in Rules().to_toml()
    assert (r.district_leader_due, r.main_head_due) == ("", "")    # evenly spread: the counts alone decide
    assert Rules().replace(reports={"district_leader": 12}).reports.cutoffs("district_leader") == \
        [(m, 31) for m in range(1, 13)]


@pytest.mark.parametrize(("count", "months"), [(1, [12]), (2, [6, 12]), (3, [4, 8, 12]), (4, [3, 6, 9, 12]),
                                               (5, [3, 5, 8, 10, 12])])
def test_empty_due_text_spreads_evenly_to_month_ends(count: int, months: list[int]) -> None:
    rules = Rules().replace(reports={"district_leader": count, "district_leader_due": ""})
    assert rules.reports.cutoffs("district_leader") == [(m, 31) for m in months]


def test_separators_arrays_and_a_zero_count() -> None:
    assert parse_cutoffs(" 3-1，06-30、9-30;12-31 ") == [(3, 1), (6, 30), (9, 30), (12, 31)]
    toml = Rules.from_toml('[reports]\ndistrict_leader = 3\ndistrict_leader_due = ["3-31", "7-31", "12-20"]\n')
    assert toml.reports.cutoffs("district_leader") == [(3, 31), (7, 31), (12, 20)]
    none = Rules().replace(reports={"main_head": 0})   # owes nothing: its dates are not held against the count
    assert none.reports.cutoffs("main_head") == []
    assert ReportRules(main_head_due="02-29").cutoffs("main_head") == [(2, 29)]


@pytest.mark.parametrize(("toml", "column", "words"), [
    ('district_leader_due = "13-01, 12-31"', "reports.district_leader_due", "13-01"),
    ('district_leader_due = "06-31, 12-31"', "reports.district_leader_due", "06-31"),
    ('main_head_due = 1231', "reports.main_head_due", "1231"),
    ('main_head_due = "12/31"', "reports.main_head_due", "12/31"),
    ('district_leader_due = "12-31, 06-30"', "reports.district_leader_due", "从早到晚"),
    ('district_leader_due = "06-30, 06-30"', "reports.district_leader_due", "不重复"),
    ('district_leader = 3\ndistrict_leader_due = "06-30, 12-31"', "reports.district_leader_due", "有 2 个日期"),
    ('main_head_due = "06-30, 12-31"', "reports.main_head_due", "请给出 1 个日期"),
    ('main_head = 13', "reports.main_head", "0 到 12"),
    ('district_leader = -1', "reports.district_leader", "0 到 12"),
    ('district_leader = 1.5', "reports.district_leader", "1.5"),
    ('due = "12-31"', "reports.due", "未知的规则项"),
])
def test_bad_report_rules_name_file_and_key(toml: str, column: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        Rules.from_toml(f"[reports]\n{toml}\n", file_label="rules.toml")
    issues = caught.value.issues
    assert [(i.file, i.column) for i in issues] == [("rules.toml", column)]
    assert words in issues[0].message_zh
    assert issues[0].message_en   # English beside the Chinese


def test_replace_validates_like_the_file() -> None:
    with pytest.raises(InputError):
        Rules().replace(reports={"district_leader": 3, "district_leader_due": "6-30, 12-31"})  # 2 dates, 3 owed
    assert Rules().replace(reports={"district_leader": 3, "district_leader_due": "4-30 8-31 12-31"}).reports \
        .cutoffs("district_leader") == [(4, 30), (8, 31), (12, 31)]


def test_a_rules_sheet_cell_excel_turned_into_a_date_keeps_its_month_and_day() -> None:
    import pandas as pd

    from planner.io.parse import rules_from_sheet

    sheet = pd.DataFrame({"key": ["reports.main_head_due", "reports.district_leader_due"],
                          "value": ["2027-11-30 00:00:00", "6-30，12-20"]})
    rules = rules_from_sheet(sheet, "data.xlsx[规则]")
    assert rules.reports.cutoffs("main_head") == [(11, 30)]
    assert rules.reports.cutoffs("district_leader") == [(6, 30), (12, 20)]
    bad = pd.DataFrame({"key": ["year", "reports.main_head_due"], "value": ["2027", "12.31"]})
    with pytest.raises(InputError) as caught:
        rules_from_sheet(bad, "data.xlsx[规则]")
    assert [(i.file, i.row, i.column) for i in caught.value.issues] == [("data.xlsx[规则]", 3,
                                                                        "reports.main_head_due")]
