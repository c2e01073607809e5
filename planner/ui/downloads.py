"""Bytes for the download buttons: built only when the user clicks (the buttons get callables)."""

from __future__ import annotations

import io
import tempfile
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from planner.errors import InputError, Issue
from planner.plan import Plan, read_plan, write_plan

PLAN_MEMBERS = ("leader_offices.csv", "unit_communities.csv", "cadre_households.csv", "visits.csv", "names.csv",
                "report.json")


def template_bytes() -> bytes:
    from planner.io.template import write_template

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.xlsx"
        write_template(path)
        return path.read_bytes()


def plan_zip_bytes(plan: Plan) -> bytes:
    """The plan folder `planner plan` writes, zipped (read back by `read_plan` and by the Data page)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_plan(plan, Path(tmp) / "plan")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, f"plan/{path.name}")
        return buffer.getvalue()


def read_plan_zip(name: str, data: bytes) -> Plan:
    """A zipped plan folder (any folder depth inside); only the plan's own file names are extracted."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InputError([Issue(name, None, None, f"无法读取 zip 包：{exc}", f"cannot read the zip: {exc}")]) from exc
    with tempfile.TemporaryDirectory() as tmp, archive:
        for info in archive.infolist():
            base = Path(info.filename).name
            if base in PLAN_MEMBERS and not info.is_dir():
                (Path(tmp) / base).write_bytes(archive.read(info))
        return read_plan(Path(tmp))


def chinese_member_names(data: bytes, labels: dict[str, str]) -> bytes:
    """The calendars' zip with each file named by the person's kind in the user's language
    ('leader-L01-黄轩.ics' → '区级领导-L01-黄轩.ics'); contents and timestamps unchanged."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            kind, sep, rest = info.filename.partition("-")
            renamed = f"{labels[kind]}-{rest}" if sep and kind in labels else info.filename
            copy = zipfile.ZipInfo(renamed, date_time=info.date_time)
            copy.compress_type = zipfile.ZIP_DEFLATED
            copy.flag_bits |= 0x800   # UTF-8 names
            target.writestr(copy, source.read(info))
    return buffer.getvalue()


class Prepared:
    """Export bytes made in a background thread, one set per plan: the page shows progress and then a download
    button whose bytes are ready, instead of a click that hangs for half a minute on a district."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="planner-export")
        self._jobs: dict[tuple[str, str], Future[bytes]] = {}
        self._lock = threading.Lock()

    KEEP = 12   # jobs kept (a few plans of a few sessions); the oldest go first

    def get(self, name: str, key: str, make: Callable[[], bytes]) -> Future[bytes]:
        """The job for (name, key), key naming the plan and language; started on first ask."""
        with self._lock:
            job = self._jobs.get((name, key))
            if job is None:
                job = self._pool.submit(make)
                self._jobs[(name, key)] = job
                while len(self._jobs) > self.KEEP:
                    self._jobs.pop(next(iter(self._jobs))).cancel()
            return job


PREPARED = Prepared()
