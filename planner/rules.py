"""Every number the planner enforces, in one place, with the seed policy's defaults.

The contract's `rules.toml` sections (`[assign]`, `[visits]`, `[grassroots_days]`, `[reception]`) map one to one
onto the nested dataclasses below; `[weights]`, `[calendar]` and `[solver]` are our extensions (soft-goal
weights, calendar preferences, solver budget). Each field carries, in its metadata, a Chinese and English label
and the sentence of the policy it comes from, so the app can show the source as help without a second table.

Why this module is long: it is the one Rules object — each section's dataclass with its labels and seed sentences,
the range table and the single validation path every way of making Rules goes through; sections with logic of their
own live beside it (planner/case_rules.py, planner/report_rules.py).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import tomli_w

from planner.case_rules import CASE_RANGES, CaseRules
from planner.errors import InputError, Issue
from planner.io.limits import MAX_RULES, mb
from planner.model import MAX_HOUSEHOLDS_PER_CADRE
from planner.report_rules import REPORT_RANGES, ReportRules, build_labelled, due_texts

SEED_RULES = "党员领导干部直接联系服务群众制度的实施意见"
SEED_GENERAL = "关于做好党员联系和服务群众工作的意见"
# seed 003 三(二)1 and 三(一)2: the office level (办事处党政领导班子成员)
SOURCE_OFFICE_POINT = "区级领导干部、办事处党政领导班子成员要建立基层联系点，原则上联系到办事处、社区。……联系点原则上不重复交叉。"
SOURCE_OFFICE_ALL = "积极开展区级领导干部走遍办事处、办事处领导干部走遍社区、社区干部走遍居民户的“三走遍”活动。"


def _f(default: Any, zh: str, en: str, source: str = "", minimum: float | None = 0) -> Any:
    return field(default=default, metadata={"zh": zh, "en": en, "source": source, "min": minimum})


def next_year() -> int:
    return date.today().year + 1


@dataclass(frozen=True)
class AssignRules:
    leader_max_offices: int = _f(
        1, "每名区级领导联系办事处数上限", "Offices per leader (max)",
        "区级领导干部、办事处党政领导班子成员要建立基层联系点……联系点原则上不重复交叉。", 1)
    cadre_max_households: int = _f(
        5, "每名干部联系户数上限（默认）", "Households per cadre (default max)",
        "每个贫困户都要有党员干部联系。联系点原则上不重复交叉。", 1)
    linkage: Literal["strict", "prefer"] = _f(
        "strict", "三级联动（strict 必须 / prefer 尽量）", "Three-level linkage (strict / prefer)",
        "坚持区、办事处、社区三级联动……每个社区都要有区直机关单位联系，每个贫困户都要有党员干部联系。", None)
    candidate_cadres: int = _f(
        30, "每户候选干部数（就近）", "Candidate cadres per household (nearest)", "", 1)
    between_office_km: float = _f(
        20.0, "无坐标时跨办事处距离（公里）", "Distance between offices without coordinates (km)", "", 0)
    office_no_sharing: Literal["strict", "prefer"] = _f(
        "prefer", "办事处领导联系社区不重复（strict 一律不重复 / prefer 社区够用时不重复）",
        "Office leaders never share a community (strict) / only while the office has enough communities (prefer)",
        SOURCE_OFFICE_POINT, None)


@dataclass(frozen=True)
class WeightRules:
    """Soft goals in the contract's order of weight: continuity, priority, distance, balance."""

    continuity: int = _f(1000, "延续上年结对（权重）", "Keep last year's pairs (weight)",
                         "基层联系点一次确定联系对象……并将此项制度长期坚持。")
    priority: int = _f(100, "最困难户由负责人/科级干部联系（权重）", "Priority-3 households to head/section (weight)",
                       "从最需要帮助、带动效应最显著的群体着眼。")
    distance: int = _f(1, "距离（每公里权重）", "Distance (weight per km)", "")
    balance: int = _f(10, "负担均衡（权重）", "Balanced loads (weight)", "")
    unit_one_office: int = _f(50, "单位所联社区同属一个办事处（权重）", "A unit's communities in one office (weight)",
                              "坚持区、办事处、社区三级联动。")
    office_spread: int = _f(50, "同一办事处的领导联系点尽量分在不同单位联系的社区（权重）",
                            "Office leaders' contact communities under different units (weight)",
                            "坚持区、办事处、社区三级联动……联系点原则上不重复交叉。")
    linkage: int = _f(500, "三级联动为“尽量”时跨单位联户（每户权重）", "Cadre outside its unit's communities, linkage = prefer (weight per household)",
                      "坚持区、办事处、社区三级联动。")


