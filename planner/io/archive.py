"""Zip archives under the limits: a .zip of CSVs, and every .xlsx (which is a zip). Members are refused by what
their headers declare before anything is decompressed, then decompressed in chunks and stopped at the limits
whatever the headers claim; a workbook's sheets are scanned for the cells they address, because a reader
allocates the whole rectangle up to the farthest cell (one cell at XFD1048576 made calamine abort)."""

from __future__ import annotations

import html
import re
import struct
import zipfile
from collections.abc import Callable

import numpy as np

from planner.errors import Issue
from planner.io.limits import (
    ARCHIVE_ERRORS,
    CHUNK,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FILE,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_TOTAL,
    MAX_WORKBOOK,
    RATIO_FLOOR,
    Limit,
    table_size_issue,
    too_big,
    too_many_members,
)

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"


def zip_entry_count(data: bytes) -> int | None:
    """Entries a zip declares in its end record, read before `zipfile` builds one object per entry (a zip of a
    million empty members would otherwise cost gigabytes before any check). None when no end record is found."""
    lowest = max(0, len(data) - (1 << 16) - 22)
    start = data.rfind(_EOCD, lowest)
    while start >= 0:  # the record whose comment length reaches the end (the signature may appear in a comment)
        if start + 22 <= len(data) and start + 22 + struct.unpack_from("<H", data, start + 20)[0] == len(data):
            break
        start = data.rfind(_EOCD, lowest, start)
    if start < 0:
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
        return too_big(label, size, single)
    if size > RATIO_FLOOR and size / packed > MAX_RATIO.value():
        return Issue(label, None, None,
                     f"压缩比异常（{size / packed:.0f} 倍，上限 {MAX_RATIO.value()} 倍，{MAX_RATIO.env}），疑似压缩炸弹，已拒绝",
                     f"suspicious compression ratio ({size / packed:.0f}:1, limit {MAX_RATIO.value()}:1, "
                     f"{MAX_RATIO.env}); refused as a possible zip bomb")
    if total_so_far + size > total.value():
        return too_big(label, total_so_far + size, total, total=True)
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
                return too_big(label, size, cap_limit, at_least=True)
            if size > ratio_cap:
                return Issue(label, None, None, f"解压后的大小超过压缩大小的 {MAX_RATIO.value()} 倍，疑似压缩炸弹，已拒绝",
                             f"decompresses to more than {MAX_RATIO.value()}× its packed size; refused as a "
                             "possible zip bomb")
            chunks.append(chunk)
    return b"".join(chunks)


def archive_issues(archive: zipfile.ZipFile, label: str, wanted: Callable[[str], bool] = lambda _: True
                   ) -> list[Issue]:
    """Every member of a workbook within the limits, each one's stream no longer than it declares (a member that
    decompresses beyond its declared size fails zipfile's CRC check), and each worksheet's extent within the row,
    column and cell limits (sheets that are not `wanted` are never parsed, so their extent does not matter). Reads
    the workbook once, in chunks."""
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
    names = _sheet_names(archive)
    for info in infos:
        got = read_member(archive, info, f"{label}:{info.filename}", MAX_WORKBOOK, budget)
        if isinstance(got, Issue):
            return [got]
        budget -= len(got)
        sheet = names.get(info.filename)
        if _WORKSHEET.fullmatch(info.filename) and (sheet is None or wanted(sheet)):  # unnamed: checked to be safe
            issue = _extent_issue(got, f"{label}[{sheet or info.filename}]")
            if issue is not None:
                return [issue]
    return []


_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_CELL_COLUMN = re.compile(rb' r="([A-Z]{1,3})[0-9]')        # a cell's address (rows have digits only)
_CELL_ROW = re.compile(rb' r="[A-Z]{1,3}([0-9]{1,7})"')
_ROW_REF = re.compile(rb'<row\b[^>]*?\br="([0-9]{1,7})"')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _max_number(found: list[bytes]) -> int:
    return int(np.array(found).astype(np.int64).max()) if found else 0


def _extent_issue(xml: bytes, label: str) -> Issue | None:
    """The rectangle a reader will allocate for a sheet: up to its farthest addressed cell and row (or, for cells
    and rows without addresses, their count). About a second for a city's households sheet."""
    columns = max((_column_number(c) for c in set(_CELL_COLUMN.findall(xml))), default=0)
    if columns > MAX_COLUMNS.value():
        return Issue(label, None, None, f"工作表用到第 {columns} 列，超过上限 {MAX_COLUMNS.value()} 列（{MAX_COLUMNS.env}）",
                     f"the sheet reaches column {columns}, more than the limit of {MAX_COLUMNS.value()} "
                     f"({MAX_COLUMNS.env})")
    rows = max(_max_number(_CELL_ROW.findall(xml)), _max_number(_ROW_REF.findall(xml)), xml.count(b"<row"))
    cells = xml.count(b"<c ") + xml.count(b"<c>")
    return table_size_issue(label, rows, max(columns, 1)) or (
        table_size_issue(label, cells, 1) if cells > MAX_CELLS.value() else None)


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → the sheet name users see (best effort: a message names the part when this fails)."""
    try:
        book = archive.read("xl/workbook.xml")[:MAX_FILE.value()]
        rels = archive.read("xl/_rels/workbook.xml.rels")[:MAX_FILE.value()]
    except KeyError:
        return {}
    except ARCHIVE_ERRORS:
        return {}
    targets: dict[bytes, bytes] = {}
    for element in re.findall(rb"<Relationship\b[^>]*>", rels):
        ident, where = re.search(rb'\bId="([^"]+)"', element), re.search(rb'\bTarget="([^"]+)"', element)
        if ident and where:
            targets[ident.group(1)] = where.group(1)
    out: dict[str, str] = {}
    for element in re.findall(rb"<sheet\b[^>]*>", book):
        shown, rel = re.search(rb'\bname="([^"]*)"', element), re.search(rb'\br:id="([^"]+)"', element)
        if not (shown and rel):
            continue
        part = targets.get(rel.group(1), b"").decode("utf-8", "replace").lstrip("/")
        out[part if part.startswith("xl/") else f"xl/{part}"] = html.unescape(shown.group(1).decode("utf-8", "replace"))
    return out


def member_name(info: zipfile.ZipInfo) -> str:
    """Windows zips store Chinese names in GBK without the UTF-8 flag; Python then decodes them as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename
