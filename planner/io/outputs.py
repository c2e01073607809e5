"""Where planner may write: every writer asks here first, because planner never deletes or moves what it did not write.

Rules (README, "Where planner writes, and what it refuses"):
- never the input itself, a path inside it or a folder above it; never under /dev, /proc or /sys, never onto a
  device, pipe or socket, never through a symbolic link as the last part of the path (replacing it drops the link);
- a plan folder replaces only a new path, an empty folder, or a previous plan folder (report.json + plan files only);
- a calendar folder (`export --ics`) replaces only a new path, an empty folder, or a folder of calendars planner
  wrote (*.ics with our PRODID, nothing else);
- a workbook (`export --xlsx`, `template`) replaces only a new path or an .xlsx planner wrote that nobody saved
  since (creator and last modifier "planner", modified == created: a filled-in template is the user's);
- `demo` writes only into a new path or an empty folder.
Everything is written to a temporary sibling first and renamed into place. A folder swap cut short by a kill leaves
`.NAME.old` and/or `.NAME.PID.*.planner-tmp`: the next write (or read) of that folder restores or removes them, and
only when they are recognisably ours (our file names, a dead writer's pid).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from planner.errors import InputError, Issue
from planner.model import PLAN_COLUMNS, TABLES

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory lock, the swap is still recoverable
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("planner.outputs")

SPECIAL_ROOTS = (Path("/dev"), Path("/proc"), Path("/sys"))
TMP_SUFFIX = ".planner-tmp"
PLAN_FILES = frozenset({*(f"{name}.csv" for name in PLAN_COLUMNS), "names.csv", "report.json", "report_due.csv"})
ICS_MARK = b"PRODID:-//planner//"         # planner.export.ics.PRODID starts so
XLSX_CREATOR = "planner"                  # docProps/core.xml <dc:creator> of every workbook we write
CORE_FIELDS = ("dc:creator", "cp:lastModifiedBy", "dcterms:created", "dcterms:modified")
PROBE_BYTES = 4096                        # how much of a calendar we read to recognise it
CORE_XML_MAX = 1 << 20                    # a core.xml larger than this is not ours (and not read)
REPORT_MAX = 64 << 20                     # report.json larger than this is not ours
PAUSE_ENV = "PLANNER_TEST_SWAP_PAUSE"     # tests only: a file to create, then sleep between the two renames


class OutputError(InputError):
    """An output path planner refuses (exit 2): it would replace, delete or move something planner did not write."""


def refuse(path: str | Path, zh: str, en: str) -> NoReturn:
    raise OutputError([Issue(str(path), None, None, zh, en)])


@dataclass(frozen=True)
class FolderKind:
    """What a folder of ours holds: `ours(entry)` for every entry, and `marker` present once complete."""

    zh: str
    en: str
    ours: Callable[[Path], bool]
    marker: str | None = None


def _regular(path: Path) -> bool:
    return stat.S_ISREG(os.lstat(path).st_mode)


def _plan_entry(path: Path) -> bool:
    if path.name not in PLAN_FILES or not _regular(path):
        return False
    if path.name != "report.json":
        return True
    if path.stat().st_size > REPORT_MAX:
        return False
    try:
        return isinstance(json.loads(path.read_text(encoding="utf-8")), dict)
    except (OSError, ValueError):
        return False


def _ics_entry(path: Path) -> bool:
    if path.suffix.lower() != ".ics" or not _regular(path):
        return False
    with path.open("rb") as handle:
        head = handle.read(PROBE_BYTES)
    return head.startswith(b"BEGIN:VCALENDAR") and ICS_MARK in head


PLAN = FolderKind("计划文件夹", "plan folder", _plan_entry, "report.json")
CALENDARS = FolderKind("日历文件夹", "calendar folder", _ics_entry)
DEMO_FILES = frozenset({*(f"{spec.stem}.csv" for spec in TABLES), "rules.toml"})
# demo's temporary folder only (a finished demo folder is never replaced: the user may have edited it)
DEMO = FolderKind("示例数据文件夹", "demo folder", lambda entry: entry.name in DEMO_FILES and _regular(entry))


def planner_workbook(path: Path) -> bool:
    """An .xlsx planner wrote and nobody saved since: docProps/core.xml (read size-bounded) names creator and last
    modifier "planner" and its modified time equals its created time. A filled-in template saved by Excel, WPS,
    LibreOffice or openpyxl gets a new modified time, so it is the user's and never overwritten."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("docProps/core.xml")
            if info.file_size > CORE_XML_MAX:
                return False
            core = archive.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError):
        return False
    fields = {name: re.search(rf"<{name}[^>]*>([^<]*)</{name}>", core) for name in CORE_FIELDS}
    values = {name: m.group(1) if m else None for name, m in fields.items()}
    return (values["dc:creator"] == XLSX_CREATOR and values["cp:lastModifiedBy"] == XLSX_CREATOR
            and values["dcterms:created"] is not None and values["dcterms:created"] == values["dcterms:modified"])


# -- the checks -----------------------------------------------------------------------------------------------------
def _absolute(path: str | Path) -> Path:
    return Path(os.path.abspath(os.path.expanduser(os.fspath(path))))