@dataclass(frozen=True)
class VisitRules:
    leader_contact: int = _f(12, "区级领导每年到联系点次数", "Leader visits to linked office per year",
                             "区级党员领导干部……每年到联系点不少于12次。")
    unit_community: int = _f(12, "联系单位每年进社区次数", "Unit visits to each linked community per year",
                             "联系社区单位原则上每年进社区不少于12次，时间不少于12天。")
    unit_community_days: int = _f(12, "联系单位每年进社区天数", "Unit days in each linked community per year",
                                  "联系社区单位原则上每年进社区不少于12次，时间不少于12天。")
    cadre_household: int = _f(6, "联户干部每年入户次数", "Cadre visits to each linked household per year",
                              "每名联户党员干部每年入户不少于6次，时间不少于6天。")
    cadre_household_days: int = _f(6, "联户干部每年入户天数", "Cadre days with each linked household per year",
                                   "每名联户党员干部每年入户不少于6次，时间不少于6天。")
    talks_per_household: int = _f(2, "每户每年谈心谈话次数", "Heart-to-heart talks per household per year",
                                  "每年至少要与联系群众开展2次谈心谈话。")
    community_daily_cap: int = _f(4, "每社区每日到访单位和干部上限", "Visiting parties per community per day (max)",
                                  "要坚持轻车简从……不影响基层正常工作，不给群众增加负担。", 1)
    office_daily_cap: int = _f(2, "每办事处每日到访区级领导上限", "Leaders per office per day (max)",
                               "要坚持轻车简从……不影响基层正常工作，不给群众增加负担。", 1)
    all_offices_once: bool = _f(True, "三走遍：区级领导走遍全部办事处", "三走遍: every leader visits every office",
                                "积极开展区级领导干部走遍办事处……的“三走遍”活动。", None)
    office_leader_contact: int = _f(12, "办事处领导每年到联系社区次数", "Office leader visits to its contact community per year",
                                    SOURCE_OFFICE_POINT + "（次数同三(二)3：每年到联系点不少于12次）")
    office_all_communities: bool = _f(True, "三走遍：办事处领导走遍本办事处全部社区",
                                      "三走遍: every office leader visits every community of its office",
                                      SOURCE_OFFICE_ALL, None)
    office_leader_period_months: int = _f(1, "办事处领导到联系社区：每几个月至少一次",
                                          "Office leader contact: at least once per N months", "保持全年联系工作不断。", 1)
    leader_period_months: int = _f(1, "区级领导到联系点：每几个月至少一次", "Leader contact: at least once per N months",
                                   "保持全年联系工作不断。", 1)
    unit_period_months: int = _f(1, "单位进社区：每几个月至少一次", "Unit visits: at least once per N months",
                                 "分期分批进社区入户……保持全年联系工作不断。", 1)
    cadre_period_months: int = _f(2, "干部入户：每几个月至少一次", "Cadre visits: at least once per N months",
                                  "分期分批进社区入户……保持全年联系工作不断。", 1)
    spread_min_workdays: int = _f(5, "可用工作日少于此数的月份免于分布要求", "Spread exemption below N workdays a month",
                                  "", 0)


@dataclass(frozen=True)
class GrassrootsRules:
    secretary: int = _f(35, "区委书记基层调研天数", "Secretary grassroots days",
                        "区委、区政府主要领导每年到基层调研时间不少于35天。")
    head: int = _f(35, "区长基层调研天数", "District head grassroots days",
                   "区委、区政府主要领导每年到基层调研时间不少于35天。")
    standing: int = _f(30, "区委常委基层调研天数", "Standing-committee grassroots days",
                       "区委常委每年到基层调研时间不少于30天。")
    other: int = _f(25, "其他区级领导基层调研天数", "Other district leaders grassroots days",
                    "其他区级党员领导干部每年到基层调研时间不少于25天。")
    unit_head: int = _f(20, "单位主要负责人基层调研天数", "Unit heads grassroots days",
                        "区直各部门各单位主要负责人每年到基层调研时间不少于20天。")
    section: int = _f(15, "科级干部基层调研天数", "Section-level cadres grassroots days",
                      "其他科级党员干部不少于15天。")
    staff: int = _f(0, "一般干部基层调研天数", "Staff cadres grassroots days", "")

    def for_tier(self, tier: str) -> int:
        return int(getattr(self, tier))

    def for_rank(self, rank: str) -> int:
        return {"head": self.unit_head, "section": self.section}.get(rank, self.staff)


