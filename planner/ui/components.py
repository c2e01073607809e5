"""Small building blocks shared by the pages: pagination, issue tables, the live solve progress."""

from __future__ import annotations

import contextlib
import math
import re
from pathlib import Path, PureWindowsPath
from typing import Any

import pandas as pd
import streamlit as st

from planner.errors import Issue
from planner.model import ENUM_LABELS_ZH, TABLE_BY_STEM
from planner.ui.i18n import current_lang, t
from planner.ui.state import REPO_ROOT, SolveJob, Workspace, demo_path

PAGE_SIZE = 200


def paginate(frame: pd.DataFrame, key: str, page_size: int = PAGE_SIZE) -> pd.DataFrame:
    """One page of `frame`: big tables are never sent to the browser whole."""
    pages = max(1, math.ceil(len(frame) / page_size))
    if pages == 1:
        return frame
    page = st.number_input(t("common.page", pages=pages, rows=len(frame)), min_value=1, max_value=pages, value=1,
                           step=1, key=key)
    start = (int(page) - 1) * page_size
    return frame.iloc[start:start + page_size]


ROW_PX, HEAD_PX = 35, 38


def fit_height(rows: int, most: int = 600) -> int:
    """A table's height that shows every row without an inner scroll bar, up to `most` pixels."""
    return min(most, HEAD_PX + ROW_PX * max(rows, 1) + 2)


def source_label(source: str) -> str:
    """How the data's origin is shown: the bundled demo by name, anything else by its file name only.

    The stored source of the demo is a server path, and an upload's name may carry a client path: neither is
    shown, so that the page never reveals the server's (or the user's) folders.
    """
    if not source:
        return "—"
    demo = demo_path().resolve()
    with contextlib.suppress(OSError, ValueError):
        if Path(source).resolve() == demo:
            shown = demo.relative_to(REPO_ROOT).as_posix() if demo.is_relative_to(REPO_ROOT) else demo.name
            return t("app.demo_source", path=shown)
    return PureWindowsPath(source).name or "—"   # splits on both "/" and "\\"


ISSUES_LISTED = 20   # problems written out in full; the rest are in the table below them
_CODE_IN_BRACKETS = re.compile(r"（[A-Za-z0-9_./ -]+）")


def user_file(file: str) -> str:
    """A file as the user knows it: in Chinese the sheet name ('pins.csv' → '锁定结对'); else unchanged."""
    if current_lang() != "zh":
        return file
    stem = PureWindowsPath(file).name.removesuffix(".csv")
    spec = TABLE_BY_STEM.get(stem)
    return spec.zh if spec is not None else file


def user_column(file: str, column: str | None) -> str:
    """A column as the user sees it in the template: 'subject_id' of pins → '联系人编号' (in Chinese)."""
    if not column or current_lang() != "zh":
        return column or ""
    spec = TABLE_BY_STEM.get(PureWindowsPath(file).name.removesuffix(".csv"))
    names = {c.name: c.zh for c in spec.columns} if spec is not None else {}
    return names.get(column, column)


def issue_text(issue: Issue) -> str:
    """The message in the user's words: in Chinese without the bracketed English codes ('（subject_id）')."""
    if current_lang() != "zh":
        return issue.message_en
    return _CODE_IN_BRACKETS.sub("", issue.message_zh)


def issue_line(issue: Issue) -> str:
    where = [user_file(issue.file)]
    if issue.row is not None:
        where.append(t("issue.row", row=issue.row))
    if issue.column:
        where.append(user_column(issue.file, issue.column))
    return f"**{' · '.join(where)}**：{issue_text(issue)}"


def issues_table(issues: list[Issue]) -> None:
    """Problems full width and wrapped (the first ones written out), all of them in a table below."""
    st.markdown("\n".join(f"- {issue_line(i)}" for i in issues[:ISSUES_LISTED]))
    if len(issues) > ISSUES_LISTED:
        st.caption(t("issue.more", n=len(issues) - ISSUES_LISTED))
    frame = pd.DataFrame({
        t("data.col_file"): [user_file(i.file) for i in issues],
        t("data.col_row"): [i.row if i.row is not None else "" for i in issues],
        t("data.col_column"): [user_column(i.file, i.column) for i in issues],
        t("data.col_message"): [issue_text(i) for i in issues],
    })
    with st.expander(t("issue.table", n=len(issues)), expanded=False):
        st.dataframe(frame.astype(str), hide_index=True, width="stretch")


