"""What the checker reports: one `Violation` per broken rule instance, the rule catalogue, and the whole report.

A violation names the rule by a short code (the catalogue below, one entry per rule of SEMANTICS.md), says in
Chinese and English which entities break it and by how much, and carries `amount` — how badly it is broken, in the
rule's own unit (PyVRP's `excess_load` idea: visits short, households over capacity, parties over the cap), so the
app can rank problems and tests can assert the size of a break.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from planner.errors import Lang

Group = Literal["assign", "visits", "calendar"]


@dataclass(frozen=True)
class Violation:
    """One rule broken by one entity (or one pair, date, week...)."""

    rule: str
    message_zh: str
    message_en: str
    entities: tuple[str, ...] = ()
    amount: float = 1.0

    def render(self, lang: Lang = "zh") -> str:
        return f"[{self.rule}] {self.message_zh if lang == 'zh' else self.message_en}"


@dataclass(frozen=True)
class RuleInfo:
    code: str
    group: Group
    zh: str
    en: str
    ref: str  # where SEMANTICS.md defines it


RULES: tuple[RuleInfo, ...] = (
    # plan files: structure and values
    RuleInfo("assign.duplicate_row", "assign", "结对文件无重复行", "No duplicate rows in pair files", "Assignment"),
    RuleInfo("assign.unknown_id", "assign", "结对文件编号均存在", "Ids in pair files exist", "Assignment"),
    RuleInfo("assign.leader_office_count", "assign", "每名领导联系办事处数", "Offices per leader", "Assignment 1"),
    RuleInfo("assign.office_min_leader", "assign", "每个办事处至少一名领导", "Every office has a leader", "Assignment 1"),
    RuleInfo("assign.leader_spread", "assign", "领导在办事处间均匀分布", "Leaders spread evenly", "Assignment 1"),
    RuleInfo("assign.community_exactly_one", "assign", "每个社区恰有一个联系单位", "One unit per community",
             "Assignment 2"),
    RuleInfo("assign.unit_min_community", "assign", "每个单位至少联系一个社区", "Every unit links a community",
             "Assignment 2"),
    RuleInfo("assign.household_exactly_one", "assign", "每户恰有一名联系干部", "One cadre per household",
             "Assignment 3"),
    RuleInfo("assign.cadre_capacity", "assign", "干部联系户数不超上限", "Cadre capacity", "Assignment 3"),
    RuleInfo("assign.linkage", "assign", "三级联动", "Three-level linkage", "Assignment 4"),
    RuleInfo("assign.pin_missing", "assign", "锁定结对被保留", "Pins kept", "Assignment 5"),
    RuleInfo("assign.forbidden_pair", "assign", "无禁止结对", "No forbidden pair", "Assignment 5"),
    # visits.csv: rows well formed and allowed
    RuleInfo("visits.duplicate_row", "visits", "走访表无重复行", "No duplicate visit rows", "Calendar"),
    RuleInfo("visits.bad_date", "visits", "日期格式为 YYYY-MM-DD", "Dates are YYYY-MM-DD", "Calendar"),
    RuleInfo("visits.bad_value", "visits", "取值合法", "Values are allowed codes", "Calendar"),
    RuleInfo("visits.unknown_person", "visits", "人员编号存在", "Person ids exist", "Calendar"),
    RuleInfo("visits.unknown_target", "visits", "对象编号存在且类型正确", "Target ids exist with the right kind",
             "Calendar"),
    RuleInfo("visits.bad_combination", "visits", "人员/活动/对象组合合法", "Allowed person/activity/target",
             "Calendar, allowed combinations"),
    RuleInfo("visits.target_not_linked", "visits", "走访对象为本人联系对象", "Visits go to linked targets",
             "Calendar, allowed combinations"),
    RuleInfo("visits.role_misuse", "visits", "A/B 角和谈心谈话标记用法正确", "Role and talk used correctly",
             "Calendar, allowed combinations"),
    # calendar rules 1-12
    RuleInfo("calendar.outside_year", "calendar", "日期在计划年度内", "Dates within the year", "Calendar 1"),
    RuleInfo("calendar.not_workday", "calendar", "只在工作日走访", "Visits on workdays only", "Calendar 1"),
    RuleInfo("calendar.unavailable", "calendar", "不在不可安排时间内", "Not inside unavailability", "Calendar 1"),
    RuleInfo("calendar.leader_one_per_date", "calendar", "领导每日至多一项活动", "One activity per leader per date",
             "Calendar 2"),
    RuleInfo("calendar.leader_grassroots_days", "calendar", "领导基层调研天数", "Leader grassroots days",
             "Calendar 3"),
    RuleInfo("calendar.leader_contact_visits", "calendar", "领导到联系点次数", "Leader contact visits", "Calendar 4"),
    RuleInfo("calendar.leader_contact_spread", "calendar", "领导每月到联系点", "Leader contact every period",
             "Calendar 4"),
    RuleInfo("calendar.all_offices_once", "calendar", "三走遍：走遍全部办事处", "三走遍: every office visited",
             "Calendar 5"),
    RuleInfo("calendar.reception_week_days", "calendar", "每周信访接待日数", "Reception days per week", "Calendar 6"),
    RuleInfo("calendar.reception_roles", "calendar", "接待日一名A角一名B角", "One A and one B per reception day",
             "Calendar 6"),
    RuleInfo("calendar.main_leader_monthly_a", "calendar", "书记、区长每月任A角", "Secretary and head A monthly",
             "Calendar 6"),
    RuleInfo("calendar.reception_fairness", "calendar", "其他领导A角轮换均衡", "Fair A rotation", "Calendar 6"),
    RuleInfo("calendar.unit_min_visits", "calendar", "单位进社区次数和天数", "Unit visits and days per community",
             "Calendar 7"),
    RuleInfo("calendar.unit_spread", "calendar", "单位每月进社区", "Unit visit every period", "Calendar 7"),
    RuleInfo("calendar.cadre_min_visits", "calendar", "干部入户次数和天数", "Cadre visits and days per household",
             "Calendar 8"),
    RuleInfo("calendar.cadre_spread", "calendar", "干部每两个月入户", "Cadre visit every period", "Calendar 8"),
    RuleInfo("calendar.cadre_talks", "calendar", "每户谈心谈话次数", "Talks per household", "Calendar 8"),
    RuleInfo("calendar.cadre_grassroots_days", "calendar", "干部基层调研天数", "Cadre grassroots days", "Calendar 9"),
    RuleInfo("calendar.cadre_one_community_per_date", "calendar", "干部同日只在一个社区", "Cadre in one community a day",
             "Calendar 10"),
    RuleInfo("calendar.community_daily_cap", "calendar", "社区每日到访上限", "Visiting parties per community a day",
             "Calendar 11"),
    RuleInfo("calendar.office_daily_cap", "calendar", "办事处每日到访领导上限", "Leaders per office a day",
             "Calendar 12"),
    # the office level (办事处党政领导班子成员), SEMANTICS "The office level"
    RuleInfo("assign.office_leader_one_community", "assign", "每名办事处领导恰联系一个社区",
             "One contact community per office leader", "Office level 1"),
    RuleInfo("assign.office_leader_own_office", "assign", "办事处领导的联系社区在本办事处",
             "Contact community in the leader's own office", "Office level 1"),
    RuleInfo("assign.office_leader_sharing", "assign", "办事处领导联系社区不重复", "No shared contact communities",
             "Office level 2"),
    RuleInfo("calendar.office_leader_one_per_date", "calendar", "办事处领导每日至多一项活动",
             "One activity per office leader per date", "Office level 3"),
    RuleInfo("calendar.office_leader_contact", "calendar", "办事处领导到联系社区次数", "Office leader contact visits",
             "Office level 4"),
    RuleInfo("calendar.office_leader_spread", "calendar", "办事处领导每月到联系社区",
             "Office leader contact every period", "Office level 4"),
    RuleInfo("calendar.office_all_communities", "calendar", "三走遍：办事处领导走遍社区",
             "三走遍: every community of the office visited", "Office level 5"),
    # research reports (contract Part 2): report_due.csv, when the plan has one
    RuleInfo("reports.due_count", "calendar", "调研报告期限个数", "Report due dates per person", "Research reports"),
    RuleInfo("reports.due_workday", "calendar", "调研报告期限为工作日", "Report due dates on workdays",
             "Research reports"),
    RuleInfo("reports.due_schedule", "calendar", "调研报告期限符合规则", "Report due dates follow the rules",
             "Research reports"),
)
RULE_BY_CODE: dict[str, RuleInfo] = {r.code: r for r in RULES}


class Collector:
    """Gathers violations and, per rule, how many items were checked (for the summary)."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.checked: dict[str, int] = {}

    def count(self, rule: str, n: int) -> None:
        assert rule in RULE_BY_CODE, rule
        self.checked[rule] = self.checked.get(rule, 0) + int(n)

    def add(self, rule: str, zh: str, en: str, entities: tuple[str, ...] = (), amount: float = 1.0) -> None:
        assert rule in RULE_BY_CODE, rule
        self.violations.append(Violation(rule, zh, en, tuple(str(e) for e in entities), float(amount)))


