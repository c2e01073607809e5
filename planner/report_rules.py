"""`[reports]` in rules.toml: research reports (调研报告) a year and when they fall due (seed 003 三(一)4).

Kept apart from planner/rules.py (which is full), with the same field metadata (zh, en, source, min), so the rules
page, the template's 规则 sheet and the range checks treat these like every other rule.

Due dates are a short text of month-day cut-offs, one per report, e.g. ``"06-30, 12-31"`` (mid-year and year-end):
``M-D`` or ``MM-DD``, separated by commas (`,` `，` `、`), semicolons or spaces, in increasing order. Empty text
(the default) means "spread evenly": the k-th of n reports is due at the end of month ⌈12·k/n⌉ — for the seed's
counts, district leaders at the end of June and of December, main heads at the end of December; changing a count
alone keeps them spread. A list that is given must hold exactly as many dates as reports a year (a count of 0 owes
nothing, and its list is ignored). `02-29` is allowed and means
the last day of February in a common year. Which workday a cut-off becomes is planner/reports/due.py's business.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any, TypeVar

from planner.errors import InputError, Issue

SOURCE_REPORTS = ("区级领导干部每年至少完成2篇有分量、有价值的调研报告。办事处党政主要负责人、区直各部门各单位主要负责人"
                  "每年至少完成1篇调研报告。")
SOURCE_DUE = "坚持服务决策，用好调研成果。（各篇的完成期限由组织部确定，默认年中和年末）"
T = TypeVar("T")
MAX_REPORTS = 12
# the reports obligations: (count field, due-dates field)
CLASSES = (("district_leader", "district_leader_due"), ("main_head", "main_head_due"))
_SEPARATORS = re.compile(r"[,，、;；\s]+")
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")


def _f(default: Any, zh: str, en: str, source: str = "", minimum: float | None = 0) -> Any:
    return field(default=default, metadata={"zh": zh, "en": en, "source": source, "min": minimum})


@dataclass(frozen=True)
class ReportRules:
    district_leader: int = _f(2, "区级领导每年调研报告篇数", "Research reports per district leader per year",
                              SOURCE_REPORTS, 0)
    main_head: int = _f(1, "主要负责人每年调研报告篇数（办事处书记、主任，单位主要负责人）",
                        "Research reports per main head per year (office secretary and director, unit heads)",
                        SOURCE_REPORTS, 0)
    district_leader_due: str = _f("", "区级领导调研报告完成期限（月-日，逗号分隔；留空=全年均匀）",
                                  "District leaders' report due dates (MM-DD, comma separated; empty = evenly)",
                                  SOURCE_DUE, None)
    main_head_due: str = _f("", "主要负责人调研报告完成期限（月-日，逗号分隔；留空=全年均匀）",
                            "Main heads' report due dates (MM-DD, comma separated; empty = evenly)", SOURCE_DUE, None)

    def __post_init__(self) -> None:
        """Every way of making Rules builds this section first: bad due dates stop here (labelled 'rules'; a
        rules file relabels them, see `build_labelled`)."""
        issues = report_issues(self, "rules")
        if issues:
            raise InputError(issues)

    def cutoffs(self, kind: str) -> list[tuple[int, int]]:
        """(month, day) of each report of `kind` ('district_leader' | 'main_head'), in order; [] when none is owed.
        Assumes the rules were validated (Rules does that on construction)."""
        count = int(getattr(self, kind))
        if count == 0:
            return []
        text = str(getattr(self, f"{kind}_due"))
        parsed = parse_cutoffs(text)
        if parsed:
            return parsed
        return [(month, 31) for month in (-(-12 * k // count) for k in range(1, count + 1))]


REPORT_RANGES: dict[str, tuple[float, float]] = {"reports.district_leader": (0, MAX_REPORTS),
                                                 "reports.main_head": (0, MAX_REPORTS)}


def parse_cutoffs(text: str) -> list[tuple[int, int]]:
    """'06-30, 12-31' → [(6, 30), (12, 31)]; ValueError naming the bad piece. Day 31 of a short month is clamped
    to the month's end later (see due.py), but the day must exist in a leap year."""
    out = []
    for piece in (p for p in _SEPARATORS.split(text.strip()) if p):
        match = _MONTH_DAY.match(piece)
        if match is None:
            raise ValueError(piece)
        month, day = int(match.group(1)), int(match.group(2))
        try:
            date(2000, month, day)   # a leap year: 02-29 exists
        except ValueError:
            raise ValueError(piece) from None
        out.append((month, day))
    return out


def report_issues(rules: ReportRules, label: str) -> list[Issue]:
    """Every problem of the due-date texts: format, order, and count against the reports a year."""
    issues: list[Issue] = []
    for count_name, due_name in CLASSES:
        name = f"reports.{due_name}"
        text = getattr(rules, due_name)
        count = int(getattr(rules, count_name))
        try:
            parsed = parse_cutoffs(str(text))
        except ValueError as exc:
            issues.append(Issue(label, None, name,
                                f"“{name}” 中的 “{exc}” 不是有效的月-日（应如 06-30，多个用逗号分隔）",
                                f"'{name}': '{exc}' is not a valid month-day (expected e.g. 06-30, comma separated)",
                                str(text)))
            continue
        if any(b <= a for a, b in pairwise(parsed)):
            issues.append(Issue(label, None, name, f"“{name}” 的日期应从早到晚排列且不重复（现为 {text!r}）",
                                f"'{name}': dates must be in increasing order without repeats (got {text!r})",
                                str(text)))
        elif count and parsed and len(parsed) != count:
            issues.append(Issue(
                label, None, name,
                f"“{name}” 有 {len(parsed)} 个日期，但 reports.{count_name} = {count}：请给出 {count} 个日期，或留空（全年均匀）",
                f"'{name}' has {len(parsed)} dates but reports.{count_name} = {count}: give {count} dates or "
                f"leave it empty (spread evenly)", str(text)))
    return issues


def build_labelled(make: Callable[[], T], file_label: str, issues: list[Issue]) -> T:
    """`make()` (building Rules from a file's data), with this section's own errors named by the file and listed
    after the issues found so far."""
    try:
        return make()
    except InputError as exc:
        raise InputError(issues + [dataclasses.replace(i, file=file_label) if i.file == "rules" else i
                                   for i in exc.issues]) from None


def due_texts(data: dict[str, Any]) -> dict[str, Any]:
    """rules data with each `[reports]` due-date value as text: a TOML array ["06-30", "12-31"] is joined, a date
    becomes its month-day, any other value (a number typed in a 规则 sheet) its text, so the format check names it."""
    section = data.get("reports") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return data
    fixed = dict(section)
    for _, due_name in CLASSES:
        value = fixed.get(due_name)
        if value is None or isinstance(value, str):
            continue
        values = value if isinstance(value, list | tuple) else [value]
        # a 规则 sheet cell "06-30" that Excel turned into a date reads back as a date: keep its month and day
        fixed[due_name] = ", ".join(f"{v.month:02d}-{v.day:02d}" if isinstance(v, date) else str(v) for v in values)
    return {**data, "reports": fixed}
