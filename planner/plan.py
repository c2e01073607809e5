"""A plan folder in memory: the pair tables (three levels, and the optional office level), the visits and the report; read and written atomically.

Writing goes to a temporary sibling folder that is renamed into place, so an interrupted write never leaves a
half plan and a failed solve writes nothing; planner.io.outputs decides what may be replaced and recovers a swap
that was killed halfway.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import InputError, Issue
from planner.io.outputs import PLAN, recover, write_folder
from planner.io.safe import unguard_column, write_csv
from planner.model import PLAN_COLUMNS

PAIR_FILES = ("leader_offices", "unit_communities", "cadre_households", "office_leader_communities")
OPTIONAL_FILES = ("office_leader_communities",)   # plans made before the office level have none
NAMES_COLUMNS = ("kind", "id", "name", "parent_id", "rank")
REPORT_DUE = "report_due"   # report_due.csv (person_id, due): research reports' due dates; optional when read
REPORT_DUE_COLUMNS = ("person_id", "due")


@dataclass(frozen=True, eq=False)
class Plan:
    leader_offices: pd.DataFrame
    unit_communities: pd.DataFrame
    cadre_households: pd.DataFrame
    visits: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(PLAN_COLUMNS["visits"])))
    report: dict[str, Any] = field(default_factory=dict)
    # kind, id, name, parent_id: display names so that exports need no input folder (no household names: privacy);
    # rank (cadres only) lets the printed summary show each cadre's grassroots-day minimum
    names: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(NAMES_COLUMNS)))
    # the office level (办事处领导 → 联系社区); empty when the input has no office_leaders table
    office_leader_communities: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(PLAN_COLUMNS["office_leader_communities"])))
    # research reports' due dates (planner.reports.due); None for a plan made before reports were planned
    report_due: pd.DataFrame | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in PLAN_COLUMNS}

    def pairs(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in PAIR_FILES}


def write_plan(plan: Plan, out: str | Path, inputs: Iterable[str | Path | None] = ()) -> Path:
    """Write every plan file into `out` atomically; `out` must be new, empty or an older plan folder, and not
    the input, inside it or above it (`inputs`; see planner.io.outputs). Refusals raise OutputError (exit 2)."""
    return write_folder(out, PLAN, lambda tmp: _fill(plan, tmp), inputs)


def _fill(plan: Plan, tmp: Path) -> None:
    for name, columns in PLAN_COLUMNS.items():
        frame = getattr(plan, name)
        frame = frame.reindex(columns=list(columns))
        if name == "visits" and len(frame):
            frame = frame.assign(date=pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d"),
                                 role=frame["role"].fillna(""), talk=frame["talk"].fillna(0).astype(int))
        write_csv(frame, tmp / f"{name}.csv")
    write_csv(plan.names.reindex(columns=list(NAMES_COLUMNS)), tmp / "names.csv")
    if plan.report_due is not None:
        write_csv(plan.report_due.reindex(columns=list(REPORT_DUE_COLUMNS)), tmp / f"{REPORT_DUE}.csv")
    (tmp / "report.json").write_text(json.dumps(plan.report, ensure_ascii=False, indent=2, default=str),
                                     encoding="utf-8")


def read_plan(folder: str | Path, require_visits: bool = False) -> Plan:
    """Read a plan folder; every missing file or column is reported at once (InputError)."""
    folder = Path(folder)
    if not folder.is_dir():
        recover(folder, PLAN)   # a write killed mid-swap: the previous plan comes back
    issues: list[Issue] = []
    frames: dict[str, pd.DataFrame] = {}
    for name, columns in PLAN_COLUMNS.items():
        path = folder / f"{name}.csv"
        if not path.exists():
            if (name != "visits" or require_visits) and name not in OPTIONAL_FILES:
                issues.append(Issue(path.name, None, None, "计划文件缺失", "plan file missing"))
            frames[name] = pd.DataFrame(columns=list(columns))
            continue
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            issues.append(Issue(path.name, None, None, f"无法读取：{exc}", f"cannot read: {exc}"))
            continue
        missing = [c for c in columns if c not in frame.columns]
        for column in missing:
            issues.append(Issue(path.name, 1, column, "缺少必需的列", "required column missing"))
        for column in frame.columns:
            frame[column] = unguard_column(frame[column])
        frames[name] = frame
    report: dict[str, Any] = {}
    report_path = folder / "report.json"
    if report_path.exists():
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            issues.append(Issue("report.json", None, None, f"无法读取：{exc}", f"cannot read: {exc}"))
    names = pd.DataFrame(columns=list(NAMES_COLUMNS))
    if (folder / "names.csv").exists():
        names = pd.read_csv(folder / "names.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        names = names.apply(unguard_column)   # written guarded like every CSV: no stray ' before a name
    report_due = _read_report_due(folder / f"{REPORT_DUE}.csv", issues)
    if issues:
        raise InputError(issues)
    return Plan(report=report, names=names, report_due=report_due, **frames)


def _read_report_due(path: Path, issues: list[Issue]) -> pd.DataFrame | None:
    """report_due.csv as text, None when the plan has none (made before research reports were planned)."""
    if not path.exists():
        return None
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        issues.append(Issue(path.name, None, None, f"无法读取：{exc}", f"cannot read: {exc}"))
        return None
    for column in REPORT_DUE_COLUMNS:
        if column not in frame.columns:
            issues.append(Issue(path.name, 1, column, "缺少必需的列", "required column missing"))
    for column in frame.columns:
        frame[column] = unguard_column(frame[column])
    return frame


def names_frame(problem: Any) -> pd.DataFrame:
    """Display names for exports; households are named by id and community only (personal data stays home)."""
    parts = [
        pd.DataFrame({"kind": "office", "id": problem.offices["office_id"], "name": problem.offices["name"],
                      "parent_id": ""}),
        pd.DataFrame({"kind": "community", "id": problem.communities["community_id"],
                      "name": problem.communities["name"], "parent_id": problem.communities["office_id"]}),
        pd.DataFrame({"kind": "household", "id": problem.households["household_id"], "name": "",
                      "parent_id": problem.households["community_id"]}),
        pd.DataFrame({"kind": "leader", "id": problem.leaders["leader_id"], "name": problem.leaders["name"],
                      "parent_id": problem.leaders["tier"]}),
        pd.DataFrame({"kind": "unit", "id": problem.units["unit_id"], "name": problem.units["name"], "parent_id": ""}),
        pd.DataFrame({"kind": "cadre", "id": problem.cadres["cadre_id"], "name": problem.cadres["name"],
                      "parent_id": problem.cadres["unit_id"], "rank": problem.cadres["rank"]}),
    ]
    office_leaders = getattr(problem, "office_leaders", None)
    if office_leaders is not None and len(office_leaders):   # rank holds the office role (secretary/director/member)
        parts.append(pd.DataFrame({"kind": "office_leader", "id": office_leaders["person_id"],
                                   "name": office_leaders["name"], "parent_id": office_leaders["office_id"],
                                   "rank": office_leaders["role"]}))
    return pd.concat(parts, ignore_index=True).fillna({"rank": ""})
