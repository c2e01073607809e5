"""User-facing text of the engines, checker, io and store, in Chinese and English, in one catalogue.

The app's own screens have theirs in planner/ui/i18n.py; this catalogue is for messages raised below the UI (the
CLI prints them too). A message is a key and its values; `text` gives the (zh, en) pair an error carries, so an
error can be rendered in either language later. This is the first part of the catalogue (the store's messages);
engine, checker and io messages still carry their zh/en pairs inline and move here as their modules are edited.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    # -- store --------------------------------------------------------------------------------------------------
    "store.no_scenario": ("没有名为“{name}”的方案", "no scenario named '{name}'"),
    "store.scenario_exists": ("方案“{name}”已存在", "scenario '{name}' already exists"),
    "store.unknown_tables": ("未知的表：{tables}", "unknown tables: {tables}"),
    "store.no_version": ("方案“{name}”没有版本 {label}", "scenario '{name}' has no version {label}"),
    # -- capacity explanations (planner.assign.explain_capacity: a minimum cut names the short set) -------------
    "capacity.households": ("社区 {items} 共 {demand} {hh}，能联系它们的{servers}最多只能联系 {capacity} 户（缺 {deficit} 户）",
                            "{items} {demand} {hh}, but {servers} that may serve them can take at most "
                            "{capacity} ({deficit} short)"),
    "capacity.households_nobody": ("社区 {items} 共 {demand} {hh}，锁定与禁止结对排除了所有能联系它们的干部",
                                   "{items} {demand} {hh}, and the pins and forbidden pairs exclude every "
                                   "cadre that could serve them"),
    "capacity.households_hint": ("为这些单位增加干部或提高 max_households，或解除相关锁定/禁止结对",
                                 "add cadres or raise max_households in those units, or lift the pins/forbidden "
                                 "pairs involved"),
    "capacity.units": ("单位 {names} 的干部", "the cadres of {names}"),
    "capacity.some_cadres": ("单位 {unit} 中的 {n} 名干部（{names}）", "{n} of the cadres of unit {unit} ({names})"),
    "capacity.and": ("和", " and "),
    "capacity.some_households": ("{community} 中的 {n} 户{listed}", "{community} ({n} of its households{listed})"),
    "capacity.office_leaders": ("班子成员 {items} 共 {demand} 人各需一个联系社区，但他们可联系的社区（{servers}）最多容纳 "
                                "{capacity} 人（缺 {deficit} 个）",
                                "office leaders {items} ({demand}) each need a contact community, but the "
                                "communities they may use ({servers}) take at most {capacity} ({deficit} short)"),
    "capacity.office_leaders_hint": ("允许共享联系社区，或解除相关锁定/禁止结对",
                                     "allow sharing a contact community, or lift the pins/forbidden pairs involved"),
}


def text(key: str, **values: Any) -> tuple[str, str]:
    """The (zh, en) pair of message `key` with `values` filled in."""
    zh, en = MESSAGES[key]
    return zh.format(**values), en.format(**values)
