"""The domain vocabulary: enums, and the schema of every input table.

The schema is data: the reader, the validator, the template writer and the app all read these specs, so a
column's Chinese header, its type and its help text live in exactly one place. Tables follow the contract's
column order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

# The most households one cadre could ever link (the policy's default is 5): the bound of `max_households` and of
# `assign.cadre_max_households`, so capacities stay small enough for the solvers' arrays.
MAX_HOUSEHOLDS_PER_CADRE = 1000


class OfficeKind(StrEnum):
    OFFICE = "office"
    ZONE = "zone"


class Tier(StrEnum):
    SECRETARY = "secretary"
    HEAD = "head"
    STANDING = "standing"
    OTHER = "other"


class Rank(StrEnum):
    HEAD = "head"
    SECTION = "section"
    STAFF = "staff"


class LockKind(StrEnum):
    LEADER_OFFICE = "leader_office"
    UNIT_COMMUNITY = "unit_community"
    CADRE_HOUSEHOLD = "cadre_household"
    OFFICE_LEADER_COMMUNITY = "office_leader_community"


class OfficeRole(StrEnum):
    """Office leadership roles (办事处党政领导班子成员): 党工委书记, 主任, other members."""

    SECRETARY = "secretary"
    DIRECTOR = "director"
    MEMBER = "member"


class HolidayKind(StrEnum):
    HOLIDAY = "holiday"
    WORKDAY = "workday"


class PersonKind(StrEnum):
    LEADER = "leader"
    UNIT = "unit"
    CADRE = "cadre"
    OFFICE_LEADER = "office_leader"


class Activity(StrEnum):
    CONTACT = "contact"
    RESEARCH = "research"
    RECEPTION = "reception"
    COMMUNITY = "community"
    HOUSEHOLD = "household"


class TargetKind(StrEnum):
    OFFICE = "office"
    COMMUNITY = "community"
    HOUSEHOLD = "household"
    DISTRICT = "district"


# Chinese labels users may type instead of the English codes (the template's drop-downs offer both).
ENUM_LABELS_ZH: dict[str, dict[str, str]] = {
    "office_kind": {"office": "办事处", "zone": "集聚区管委会"},
    "tier": {"secretary": "区委书记", "head": "区长", "standing": "区委常委", "other": "其他区级领导"},
    "rank": {"head": "主要负责人", "section": "科级", "staff": "一般干部"},
    "lock_kind": {"leader_office": "领导-办事处", "unit_community": "单位-社区", "cadre_household": "干部-联系户",
                  "office_leader_community": "办事处领导-社区"},
    "office_role": {"secretary": "党工委书记", "director": "主任", "member": "班子成员"},
    "holiday_kind": {"holiday": "放假", "workday": "调休上班"},
}

ENUMS: dict[str, tuple[str, ...]] = {
    "office_kind": tuple(OfficeKind),
    "tier": tuple(Tier),
    "rank": tuple(Rank),
    "lock_kind": tuple(LockKind),
    "holiday_kind": tuple(HolidayKind),
    "office_role": tuple(OfficeRole),
}

ColumnType = Literal["id", "text", "ref", "enum", "int", "float", "date"]


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    zh: str
    type: ColumnType
    required: bool = False
    enum: str | None = None            # key of ENUMS
    ref: str | None = None             # table stem the value must exist in (for type "ref")
    minimum: float | None = None
    maximum: float | None = None
    default: object = None
    help_zh: str = ""
    help_en: str = ""


@dataclass(frozen=True)
class TableSpec:
    stem: str
    zh: str
    columns: tuple[ColumnSpec, ...]
    required: bool = True
    id_column: str | None = None
    help_zh: str = ""
    help_en: str = ""
    example: tuple[tuple[object, ...], ...] = field(default=())

    @property
    def file(self) -> str:
        return f"{self.stem}.csv"

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _lat(zh: str = "纬度") -> ColumnSpec:
    return ColumnSpec("lat", zh, "float", minimum=-90, maximum=90, help_zh="十进制度，可空", help_en="decimal degrees, optional")


def _lon(zh: str = "经度") -> ColumnSpec:
    return ColumnSpec("lon", zh, "float", minimum=-180, maximum=180, help_zh="十进制度，可空", help_en="decimal degrees, optional")


TABLES: tuple[TableSpec, ...] = (
    TableSpec("offices", "办事处", (
        ColumnSpec("office_id", "办事处编号", "id", True, help_zh="唯一编号", help_en="unique id"),
        ColumnSpec("name", "办事处名称", "text", True),
        ColumnSpec("kind", "类型", "enum", enum="office_kind", default="office",
                   help_zh="office 办事处 / zone 集聚区管委会", help_en="office or zone"),
        _lat(), _lon(),
    ), id_column="office_id", help_zh="办事处和先进制造业集聚区管委会", help_en="Sub-district offices and the zone",
        example=(("B01", "东城办事处", "office", 34.75, 113.62), ("Z01", "先进制造业集聚区管委会", "zone", 34.80, 113.70))),
    TableSpec("communities", "社区", (
        ColumnSpec("community_id", "社区编号", "id", True),
        ColumnSpec("name", "社区名称", "text", True),
        ColumnSpec("office_id", "所属办事处编号", "ref", True, ref="offices"),
        _lat(), _lon(),
    ), id_column="community_id", help_zh="每个社区属于一个办事处", help_en="Each community belongs to one office",
        example=(("C001", "幸福里社区", "B01", 34.751, 113.621),)),
    TableSpec("households", "联系户", (
        ColumnSpec("household_id", "联系户编号", "id", True),
        ColumnSpec("community_id", "所属社区编号", "ref", True, ref="communities"),
        ColumnSpec("name", "户主姓名", "text"),
        ColumnSpec("priority", "困难程度", "int", minimum=1, maximum=3, default=1,
                   help_zh="1–3，3 为最困难", help_en="1–3, 3 = most in need"),
        _lat(), _lon(),
    ), id_column="household_id", help_zh="困难群众家庭（贫困户）", help_en="Households in difficulty",
        example=(("H00001", "C001", "张某", 3, 34.7512, 113.6213),)),
    TableSpec("leaders", "区级领导", (
        ColumnSpec("leader_id", "领导编号", "id", True),
        ColumnSpec("name", "姓名", "text", True),
        ColumnSpec("tier", "职务类别", "enum", True, enum="tier",
                   help_zh="secretary 区委书记 / head 区长 / standing 区委常委 / other 其他区级领导",
                   help_en="secretary / head / standing / other"),
    ), id_column="leader_id", help_zh="区级党员领导干部", help_en="District-level party leaders",
        example=(("L01", "王某", "secretary"),)),
    TableSpec("units", "区直单位", (
        ColumnSpec("unit_id", "单位编号", "id", True),
        ColumnSpec("name", "单位名称", "text", True),
        _lat(), _lon(),
    ), id_column="unit_id", help_zh="区直机关单位", help_en="District government units",
        example=(("U001", "区财政局", 34.76, 113.63),)),
    TableSpec("cadres", "党员干部", (
        ColumnSpec("cadre_id", "干部编号", "id", True),
        ColumnSpec("name", "姓名", "text", True),
        ColumnSpec("unit_id", "所属单位编号", "ref", True, ref="units"),
        ColumnSpec("rank", "职级", "enum", enum="rank", default="staff",
                   help_zh="head 主要负责人 / section 科级 / staff 一般干部", help_en="head / section / staff"),
        ColumnSpec("max_households", "最多联系户数", "int", minimum=0, maximum=MAX_HOUSEHOLDS_PER_CADRE,
                   help_zh="可空，空则用规则默认值", help_en="optional; rule default when empty"),
        _lat(), _lon(),
    ), id_column="cadre_id", help_zh="区直单位的党员干部", help_en="Party-member cadres of the units",
        example=(("G0001", "李某", "U001", "section", 5, 34.76, 113.63),)),
    TableSpec("unavailability", "不可安排时间", (
        ColumnSpec("person_id", "人员编号", "ref", True, ref="people"),
        ColumnSpec("start", "开始日期", "date", True),
        ColumnSpec("end", "结束日期", "date", True),
        ColumnSpec("reason", "原因", "text"),
    ), required=False, help_zh="领导、单位或干部不能安排走访的日期段（含首尾）",
        help_en="Dates (inclusive) a leader, unit or cadre cannot visit",
        example=(("L01", "2027-03-01", "2027-03-10", "出差"),)),
    TableSpec("pins", "锁定结对", (
        ColumnSpec("kind", "类型", "enum", True, enum="lock_kind"),
        ColumnSpec("subject_id", "联系人编号", "ref", True, ref="subject"),
        ColumnSpec("target_id", "联系对象编号", "ref", True, ref="target"),
    ), required=False, help_zh="必须保留的结对", help_en="Pairs that must be linked",
        example=(("leader_office", "L01", "B01"),)),
    TableSpec("forbidden", "禁止结对", (
        ColumnSpec("kind", "类型", "enum", True, enum="lock_kind"),
        ColumnSpec("subject_id", "联系人编号", "ref", True, ref="subject"),
        ColumnSpec("target_id", "联系对象编号", "ref", True, ref="target"),
    ), required=False, help_zh="不得出现的结对（如利益回避）", help_en="Pairs that must never be linked",
        example=(("cadre_household", "G0001", "H00001"),)),
    TableSpec("holidays", "节假日调整", (
        ColumnSpec("date", "日期", "date", True),
        ColumnSpec("kind", "类型", "enum", True, enum="holiday_kind",
                   help_zh="holiday 放假 / workday 调休上班", help_en="holiday / workday (make-up day)"),
    ), required=False, help_zh="逐日覆盖内置节假日表", help_en="Day-by-day overrides of the built-in holiday calendar",
        example=(("2027-02-20", "workday"),)),
    TableSpec("office_leaders", "办事处领导", (
        ColumnSpec("person_id", "人员编号", "id", True, help_zh="唯一编号，不得与区级领导、单位、干部编号重复",
                   help_en="unique id, distinct from leader, unit and cadre ids"),
        ColumnSpec("name", "姓名", "text", True),
        ColumnSpec("office_id", "所属办事处编号", "ref", True, ref="offices"),
        ColumnSpec("role", "职务", "enum", True, enum="office_role",
                   help_zh="secretary 党工委书记 / director 主任 / member 班子成员",
                   help_en="secretary / director / member"),
    ), required=False, id_column="person_id",
        help_zh="办事处党政领导班子成员：每人联系本办事处一个社区，并走遍本办事处全部社区",
        help_en="Office leadership members: each links one community of its office and visits every one",
        example=(("B01-S", "赵某", "B01", "secretary"),)),
)

TABLE_BY_STEM: dict[str, TableSpec] = {t.stem: t for t in TABLES}
REQUIRED_TABLES: tuple[str, ...] = tuple(t.stem for t in TABLES if t.required)
LOCK_TARGETS: dict[str, tuple[str, str]] = {
    "leader_office": ("leaders", "offices"),
    "unit_community": ("units", "communities"),
    "cadre_household": ("cadres", "households"),
    "office_leader_community": ("office_leaders", "communities"),
}

# Plan-folder files: columns in contract order. office_leader_communities is optional when read (plans made before
# the office level have none).
PLAN_COLUMNS: dict[str, tuple[str, ...]] = {
    "leader_offices": ("leader_id", "office_id"),
    "unit_communities": ("unit_id", "community_id"),
    "cadre_households": ("cadre_id", "household_id"),
    "office_leader_communities": ("person_id", "community_id"),
    "visits": ("date", "person_kind", "person_id", "activity", "target_kind", "target_id", "role", "talk"),
}
