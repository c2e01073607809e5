"""Recording one's own visits, on 我的走访 (a cadre) and 本单位 (a unit, for itself and its cadres).

The targets offered are the person's own planned ones (from the published plan reduced to the scope); the date
can't be in the future; the store takes the row only where `planner.access.policy.can_change(account, ACTUALS,
row, scope)` allows (planner.access.guard.record_own_visits), so a crafted request can't record elsewhere either.
A second record of the same person, target and day is refused as a duplicate.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from planner.access.guard import PermissionDenied
from planner.ui.i18n import t
from planner.ui.scoped import ScopedView, record_visit, recorded_list, visit_record

NOTICE_KEY = "record_notice"
Person = tuple[str, str]          # (person_kind, person_id)
Choice = tuple[str, str, str, str]   # (person_kind, person_id, target_kind, target_id)


def _names(view: ScopedView) -> dict[tuple[str, str], str]:
    """Display names by (kind, id) for the scope's persons and targets."""
    problem = view.ws.problem
    assert problem is not None
    out: dict[tuple[str, str], str] = {}
    for kind, frame, column in (("household", problem.households, "household_id"),
                                ("community", problem.communities, "community_id"),
                                ("cadre", problem.cadres, "cadre_id"), ("unit", problem.units, "unit_id")):
        if "name" in frame.columns:
            out.update({(kind, str(i)): str(n) for i, n in zip(frame[column], frame["name"], strict=True)})
    return out


def choices(view: ScopedView, people: list[Person]) -> list[Choice]:
    """(person, target) pairs the plan holds for `people`, in the order of their first planned visit."""
    plan = view.ws.plan
    assert plan is not None
    v = plan.visits.astype({"person_kind": str, "person_id": str, "target_kind": str, "target_id": str})
    v = v[[(k, p) in set(people) for k, p in zip(v["person_kind"], v["person_id"], strict=True)]]
    v = v.sort_values(["person_kind", "person_id", "date", "target_id"])
    pairs = v[["person_kind", "person_id", "target_kind", "target_id"]].drop_duplicates()
    return [(str(a), str(b), str(c), str(d)) for a, b, c, d in pairs.itertuples(index=False, name=None)]


def _label(names: dict[tuple[str, str], str], choice: Choice, several: bool) -> str:
    kind, person, target_kind, target = choice
    what = f"{target} {names.get((target_kind, target), '')}".strip()
    if not several:
        return what
    who = t("record.unit_self") if kind == "unit" else names.get((kind, person), person)
    return f"{who} → {what}"


def section(view: ScopedView, people: list[Person], today: date) -> None:
    """The form and the list of what the scope has recorded."""
    st.subheader(t("record.title"))
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:   # saved in the last run: say so, and empty the notes (the other fields stay for the next visit)
        st.success(notice)
        st.session_state["record_note"] = ""
    names = _names(view)
    options = choices(view, people)
    if not options:
        st.info(t("record.no_targets"))
        return
    several = len(people) > 1
    st.caption(t("record.intro"))
    with st.form("record_form", clear_on_submit=False, border=True):
        left, middle, right = st.columns([3, 1.3, 1.2])
        choice = left.selectbox(t("record.target"), options, key="record_target",
                                format_func=lambda c: _label(names, c, several))
        year = int((view.ws.plan.report.get("year") if view.ws.plan is not None else None) or today.year)
        first = min(date(year, 1, 1), today)
        day = middle.date_input(t("record.date"), value=min(today, date(year, 12, 31)), min_value=first,
                                max_value=today, key="record_date", format="YYYY-MM-DD")
        right.markdown("&nbsp;")
        talk = right.checkbox(t("record.talk"), key="record_talk")
        note = st.text_area(t("record.note"), key="record_note", height=68, max_chars=500)
        submitted = st.form_submit_button(t("record.submit"), type="primary", icon=":material/save:")
    if submitted and choice is not None and isinstance(day, date):
        _save(view, choice, day, bool(talk), str(note or ""), _label(names, choice, False))
    _list(view, names, several)


def _save(view: ScopedView, choice: Choice, day: date, talk: bool, note: str, label: str) -> None:
    kind, person, target_kind, target = choice
    done = recorded_list(view)
    if len(done) and ((done["person_kind"].astype(str) == kind) & (done["person_id"].astype(str) == person)
                      & (done["target_id"].astype(str) == target)
                      & (pd.to_datetime(done["date"]).dt.date == day)).any():
        st.warning(t("record.duplicate", day=day.isoformat(), target=label))
        return
    plan = view.ws.plan
    assert plan is not None
    try:
        record_visit(view, visit_record(plan.visits, (kind, person), (target_kind, target), day, talk, note))
    except PermissionDenied:
        st.error(t("record.denied"))
        return
    st.session_state[NOTICE_KEY] = t("record.saved", day=day.isoformat(), target=label)
    st.rerun()   # the tables above count the new record


def _list(view: ScopedView, names: dict[tuple[str, str], str], several: bool) -> None:
    st.markdown(f"**{t('record.list_title')}**")
    done = recorded_list(view)
    if done.empty:
        st.caption(t("record.none"))
        return
    table = pd.DataFrame({
        "date": [d.isoformat() if isinstance(d, date) else "" for d in pd.to_datetime(done["date"]).dt.date],
        "person": [t("record.unit_self") if k == "unit" else names.get((str(k), str(p)), str(p))
                   for k, p in zip(done["person_kind"], done["person_id"], strict=True)],
        "target": [f"{i} {names.get((str(k), str(i)), '')}".strip()
                   for k, i in zip(done["target_kind"], done["target_id"], strict=True)],
        "outcome": [t(f"record.outcome_{o}") for o in done["outcome"]],
        "talk": ["✓" if int(x or 0) else "" for x in done["talk"].fillna(0)],
        "note": done.get("note", pd.Series([""] * len(done))).fillna("").astype(str),
    })
    if not several:
        table = table.drop(columns=["person"])
    labels = {c: t(f"record.col_{c}") for c in table.columns}
    st.dataframe(table.rename(columns=labels), hide_index=True, width="stretch")
