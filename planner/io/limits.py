"""Resource limits on input, in one place: the app accepts uploads, so no input may make planner use unbounded
memory or time before it is rejected.

A city is about 50 MB of CSV (150,000 households ≈ 9 MB), so the defaults leave ample room for real data while
refusing a zip bomb or a header with 100,000 columns before anything large is decompressed or parsed. Each limit
can be changed with an environment variable (`PLANNER_MAX_FILE_MB=500`), read when a limit is used, so a test or
an operator can set it without code.
"""

from __future__ import annotations

import lzma
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass

from planner.errors import Issue

MB = 1 << 20
CHUNK = 1 << 20  # bytes decompressed at a time


@dataclass(frozen=True)
class Limit:
    """One limit: its environment variable, default, and unit (MB limits are returned in bytes)."""

    env: str
    default: int
    unit: str  # "MB" or "count"

    def value(self) -> int:
        raw = os.environ.get(self.env, "").strip()
        try:
            number = int(raw) if raw else self.default
        except ValueError:
            number = self.default
        number = max(number, 1)
        return number * MB if self.unit == "MB" else number


# The defaults (README "Limits on input" lists them). Validation holds about 13 bytes per byte of CSV (every cell a
# Python string, then its trimmed and typed copies) and about 5.5 per byte of workbook XML, so these keep the worst
# accepted input near 1 GiB while the largest demo city (9 MB of CSV, 64 MB of XML as a workbook) fits many times.
MAX_FILE = Limit("PLANNER_MAX_FILE_MB", 64, "MB")              # one CSV, one zip member, one input .zip/.xlsx file
MAX_TOTAL = Limit("PLANNER_MAX_TOTAL_MB", 96, "MB")            # all CSVs of one input together
MAX_WORKBOOK = Limit("PLANNER_MAX_WORKBOOK_MB", 192, "MB")     # an .xlsx's members, uncompressed, together
MAX_RATIO = Limit("PLANNER_MAX_RATIO", 100, "count")           # uncompressed / compressed size of a member
MAX_MEMBERS = Limit("PLANNER_MAX_MEMBERS", 1000, "count")      # entries in one zip or xlsx
MAX_COLUMNS = Limit("PLANNER_MAX_COLUMNS", 200, "count")       # columns in one table's header
MAX_RULES = Limit("PLANNER_MAX_RULES_MB", 1, "MB")             # rules.toml
MAX_ROWS = Limit("PLANNER_MAX_ROWS", 1_000_000, "count")       # rows of one table (a city: 150,000 households)
MAX_CELLS = Limit("PLANNER_MAX_CELLS", 10_000_000, "count")    # rows × columns of one table or sheet
# What reading a damaged zip can raise (zlib/lzma errors are not OSErrors; NotImplementedError for an unknown
# compression method and "password required" are RuntimeErrors).
ARCHIVE_ERRORS: tuple[type[Exception], ...] = (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError,
                                               zlib.error, lzma.LZMAError, struct.error)
RATIO_FLOOR = 1 * MB  # members smaller than this are never refused for their ratio (small files compress well)


def mb(n_bytes: int) -> str:
    """A byte count as users read it (MB, one decimal)."""
    return f"{n_bytes / MB:.1f} MB"


def too_many_members(label: str, count: int) -> Issue:
    return Issue(label, None, None, f"压缩包内有 {count} 个文件，超过上限 {MAX_MEMBERS.value()}（{MAX_MEMBERS.env}）",
                 f"the archive holds {count} entries, more than the limit of {MAX_MEMBERS.value()} ({MAX_MEMBERS.env})")


def too_big(label: str, size: int, limit: Limit = MAX_FILE, *, total: bool = False, at_least: bool = False) -> Issue:
    zh = ("合计" if total else "") + ("大小超过 " if at_least else "大小为 ")
    en = ("total " if total else "") + ("size more than " if at_least else "size ")
    return Issue(label, None, None,
                 f"{zh}{mb(size)}，超过上限 {mb(limit.value())}（可用环境变量 {limit.env} 调整，单位 MB）",
                 f"{en}{mb(size)} exceeds the limit of {mb(limit.value())} (environment variable {limit.env}, in MB)")


def table_size_issue(label: str, rows: int, columns: int, at_least: bool = False) -> Issue | None:
    """A table of more rows, or more rows × columns, than the limits (before it is parsed)."""
    more_zh, more_en = ("至少 ", "at least ") if at_least else ("", "")
    if rows > MAX_ROWS.value():
        return Issue(label, None, None, f"行数过多（{more_zh}{rows} 行），上限 {MAX_ROWS.value()} 行（{MAX_ROWS.env}）",
                     f"too many rows ({more_en}{rows}), limit {MAX_ROWS.value()} ({MAX_ROWS.env})")
    if rows * columns > MAX_CELLS.value():
        return Issue(label, None, None,
                     f"单元格过多（{rows} 行 × {columns} 列），上限 {MAX_CELLS.value()} 个（{MAX_CELLS.env}）",
                     f"too many cells ({rows} rows × {columns} columns), limit {MAX_CELLS.value()} ({MAX_CELLS.env})")
    return None