@dataclass(frozen=True)
class ReceptionRules:
    per_week: int = _f(1, "每周区级领导信访接待日数", "District reception days per week",
                       "轮流参加全区区级领导信访接待活动。")
    main_leader_a_per_month: int = _f(1, "书记、区长每月任A角次数", "Secretary and head as A per month",
                                      "区委书记、区长原则上采取重点约访方式，每月安排一天时间接待群众来访。")
    weekday: int = _f(3, "接待日首选星期几（1=周一）", "Preferred reception weekday (1=Mon)", "", 1)
    fairness_max_diff: int = _f(1, "其他领导A角次数最大差", "Max difference of A turns among others", "", 0)


@dataclass(frozen=True)
class CalendarRules:
    """Soft preferences of the calendar; none of these is a policy minimum."""

    avoid_month_end_days: int = _f(2, "尽量避开月末最后几个工作日", "Avoid the last N workdays of a month", "", 0)
    avoid_after_spring_festival_days: int = _f(5, "尽量避开春节后头几个工作日", "Avoid the first N workdays after Spring Festival",
                                               "", 0)
    group_same_community: bool = _f(True, "同一社区的联系户尽量同日走访", "Group a cadre's households in one community on one day",
                                    "不给群众增加负担。", None)
    avoid_day_cost: int = _f(10, "避开日的代价（折合偏离均匀间隔的工作日数）",
                             "Cost of a visit on an avoided day (in workdays of spacing deviation)", "", 0)
    spacing_cost: int = _f(1, "偏离均匀间隔的代价（每工作日）", "Cost per workday of deviation from even spacing", "", 0)
    load_tiebreak: float = _f(0.25, "同等好的日期中优先选人少的日子（权重）",
                              "Prefer less busy days among equally good ones (weight)", "", 0)
    improve_passes: int = _f(4, "日历局部改进轮数", "Calendar local-improvement passes", "", 0)
    improve_exact_vars: int = _f(60000, "精确改进单个子模型的变量上限", "Exact improvement: max variables per sub-model",
                                 "", 0)
    improve_time_share: float = _f(0.0, "精确改进占每阶段求解时间的比例（0 = 只做局部改进）",
                                   "Exact improvement: share of the stage time limit (0 = local moves only)", "", 0)


@dataclass(frozen=True)
class SolverRules:
    time_limit: float = _f(60.0, "每阶段求解时间上限（确定性秒）", "Time limit per stage (deterministic seconds)", "", 0)
    seed: int = _f(0, "随机种子", "Random seed", "", 0)
    workers: int = _f(8, "求解线程数", "Solver workers", "", 1)
    gap_limit: float = _f(0.005, "可接受的相对最优差距", "Stop when within this relative gap of the bound", "", 0)


# The range of every numeric rule, checked wherever Rules are made. Bounds say what could ever make sense, and keep
# the solvers safe: weights are multiplied by COST_SCALE (10) and by distances up to 20,000 km, so with weights
# ≤ 10**6 an arc costs < 2.5e11 and a min-cost flow over 200,000 nodes stays far below int64 (OR-Tools refuses
# cost × nodes ≥ 2**63 as BAD_COST_RANGE); capacities bound array sizes (slots per cadre); CP-SAT's seed is int32.
# A rule not listed here (a new one) gets its field's minimum and DEFAULT_MAX.
DEFAULT_MAX = 1_000_000.0
YEARS = (2000, 2100)
MAX_WEIGHT = 1_000_000
DAYS_A_YEAR = 366
RULE_RANGES: dict[str, tuple[float, float]] = {
    "year": YEARS,
    "assign.leader_max_offices": (1, 100),
    "assign.cadre_max_households": (1, MAX_HOUSEHOLDS_PER_CADRE),
    "assign.candidate_cadres": (1, 100),  # arcs = households × this; the solver widens a short set itself
    "assign.between_office_km": (0, 20_000),
    **{f"weights.{name}": (0, MAX_WEIGHT)
       for name in ("continuity", "priority", "distance", "balance", "unit_one_office", "linkage", "office_spread")},
    **{f"visits.{name}": (0, DAYS_A_YEAR)
       for name in ("leader_contact", "unit_community", "unit_community_days", "cadre_household",
                    "cadre_household_days", "talks_per_household", "office_leader_contact")},
    "visits.community_daily_cap": (1, 1000), "visits.office_daily_cap": (1, 1000),
    "visits.leader_period_months": (1, 12),
    "visits.unit_period_months": (1, 12),
    "visits.cadre_period_months": (1, 12),
    "visits.office_leader_period_months": (1, 12),
    "visits.spread_min_workdays": (0, 31),
    **{f"grassroots_days.{name}": (0, DAYS_A_YEAR)
       for name in ("secretary", "head", "standing", "other", "unit_head", "section", "staff")},
    "reception.per_week": (0, 7),
    "reception.main_leader_a_per_month": (0, 31),
    "reception.weekday": (1, 7),
    "reception.fairness_max_diff": (0, DAYS_A_YEAR),
    "calendar.avoid_month_end_days": (0, 31),
    "calendar.avoid_after_spring_festival_days": (0, 60),
    "calendar.avoid_day_cost": (0, 10_000),
    "calendar.spacing_cost": (0, 10_000),
    "calendar.load_tiebreak": (0, 10_000),
    "calendar.improve_passes": (0, 100),
    "calendar.improve_exact_vars": (0, 1_000_000),
    "calendar.improve_time_share": (0, 1),
    "solver.time_limit": (0, 86_400),
    "solver.seed": (0, 2**31 - 1),
    "solver.workers": (1, 64),
    "solver.gap_limit": (0, 1),
    **CASE_RANGES, **REPORT_RANGES,
}


