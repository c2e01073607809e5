"""The supervision bulletin 通报.xlsx (and a printable HTML of the same): what the department sends out.

Sheets: 概况 (status counts, completion by office and by unit with red/amber/green, spot-check confirmation),
月度进度 (cumulative completion by month, with a line chart per level), 需要帮助 (obligations behind the plan or no
longer reachable, with the gap; ordered by unit and person id — who needs help, not a ranking), 漏报期 (spread
periods without a visit), 异常记录 (visits by a person not linked to the target); with `--cases`, 台账 (every
case by id, owner unit and dates, overdue first — never the summary: the bulletin goes to units) and a 概况
section of per-unit closing rates. Household names and visit notes
never appear (households by id and community). A Chinese font is named (LibreOffice otherwise falls back to a
Japanese face), A4 landscape, fit to width, header rows repeated on every printed page.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from planner.io.safe import guard_text
from planner.problem import Problem
from planner.supervision.labels import (
    KIND_LABELS,
    OBLIGATION_LABELS,
    RAG_COLOURS,
    RAG_LABELS,
    STATUS_LABELS,
    label,
)
from planner.supervision.progress import OBLIGATIONS, STATUSES, Progress, period_label
from planner.supervision.summary import by_level, needs_help

FONT = "等线"
PAPER_A4 = 9
TITLE = "党员干部直接联系服务群众工作通报"
MAX_CHART_SERIES = 20   # more lines than this are unreadable: the chart then shows the first 20 (by id)


def _tuples(frame: pd.DataFrame) -> Any:
    """Rows as namedtuples (typed Any: column attributes are not known to mypy)."""
    return frame.itertuples(index=False)


def _names(problem: Problem) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for kind, frame, col in (("leader", problem.leaders, "leader_id"), ("unit", problem.units, "unit_id"),
                             ("cadre", problem.cadres, "cadre_id"), ("office", problem.offices, "office_id"),
                             ("community", problem.communities, "community_id")):
        out.update({(kind, str(i)): str(n) for i, n in zip(frame[col], frame["name"], strict=True)})
    community = {str(c): str(n) for c, n in zip(problem.communities["community_id"], problem.communities["name"],
                                                 strict=True)}
    out.update({("household", str(h)): f"{h}（{community.get(str(c), c)}）"
                for h, c in zip(problem.households["household_id"], problem.households["community_id"], strict=True)})
    return out


def bulletin_tables(progress: Progress, problem: Problem, checks: pd.DataFrame | None = None,
                    cases: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every table of the bulletin as (headers, rows), shared by the workbook and the HTML; `cases` holds the case
    ledger's tables (planner.supervision.case_report.ledger_tables) when `--cases` was given."""
    names = _names(problem)
    counts = progress.table.groupby(["obligation", "status"]).size()
    status_rows = [[label(OBLIGATION_LABELS, ob), *(int(counts.get((ob, st), 0)) for st in STATUSES)]
                   for ob in OBLIGATIONS if (progress.table["obligation"] == ob).any()]
    levels = {}
    for level in ("office", "unit"):
        frame = by_level(progress, problem, level)
        levels[level] = [[r.id, r.name, int(r.required), int(r.planned_to_date), int(r.done),
                          round(100 * float(r.completion), 1), label(RAG_LABELS, r.rag), int(r.behind),
                          int(r.cannot_meet), r.rag] for r in _tuples(frame)]
    helped = needs_help(progress)
    help_rows = [[label(KIND_LABELS, r.person_kind), r.unit_id or "", r.person_id,
                  names.get((r.person_kind, r.person_id), ""), names.get((r.target_kind, r.target_id), r.target_id),
                  label(OBLIGATION_LABELS, r.obligation), int(r.required), int(r.planned_to_date), int(r.done),
                  int(r.gap_to_plan), int(r.gap_to_required), int(r.left_days),
                  "" if pd.isna(r.periods_missed) else int(r.periods_missed), label(STATUS_LABELS, r.status)]
                 for r in _tuples(helped)]
    missed = progress.missed.sort_values(["person_kind", "person_id", "target_id", "period"], kind="stable")
    missed_rows = [[label(KIND_LABELS, r.person_kind), r.person_id, names.get((r.person_kind, r.person_id), ""),
                    names.get((r.target_kind, r.target_id), r.target_id), label(OBLIGATION_LABELS, r.obligation),
                    period_label(int(r.first_month), int(r.last_month))] for r in _tuples(missed)]
    anomaly_rows = [[pd.Timestamp(r.date).strftime("%Y-%m-%d"), label(KIND_LABELS, r.person_kind), r.person_id,
                     names.get((r.person_kind, r.person_id), ""), r.activity, label(KIND_LABELS, r.target_kind),
                     r.target_id] for r in _tuples(progress.anomalies)]
    out: dict[str, Any] = {
        "status": (["义务", *(label(STATUS_LABELS, s) for s in STATUSES)], status_rows),
        "office": (["办事处编号", "办事处", "应完成（全年）", "计划至今", "已完成", "完成率%", "评价", "落后项",
                    "无法完成项"], levels["office"]),
        "unit": (["单位编号", "单位", "应完成（全年）", "计划至今", "已完成", "完成率%", "评价", "落后项", "无法完成项"],
                 levels["unit"]),
        "help": (["类别", "所属单位", "编号", "姓名", "联系对象", "义务", "全年应完成", "计划至今", "已完成", "差计划",
                  "差全年", "剩余工作日", "漏报期数", "状态"], help_rows),
        "missed": (["类别", "编号", "姓名", "联系对象", "义务", "未走访的期间"], missed_rows),
        "anomalies": (["日期", "类别", "编号", "姓名", "活动", "对象类别", "对象编号"], anomaly_rows),
    }
    if checks is not None and len(checks):
        unit_names = {str(u): str(n) for u, n in zip(problem.units["unit_id"], problem.units["name"], strict=True)}
        out["checks"] = (["单位编号", "单位", "已回访", "属实", "不属实", "待回访", "确认率%"],
                         [[r.unit_id, unit_names.get(r.unit_id, ""), int(r.checked), int(r.confirmed),
                           int(r.not_confirmed), int(r.pending), "" if pd.isna(r.rate) else round(100 * r.rate, 1)]
                          for r in _tuples(checks)])
    out.update(cases or {})
    return out


