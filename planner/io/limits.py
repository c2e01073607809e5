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
# What reading a damaged zip can raise (zlib/lzma errors are not OSErrors; NotImplementedError for an unknown
# compression method and "password required" are RuntimeErrors).
ARCHIVE_ERRORS: tuple[type[Exception], ...] = (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError,
                                               zlib.error, lzma.LZMAError, struct.error)
RATIO_FLOOR = 1 * MB  # members smaller than this are never refused for their ratio (small files compress well)


def mb(n_bytes: int) -> str:
    """A byte count as users read it (MB, one decimal)."""
    return f"{n_bytes / MB:.1f} MB"


# -- archives (a .zip of CSVs, and every .xlsx, which is a zip) ---------------------------------------------------
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"


def zip_entry_count(data: bytes) -> int | None:
    """Entries a zip declares in its end record, read before `zipfile` builds one object per entry (a zip of a
    million empty members would otherwise cost gigabytes before any check). None when no end record is found."""
    start = data.rfind(_EOCD, max(0, len(data) - (1 << 16) - 22))
    if start < 0 or start + 22 > len(data):
        return None
    (total,) = struct.unpack_from("<H", data, start + 10)
    locator = start - 20
    if total == 0xFFFF and locator >= 0 and data[locator:locator + 4] == _ZIP64_LOCATOR:
        (offset,) = struct.unpack_from("<Q", data, locator + 8)
        if offset + 40 <= len(data) and data[offset:offset + 4] == b"PK\x06\x06":
            (total,) = struct.unpack_from("<Q", data, offset + 32)
    return int(total)


def member_issue(info: zipfile.ZipInfo, label: str, total_so_far: int, total: Limit = MAX_TOTAL) -> Issue | None:
    """Refuse a member by what its header declares, before anything is decompressed."""
    size, packed = info.file_size, max(info.compress_size, 1)
    single = MAX_FILE if total is MAX_TOTAL else total
    if size > single.value():
        return _too_big(label, size, single)
    if size > RATIO_FLOOR and size / packed > MAX_RATIO.value():
        return Issue(label, None, None,
                     f"压缩比异常（{size / packed:.0f} 倍，上限 {MAX_RATIO.value()} 倍，{MAX_RATIO.env}），疑似压缩炸弹，已拒绝",
                     f"suspicious compression ratio ({size / packed:.0f}:1, limit {MAX_RATIO.value()}:1, "
                     f"{MAX_RATIO.env}); refused as a possible zip bomb")
    if total_so_far + size > total.value():
        return _too_big(label, total_so_far + size, total, total=True)
    return None


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, limit: Limit = MAX_FILE,
                budget: int | None = None) -> bytes | Issue:
    """A member's bytes, decompressed in chunks and stopped at `limit` (or the `budget` left of MAX_TOTAL) or at
    the ratio limit, whatever its header says (headers can lie)."""
    cap, cap_limit = limit.value(), limit
    if budget is not None and budget < cap:
        cap, cap_limit = budget, (MAX_TOTAL if limit is MAX_FILE else limit)
    ratio_cap = max(RATIO_FLOOR, max(info.compress_size, 1) * MAX_RATIO.value())
    chunks: list[bytes] = []
    size = 0
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > cap:
                return _too_big(label, size, cap_limit, at_least=True)
            if size > ratio_cap:
                return Issue(label, None, None, f"解压后的大小超过压缩大小的 {MAX_RATIO.value()} 倍，疑似压缩炸弹，已拒绝",
                             f"decompresses to more than {MAX_RATIO.value()}× its packed size; refused as a "
                             "possible zip bomb")
            chunks.append(chunk)
    return b"".join(chunks)


def archive_issues(archive: zipfile.ZipFile, label: str) -> list[Issue]:
    """Every member of a workbook within the limits, and each one's stream no longer than it declares (a member
    that decompresses beyond its declared size fails zipfile's CRC check). Reads the workbook once, in chunks."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS.value():
        return [too_many_members(label, len(infos))]
    total = 0
    for info in infos:
        issue = member_issue(info, f"{label}:{info.filename}", total, MAX_WORKBOOK)
        if issue is not None:
            return [issue]
        total += info.file_size
    budget = MAX_WORKBOOK.value()
    for info in infos:
        got = read_member(archive, info, f"{label}:{info.filename}", MAX_WORKBOOK, budget)
        if isinstance(got, Issue):
            return [got]
        budget -= len(got)
    return []


def too_many_members(label: str, count: int) -> Issue:
    return Issue(label, None, None, f"压缩包内有 {count} 个文件，超过上限 {MAX_MEMBERS.value()}（{MAX_MEMBERS.env}）",
                 f"the archive holds {count} entries, more than the limit of {MAX_MEMBERS.value()} ({MAX_MEMBERS.env})")


def too_big(label: str, size: int, limit: Limit = MAX_FILE) -> Issue:
    return _too_big(label, size, limit)


def _too_big(label: str, size: int, limit: Limit, total: bool = False, at_least: bool = False) -> Issue:
    zh = ("合计" if total else "") + ("大小超过 " if at_least else "大小为 ")
    en = ("total " if total else "") + ("size more than " if at_least else "size ")
    return Issue(label, None, None,
                 f"{zh}{mb(size)}，超过上限 {mb(limit.value())}（可用环境变量 {limit.env} 调整，单位 MB）",
                 f"{en}{mb(size)} exceeds the limit of {mb(limit.value())} (environment variable {limit.env}, in MB)")