def shown_table(stem: str, frame: pd.DataFrame) -> pd.DataFrame:
    """An input table as a person reads it: in Chinese, column headers and enum codes ('office') in Chinese."""
    spec = TABLE_BY_STEM.get(stem)
    if spec is None or current_lang() != "zh":
        return frame
    out = frame.copy()
    for column in spec.columns:
        if column.enum and column.name in out.columns:
            out[column.name] = out[column.name].map(ENUM_LABELS_ZH[column.enum]).fillna(out[column.name])
    return out.rename(columns={c.name: c.zh for c in spec.columns})


# Streamlit's uploader prints English ("Drag and drop file here", "Limit 200MB per file • XLSX", "Upload") whatever
# the page language: the words are hidden and Chinese ones drawn in their place, scoped to the one uploader
# (Streamlit gives its container the class st-key-<key>), so that two uploaders keep their own hints.
UPLOADER_CSS = """<style>
.st-key-{key} [data-testid='stFileUploaderDropzoneInstructions'] > div > span,
.st-key-{key} [data-testid='stFileUploaderDropzoneInstructions'] > div > small {{display:none}}
.st-key-{key} [data-testid='stFileUploaderDropzoneInstructions'] > div::after {{content:'{hint}';font-size:0.9rem}}
.st-key-{key} [data-testid='stFileUploaderDropzone'] button {{font-size:0}}
.st-key-{key} [data-testid='stFileUploaderDropzone'] button > * {{display:none}}
.st-key-{key} [data-testid='stFileUploaderDropzone'] button::after {{content:'{browse}';font-size:0.9rem}}
</style>"""


def uploader(label: str, types: list[str], key: str) -> Any:
    """A file uploader with our own label above it and Streamlit's English chrome replaced (in Chinese)."""
    st.markdown(f"**{label}**")
    if current_lang() == "zh":
        hint = t("upload.hint", types=" / ".join(f".{x}" for x in types))
        st.markdown(UPLOADER_CSS.format(key=key, hint=hint, browse=t("upload.browse")), unsafe_allow_html=True)
    return st.file_uploader(label, type=types, key=key, label_visibility="collapsed")


def office_options(ws: Workspace) -> tuple[list[str], dict[str, str]]:
    """Office ids for a filter box ('' = all) and their display names."""
    assert ws.problem is not None
    offices = ws.problem.offices
    names = {"": t("common.all"), **dict(zip(offices["office_id"], offices["office_id"] + " " + offices["name"],
                                            strict=True))}
    return ["", *offices["office_id"].tolist()], names


def stage_label(name: str) -> str:
    """A translated stage name; engine sub-stages ('assign.units/B01') fall back to their family's name."""
    label = t(f"stage.{name}")
    if label != f"stage.{name}":
        return label
    for family in ("assign.leaders", "assign.units", "assign.cadres", "calendar.leaders", "calendar.reception",
                   "calendar.units", "calendar.cadres"):
        if name.startswith(family):
            return f"{t('stage.' + family)} · {name[len(family):].strip('./: ')}".rstrip(" ·")
    return name


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.6g}"


_MESSAGES = (   # what the engines report (planner/assign, planner/calendar) → dictionary key and its numbers
    (re.compile(r"^(start|solution|done|constructive|improve)$"), "progress.msg.{0}"),
    (re.compile(r"^exact model (\d+)/(\d+)$"), "progress.msg.exact"),
    (re.compile(r"^(\d+) visits$"), "progress.msg.visits"),
    (re.compile(r"^(\d+) reception days$"), "progress.msg.reception"),
)


