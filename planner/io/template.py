"""The input workbook users fill in: `planner template FILE.xlsx`.

Sheets, in order: 说明 (what the tool does, every table and column, every rule with its default and policy
source), one data sheet per table named by file stem with the Chinese headers in contract order (drop-downs for
enum columns, range checks for numbers, id columns formatted as text so leading zeros survive), 规则 (rule key /
value rows — leave a value empty to keep the default), and 示例 (example rows, in grey, on a separate sheet so the
reader never mistakes them for data). Everything comes from `planner.model.TABLES` and the Rules field metadata,
so the template cannot drift from the reader.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from planner.io.outputs import XLSX_CREATOR, write_file
from planner.model import ENUM_LABELS_ZH, ENUMS, TABLES, ColumnSpec, TableSpec
from planner.rules import SEED_RULES, Rules, rule_fields

INSTRUCTIONS_SHEET = "说明"
RULES_SHEET = "规则"
EXAMPLES_SHEET = "示例"
RULES_HEADERS = ("规则项", "值", "默认值", "说明", "政策依据")
LAST_ROW = 1_048_575  # Excel's last row (0-based): validations cover the whole column
# Every workbook planner writes names a Chinese font on every format (the workbook default included): 等线 is
# Office's Chinese default; charset 134 (GB2312) tells a spreadsheet without it to substitute a Chinese face.
CJK_FONT = {"font_name": "等线", "font_charset": 134, "font_size": 11}
LINE_POINTS = 15        # one line of 11 pt text, in row-height points
CELL_PADDING = 1        # characters of a column's width that wrapped text does not use
TYPE_ZH = {"id": "编号（文本）", "text": "文本", "ref": "编号（引用）", "enum": "选项", "int": "整数", "float": "数值",
           "date": "日期 YYYY-MM-DD"}


def text_width(text: str) -> int:
    """Width in Excel's character units: CJK and other wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def header_height(texts: Sequence[str], widths: Sequence[float]) -> float:
    """Row height (points) that shows every wrapped `texts[i]` in a column of `widths[i]` characters."""
    lines = [max(1, math.ceil(text_width(t) / max(w - CELL_PADDING, 1))) for t, w in zip(texts, widths, strict=False)]
    return LINE_POINTS * max(lines, default=1) + 3


def _allowed(col: ColumnSpec) -> str:
    if col.enum is None:
        return ""
    labels = ENUM_LABELS_ZH.get(col.enum, {})
    return " / ".join(f"{code} {labels.get(code, '')}".strip() for code in ENUMS[col.enum])


def _column_help(col: ColumnSpec) -> str:
    parts = [f"{col.zh}（{col.name}）", "必填" if col.required else "可空", TYPE_ZH[col.type]]
    if col.help_zh and not col.enum:  # an enum's help repeats its allowed values
        parts.append(col.help_zh)
    if col.enum:
        parts.append("可选：" + _allowed(col))
    if col.ref:
        parts.append({"people": "区级领导、区直单位或党员干部的编号",
                      "subject": "按类型：领导 / 单位 / 干部编号",
                      "target": "按类型：办事处 / 社区 / 联系户编号"}.get(col.ref, f"须为 {col.ref} 表中的编号"))
    if col.default is not None:
        parts.append(f"空则为 {col.default}")
    return "；".join(parts)


INSTRUCTION_WIDTHS = (22, 16, 10, 80)
RULES_WIDTHS = (34, 10, 10, 44, 80)
PAPER_A4 = 9
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6}   # inches; room for the header and footer lines


def _print_setup(sheet: Worksheet, repeat: tuple[int, int] | None, landscape: bool = True) -> None:
    """Prints cleanly: A4, fitted to one page wide (as many pages tall as needed), the header row(s) repeated on
    every page, narrow margins, the sheet name and page numbers in the page header and footer."""
    if landscape:
        sheet.set_landscape()
    sheet.set_paper(PAPER_A4)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(**MARGINS)
    if repeat is not None:
        sheet.repeat_rows(*repeat)
    sheet.set_header("&L党员干部直接联系服务群众 输入模板&R&A")
    sheet.set_footer("&C第 &P 页，共 &N 页")


def _wrapped_row(sheet: Worksheet, row: int, values: Sequence[str], widths: Sequence[float], cell_format: Any) -> None:
    """One row of wrapped text, tall enough for its longest cell (spreadsheets do not grow rows on their own)."""
    sheet.write_row(row, 0, values, cell_format)
    sheet.set_row(row, header_height(values, widths))


