"""Builders of hostile inputs shared by the bad-input suite and the resource tests: each writes one input (a folder
of the tiny district's CSVs, a zip or a workbook) with exactly one thing wrong."""

from __future__ import annotations

import functools
import io
import shutil
import struct
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd

from tests.fixtures import TINY_YEAR, tiny_tables

RULES_OK = f"year = {TINY_YEAR}\n"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8-sig")


def folder(root: Path, tables: dict[str, pd.DataFrame] | None = None, rules: str | bytes | None = RULES_OK,
           raw: dict[str, bytes] | None = None) -> Path:
    """The tiny district as a folder of CSVs; `raw` replaces a file's bytes (stem.csv or rules.toml)."""
    out = root / "data"
    out.mkdir(parents=True)
    for stem, frame in (tables or tiny_tables()).items():
        (out / f"{stem}.csv").write_bytes(csv_bytes(frame))
    if rules is not None:
        (out / "rules.toml").write_bytes(rules.encode("utf-8") if isinstance(rules, str) else rules)
    for name, data in (raw or {}).items():
        (out / name).write_bytes(data)
    return out


def edited(table: str, row: int, column: str, value: object) -> dict[str, pd.DataFrame]:
    tables = {stem: frame.astype(object) for stem, frame in tiny_tables().items()}
    tables[table].loc[row, column] = value
    return tables


def with_header(table: str, header: list[str]) -> dict[str, bytes]:
    """The table's CSV with its header line replaced (data rows unchanged)."""
    text = tiny_tables()[table].to_csv(index=False)
    body = text.split("\n", 1)[1]
    return {f"{table}.csv": (",".join(header) + "\n" + body).encode("utf-8")}


def wide(root: Path, extra: int) -> Path:
    """households.csv whose header has `extra` more columns (data rows unchanged)."""
    header = list(tiny_tables()["households"].columns) + [f"extra{i}" for i in range(extra)]
    return folder(root, raw=with_header("households", header))


def zip_of(root: Path, members: dict[str, bytes], name: str = "data.zip") -> Path:
    path = root / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def tiny_members() -> dict[str, bytes]:
    members = {f"{stem}.csv": csv_bytes(frame) for stem, frame in tiny_tables().items()}
    members["rules.toml"] = RULES_OK.encode()
    return members


def zip_bomb(path: Path, size: int = 1 << 30) -> Path:
    """A zip whose households.csv inflates to `size` bytes of plausible rows (1 GiB → about 3 MB packed)."""
    row = b"H000001,C01,name,1,34.75,113.62\n"
    chunk = row * ((32 << 20) // len(row))
    members = tiny_members()
    del members["households.csv"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
        with archive.open("households.csv", "w", force_zip64=True) as stream:
            stream.write(b"household_id,community_id,name,priority,lat,lon\n")
            written = 0
            while written < size:
                stream.write(chunk)
                written += len(chunk)
    return path


@functools.cache
def _cached_bomb() -> bytes:
    folder_ = Path(tempfile.mkdtemp(prefix="planner-bomb-"))
    try:
        return zip_bomb(folder_ / "bomb.zip").read_bytes()
    finally:
        shutil.rmtree(folder_)


def cached_bomb(path: Path) -> Path:
    """`zip_bomb` built once per test run (about 5 s), copied to `path`."""
    path.write_bytes(_cached_bomb())
    return path


def lying_zip(root: Path, real: int = 64 << 20, declared: int = 1000) -> Path:
    """households.csv whose headers (local and central) declare `declared` bytes but whose stream holds `real`."""
    members = tiny_members()
    members["households.csv"] = members["households.csv"] + b"H99,C01,x,1,,\n" * (real // 14)
    return lie_about(zip_of(root, members, "lying.zip"), "households.csv", declared)


def lie_about(path: Path, member: str, declared: int) -> Path:
    """Patch a zip member's uncompressed size, in its local and central headers, to `declared`."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        true_size = archive.getinfo(member).file_size
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = data.find(signature)
        while start >= 0:
            if data[start + name_at:start + name_at + len(member)] == member.encode():
                (size,) = struct.unpack_from("<I", data, start + offset)
                if size == true_size:
                    struct.pack_into("<I", data, start + offset, declared)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    return path


def many_members(root: Path, count: int = 1500) -> Path:
    members = tiny_members()
    members.update({f"junk/{i}.txt": b"" for i in range(count)})
    return zip_of(root, members, "many.zip")


def workbook(root: Path, sheets: dict[str, list[list[object]]] | None = None,
             extra_members: dict[str, bytes] | None = None) -> Path:
    """The tiny district as an .xlsx (sheets by English stem); `sheets` replaces or adds sheets verbatim
    (first row = header), `extra_members` adds raw zip members."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    rows_of = {stem: [list(frame.columns), *frame.astype(object).where(frame.notna(), None).values.tolist()]
               for stem, frame in tiny_tables().items()}
    rows_of["rules"] = [["key", "value"], ["year", TINY_YEAR]]
    rows_of.update(sheets or {})
    for name, rows in rows_of.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path = root / "data.xlsx"
    book.save(path)
    if extra_members:
        with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
            for member, data in extra_members.items():
                archive.writestr(member, data)
    return path


def zipped_folder(path: Path) -> bytes:
    """A folder input as the app would receive it: one zip of its files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(path.iterdir()):
            if file.is_file():
                archive.write(file, file.name)
    return buffer.getvalue()


def far_cell(root: Path, cell: str) -> Path:
    """The tiny workbook with one more value in the households sheet at `cell` (e.g. XFD1048576): a reader
    allocates the whole rectangle up to it."""
    path = workbook(root)
    book = openpyxl.load_workbook(path)
    book["households"][cell] = "x"
    book.save(path)
    return path