@dataclass(frozen=True)
class Rules:
    year: int = field(default_factory=next_year,
                      metadata={"zh": "计划年度", "en": "Plan year", "source": "", "min": 2000})
    assign: AssignRules = field(default_factory=AssignRules)
    weights: WeightRules = field(default_factory=WeightRules)
    visits: VisitRules = field(default_factory=VisitRules)
    grassroots_days: GrassrootsRules = field(default_factory=GrassrootsRules)
    reception: ReceptionRules = field(default_factory=ReceptionRules)
    calendar: CalendarRules = field(default_factory=CalendarRules)
    solver: SolverRules = field(default_factory=SolverRules)
    cases: CaseRules = field(default_factory=CaseRules)
    reports: ReportRules = field(default_factory=ReportRules)

    # -- conversion ---------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    def replace(self, **changes: Any) -> Rules:
        """`rules.replace(year=2028, visits={"cadre_household": 8})`: nested dicts update one section."""
        return rules_from_dict(_merge(self.to_dict(), changes), "rules")

    def __post_init__(self) -> None:
        """Every way of making Rules (rules.toml, the 规则 sheet, the app's form, `Rules(...)`, `replace`) ends
        here, so no out-of-range rule ever reaches a solver."""
        issues: list[Issue] = []
        for name, value, default, meta in _leaves(self):
            _check_value(name, value, default, meta, "rules", issues)
        if issues:
            raise InputError(issues)

    @classmethod
    def from_toml(cls, source: str | Path, file_label: str | None = None) -> Rules:
        path = Path(source) if not isinstance(source, str) or "\n" not in source else None
        label = file_label or (path.name if path else "rules.toml")
        try:
            data = tomllib.loads(_read_rules_file(path, label) if path else str(source))
        except UnicodeDecodeError as exc:
            raise InputError([Issue(label, None, None, RULES_NOT_UTF8_ZH, RULES_NOT_UTF8_EN)]) from exc
        except OSError as exc:
            raise InputError([Issue(label, None, None, f"无法读取规则文件：{exc.strerror or exc}",
                                    f"cannot read rules: {exc}")]) from exc
        except (tomllib.TOMLDecodeError, RecursionError) as exc:
            raise InputError([Issue(label, None, None, f"规则文件格式有误（TOML）：{exc}",
                                    f"malformed rules file (TOML): {exc}")]) from exc
        return rules_from_dict(data, label)


RULES_NOT_UTF8_ZH = "规则文件不是 UTF-8 编码（可能是 GBK）：请用记事本等“另存为 UTF-8”后重试"
RULES_NOT_UTF8_EN = "the rules file is not UTF-8 (perhaps GBK): save it as UTF-8 and try again"


