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
}


def text(key: str, **values: Any) -> tuple[str, str]:
    """The (zh, en) pair of message `key` with `values` filled in."""
    zh, en = MESSAGES[key]
    return zh.format(**values), en.format(**values)
