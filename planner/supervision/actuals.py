"""Actual visits (`actuals.csv`, the `走访记录` sheet): read, validate against the Problem and the Plan, deduplicate.

A row is a visit that happened. Reading reuses the input reader (`planner.io.read.parse_csv`: UTF-8 / GBK /
UTF-16, any separator; `excel_engine` for workbooks) and the validator's column machinery (`planner.io.validate`:
Chinese or English headers, blank rows skipped, rows numbered as in Excel, bad dates and numbers located). On top
of that: the person must exist in its kind's table, the target in its kind's table, the (person kind, activity,
target kind) combination must be one visits.csv allows, the date must lie in the plan's year. Every bad cell is an
Issue (file, row, column) and all of them are raised together as InputError (exit 2).

A weekend or holiday visit is accepted (it happened). Exact duplicate rows (same visit columns) count once: the
first is kept. `note` is personal data (like household names): it is kept in a separate frame (`Actuals.notes`,
keyed by row position) so that the progress code never sees it and it can be purged; nothing here logs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import InputError, Issue
from planner.io.validate import _Checker, _convert_column, _prepare_table
from planner.model import ColumnSpec, TableSpec
from planner.problem import Problem
from planner.supervision.tables import raw_table

SHEET = "走访记录"
SHEET_NAMES = (SHEET, "actuals")
VISIT_COLUMNS = ("date", "person_kind", "person_id", "activity", "target_kind", "target_id", "role", "talk")
DISTRICT_ID = "district"

ACTUALS_SPEC = TableSpec("actuals", SHEET, (
    ColumnSpec("date", "日期", "date", True, help_zh="走访实际发生的日期", help_en="date the visit happened"),
    ColumnSpec("person_kind", "人员类别", "text", True,
               help_zh="leader 区级领导 / unit 区直单位 / cadre 党员干部 / office_leader 办事处领导",
               help_en="leader / unit / cadre / office_leader"),
    ColumnSpec("person_id", "人员编号", "id", True),
    ColumnSpec("activity", "活动", "text", True,
               help_zh="contact 联系点走访 / research 调研 / reception 信访接待 / community 进社区 / household 入户",
               help_en="contact / research / reception / community / household"),
    ColumnSpec("target_kind", "对象类别", "text", True,
               help_zh="office 办事处 / community 社区 / household 联系户 / district 全区",
               help_en="office / community / household / district"),
    ColumnSpec("target_id", "对象编号", "id", True, help_zh="信访接待填 district", help_en="'district' for reception"),
    ColumnSpec("role", "角色", "text", help_zh="信访接待 A / B，其余留空", help_en="A / B for reception, else empty"),
    ColumnSpec("talk", "谈心谈话", "int", minimum=0, maximum=1, default=0, help_zh="1 = 谈心谈话", help_en="1 = talk"),
    ColumnSpec("note", "备注", "text", help_zh="个人信息，仅授权人员可见", help_en="personal data, restricted"),
    ColumnSpec("recorded_by", "记录人", "text"),
), required=False, help_zh="实际发生的走访（如实记录）", help_en="Visits that actually happened",
    example=(("2027-03-02", "cadre", "G0001", "household", "household", "H00001", "", 1, "", "U001"),))

# English code → what users may type instead (the template's drop-downs offer the Chinese word too)
ENUM_ZH: dict[str, dict[str, str]] = {
    "person_kind": {"leader": "区级领导", "unit": "区直单位", "cadre": "党员干部", "office_leader": "办事处领导"},
    "activity": {"contact": "联系点走访", "research": "调研", "reception": "信访接待", "community": "进社区",
                 "household": "入户"},
    "target_kind": {"office": "办事处", "community": "社区", "household": "联系户", "district": "全区"},
    "role": {"A": "A", "B": "B"},
}
EXTRA_ZH = {"person_kind": {"领导": "leader", "单位": "unit", "干部": "cadre"},
            "activity": {"联系点": "contact", "走访": "contact", "接访": "reception", "入户走访": "household"}}

# visits.csv's allowed combinations (contract, "Plan folder")
ALLOWED: frozenset[tuple[str, str, str]] = frozenset({
    ("leader", "contact", "office"), ("leader", "research", "office"), ("leader", "research", "community"),
    ("leader", "reception", "district"), ("unit", "community", "community"), ("cadre", "household", "household"),
    ("cadre", "research", "community"), ("office_leader", "contact", "community"),
    ("office_leader", "research", "community")})
ALLOWED_TEXT = ("leader: contact→office, research→office|community, reception→district; unit: community→community; "
                "cadre: household→household, research→community; office_leader: contact|research→community")


@dataclass(frozen=True, eq=False)
class Actuals:
    """Validated, deduplicated visits: `visits` has VISIT_COLUMNS (date as datetime64, talk int) plus
    recorded_by; `notes` (row position → note) is kept apart; `source` names the file."""

    visits: pd.DataFrame
    notes: pd.Series = field(default_factory=lambda: pd.Series([], dtype=str))
    source: str = "actuals.csv"
    duplicates: int = 0

    def before(self, day: date, inclusive: bool = True) -> pd.DataFrame:
        dates = self.visits["date"]
        stamp = pd.Timestamp(day)
        return self.visits.loc[dates <= stamp if inclusive else dates < stamp]


def _lookup(column: str) -> dict[str, str]:
    codes = ENUM_ZH[column]
    out = {code: code for code in codes}
    out.update({code.upper(): code for code in codes})
    out.update({code.capitalize(): code for code in codes})
    out.update({zh: code for code, zh in codes.items()})
    out.update(EXTRA_ZH.get(column, {}))
    out.update({f"{code} {zh}": code for code, zh in codes.items()})
    return out


def read_actuals_frame(path: str | Path) -> pd.DataFrame:
    """The raw text table of a CSV, or of the `走访记录` / `actuals` sheet of a workbook; attrs['label'] names it."""
    path = Path(path)
    if not path.is_file():
        raise InputError([Issue(str(path), None, None, "找不到走访记录文件", "actuals file not found")])
    return raw_actuals(path.name, path.read_bytes())


def raw_actuals(name: str, data: bytes) -> pd.DataFrame:
    """Bytes of a .csv or .xlsx (the app's upload) → raw text table."""
    return raw_table(name, data, SHEET, SHEET_NAMES)


def validate_actuals(raw: pd.DataFrame, problem: Problem | None, label: str | None = None) -> Actuals:
    """Raw text table → Actuals, or InputError listing every bad cell (file, Excel row, column). Without a Problem
    (`planner sample` with no DATA) only the format is checked: ids and the year are not."""
    label = label or str(raw.attrs.get("label") or "actuals.csv")
    check = _Checker({"actuals": label})
    prepared = _prepare_table(check, ACTUALS_SPEC, raw)
    if prepared is None:
        raise InputError(check.issues)
    text, rows = prepared
    typed = {c.name: _convert_column(check, ACTUALS_SPEC, c, text[c.name], rows) for c in ACTUALS_SPEC.columns}
    codes: dict[str, pd.Series] = {}
    for column in ENUM_ZH:
        mapped = text[column].map(_lookup(column))
        bad = (mapped.isna() & (text[column] != "")).to_numpy()
        if bad.any():
            allowed = " / ".join(ENUM_ZH[column])
            check.add_rows("actuals", rows[bad], text[column][bad], column,
                           f"“{column}” 的值 “{{value}}” 无效，应为：{allowed}",
                           f"'{column}': invalid value '{{value}}', expected one of: {allowed}")
        codes[column] = mapped.fillna("").astype(str)
    dates = typed["date"]
    year = problem.rules.year if problem is not None else None
    outside = (dates.notna() & (dates.dt.year != year)).to_numpy() if year is not None else np.zeros(len(dates), bool)
    if outside.any():
        check.add_rows("actuals", rows[outside], text["date"][outside], "date",
                       f"日期 “{{value}}” 不在计划年度 {year} 年内", f"date '{{value}}' is outside the plan year {year}")
    pk, act, tk = codes["person_kind"], codes["activity"], codes["target_kind"]
    known_codes = ((pk != "") & (act != "") & (tk != "")).to_numpy()
    combo = pk + "/" + act + "/" + tk
    bad_combo = known_codes & ~combo.isin({"/".join(c) for c in ALLOWED}).to_numpy()
    if bad_combo.any():
        check.add_rows("actuals", rows[bad_combo], combo[bad_combo], "activity",
                       f"组合 {{value}} 不允许（允许：{ALLOWED_TEXT}）", f"combination {{value}} not allowed ({ALLOWED_TEXT})")
    if problem is not None:
        _check_problem_ids(check, rows, pk, tk, text, problem)
    roles = codes["role"]
    bad_role = ((roles != "") & (act != "reception")).to_numpy()
    if bad_role.any():
        check.add_rows("actuals", rows[bad_role], roles[bad_role], "role",
                       "只有信访接待可填角色 A/B（现为 “{value}”）", "only reception rows have a role A/B (got '{value}')")
    if check.issues:
        raise InputError(check.issues)
    visits = pd.DataFrame({
        "date": dates.dt.normalize().to_numpy(), "person_kind": pk.to_numpy(), "person_id": text["person_id"].to_numpy(),
        "activity": act.to_numpy(), "target_kind": tk.to_numpy(), "target_id": text["target_id"].to_numpy(),
        "role": roles.to_numpy(), "talk": typed["talk"].fillna(0).astype(np.int64).to_numpy(),
        "recorded_by": text["recorded_by"].to_numpy()})
    notes = text["note"].reset_index(drop=True)
    dup = visits.duplicated(subset=list(VISIT_COLUMNS), keep="first").to_numpy()
    keep = ~dup
    return Actuals(visits.loc[keep].reset_index(drop=True), notes[keep].reset_index(drop=True), label,
                   int(dup.sum()))


def _check_problem_ids(check: _Checker, rows: np.ndarray, pk: pd.Series, tk: pd.Series, text: pd.DataFrame,
                       problem: Problem) -> None:
    people = {"leader": problem.leaders["leader_id"], "unit": problem.units["unit_id"],
              "cadre": problem.cadres["cadre_id"], "office_leader": problem.office_leaders["person_id"]}
    _check_ids(check, rows, pk, text["person_id"], people, "person_id")
    targets = {"office": problem.offices["office_id"], "community": problem.communities["community_id"],
               "household": problem.households["household_id"], "district": pd.Series([DISTRICT_ID], dtype=str)}
    _check_ids(check, rows, tk, text["target_id"], targets, "target_id")


def _check_ids(check: _Checker, rows: np.ndarray, kinds: pd.Series, ids: pd.Series,
               tables: dict[str, pd.Series], column: str) -> None:
    for kind, known in tables.items():
        sel = (kinds == kind).to_numpy() & (ids != "").to_numpy()
        if not sel.any():
            continue
        index = pd.Index(known.astype(str))
        unknown = sel.copy()
        unknown[sel] = index.get_indexer(pd.Index(ids[sel])) < 0
        if unknown.any():
            check.add_rows("actuals", rows[unknown], ids[unknown], column,
                           f"“{column}” “{{value}}” 不是已知的{ENUM_ZH['person_kind'].get(kind) or ENUM_ZH['target_kind'][kind]}编号",
                           f"'{column}' '{{value}}' is not a known {kind} id")


def read_actuals(path: str | Path, problem: Problem | None) -> Actuals:
    """Read and validate an actuals file (CSV or workbook sheet 走访记录)."""
    raw = read_actuals_frame(path)
    return validate_actuals(raw, problem)


def empty_actuals() -> Actuals:
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in (*VISIT_COLUMNS, "recorded_by")})
    frame["date"] = pd.Series([], dtype="datetime64[ns]")
    frame["talk"] = pd.Series([], dtype=np.int64)
    return Actuals(frame)


def actuals_from_frame(frame: pd.DataFrame, problem: Problem, label: str = "actuals") -> Actuals:
    """Typed or text frame (the store, the demo generator) → Actuals through the same validation."""
    text = frame.copy()
    for column in text.columns:
        if column == "date":
            text[column] = pd.to_datetime(text[column]).dt.strftime("%Y-%m-%d")
        else:
            text[column] = text[column].astype(object).where(text[column].notna(), "").astype(str)
    return validate_actuals(text, problem, label)


def write_actuals(actuals: Actuals, path: str | Path, with_notes: bool = True) -> Path:
    """actuals.csv (UTF-8 with BOM, formula-safe); notes only when asked (they are personal data)."""
    from planner.io.safe import write_csv

    frame = actuals.visits.copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
    if with_notes:
        frame["note"] = actuals.notes.to_numpy() if len(actuals.notes) == len(frame) else ""
    out = Path(path)
    write_csv(frame[[*VISIT_COLUMNS, *(["note"] if with_notes else []), "recorded_by"]], out)
    return out