def progress_message(message: str) -> str:
    """An engine's progress word in the user's language; an unknown one is not shown (it would be English)."""
    for pattern, key in _MESSAGES:
        if (m := pattern.match(message)) is not None:
            groups = m.groups()
            text = t(key.format(*groups), a=groups[0] if groups else "", b=groups[1] if len(groups) > 1 else "")
            return "" if text.startswith("progress.msg.") else text
    return message if current_lang() == "en" else ""


def draw_progress(job: SolveJob, compact: bool = False) -> None:
    """What the solve thread last reported: stage and elapsed time in words, the solver's numbers folded away."""
    event = job.control.snapshot()
    if compact:
        stage = stage_label(event.stage) if event else t("solve.waiting")
        st.caption(f":material/hourglass_top: {t('app.solving')} {stage} · {t('solve.seconds', s=job.elapsed)}")
        return
    st.info(t("solve.running"))
    cols = st.columns([3, 1])
    if job.checking:
        cols[0].metric(t("solve.stage"), t("stage.check"))
    else:
        cols[0].metric(t("solve.stage"), stage_label(event.stage) if event else t("solve.waiting"))
    cols[1].metric(t("solve.elapsed"), t("solve.seconds", s=job.elapsed))
    if event and event.total:
        st.progress(min(1.0, (event.done or 0) / event.total), text=t("solve.progress", done=event.done or 0,
                                                                        total=event.total))
    if event and (text := progress_message(event.message)):
        st.caption(text)
    with st.expander(t("solve.details")):
        d1, d2 = st.columns(2)
        d1.metric(t("solve.objective"), _fmt(event.objective if event else None))
        d2.metric(t("solve.bound"), _fmt(event.bound if event else None))
    st.button(t("solve.cancel"), key="solve_cancel", on_click=job.cancel, type="secondary")


def progress_fragment(ws: Workspace, compact: bool) -> None:
    """Redraw the progress twice a second without rerunning the page; rerun the whole app when the job ends."""

    @st.fragment(run_every=0.5)
    def panel() -> None:
        job = ws.job
        if job is None or job.done:
            st.rerun(scope="app")
            return
        draw_progress(job, compact)

    panel()


def _merge(ws: Workspace) -> None:
    ws.merge()


def _reload(ws: Workspace) -> None:
    ws.reload()


def conflict_banner(ws: Workspace) -> None:
    """A colleague saved first: say who changed what and when; offer merge (when the parts differ) or reload."""
    conflict = ws.conflict
    if conflict is None:
        if ws.store_error and ws.store is not None and (ws.pending_tables or ws.pending_rules is not None):
            st.error(t("store.save_failed", error=ws.store_error))
        return
    lang = current_lang()
    st.warning(conflict.render(lang))
    if conflict.changes:
        st.dataframe(pd.DataFrame({
            t("history.col_when"): [fmt_when(c.at) for c in conflict.changes],
            t("history.col_who"): [c.author for c in conflict.changes],
            t("history.col_what"): [c.what for c in conflict.changes]}), hide_index=True, width="stretch",
            height=min(180, 38 + 35 * len(conflict.changes)))
    mine = [*ws.pending_tables, *(["rules"] if ws.pending_rules is not None else [])]
    st.caption(t("store.yours", parts=", ".join(mine) or "—"))
    c1, c2, _ = st.columns([1, 1, 3])
    c1.button(t("store.merge"), key="conflict_merge", on_click=_merge, args=(ws,), type="primary",
              disabled=bool(conflict.parts), help=t("store.merge_help"), width="stretch")
    c2.button(t("store.reload"), key="conflict_reload", on_click=_reload, args=(ws,), help=t("store.reload_help"),
              width="stretch")
    if conflict.parts:
        st.caption(t("store.clash", parts=", ".join(conflict.parts)))


def fmt_when(value: Any) -> str:
    """A stored UTC time in the server's local time, to the minute."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    try:
        return str(value.astimezone().strftime("%Y-%m-%d %H:%M"))
    except (AttributeError, ValueError, TypeError):
        return str(value)


def fmt_pct(value: Any) -> str:
    try:
        return f"{float(value):.1%}"
    except (TypeError, ValueError):
        return "—"