def _month_grid(progress: Progress, problem: Problem, level: str) -> tuple[list[str], list[list[Any]]]:
    monthly = progress.monthly.loc[progress.monthly["level"] == level]
    if monthly.empty:
        return ["编号", "名称"], []
    names = _names(problem)
    ratio = (100 * monthly["done"] / monthly["planned"].where(monthly["planned"] > 0)).round(1)
    grid = monthly.assign(ratio=ratio).pivot(index="id", columns="month", values="ratio")
    months = list(grid.columns)
    rows = [[i, names.get((level, str(i)), ""), *(None if pd.isna(v) else float(v) for v in grid.loc[i])]
            for i in grid.index]
    return ["编号", "名称", *(f"{m}月" for m in months)], rows


def write_bulletin(progress: Progress, problem: Problem, path: str | Path, checks: pd.DataFrame | None = None,
                   cases: dict[str, Any] | None = None) -> Path:
    path = Path(path)
    tables = bulletin_tables(progress, problem, checks, cases)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "strings_to_numbers": False})
    book.formats[0].set_font_name(FONT)
    book.set_properties({"title": TITLE, "author": "planner"})
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 16, "font_name": FONT}),
        "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                 "align": "center", "valign": "vcenter", "font_name": FONT}),
        "cell": book.add_format({"border": 1, "font_name": FONT}),
        # formula-looking text as a text cell with Excel's hidden quote prefix, not a visible apostrophe
        "cell_quoted": book.add_format({"border": 1, "font_name": FONT, "quote_prefix": True}),
        "section": book.add_format({"bold": True, "font_size": 12, "font_name": FONT}),
        **{rag: book.add_format({"border": 1, "bg_color": colour, "font_name": FONT})
           for rag, colour in RAG_COLOURS.items()},
    }

    def setup(ws: Any, widths: list[int]) -> None:
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        ws.set_landscape()
        ws.set_paper(PAPER_A4)
        ws.fit_to_pages(1, 0)
        ws.set_header(f"&L{TITLE}&R截至 {progress.as_of.isoformat()}")
        ws.set_footer("&C第 &P 页，共 &N 页")

    def risky(value: Any) -> bool:
        return isinstance(value, str) and guard_text(value) != value

    def table(ws: Any, row: int, headers: list[str], rows: list[list[Any]], rag_col: int | None = None) -> int:
        ws.write_row(row, 0, headers, fmt["head"])
        for r, values in enumerate(rows, start=row + 1):
            shown = values[: len(headers)]
            style = fmt[values[-1]] if rag_col is not None else fmt["cell"]
            ws.write_row(r, 0, shown, fmt["cell"])
            for c, value in enumerate(shown):
                if risky(value):
                    ws.write_string(r, c, value, fmt["cell_quoted"])
            if rag_col is not None:
                ws.write(r, rag_col, shown[rag_col], style)
        return row + len(rows) + 2

    ws = book.add_worksheet("概况")
    setup(ws, [16, 22, 14, 12, 10, 10, 10, 10, 12])
    ws.write(0, 0, TITLE, fmt["title"])
    ws.write(1, 0, f"截至 {progress.as_of.isoformat()}（仅统计此日及以前的走访记录）")
    row = 3
    for key, heading in (("status", "一、各项义务完成情况（条）"), ("office", "二、各办事处完成情况"),
                         ("unit", "三、各单位完成情况"), ("checks", "四、随机抽查回访确认率"),
                         ("case_units", "五、各单位问题办结情况（问题台账）")):
        if key not in tables:
            continue
        ws.write(row, 0, heading, fmt["section"])
        headers, rows = tables[key]
        row = table(ws, row + 1, headers, rows, rag_col=6 if key in ("office", "unit") else None)
    ws.write(row, 0, f"说明：完成率 = 已完成 ÷ 计划至今（每项义务以全年应完成数为上限）；良好 ≥ 95%，需关注 ≥ 80%。"
                     f"异常记录 {len(progress.anomalies)} 条（走访对象不是本人联系对象），见“异常记录”表。")

    ws = book.add_worksheet("月度进度")
    setup(ws, [12, 24, *([8] * 12)])
    row = 0
    for level, heading in (("office", "各办事处累计完成率（%，按月末）"), ("unit", "各单位累计完成率（%，按月末）")):
        headers, rows = _month_grid(progress, problem, level)
        ws.write(row, 0, heading, fmt["section"])
        start = row + 1
        row = table(ws, start, headers, rows)
        if rows and len(headers) > 2:
            chart = book.add_chart({"type": "line"})
            for i in range(min(len(rows), MAX_CHART_SERIES)):
                r = start + 1 + i
                chart.add_series({"name": ["月度进度", r, 1], "categories": ["月度进度", start, 2, start, len(headers) - 1],
                                  "values": ["月度进度", r, 2, r, len(headers) - 1], "marker": {"type": "circle"}})
            chart.set_title({"name": heading, "name_font": {"name": FONT, "size": 11}})
            chart.set_y_axis({"min": 0, "max": 110, "name": "%", "num_font": {"name": FONT}})
            chart.set_x_axis({"num_font": {"name": FONT}})
            chart.set_legend({"position": "right", "font": {"name": FONT, "size": 8}})
            chart.set_size({"width": 900, "height": 360})
            ws.insert_chart(row, 0, chart)
            row += 20

    for key, name, widths in (("help", "需要帮助", [10, 10, 10, 12, 24, 22, 10, 10, 8, 8, 8, 10, 8, 14]),
                              ("missed", "漏报期", [10, 10, 12, 26, 22, 14]),
                              ("anomalies", "异常记录", [12, 10, 10, 12, 10, 10, 12]),
                              ("cases", "台账", [12, 8, 8, 12, 20, 10, 10, 12, 12, 12, 12, 12, 8, 8])):
        if key not in tables:
            continue
        ws = book.add_worksheet(name)
        setup(ws, widths)
        headers, rows = tables[key]
        table(ws, 0, headers, rows)
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)
        if rows:
            ws.autofilter(0, 0, len(rows), len(headers) - 1)
    book.close()
    return path


