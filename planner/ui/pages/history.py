"""Step 7 — the scenario's history: versions, comparing two, viewing or restoring one, and the audit trail.

Everything comes from the store (`planner.store.api`): versions are immutable, so comparing is safe at any time;
restoring makes an old version's input current and keeps its plan as a new version (see Workspace.restore).
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from planner.model import TABLE_BY_STEM
from planner.rules import rule_fields
from planner.store.api import ConflictError, Store, StoreError, VersionInfo
from planner.store.diff import PlanDiff
from planner.ui.components import fit_height, fmt_pct, fmt_when
from planner.ui.i18n import current_lang, labels, lkey, rule_label, t
from planner.ui.pages.publish import publish_box
from planner.ui.state import Workspace
from planner.workflow.solve import compare_versions

DIFF_KEY = "history_diff"
PAIR_KINDS = {"leader_offices": "leader_office", "unit_communities": "unit_community",
              "cadre_households": "cadre_household", "office_leader_communities": "office_leader_community"}


def render(ws: Workspace) -> None:
    st.header(t("history.title"))
    st.caption(t("history.intro"))
    store = ws.store
    if store is None:
        st.info(t("history.no_store"))
        return
    versions = store.list_versions(ws.scenario)
    tab_versions, tab_compare, tab_audit = st.tabs(
        [t("history.tab_versions"), t("history.tab_compare"), t("history.tab_audit")])
    with tab_versions:
        if versions:
            _versions(ws, versions)
        else:
            st.info(t("history.no_versions"))
    with tab_compare:
        _compare(ws, store, versions)
    with tab_audit:
        _audit(ws, store)


def _kind(kind: str) -> str:
    label = t(f"vkind.{kind}")
    return kind if label == f"vkind.{kind}" else label


def version_frame(versions: list[VersionInfo], published: tuple[int, ...] | list[int] = ()) -> pd.DataFrame:
    """One row per version, newest first, with the figures a user compares at a glance."""
    rows = [{
        t("history.col_version"): v.number,
        t("history.col_when"): fmt_when(v.created_at),
        t("history.col_who"): v.author,
        t("history.col_kind"): _kind(v.kind),
        t("history.col_status"): t(f"status.{v.status}") if v.status else "—",
        t("history.col_objective"): v.objective,
        t("history.col_gap"): fmt_pct(v.gap) if v.gap is not None else "—",
        t("history.col_households"): v.counts.get("households"),
        t("history.col_cadres"): v.counts.get("cadres"),
        t("history.col_visits"): v.counts.get("visits"),
        t("history.col_since"): v.since.isoformat() if v.since else "",
        t("publish.col"): t("publish.yes") if v.number in published else "",
    } for v in reversed(versions)]
    return pd.DataFrame(rows)


def _versions(ws: Workspace, versions: list[VersionInfo]) -> None:
    published = ws.store.published_versions(ws.scenario) if ws.store is not None else []
    st.dataframe(version_frame(versions, published), hide_index=True, width="stretch", height=min(300, 38 + 35 * len(versions)))
    numbers = [v.number for v in reversed(versions)]
    by_number = {v.number: v for v in versions}
    c1, c2, c3 = st.columns([2, 1, 3], vertical_alignment="bottom")
    number = c1.selectbox(t("history.pick"), numbers, key="history_pick", format_func=lambda n: t(
        "history.version_label", n=n, kind=_kind(by_number[n].kind), when=fmt_when(by_number[n].created_at)))
    if number is None:
        return
    if c2.button(t("history.view"), key="history_view", width="stretch"):
        ws.show_version(int(number))
        st.success(t("history.viewing", version=number))
    with c3:
        confirm = st.checkbox(t("history.restore_confirm"), key="history_restore_confirm",
                              help=t("history.restore_help"))
    if st.button(t("history.restore"), key="history_restore", disabled=not confirm or ws.job is not None):
        try:
            new = ws.restore(int(number))
        except ConflictError as exc:
            ws.conflict = exc
            st.rerun()
        except StoreError as exc:
            st.error(exc.render(current_lang()))
            return
        st.session_state.pop("history_restore_confirm", None)
        st.toast(t("history.restored", version=number, new=new))
        st.rerun()
    publish_box(ws, int(number))


def _compare(ws: Workspace, store: Store, versions: list[VersionInfo]) -> None:
    if len(versions) < 2:
        st.info(t("history.need_two"))
        return
    numbers = [v.number for v in versions]
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    v1 = c1.selectbox(t("history.v1"), numbers, index=len(numbers) - 2, key="history_v1")
    v2 = c2.selectbox(t("history.v2"), numbers, index=len(numbers) - 1, key="history_v2")
    if c3.button(t("history.compare"), key="history_compare", type="primary", width="stretch"):
        with st.spinner(t("history.compare_running")):
            st.session_state[DIFF_KEY] = (ws.scenario, v1, v2, compare_versions(store, ws.scenario, int(v1), int(v2),
                                                                                 check_rules=True))
    shown = st.session_state.get(DIFF_KEY)
    if shown is None or shown[0] != ws.scenario:
        return
    _, a, b, diff = shown
    _diff_view(diff, int(a), int(b))


def pairs_frame(diff: PlanDiff) -> pd.DataFrame:
    return pd.DataFrame([{
        t("history.col_table"): t(f"kind.{PAIR_KINDS.get(name, name)}"),
        t("history.col_before"): p.before, t("history.col_after"): p.after, t("history.col_kept"): p.kept,
        t("history.col_removed"): p.removed, t("history.col_added"): p.added,
        t("history.col_kept_share"): fmt_pct(p.kept_share)} for name, p in diff.pairs.items()])


def _minimums(found: int | None) -> str:
    if found is None:
        return t("kpi.not_checked")
    return t("kpi.all_met") if found == 0 else t("kpi.violations", n=found)


def _diff_view(diff: PlanDiff, a: int, b: int) -> None:
    st.subheader(t("history.pairs"))
    st.dataframe(pairs_frame(diff), hide_index=True, width="stretch")
    cols = st.columns(4)   # two rows of wide columns: at 1366 px six columns cut "全部满足" short
    visits = diff.visits
    cols[0].metric(t("history.visits_kept"), f"{visits.kept:,}")
    cols[1].metric(t("history.visits_moved"), f"{visits.moved:,}")
    cols[2].metric(t("history.visits_dropped"), f"{visits.dropped:,}")
    cols[3].metric(t("history.visits_new"), f"{visits.new:,}")
    second = st.columns(4)
    second[0].metric(t("history.minimums", n=a), _minimums(diff.violations[0]))
    second[1].metric(t("history.minimums", n=b), _minimums(diff.violations[1]))


def _audit(ws: Workspace, store: Store) -> None:
    frame = store.audit_frame(ws.scenario)
    c1, c2, c3 = st.columns([2, 2, 3])
    actions = sorted(frame["action"].unique().tolist())
    authors = sorted(frame["author"].unique().tolist())
    picked = c1.multiselect(t("history.filter_action"), actions, format_func=labels("action."),
                            key=lkey("history_actions"), placeholder=t("common.choose"))
    who = c2.multiselect(t("history.filter_author"), authors, key="history_authors", placeholder=t("common.choose"))
    text = c3.text_input(t("history.filter_text"), key="history_text")
    shown = frame
    if picked:
        shown = shown[shown["action"].isin(picked)]
    if who:
        shown = shown[shown["author"].isin(who)]
    shown = shown.assign(what=shown["what"].astype(str).map(audit_text))
    if text.strip():
        shown = shown[shown["what"].str.contains(text.strip(), case=False, regex=False)]
    shown = shown.iloc[::-1]
    st.caption(t("history.audit_rows", n=len(frame), shown=len(shown)))
    view = pd.DataFrame({
        t("history.col_when"): shown["at"].map(fmt_when),
        t("history.col_who"): shown["author"],
        t("history.col_action"): shown["action"].map(labels("action.")),
        t("history.col_what"): shown["what"],
        t("history.col_version"): shown["version"].map(lambda v: "" if pd.isna(v) else str(int(v))),
    })
    st.dataframe(view, hide_index=True, width="stretch", height=fit_height(len(view), 560))


_AUDIT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), k) for p, k in (
    (r"^version (\d+) saved \((\w+), (\w+), (\d+) visits\)$", "audit.saved"),
    (r"^version (\d+) published$", "audit.published"),
    (r"^restored the input of version (\d+)$", "audit.restored"),
    (r"^scenario '(.*)' created$", "audit.created"),
    (r"^personal data purged \((\d+) snapshots\)$", "audit.purged"),
    (r"^(\d+) visit notes purged$", "audit.notes_purged"),
    (r"^(\d+) visit records$", "audit.visit_records"),
    (r"^visit record (\S+) deleted$", "audit.visit_deleted"),
))


def _rule_names() -> dict[str, str]:
    lang = current_lang()
    return {name: rule_label(field, lang) for name, field in rule_fields()}


def _table_name(stem: str) -> str:
    spec = TABLE_BY_STEM.get(stem)
    return spec.zh if spec is not None else stem


def _parts(text: str) -> str:
    """'households (+1 -2), pins 3' → '联系户（+1 -2）、锁定结对 3'."""
    out = []
    for part in text.split(", "):
        stem, _, rest = part.partition(" ")
        rest = rest.replace("rewritten", "重写")
        if rest.startswith("(") and rest.endswith(")"):
            rest = f"（{rest[1:-1]}）"
        out.append(f"{_table_name(stem)}{rest if rest.startswith('（') else ' ' + rest if rest else ''}")
    return "、".join(out)


def audit_text(what: str) -> str:
    """An audit entry (stored in English by planner.store) in the user's language: the known forms are
    rewritten through the dictionary, with rule and table names as the user sees them; others stay as stored."""
    if current_lang() != "zh":
        return what
    for pattern, key in _AUDIT_PATTERNS:
        if (m := pattern.match(what)) is not None:
            g = m.groups()
            if key == "audit.saved":
                return t(key, version=g[0], kind=_kind(g[1]), status=t(f"status.{g[2]}"), visits=g[3])
            return t(key, a=g[0])
    names = _rule_names()
    if what.startswith("rules: "):
        items = []
        for item in what.removeprefix("rules: ").split(", "):
            name, _, change = item.partition(" ")
            items.append(f"{names.get(name, name)} {change}")
        return t("audit.rules", items="；".join(items))
    if what.startswith("initial rules"):
        custom = what.removeprefix("initial rules").strip()
        if not custom:
            return t("audit.initial_rules")
        items = [f"{names.get(k, k)}={v}" for k, _, v in (i.partition("=") for i in
                                                           custom.removeprefix("(non-default: ").rstrip(")").split(", "))]
        return t("audit.initial_rules_custom", items="；".join(items))
    for prefix, key in (("initial input: ", "audit.initial_input"), ("initial locks: ", "audit.initial_locks"),
                        ("data: ", "audit.data"), ("locks: ", "audit.locks")):
        if what.startswith(prefix):
            return t(key, parts=_parts(what.removeprefix(prefix)))
    return what