def _write_instructions(book: Workbook, sheet: Worksheet, formats: dict[str, Any]) -> None:
    widths = INSTRUCTION_WIDTHS
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)
    lines: list[tuple[str, ...]] = [
        ("党员干部直接联系服务群众 年度联系计划 —— 输入模板",),
        ("本工具根据下列各表，自动安排：区级领导联系办事处、区直单位联系社区、党员干部联系困难群众家庭，",),
        ("并生成全年走访日历（联系点走访、进社区、入户走访与谈心谈话、信访接待），满足《" + SEED_RULES + "》的各项要求。",),
        ("填写方法：在以表名命名的工作表中逐行填写（第1行为表头，请勿修改）；编号可含字母和前导零；"
         "表头为橙色的列必填；“示例”工作表给出了示例行；“规则”工作表可调整各项规则（留空即用默认值）。",),
        ("必需的表：offices、communities、households、leaders、units、cadres；"
         "可选的表：unavailability、pins、forbidden、holidays（可留空）。",),
        ("",),
    ]
    row = 0
    for line in lines:   # the introduction spans the four columns, wrapped
        if line[0]:
            sheet.merge_range(row, 0, row, len(widths) - 1, line[0], formats["title"] if row == 0 else formats["plain"])
            sheet.set_row(row, max(header_height(line, [sum(widths)]), 20 if row == 0 else 0))
        row += 1
    header_row = row
    sheet.write_row(row, 0, ("工作表 / 列", "英文列名", "必填", "说明"), formats["header"])
    row += 1
    for spec in TABLES:
        need = "必需" if spec.required else "可选"
        _wrapped_row(sheet, row, (f"{spec.stem}（{spec.zh}）", spec.file, need, spec.help_zh), widths,
                     formats["table_wrap"])
        row += 1
        for col in spec.columns:
            _wrapped_row(sheet, row, (f"  {col.zh}", col.name, "是" if col.required else "", _column_help(col)),
                         widths, formats["plain"])
            row += 1
    row += 1
    sheet.write_row(row, 0, ("规则（在“规则”表修改）", "规则项", "默认值", "说明 / 政策依据"), formats["header"])
    row += 1
    for name, label, default, source in _rule_rows():
        text = label + (f"。依据：{source}" if source else "")
        _wrapped_row(sheet, row, (label, name, default, text), widths, formats["plain"])
        row += 1
    _print_setup(sheet, (header_row, header_row))


def _rule_rows() -> list[tuple[str, str, str, str]]:
    """(dotted key, Chinese label, default as shown, policy source) for every editable rule."""
    defaults = Rules()
    rows = []
    for name, f in rule_fields():
        value: Any = defaults
        for part in name.split("."):
            value = getattr(value, part)
        shown = "下一年" if name == "year" else (("是" if value else "否") if isinstance(value, bool) else str(value))
        rows.append((name, str(f.metadata.get("zh", name)), shown, str(f.metadata.get("source", ""))))
    return rows


def _write_table_sheet(sheet: Worksheet, spec: TableSpec, formats: dict[str, Any]) -> None:
    for i, col in enumerate(spec.columns):
        width = max(12, 2 * len(col.zh) + 4)
        cell_format = formats["text"] if col.type in ("id", "ref", "text") else None
        sheet.set_column(i, i, width, cell_format)
        sheet.write_string(0, i, col.zh, formats["required"] if col.required else formats["header"])
        sheet.write_comment(0, i, _column_help(col), {"x_scale": 2, "y_scale": 1.5})
        _add_validation(sheet, i, col)
    sheet.freeze_panes(1, 0)
    _print_setup(sheet, (0, 0))


def _add_validation(sheet: Worksheet, i: int, col: ColumnSpec) -> None:
    """Drop-downs offer the Chinese labels; typing the English code is allowed too (warning style)."""
    if col.enum is not None:
        labels = ENUM_LABELS_ZH.get(col.enum, {})
        sheet.data_validation(1, i, LAST_ROW, i, {
            "validate": "list", "source": [labels.get(code, code) for code in ENUMS[col.enum]],
            "error_type": "warning", "error_title": col.zh, "error_message": "可选：" + _allowed(col)})
    elif col.type in ("int", "float"):
        options: dict[str, Any] = {"validate": "integer" if col.type == "int" else "decimal",
                                   "error_type": "warning", "error_title": col.zh, "error_message": _column_help(col)}
        if col.minimum is not None and col.maximum is not None:
            options.update(criteria="between", minimum=col.minimum, maximum=col.maximum)
        elif col.minimum is not None:
            options.update(criteria=">=", value=col.minimum)
        else:
            return
        sheet.data_validation(1, i, LAST_ROW, i, options)


