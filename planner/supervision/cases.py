"""The case ledger (`cases.csv`, the `问题台账` sheet): read, validate against the Problem, write back.

A row is a problem raised on a visit, a reception day, by letter, hotline or online, followed until it is closed:
受理 opened → 办理 in progress → 办结 resolved_on → 答复 replied_on → 回访 callback_on (+ satisfied). Reading reuses
the actual-visits reader (`raw_actuals`-style: UTF-8 / GBK CSV or a workbook sheet) and the validator's column
machinery (Chinese or English headers, blank rows skipped, Excel row numbers, bad dates located). On top: known
ids (owner unit, owner and raised_with persons, household, community), a unique case id, the steps in order
(due, resolved, replied and callback not before opened; replied not before resolved; callback not before replied),
satisfied yes / no / empty, a known source. All issues are raised together as InputError (exit 2).

`due` may be empty: it is then opened + `rules.cases.due_days` (documented in docs/SUPERVISION.md). The summary is
personal data: it is kept in `CaseLedger.summaries`, apart from the frame the reports use, and never logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import InputError, Issue
from planner.io.validate import _Checker, _convert_column, _prepare_table
from planner.model import ColumnSpec, TableSpec
from planner.problem import Problem
from planner.supervision.tables import raw_table

SHEET = "问题台账"
SHEET_NAMES = (SHEET, "cases", "接访台账")
DATE_COLUMNS = ("opened", "due", "resolved_on", "replied_on", "callback_on")
CASE_COLUMNS = ("case_id", "opened", "source", "raised_with", "household_id", "community_id", "owner_unit", "owner",
                "due", "resolved_on", "replied_on", "callback_on", "satisfied")
SOURCES = {"visit": "走访", "reception": "信访接待", "letter": "来信", "hotline": "热线", "online": "网上"}
SATISFIED = {"yes": "满意", "no": "不满意"}
EXTRA = {"source": {"入户": "visit", "接访": "reception", "来访": "reception", "信件": "letter", "电话": "hotline",
                    "网络": "online", "网上信访": "online"},
         "satisfied": {"是": "yes", "否": "no", "y": "yes", "n": "no", "基本满意": "yes"}}

CASES_SPEC = TableSpec("cases", SHEET, (
    ColumnSpec("case_id", "案件编号", "id", True),
    ColumnSpec("opened", "受理日期", "date", True, help_zh="受理（登记）日期", help_en="date the case was opened"),
    ColumnSpec("source", "来源", "text", True, help_zh="visit 走访 / reception 信访接待 / letter 来信 / hotline 热线 / "
               "online 网上", help_en="visit / reception / letter / hotline / online"),
    ColumnSpec("raised_with", "反映对象", "id", help_zh="群众向谁反映（领导或干部编号）", help_en="person id it was raised with"),
    ColumnSpec("household_id", "联系户编号", "id"),
    ColumnSpec("community_id", "社区编号", "id"),
    ColumnSpec("summary", "问题摘要", "text", help_zh="个人信息，仅授权人员可见", help_en="personal data, restricted"),
    ColumnSpec("owner_unit", "承办单位", "id", True, help_zh="承办单位编号", help_en="owner unit id"),
    ColumnSpec("owner", "责任人", "id", help_zh="责任人编号（可后补）", help_en="person in charge (may come later)"),
    ColumnSpec("due", "办理期限", "date", help_zh="空 = 受理后默认天数", help_en="empty = opened + default days"),
    ColumnSpec("resolved_on", "办结日期", "date"),
    ColumnSpec("replied_on", "答复日期", "date"),
    ColumnSpec("callback_on", "回访日期", "date"),
    ColumnSpec("satisfied", "是否满意", "text", help_zh="yes 满意 / no 不满意 / 空", help_en="yes / no / empty"),
), required=False, help_zh="接访、走访中群众反映的问题，跟踪到办结、答复、回访", help_en="Problems raised, followed until closed",
    example=(("C0001", "2027-03-02", "visit", "G0001", "H00001", "", "", "U001", "G0001", "2027-04-01", "", "", "", ""),))

# the order of the steps: (later, earlier, zh, en) — the later date must not come before the earlier one
ORDER = (("due", "opened", "办理期限早于受理日期", "due before opened"),
         ("resolved_on", "opened", "办结日期早于受理日期", "resolved before opened"),
         ("replied_on", "opened", "答复日期早于受理日期", "replied before opened"),
         ("callback_on", "opened", "回访日期早于受理日期", "callback before opened"),
         ("replied_on", "resolved_on", "答复日期早于办结日期（或尚未办结）", "replied before resolved (or not resolved)"),
         ("callback_on", "replied_on", "回访日期早于答复日期（或尚未答复）", "callback before replied (or not replied)"))


@dataclass(frozen=True, eq=False)
class CaseLedger:
    """Validated cases: `cases` has CASE_COLUMNS (dates as datetime64, NaT when empty; `due` always set);
    `summaries` (case_id → text) is kept apart; `source` names the file."""

    cases: pd.DataFrame
    summaries: pd.Series = field(default_factory=lambda: pd.Series([], dtype=str))
    source: str = "cases.csv"


def _lookup(codes: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    out = {code: code for code in codes}
    out.update({code.upper(): code for code in codes})
    out.update({code.capitalize(): code for code in codes})
    out.update({zh: code for code, zh in codes.items()})
    out.update({f"{code} {zh}": code for code, zh in codes.items()})
    out.update(extra)
    return out


def raw_cases(name: str, data: bytes) -> pd.DataFrame:
    """Bytes of a .csv or .xlsx (the app's upload) → raw text table; attrs['label'] names it."""
    return raw_table(name, data, SHEET, SHEET_NAMES)


def validate_cases(raw: pd.DataFrame, problem: Problem | None, label: str | None = None) -> CaseLedger:
    """Raw text table → CaseLedger, or InputError listing every bad cell (file, Excel row, column). Without a
    Problem only the format and the order of the dates are checked."""
    label = label or str(raw.attrs.get("label") or "cases.csv")
    check = _Checker({"cases": label})
    prepared = _prepare_table(check, CASES_SPEC, raw)
    if prepared is None:
        raise InputError(check.issues)
    text, rows = prepared
    typed = {c.name: _convert_column(check, CASES_SPEC, c, text[c.name], rows) for c in CASES_SPEC.columns}
    codes = {}
    for column, known in (("source", SOURCES), ("satisfied", SATISFIED)):
        mapped = text[column].map(_lookup(known, EXTRA[column]))
        bad = (mapped.isna() & (text[column] != "")).to_numpy()
        if bad.any():
            allowed = " / ".join(f"{k} {v}" for k, v in known.items()) + (" / 空" if column == "satisfied" else "")
            check.add_rows("cases", rows[bad], text[column][bad], column, f"“{column}” 的值 “{{value}}” 无效，应为：{allowed}",
                           f"'{column}': invalid value '{{value}}', expected one of: {allowed}")
        codes[column] = mapped.fillna("").astype(str)
    dup = (text["case_id"].duplicated(keep="first") & (text["case_id"] != "")).to_numpy()
    if dup.any():
        check.add_rows("cases", rows[dup], text["case_id"][dup], "case_id", "案件编号 “{value}” 重复",
                       "duplicate case id '{value}'")
    due_days = problem.rules.cases.due_days if problem is not None else 30
    dates = {c: typed[c].dt.normalize() for c in DATE_COLUMNS}
    given_due = dates["due"]
    dates["due"] = given_due.where(given_due.notna(), dates["opened"] + pd.Timedelta(days=due_days))
    for later, earlier, zh, en in ORDER:
        present = dates[later].notna() & (text[later] != "" if later != "due" else given_due.notna())
        bad = (present & (dates[earlier].isna() | (dates[later] < dates[earlier]))).to_numpy()
        if earlier == "opened":  # an empty or bad opened date is reported by itself
            bad = bad & dates["opened"].notna().to_numpy()
        if bad.any():
            check.add_rows("cases", rows[bad], text[later][bad], later, f"{zh}（“{{value}}”）", f"{en} ('{{value}}')")
    needs_person = codes["source"].isin(("visit", "reception")).to_numpy() & (text["raised_with"] == "").to_numpy()
    if needs_person.any():
        check.add_rows("cases", rows[needs_person], codes["source"][needs_person], "raised_with",
                       "来源为走访或信访接待时须填反映对象（领导或干部编号）", "raised_with is required for visit and reception cases")
    community = text["community_id"].copy()
    if problem is not None:
        community = _check_ids(check, rows, text, problem)
    if check.issues:
        raise InputError(check.issues)
    cases = pd.DataFrame({"case_id": text["case_id"].to_numpy(), "opened": dates["opened"].to_numpy(),
                          "source": codes["source"].to_numpy(), "raised_with": text["raised_with"].to_numpy(),
                          "household_id": text["household_id"].to_numpy(), "community_id": community.to_numpy(),
                          "owner_unit": text["owner_unit"].to_numpy(), "owner": text["owner"].to_numpy(),
                          **{c: dates[c].to_numpy() for c in DATE_COLUMNS[1:]},
                          "satisfied": codes["satisfied"].to_numpy()})
    summaries = pd.Series(text["summary"].to_numpy(), index=cases["case_id"].to_numpy(), dtype=str)
    return CaseLedger(cases, summaries, label)


def person_ids(problem: Problem) -> set[str]:
    """Anyone a case may be raised with or owned by: district leaders, unit cadres, units (a unit's visit team)."""
    return (set(problem.leaders["leader_id"].astype(str)) | set(problem.cadres["cadre_id"].astype(str))
            | set(problem.units["unit_id"].astype(str)))


def _check_ids(check: _Checker, rows: np.ndarray, text: pd.DataFrame, problem: Problem) -> pd.Series:
    """Report unknown ids; returns community_id filled from the household when it was empty."""
    people = person_ids(problem)
    home_community = dict(zip(problem.households["household_id"].astype(str),
                              problem.households["community_id"].astype(str), strict=True))
    known = {"owner_unit": (set(problem.units["unit_id"].astype(str)), "单位", "unit"),
             "owner": (people, "人员（领导/干部）", "person"), "raised_with": (people, "人员（领导/干部）", "person"),
             "household_id": (set(home_community), "联系户", "household"),
             "community_id": (set(problem.communities["community_id"].astype(str)), "社区", "community")}
    for column, (ids, zh, en) in known.items():
        values = text[column]
        bad = ((values != "") & ~values.isin(ids)).to_numpy()
        if bad.any():
            check.add_rows("cases", rows[bad], values[bad], column, f"“{{value}}” 不是已知的{zh}编号",
                           f"'{{value}}' is not a known {en} id")
    community = text["community_id"].copy()
    filled = text["household_id"].map(home_community).fillna("")
    clash = ((community != "") & (filled != "") & (community != filled)).to_numpy()
    if clash.any():
        check.add_rows("cases", rows[clash], community[clash], "community_id", "社区 “{value}” 与联系户所在社区不一致",
                       "community '{value}' is not the household's community")
    return community.where(community != "", filled)


def read_cases(path: str | Path, problem: Problem | None) -> CaseLedger:
    """Read and validate a case ledger (CSV or workbook sheet 问题台账)."""
    path = Path(path)
    if not path.is_file():
        raise InputError([Issue(str(path), None, None, "找不到问题台账文件", "case ledger file not found")])
    return validate_cases(raw_cases(path.name, path.read_bytes()), problem)


def ledger_from_frame(frame: pd.DataFrame, problem: Problem | None, label: str = "cases") -> CaseLedger:
    """Typed or text frame (the store, the demo generator) → CaseLedger through the same validation."""
    text = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column in DATE_COLUMNS:
            text[column] = pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("")
        else:
            text[column] = values.astype(object).where(values.notna(), "").astype(str)
    return validate_cases(text.reset_index(drop=True), problem, label)


def cases_text(ledger: CaseLedger, with_summaries: bool = True) -> pd.DataFrame:
    """The ledger as cases.csv text columns; summaries only when asked (they are personal data)."""
    frame = ledger.cases.copy()
    for column in DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d").fillna("")
    columns = list(CASE_COLUMNS)
    if with_summaries:
        frame["summary"] = frame["case_id"].map(ledger.summaries).fillna("") if len(ledger.summaries) else ""
        columns.insert(6, "summary")
    return frame[columns]


def write_cases(ledger: CaseLedger, path: str | Path, with_summaries: bool = True) -> Path:
    """cases.csv (UTF-8 with BOM, formula-safe)."""
    from planner.io.safe import write_csv

    out = Path(path)
    write_csv(cases_text(ledger, with_summaries), out)
    return out