def bulletin_html(progress: Progress, problem: Problem, checks: pd.DataFrame | None = None,
                  cases: dict[str, Any] | None = None) -> str:
    """A printable HTML page of the same tables, with an inline SVG chart of monthly completion by office."""
    tables = bulletin_tables(progress, problem, checks, cases)

    def render(headers: list[str], rows: list[list[Any]], rag: bool = False) -> str:
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
        body = []
        for values in rows:
            style = f' style="background:{RAG_COLOURS[values[-1]]}"' if rag else ""
            cells = "".join(f"<td>{'' if v is None else html.escape(str(v))}</td>" for v in values[: len(headers)])
            body.append(f"<tr{style}>{cells}</tr>")
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"

    sections = [("status", "一、各项义务完成情况（条）"), ("office", "二、各办事处完成情况"), ("unit", "三、各单位完成情况"),
                ("checks", "四、随机抽查回访确认率"), ("help", "五、需要帮助的联系对象"), ("missed", "六、漏报期"),
                ("anomalies", "七、异常记录"), ("case_units", "八、各单位问题办结情况"),
                ("cases", "九、问题台账（超期在前）")]
    parts = [f"<h1>{TITLE}</h1><p>截至 {progress.as_of.isoformat()}</p>"]
    for key, heading in sections:
        if key in tables:
            headers, rows = tables[key]
            parts.append(f"<h2>{heading}</h2>" + render(headers, rows, rag=key in ("office", "unit")))
            if key == "office":
                parts.append(_svg_chart(progress, problem, "office"))
    style = ("body{font-family:'等线','DengXian','宋体','SimSun','Noto Sans CJK SC',sans-serif;font-size:11pt}"
             "table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #888;padding:2px 6px}"
             "th{background:#DDEBF7}thead{display:table-header-group}tr{page-break-inside:avoid}"
             "@page{size:A4 landscape;margin:12mm}")
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{TITLE}</title>'
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")


def _svg_chart(progress: Progress, problem: Problem, level: str) -> str:
    headers, rows = _month_grid(progress, problem, level)
    if not rows or len(headers) <= 2:
        return ""
    width, height, pad = 720, 260, 36
    n = len(headers) - 2
    colours = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
               "#17becf")
    lines = []
    for i, row in enumerate(rows[:MAX_CHART_SERIES]):
        points = [(pad + (width - 2 * pad) * (m / max(n - 1, 1)), height - pad - (height - 2 * pad) * min(v, 110) / 110)
                  for m, v in enumerate(row[2:]) if v is not None]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        lines.append(f'<polyline fill="none" stroke="{colours[i % len(colours)]}" stroke-width="2" points="{path}">'
                     f"<title>{html.escape(str(row[1]))}</title></polyline>")
    labels = "".join(f'<text x="{pad + (width - 2 * pad) * (m / max(n - 1, 1)):.0f}" y="{height - 8}" '
                     f'font-size="10" text-anchor="middle">{html.escape(h)}</text>' for m, h in enumerate(headers[2:]))
    axis = f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#444"/>'
    return f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">{axis}{labels}{"".join(lines)}</svg>'
