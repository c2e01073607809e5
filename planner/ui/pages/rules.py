"""Step 2 — every rule editable, grouped, each with the policy sentence it comes from as help.

The form is generated from `planner.rules.rule_fields()`, so a new rule appears here without touching this file.
Values are applied through `Rules.replace`, which validates them exactly as rules.toml is validated.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import streamlit as st

from planner.errors import InputError
from planner.rules import Rules, rule_fields
from planner.ui.i18n import current_lang, labels, rule_help, rule_label, t
from planner.ui.state import Workspace

PREFIX = "rule:"
BURDEN = ("visits.community_daily_cap", "visits.office_daily_cap")
GROUPS = ("assign", "visits", "grassroots", "reception", "burden", "calendar", "weights", "solver", "cases", "reports")


def group_of(name: str) -> str:
    """Which tab a dotted rule name belongs to (burden caps get their own, as the policy stresses them)."""
    if name in BURDEN:
        return "burden"
    section = name.split(".", 1)[0]
    return {"assign": "assign", "weights": "weights", "visits": "visits", "grassroots_days": "grassroots",
            "reception": "reception", "calendar": "calendar", "year": "calendar", "solver": "solver",
            "cases": "cases", "reports": "reports"}[section]


def get_value(rules: Rules, name: str) -> Any:
    value: Any = rules
    for part in name.split("."):
        value = getattr(value, part)
    return value


def nested(values: dict[str, Any]) -> dict[str, Any]:
    """{'visits.cadre_household': 8} → {'visits': {'cadre_household': 8}} for Rules.replace."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        *path, leaf = name.split(".")
        node = out
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def _widget(name: str, field: dataclasses.Field[Any], current: Any) -> None:
    key = PREFIX + name
    if key not in st.session_state:
        st.session_state[key] = current
    lang = current_lang()
    label, help_text = rule_label(field, lang), rule_help(field, lang)
    minimum = field.metadata.get("min")
    if isinstance(current, bool):
        st.toggle(label, key=key, help=help_text)
    elif isinstance(current, int):
        st.number_input(label, min_value=int(minimum) if minimum is not None else None, step=1, key=key,
                        help=help_text)
    elif isinstance(current, float):
        st.number_input(label, min_value=float(minimum) if minimum is not None else None, step=1.0, key=key,
                        help=help_text)
    elif name.endswith("_due"):   # research-report due dates: "06-30, 12-31" (planner/report_rules.py)
        st.text_input(label, key=key, help=help_text)
    else:
        st.selectbox(label, ["strict", "prefer"], key=key, help=help_text, format_func=labels("rules.mode_"))


def render(ws: Workspace) -> None:
    st.header(t("rules.title"))
    st.caption(t("rules.intro"))
    fields = rule_fields()
    if st.button(t("rules.reset"), key="rules_reset"):
        ws.set_rules(Rules(year=ws.rules.year))
        for name, _ in fields:
            st.session_state.pop(PREFIX + name, None)
        st.toast(t("rules.reset_done"))
    tabs = st.tabs([t(f"group.{g}") for g in GROUPS])
    by_group: dict[str, list[tuple[str, dataclasses.Field[Any]]]] = {g: [] for g in GROUPS}
    for name, field in fields:
        by_group[group_of(name)].append((name, field))
    for tab, group in zip(tabs, GROUPS, strict=True):
        with tab:
            cols = st.columns(2, gap="large")
            for i, (name, field) in enumerate(by_group[group]):
                with cols[i % 2]:
                    _widget(name, field, get_value(ws.rules, name))
    values = {name: st.session_state[PREFIX + name] for name, _ in fields if PREFIX + name in st.session_state}
    try:
        ws.set_rules(ws.rules.replace(**nested(values)))
    except InputError as exc:
        st.error(t("rules.invalid") + "\n\n" + exc.render(current_lang()))
    _changed_summary(ws.rules, fields)
    st.download_button(t("rules.download"), data=ws.rules.to_toml().encode("utf-8"),
                       file_name="rules.toml", mime="application/toml", key="rules_download")


def _changed_summary(rules: Rules, fields: list[tuple[str, dataclasses.Field[Any]]]) -> None:
    defaults = Rules(year=rules.year)
    lang = current_lang()
    rows = [(rule_label(f, lang), get_value(defaults, n), get_value(rules, n)) for n, f in fields
            if get_value(defaults, n) != get_value(rules, n)]
    st.caption(t("rules.changed", n=len(rows)))
    if rows:
        frame = pd.DataFrame(rows, columns=["", t("rules.col_default"), t("rules.col_value")]).astype(str)
        st.dataframe(frame, hide_index=True, width="content")
