"""Bytes for the download buttons: built only when the user clicks (the buttons get callables)."""

from __future__ import annotations

import io
import tempfile
import zipfile
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