def _write_rules_sheet(sheet: Worksheet, formats: dict[str, Any]) -> None:
    sheet.write_row(0, 0, RULES_HEADERS, formats["header"])
    for c, width in enumerate(RULES_WIDTHS):
        sheet.set_column(c, c, width, formats["text"] if c == 0 else None)
    for row, (name, label, default, source) in enumerate(_rule_rows(), start=1):
        sheet.write_string(row, 0, name, formats["text_top"])
        sheet.write_string(row, 2, default, formats["grey_top"])
        sheet.write_string(row, 3, label, formats["plain"])
        sheet.write_string(row, 4, source, formats["plain"])
        sheet.set_row(row, header_height((name, label, source), (RULES_WIDTHS[0], *RULES_WIDTHS[3:])))
    sheet.freeze_panes(1, 0)
    _print_setup(sheet, (0, 0))


def _write_examples(sheet: Worksheet, formats: dict[str, Any]) -> None:
    row = 0
    sheet.write_string(row, 0, "示例：下列灰色行仅作示范，请在各表中填写真实数据（本表不会被读取）。", formats["title"])
    row += 2
    sheet.set_column(0, 8, 16)
    for spec in TABLES:
        sheet.write_string(row, 0, f"{spec.stem}（{spec.zh}）", formats["table"])
        row += 1
        sheet.write_row(row, 0, [c.zh for c in spec.columns], formats["header"])
        row += 1
        for example in spec.example:
            for i, value in enumerate(example):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(row, i, value, formats["grey"])
                else:
                    sheet.write_string(row, i, str(value), formats["grey"])
            row += 1
        row += 1
    _print_setup(sheet, None)


def write_template(path: str | Path, inputs: Iterable[str | Path | None] = ()) -> Path:
    """Write the empty input workbook (see module docstring) to a new path or over a workbook we wrote."""
    return write_file(path, _write_book, inputs)


def _write_book(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "default_format_properties": dict(CJK_FONT)})
    book.set_properties({"author": XLSX_CREATOR, "title": "党员干部直接联系服务群众 输入模板"})
    formats = {
        "title": book.add_format({"bold": True, "font_size": 13}),
        "plain": book.add_format({"text_wrap": True, "valign": "top"}),
        "text_top": book.add_format({"num_format": "@", "text_wrap": True, "valign": "top"}),
        "header": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "required": book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1}),
        "table": book.add_format({"bold": True, "bg_color": "#F2F2F2"}),
        "table_wrap": book.add_format({"bold": True, "bg_color": "#F2F2F2", "text_wrap": True, "valign": "top"}),
        "grey": book.add_format({"font_color": "#808080"}),
        "grey_top": book.add_format({"font_color": "#808080", "valign": "top"}),
        "text": book.add_format({"num_format": "@"}),
    }
    try:
        _write_instructions(book, book.add_worksheet(INSTRUCTIONS_SHEET), formats)
        for spec in TABLES:
            _write_table_sheet(book.add_worksheet(spec.stem), spec, formats)
        _write_actuals_sheet(book, formats)
        _write_cases_sheet(book, formats)
        _write_rules_sheet(book.add_worksheet(RULES_SHEET), formats)
        _write_examples(book.add_worksheet(EXAMPLES_SHEET), formats)
    finally:
        book.close()


def _write_actuals_sheet(book: Workbook, formats: dict[str, Any]) -> None:
    """The 走访记录 sheet (actual visits, Part 2): read by `planner progress --actuals` and the app, not by plan."""
    from planner.supervision.actuals import ACTUALS_SPEC

    _write_table_sheet(book.add_worksheet(ACTUALS_SPEC.zh), ACTUALS_SPEC, formats)


def _write_cases_sheet(book: Workbook, formats: dict[str, Any]) -> None:
    """The 问题台账 sheet (case ledger, Part 2): read by `planner progress --cases` and the app, not by plan.
    Source and satisfaction get drop-downs of their Chinese words (the English codes are accepted too)."""
    from planner.supervision.cases import CASES_SPEC, SATISFIED, SOURCES

    sheet = book.add_worksheet(CASES_SPEC.zh)
    _write_table_sheet(sheet, CASES_SPEC, formats)
    for column, words in (("source", SOURCES), ("satisfied", SATISFIED)):
        i = CASES_SPEC.names.index(column)
        sheet.data_validation(1, i, LAST_ROW, i, {"validate": "list", "source": list(words.values()),
                                                  "error_type": "warning", "error_title": CASES_SPEC.columns[i].zh,
                                                  "error_message": "可选：" + " / ".join(words.values())})


def example_tables() -> dict[str, list[dict[str, object]]]:
    """The template's example rows as records per table (English keys): tests and the app's preview use them."""
    return {spec.stem: [dict(zip(spec.names, row, strict=True)) for row in spec.example] for spec in TABLES}

