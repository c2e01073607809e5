"""One raw text table from an upload or a file: a CSV, or one named sheet of a workbook (actual visits, the case
ledger). Workbooks pass the same size and compression limits as the input tables (planner/io/archive.py) before a
reader decompresses them, so a hostile upload costs no more here than on the 数据 page."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

import pandas as pd

from planner.errors import InputError, Issue
from planner.io import archive as zips
from planner.io import limits
from planner.io.read import excel_engine, parse_csv


def raw_table(name: str, data: bytes, sheet_zh: str, sheet_names: Sequence[str]) -> pd.DataFrame:
    """Bytes of a .csv or .xlsx → raw text table; attrs['label'] names file (and sheet) for located errors."""
    if name.lower().endswith((".xlsx", ".xlsm")):
        return _sheet(name, data, sheet_zh, {s.lower() for s in sheet_names})
    parsed, issue = parse_csv(data, name)
    if issue is not None or parsed is None:
        raise InputError([issue or Issue(name, None, None, "无法读取", "cannot read")])
    parsed.attrs["label"] = name
    return parsed


def _sheet(name: str, data: bytes, sheet_zh: str, wanted: set[str]) -> pd.DataFrame:
    def is_wanted(sheet: object) -> bool:
        return str(sheet).strip().lower() in wanted

    count = zips.zip_entry_count(data)
    if count is not None and count > limits.MAX_MEMBERS.value():
        raise InputError([limits.too_many_members(name, count)])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            problems = zips.archive_issues(book, name, is_wanted)
        if problems:
            raise InputError(problems[:1])
        with pd.ExcelFile(io.BytesIO(data), engine=excel_engine()) as workbook:
            sheet = next((s for s in workbook.sheet_names if is_wanted(s)), None)
            if sheet is None:
                raise InputError([Issue(name, None, None, f"工作簿中没有“{sheet_zh}”表",
                                        f"the workbook has no sheet '{sheet_zh}'")])
            frame = workbook.parse(sheet_name=sheet, dtype=str, keep_default_na=False, na_filter=False)
    except InputError:
        raise
    except Exception as exc:  # corrupt workbooks raise many kinds (zip, xml, key errors)
        raise InputError([Issue(name, None, None, f"无法打开工作簿：{exc}", f"cannot open workbook: {exc}")]) from exc
    frame.attrs["label"] = f"{name}[{sheet}]"
    return frame