MINIMUM_COLUMNS = ("person_kind", "person_id", "requirement", "target_kind", "target_id", "actual", "required", "met")


@dataclass(frozen=True, eq=False)
class CheckReport:
    """Everything one check computes: violations, per-rule counts, and the per-person minimums table.

    `minimums` has one row per (person, requirement, target): columns MINIMUM_COLUMNS, `actual` and `required` as
    integers (for spread requirements: periods covered / periods required) — what the app shows as "minimums met".
    """

    violations: tuple[Violation, ...]
    checked: dict[str, int]
    minimums: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(MINIMUM_COLUMNS)))
    calendar_checked: bool = True

    @property
    def valid(self) -> bool:
        return not self.violations

    @property
    def every_minimum_met(self) -> bool:
        return bool(self.minimums["met"].all()) if len(self.minimums) else True

    def summary(self) -> pd.DataFrame:
        """Per rule: group, titles, items checked, violations, total amount, ok (None = not checked)."""
        counts: dict[str, int] = {}
        amounts: dict[str, float] = {}
        for v in self.violations:
            counts[v.rule] = counts.get(v.rule, 0) + 1
            amounts[v.rule] = amounts.get(v.rule, 0.0) + v.amount
        rows = []
        for info in RULES:
            checked = info.group == "assign" or self.calendar_checked
            rows.append({
                "rule": info.code, "group": info.group, "title_zh": info.zh, "title_en": info.en, "ref": info.ref,
                "checked": self.checked.get(info.code, 0) if checked else None,
                "violations": counts.get(info.code, 0),
                "amount": amounts.get(info.code, 0.0),
                "ok": (counts.get(info.code, 0) == 0) if checked else None,
            })
        return pd.DataFrame(rows)

    def minimums_summary(self) -> pd.DataFrame:
        """Per requirement: how many (person, target) rows, how many met, share met."""
        if not len(self.minimums):
            return pd.DataFrame(columns=["requirement", "rows", "met", "share"])
        grouped = self.minimums.groupby("requirement", sort=True)["met"]
        out = pd.DataFrame({"rows": grouped.size(), "met": grouped.sum()}).reset_index()
        out["share"] = out["met"] / out["rows"]
        return out
