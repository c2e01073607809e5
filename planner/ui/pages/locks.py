"""Step 3 — pin or forbid pairs, mostly straight from the result tables.

A lock is a row of the Problem's `pins` / `forbidden` tables (kind, subject_id, target_id), so it is validated,
stored and solved exactly like a pins.csv row the user might have uploaded. The editor shows one filtered page of
pairs at a time; saving rewrites the locks of the shown rows only.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planner.errors import InputError
from planner.model import LOCK_TARGETS, LockKind
from planner.ui import frames
from planner.ui.components import fit_height, issues_table, office_options, paginate
from planner.ui.i18n import labels, lkey, t
from planner.ui.state import Workspace

LOCK_COLUMNS = ["kind", "subject_id", "target_id"]
EDITOR_KEY = "locks_editor_key"
# kind → (pairs frame builder, subject column, subject name, target column, target name, searchable columns)
PAIR_VIEWS = {
    "leader_office": ("leader_pairs", "leader_id", "name", "office_id", "office_name"),
    "unit_community": ("unit_pairs", "unit_id", "unit_name", "community_id", "community_name"),
    "cadre_household": ("cadre_pairs", "cadre_id", "cadre_name", "household_id", "community_name"),
    "office_leader_community": ("office_leader_pairs", "person_id", "name", "community_id", "community_name"),
}


def lock_keys(table: pd.DataFrame, kind: str) -> set[tuple[str, str]]:
    rows = table[table["kind"] == kind]
    return set(zip(rows["subject_id"].astype(str), rows["target_id"].astype(str), strict=True))


def apply_edits(table: pd.DataFrame, kind: str, shown: list[tuple[str, str]], wanted: set[tuple[str, str]]
                ) -> pd.DataFrame:
    """`table` with the shown pairs of `kind` replaced by `wanted` (other kinds and unshown pairs untouched)."""
    table = table[LOCK_COLUMNS].astype(str)
    shown_set = set(shown)
    keep = ~((table["kind"] == kind) & pd.Series(list(zip(table["subject_id"], table["target_id"], strict=True)),
                                                  index=table.index, dtype=object).isin(shown_set))
    added = pd.DataFrame([(kind, s, g) for s, g in shown if (s, g) in wanted], columns=LOCK_COLUMNS)
    return pd.concat([table[keep], added], ignore_index=True).drop_duplicates(ignore_index=True)


def save_locks(ws: Workspace, pins: pd.DataFrame, forbidden: pd.DataFrame) -> bool:
    both = set(map(tuple, pins[LOCK_COLUMNS].astype(str).to_numpy())) & set(
        map(tuple, forbidden[LOCK_COLUMNS].astype(str).to_numpy()))
    if both:
        st.error(t("locks.both", pairs=", ".join(f"{s}→{g}" for _, s, g in sorted(both))))
        return False
    try:
        ws.set_locks(pins, forbidden)
    except InputError as exc:
        st.error(t("locks.invalid"))
        issues_table(exc.issues)
        return False
    if ws.conflict is None:   # else the conflict banner says what happened to the edit
        st.toast(t("locks.saved", pins=len(pins), forbidden=len(forbidden)))
    return True


def render(ws: Workspace) -> None:
    st.header(t("locks.title"))
    st.caption(t("locks.intro"))
    if ws.problem is None:
        st.info(t("common.need_data"))
        return
    kind = st.radio(t("locks.kind"), [k.value for k in LockKind], format_func=labels("kind."),
                    horizontal=True, key="locks_kind")
    if ws.plan is not None:
        _from_plan(ws, kind)
    else:
        st.info(t("common.need_plan"))
    left, right = st.columns([3, 2], gap="large")
    with left:
        _current(ws)
    with right:
        _add_by_hand(ws, kind)


def _from_plan(ws: Workspace, kind: str) -> None:
    assert ws.problem is not None and ws.plan is not None
    st.subheader(t("locks.from_plan"))
    builder, subject, subject_name, target, target_name = PAIR_VIEWS[kind]
    pairs = frames.cached(builder, ws.problem, ws.plan, ws.problem_key, ws.plan_key)
    c1, c2 = st.columns(2)
    search = c1.text_input(t("common.search"), key=f"locks_search_{kind}")
    options, names = office_options(ws)
    office = c2.selectbox(t("common.office_filter"), options, format_func=names.__getitem__,
                          key=lkey(f"locks_office_{kind}"))
    shown = frames.filter_frame(pairs, search, office or None, [subject, subject_name, target, target_name])
    page = paginate(shown, key=f"locks_page_{kind}_{search}_{office}")
    pins, forbidden = lock_keys(ws.problem.pins, kind), lock_keys(ws.problem.forbidden, kind)
    keys = list(zip(page[subject].astype(str), page[target].astype(str), strict=True))
    view = pd.DataFrame({
        "pin": [k in pins for k in keys],
        "forbid": [k in forbidden for k in keys],
        "subject": page[subject].astype(str).to_numpy(),
        "subject_name": page[subject_name].astype(str).to_numpy(),
        "target": page[target].astype(str).to_numpy(),
        "target_name": page[target_name].astype(str).to_numpy(),
        "office": page["office_id"].astype(str).to_numpy(),
    })
    editor_key = f"locks_editor_{kind}_{ws.problem_key}_{abs(hash((search, office, tuple(keys[:1]), len(keys))))}"
    st.session_state[EDITOR_KEY] = editor_key  # which editor is on screen (tests drive it through session state)
    save = st.button(t("locks.save"), key="locks_save", type="primary")   # above the table: never below the fold
    edited = st.data_editor(
        view, key=editor_key, hide_index=True, width="stretch", height=fit_height(len(view), 320),
        disabled=["subject", "subject_name", "target", "target_name", "office"],
        column_config={
            "pin": st.column_config.CheckboxColumn(t("locks.col_pin"), width="small"),
            "forbid": st.column_config.CheckboxColumn(t("locks.col_forbid"), width="small"),
            "subject": t("locks.col_subject"), "subject_name": t("locks.col_subject_name"),
            "target": t("locks.col_target"), "target_name": t("locks.col_target_name"),
            "office": t("locks.col_office")})
    if save:
        wanted_pins = {k for k, on in zip(keys, edited["pin"], strict=True) if on}
        wanted_forbid = {k for k, on in zip(keys, edited["forbid"], strict=True) if on}
        new_pins = apply_edits(ws.problem.pins, kind, keys, wanted_pins)
        new_forbidden = apply_edits(ws.problem.forbidden, kind, keys, wanted_forbid)
        if save_locks(ws, new_pins, new_forbidden):
            st.rerun()


def _current(ws: Workspace) -> None:
    assert ws.problem is not None
    st.subheader(t("locks.current"))
    rows = pd.concat([ws.problem.pins[LOCK_COLUMNS].astype(str).assign(action="pin"),
                      ws.problem.forbidden[LOCK_COLUMNS].astype(str).assign(action="forbid")], ignore_index=True)
    if rows.empty:
        st.caption(t("locks.none"))
        return
    names = frames.cached_names(ws.problem, ws.problem_key)
    view = pd.DataFrame({"remove": False, "action": rows["action"].map(lambda a: t(f"locks.{a}")),
                         "kind": rows["kind"].map(lambda k: t(f"kind.{k}")),
                         "subject_id": rows["subject_id"] + " " + rows["subject_id"].map(names).fillna(""),
                         "target_id": rows["target_id"] + " " + rows["target_id"].map(names).fillna("")})
    edited = st.data_editor(view, key=f"locks_current_{ws.problem_key}", hide_index=True, width="stretch",
                            height=fit_height(len(view), 420),
                            disabled=["action", "kind", "subject_id", "target_id"],
                            column_config={"remove": st.column_config.CheckboxColumn(t("locks.col_remove")),
                                           "action": t("locks.col_action"), "kind": t("locks.kind"),
                                           "subject_id": t("locks.col_subject"), "target_id": t("locks.col_target")})
    if st.button(t("locks.remove"), key="locks_remove"):
        keep = rows[~edited["remove"].to_numpy(dtype=bool)]
        if save_locks(ws, keep[keep["action"] == "pin"][LOCK_COLUMNS], keep[keep["action"] == "forbid"][LOCK_COLUMNS]):
            st.rerun()


ADD_FIELDS = ("locks_add_subject", "locks_add_target")
ADD_ERROR = "locks_add_error"   # the refusal of the last add: drawn under the form, the typed ids stay


def _add_lock(ws: Workspace, kind: str) -> None:
    """The add form's callback: save the typed pair; clear the form only when it was saved."""
    assert ws.problem is not None
    subject = str(st.session_state.get("locks_add_subject") or "").strip()
    target = str(st.session_state.get("locks_add_target") or "").strip()
    if not subject or not target:
        return
    row = pd.DataFrame([(kind, subject, target)], columns=LOCK_COLUMNS)
    pins = ws.problem.pins[LOCK_COLUMNS].astype(str)
    forbidden = ws.problem.forbidden[LOCK_COLUMNS].astype(str)
    if st.session_state.get("locks_add_action") == "pin":
        pins = pd.concat([pins, row], ignore_index=True).drop_duplicates(ignore_index=True)
    else:
        forbidden = pd.concat([forbidden, row], ignore_index=True).drop_duplicates(ignore_index=True)
    both = set(map(tuple, pins.to_numpy())) & set(map(tuple, forbidden.to_numpy()))
    if both:
        st.session_state[ADD_ERROR] = (t("locks.both", pairs=", ".join(f"{s}→{g}" for _, s, g in sorted(both))), [])
        return
    try:
        ws.set_locks(pins, forbidden)
    except InputError as exc:
        st.session_state[ADD_ERROR] = (t("locks.invalid"), exc.issues)
        return
    st.session_state.pop(ADD_ERROR, None)
    for key in ADD_FIELDS:
        st.session_state[key] = ""
    if ws.conflict is None:
        st.toast(t("locks.saved", pins=len(pins), forbidden=len(forbidden)))


def _add_by_hand(ws: Workspace, kind: str) -> None:
    assert ws.problem is not None
    st.subheader(t("locks.add"))
    subject_table, target_table = LOCK_TARGETS[kind]
    with st.form("locks_add_form", clear_on_submit=False, border=True):
        st.text_input(t("locks.add_subject"), key="locks_add_subject",
                      placeholder=_first_id(getattr(ws.problem, subject_table)))
        st.text_input(t("locks.add_target"), key="locks_add_target",
                      placeholder=_first_id(getattr(ws.problem, target_table)))
        st.radio(t("locks.add_action"), ["pin", "forbid"], horizontal=True, key="locks_add_action",
                 format_func=labels("locks.action_"))
        st.form_submit_button(t("locks.add_button"), key="locks_add_submit", on_click=_add_lock, args=(ws, kind))
    if (error := st.session_state.get(ADD_ERROR)) is not None:
        message, issues = error
        st.error(message)
        if issues:
            issues_table(issues)


def _first_id(table: pd.DataFrame) -> str:
    """An example id for a placeholder."""
    return str(table.iloc[0, 0]) if len(table) else ""