def _read_rules_file(path: Path, label: str) -> str:
    """The file as text: not a folder, and read only up to the size limit (a device file may claim any size)."""
    if path.is_dir():
        raise InputError([Issue(label, None, None, f"“{path.name}” 是一个文件夹，应为规则文件",
                                f"'{path.name}' is a folder, not a rules file")])
    with path.open("rb") as stream:
        data = stream.read(MAX_RULES.value() + 1)
    if len(data) > MAX_RULES.value():
        raise InputError([Issue(label, None, None, f"规则文件过大（超过 {mb(MAX_RULES.value())}）",
                                f"rules file too large (over {mb(MAX_RULES.value())})")])
    return data.decode("utf-8-sig")


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def rules_from_dict(data: dict[str, Any], file_label: str = "rules.toml") -> Rules:
    """Build Rules from nested dicts, collecting every unknown key and bad value as an Issue."""
    issues: list[Issue] = []

    def build(cls: type, values: dict[str, Any], prefix: str) -> Any:
        kwargs: dict[str, Any] = {}
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key, value in values.items():
            name = f"{prefix}{key}"
            f = fields.get(key)
            if f is None:
                issues.append(Issue(file_label, None, name, f"未知的规则项 “{name}”", f"unknown rule key '{name}'"))
                continue
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[operator]
            if dataclasses.is_dataclass(default):
                if not isinstance(value, dict):
                    issues.append(Issue(file_label, None, name, f"“{name}” 应为一个表（[{name}]）",
                                        f"'{name}' must be a table"))
                    continue
                kwargs[key] = build(type(default), value, f"{name}.")
                continue
            checked = _check_value(name, value, default, f.metadata, file_label, issues)
            if checked is not None:
                kwargs[key] = checked
        return cls(**kwargs)

    rules = build_labelled(lambda: build(Rules, due_texts(data), ""), file_label, issues)
    if issues:
        raise InputError(issues)
    return rules


def _check_value(name: str, value: Any, default: Any, meta: Any, label: str, issues: list[Issue]) -> Any:
    """`value` as the rule's type when it has that type and lies in the rule's range; else an issue and None."""
    expected = type(default)
    if expected is bool:
        if isinstance(value, bool):
            return value
    elif expected in (int, float):
        number = _as_number(value, expected)
        if number is not None:
            low, high = rule_range(name, meta)
            if math.isfinite(number) and low <= number <= high:
                return number
            issues.append(Issue(label, None, name, f"“{name}” 应在 {_shown(low)} 到 {_shown(high)} 之间（现为 {value!r}）",
                                f"'{name}' must be between {_shown(low)} and {_shown(high)} (got {value!r})"))
            return None
    elif expected is str:
        strict_or_prefer = name.endswith(("linkage", "office_no_sharing"))
        if strict_or_prefer and value in ("strict", "prefer"):
            return value
        if not strict_or_prefer and isinstance(value, str):
            return value
        issues.append(Issue(label, None, name, f"“{name}” 只能是 strict 或 prefer（现为 {value!r}）",
                            f"'{name}' must be 'strict' or 'prefer' (got {value!r})"))
        return None
    kind_zh = {bool: "是/否（true/false）", int: "整数", float: "数"}.get(expected, expected.__name__)
    issues.append(Issue(label, None, name, f"“{name}” 的值 {value!r} 类型不对，应为{kind_zh}",
                        f"'{name}' = {value!r} has the wrong type, expected {expected.__name__}"))
    return None


def _shown(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


def _as_number(value: Any, expected: type) -> Any:
    """An int rule takes any integral number (5, 5.0, numpy's int64); a float rule any real. Never a bool."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    if expected is float:
        return float(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    as_float = float(value)
    if math.isfinite(as_float) and as_float.is_integer():
        return int(as_float)
    return as_float if not math.isfinite(as_float) else None


def rule_range(name: str, meta: Any = None) -> tuple[float, float]:
    """(min, max) of a numeric rule: RULE_RANGES, else the field's own minimum and the generic ceiling."""
    if name in RULE_RANGES:
        return RULE_RANGES[name]
    low = meta.get("min") if meta is not None else None
    return (float(low) if low is not None else 0.0), DEFAULT_MAX


def _leaves(rules: Rules) -> list[tuple[str, Any, Any, Any]]:
    """(dotted name, value, default, metadata) of every leaf rule."""
    out: list[tuple[str, Any, Any, Any]] = []
    for f in dataclasses.fields(rules):
        value = getattr(rules, f.name)
        if dataclasses.is_dataclass(value):
            for g in dataclasses.fields(value):
                default = g.default if g.default is not dataclasses.MISSING else g.default_factory()  # type: ignore[operator]
                out.append((f"{f.name}.{g.name}", getattr(value, g.name), default, g.metadata))
        else:
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[operator]
            out.append((f.name, value, default, f.metadata))
    return out


def rule_fields() -> list[tuple[str, dataclasses.Field[Any]]]:
    """Every editable leaf rule as (dotted name, field): the app builds its forms from this list."""
    out: list[tuple[str, dataclasses.Field[Any]]] = []
    defaults = Rules()
    for f in dataclasses.fields(Rules):
        value = getattr(defaults, f.name)
        if dataclasses.is_dataclass(value):
            out.extend((f"{f.name}.{g.name}", g) for g in dataclasses.fields(value))
        else:
            out.append((f.name, f))
    return out