def _within(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _check_common(out: str | Path, inputs: Iterable[str | Path | None]) -> Path:
    """Refusals shared by every writer; returns the resolved path to write."""
    absolute = _absolute(out)
    if absolute.name in ("", ".", ".."):
        refuse(out, "不能写到根目录", "cannot write onto the root folder")
    if absolute.is_symlink():
        refuse(out, "是符号链接，planner 不替换链接（请直接给出目标路径）",
               "is a symbolic link; planner does not replace links (give the target path itself)")
    real = Path(os.path.realpath(absolute))
    if any(_within(real, root) for root in SPECIAL_ROOTS):
        refuse(out, "是系统的特殊路径（/dev、/proc、/sys），不能写出", "is a special system path (/dev, /proc, /sys)")
    if real.exists() and not (real.is_dir() or real.is_file()):
        refuse(out, "是设备、管道或套接字等特殊文件，不能写出", "is a device, pipe or socket, not a file or folder")
    for given in inputs:
        if given is None or str(given) == "":
            continue
        source = Path(os.path.realpath(_absolute(given)))
        if real == source:
            refuse(out, f"就是输入 {given}，写出会覆盖输入", f"is the input {given}; writing would overwrite it")
        if real.is_relative_to(source):
            refuse(out, f"位于输入 {given} 之内，请写到输入之外", f"is inside the input {given}; write elsewhere")
        if source.is_relative_to(real):
            refuse(out, f"包含输入 {given}（在其上级），请另选位置", f"contains the input {given}; choose another path")
    ancestor = real.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        refuse(out, f"上级路径 {ancestor} 不是文件夹", f"the parent {ancestor} is not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        refuse(out, f"没有在 {ancestor} 中写入的权限", f"no permission to write in {ancestor}")
    return real


def _listing(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError as exc:
        refuse(folder, f"无法读取文件夹：{exc.strerror}", f"cannot read the folder: {exc.strerror}")


def is_ours(folder: Path, kind: FolderKind, complete: bool = True) -> bool:
    """A folder holding nothing but entries of `kind` (and its marker when `complete`)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    entries = _listing(folder)
    if complete and kind.marker is not None and not any(e.name == kind.marker for e in entries):
        return False
    try:
        return all(kind.ours(entry) for entry in entries)
    except OSError:
        return False


def _foreign_listing(folder: Path, kind: FolderKind) -> str:
    names = [e.name for e in _listing(folder) if not _safe_ours(e, kind)][:5]
    return "、".join(names)


def _safe_ours(entry: Path, kind: FolderKind) -> bool:
    try:
        return kind.ours(entry)
    except OSError:
        return False


def check_folder(out: str | Path, kind: FolderKind, inputs: Iterable[str | Path | None] = ()) -> Path:
    """Refuse (OutputError) unless `out` is new, an empty folder, or a complete folder of `kind`."""
    real = _check_common(out, inputs)
    if real.is_file():
        refuse(out, f"已有同名文件；{kind.zh}只能写到新路径、空文件夹或上次的{kind.zh}",
               f"an existing file; a {kind.en} replaces only a new path, an empty folder or a previous {kind.en}")
    if real.is_dir() and _listing(real) and not is_ours(real, kind):
        refuse(out, f"文件夹不是空的，也不是 planner 写出的{kind.zh}（如：{_foreign_listing(real, kind)}），"
                    "为免删除您的文件，未写出", f"a folder that is neither empty nor a {kind.en} planner wrote "
               f"(e.g. {_foreign_listing(real, kind)}); nothing was written so that none of your files is lost")
    old = _old(real)
    if (old.exists() or old.is_symlink()) and not is_ours(old, kind, complete=False):
        refuse(old, "不是 planner 留下的备份，挡住了写出；请移走它", "is in the way and was not left by planner; move it")
    return real


def check_empty_folder(out: str | Path, inputs: Iterable[str | Path | None] = ()) -> Path:
    """`demo`: only a new path or an empty folder (a previous demo could hold the user's edits)."""
    real = _check_common(out, inputs)
    if real.is_file():
        refuse(out, "已有同名文件；示例数据只写到新路径或空文件夹", "an existing file; demo data goes to a new path or empty folder")
    if real.is_dir() and _listing(real):
        refuse(out, "文件夹不是空的；示例数据只写到新路径或空文件夹，以免覆盖您的文件",
               "the folder is not empty; demo data goes only to a new path or an empty folder")
    return real


def check_workbook(out: str | Path, inputs: Iterable[str | Path | None] = ()) -> Path:
    """Refuse unless `out` is new or an .xlsx planner wrote."""
    real = _check_common(out, inputs)
    if real.is_dir():
        refuse(out, "是文件夹，请给出 .xlsx 文件名", "is a folder; give an .xlsx file name")
    if real.is_file() and not planner_workbook(real):
        refuse(out, "已有同名文件且不是 planner 写出的工作簿，为免覆盖未写出",
               "an existing file that planner did not write; not overwritten")
    return real


# -- writing --------------------------------------------------------------------------------------------------------
def _old(out: Path) -> Path:
    return out.with_name(f".{out.name}.old")


def _tmp_pattern(out: Path) -> re.Pattern[str]:
    return re.compile(rf"^\.{re.escape(out.name)}\.(\d+)\.[A-Za-z0-9_]+{re.escape(TMP_SUFFIX)}$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Writers to one parent folder take turns at recovery and swap (an flock dies with its process)."""
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _remove_ours(folder: Path, kind: FolderKind) -> None:
    """Delete our entries one by one (never rmtree): a foreign file that appeared meanwhile survives."""
    for entry in _listing(folder):
        if _safe_ours(entry, kind):
            entry.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def _recover(out: Path, kind: FolderKind | None, restore_old: bool = True) -> None:
    """Restore `.NAME.old` if a swap was cut before the new folder arrived, else remove it; drop dead writers' tmps."""
    old = _old(out)
    if restore_old and kind is not None and old.is_dir() and _listing(old) and is_ours(old, kind, complete=False):
        if not out.exists() and not out.is_symlink() and is_ours(old, kind):
            os.replace(old, out)
            log.warning("restored %s from an interrupted write", out.name)
        elif out.exists():
            _remove_ours(old, kind)
            log.info("removed the backup of an interrupted write next to %s", out.name)
    pattern = _tmp_pattern(out)
    for entry in out.parent.iterdir():
        match = pattern.match(entry.name)
        if not match or _alive(int(match.group(1))) or entry.is_symlink():
            continue
        if entry.is_file():
            entry.unlink()
        elif kind is not None and is_ours(entry, kind, complete=False):
            _remove_ours(entry, kind)
        else:
            continue
        log.info("removed a temporary %s left by an interrupted write", "file" if entry.is_file() else "folder")


def recover(out: str | Path, kind: FolderKind | None) -> None:
    """Public for readers: a plan folder whose swap was killed reads as the previous plan again."""
    real = Path(os.path.realpath(_absolute(out)))
    if not real.parent.is_dir():
        return
    try:
        with _locked(real.parent):
            _recover(real, kind)
    except OSError as exc:
        log.warning("could not recover an interrupted write next to %s: %s", real.name, exc.strerror)


def _pause_for_tests() -> None:
    marker = os.environ.get(PAUSE_ENV)
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(600)


def _io_refusal(out: Path, exc: OSError) -> NoReturn:
    raise OutputError([Issue(str(out), None, None, f"写出失败：{exc.strerror or exc}",
                             f"cannot write: {exc.strerror or exc}")]) from exc


def write_folder(out: str | Path, kind: FolderKind, fill: Callable[[Path], object],
                 inputs: Iterable[str | Path | None] = (), check: Callable[..., Path] | None = None) -> Path:
    """Fill a fresh temporary sibling, then swap it in place of `out` (new, empty, or a complete folder of ours)."""
    inputs = list(inputs)
    guard = check or (lambda path, given: check_folder(path, kind, given))
    real = guard(out, inputs)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        with _locked(real.parent):
            _recover(real, kind, restore_old=check is None)
        tmp = Path(tempfile.mkdtemp(prefix=f".{real.name}.{os.getpid()}.", suffix=TMP_SUFFIX, dir=real.parent))
    except OSError as exc:
        _io_refusal(real, exc)
    try:
        fill(tmp)
        with _locked(real.parent):
            _recover(real, kind, restore_old=check is None)
            guard(out, inputs)   # something may have appeared while we were writing
            if real.is_dir() and _listing(real):
                old = _old(real)
                os.replace(real, old)
                _pause_for_tests()
                os.replace(tmp, real)
                _remove_ours(old, kind)
            else:
                os.replace(tmp, real)   # a new path, or an empty folder (rename replaces it atomically)
    except BaseException as exc:
        if tmp.exists():
            _remove_ours(tmp, kind)
        if isinstance(exc, OSError):
            _io_refusal(real, exc)
        raise
    return real


def write_file(out: str | Path, fill: Callable[[Path], object], inputs: Iterable[str | Path | None] = ()) -> Path:
    """Write a workbook to a temporary sibling, then rename it onto `out` (new, or an .xlsx planner wrote)."""
    inputs = list(inputs)
    real = check_workbook(out, inputs)
    tmp = real.with_name(f".{real.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        with _locked(real.parent):
            _recover(real, None)
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    except OSError as exc:
        _io_refusal(real, exc)
    try:
        fill(tmp)
        with _locked(real.parent):
            check_workbook(out, inputs)
            os.replace(tmp, real)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            _io_refusal(real, exc)
        raise
    return real


def write_new_folder(out: str | Path, fill: Callable[[Path], object],
                     inputs: Iterable[str | Path | None] = ()) -> Path:
    """`demo`: fill a temporary sibling and rename it onto a new path or an empty folder."""
    return write_folder(out, DEMO, fill, inputs, check=check_empty_folder)


__all__ = ["CALENDARS", "PLAN", "FolderKind", "OutputError", "check_empty_folder", "check_folder",
           "check_workbook", "planner_workbook", "recover", "write_file", "write_folder", "write_new_folder"]
