"""The district inputs under ROOT, read into bytes on the client.

A district is each sub-folder of ROOT and each .xlsx/.xlsm/.zip directly in ROOT; its name is the folder name or
the file stem. Hidden entries, Excel lock files (`~$…`) and the output folder (when it lies inside ROOT) are not
districts. The worker rebuilds exactly these files in a temporary folder and reads them with `read_problem`, so a
district reads exactly as `planner plan ROOT/<district>` would — including a `rules.toml` in ROOT, which
`planner plan` reads for a workbook (its sibling) and therefore travels with each workbook district.

The digest (SHA-256 of every shipped file's name and bytes, the options and the planner version) is what a rerun
compares to decide that a district's existing plan is still current.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import planner
from planner.errors import InputError, Issue

FILE_SUFFIXES = (".xlsx", ".xlsm", ".zip")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# what `planner.io.read` looks at inside a district folder (top level only); other files are not shipped
FOLDER_SUFFIXES = (".csv", ".xlsx", ".xlsm")
RULES_FILE = "rules.toml"
RESERVED = ("summary.csv",)  # OUT/summary.csv sits beside the district folders


@dataclass(frozen=True)
class District:
    """One district input found under ROOT (not yet read)."""

    name: str
    path: Path

    @property
    def is_folder(self) -> bool:
        return self.path.is_dir()


@dataclass(frozen=True)
class DistrictJob:
    """Everything a worker needs for one district: plain data, picklable, no paths on the worker's disk."""

    name: str
    source: str                     # the path as `planner plan` would have been given it (goes into report.json)
    entry: str                      # file or folder name to rebuild on the worker (`a`, `a.xlsx`)
    folder: bool                    # entry is a folder
    files: dict[str, bytes]         # relative name → bytes (`a/households.csv`, `a.xlsx`, `rules.toml`)
    overrides: dict[str, Any] = field(default_factory=dict)
    year: int | None = None
    lang: str = "zh"
    digest: str = ""
    out_dir: str | None = None      # set: the worker writes OUT/<name> itself (it sees the same disk)
    tables_back: bool = False       # send the plan tables back even when out_dir is set (plan-many --save)

    @property
    def size(self) -> int:
        return sum(len(data) for data in self.files.values())


def find_districts(root: Path, out: Path | None = None) -> list[District]:
    """The districts under ROOT, sorted by name; InputError (exit 2) for a missing ROOT or two inputs of one name."""
    if not root.is_dir():
        raise InputError([Issue(str(root), None, None, "找不到区县输入目录（ROOT 须为文件夹）",
                                "no district folder: ROOT must be a folder")])
    out_resolved = out.resolve() if out is not None else None
    found: dict[str, list[Path]] = {}
    for path in sorted(root.iterdir()):
        if path.name.startswith((".", "~$", "__")):
            continue
        if out_resolved is not None and path.resolve() == out_resolved:
            continue
        if path.is_dir():
            found.setdefault(path.name, []).append(path)
        elif path.is_file() and path.suffix.lower() in FILE_SUFFIXES:
            found.setdefault(path.stem, []).append(path)
    issues = [Issue(", ".join(p.name for p in paths), None, None, f"两个输入同名（区县 {name}）：请只保留一个",
                    f"two inputs for district {name}: keep one")
              for name, paths in found.items() if len(paths) > 1]
    issues += [Issue(name, None, None, f"“{name}”是批量输出使用的名称，不能作为区县名",
                     f"'{name}' is a name the batch output uses; it cannot be a district name")
               for name in found if name.lower() in RESERVED]
    if issues:
        raise InputError(issues)
    if not found:
        raise InputError([Issue(str(root), None, None, "目录下没有区县输入（子文件夹或 .xlsx/.zip）",
                                "no district inputs (sub-folders or .xlsx/.zip files) in this folder")])
    return [District(name, paths[0]) for name, paths in sorted(found.items())]


def check_out(root: Path, out: Path, districts: list[District]) -> None:
    """OUT may not be ROOT, a district input, or inside one: writing there could replace the user's files."""
    out_r = out.resolve()
    issues = []
    if out_r == root.resolve():
        issues.append(Issue(str(out), None, None, "输出目录不能是输入目录 ROOT", "OUT must not be ROOT itself"))
    for district in districts:
        d = district.path.resolve()
        if out_r == d or d in out_r.parents or out_r in d.parents:
            issues.append(Issue(str(out), None, None, f"输出目录与区县输入 {district.path.name} 重叠",
                                f"OUT overlaps the district input {district.path.name}"))
    if out.exists() and not out.is_dir():
        issues.append(Issue(str(out), None, None, "输出路径是一个文件，须为文件夹", "OUT is a file; it must be a folder"))
    if issues:
        raise InputError(issues)


def read_job(district: District, overrides: Mapping[str, Any] | None = None, year: int | None = None,
             lang: str = "zh") -> DistrictJob:
    """Read a district's files into a job (on the client). An unreadable file becomes the worker's bad input."""
    path = district.path
    files: dict[str, bytes] = {}
    if path.is_dir():
        for member in sorted(path.iterdir()):
            if member.is_file() and (member.suffix.lower() in FOLDER_SUFFIXES or member.name.lower() == RULES_FILE):
                files[f"{path.name}/{member.name}"] = member.read_bytes()
    else:
        files[path.name] = path.read_bytes()
        sibling = path.with_name(RULES_FILE)
        if path.suffix.lower() in WORKBOOK_SUFFIXES and sibling.is_file():
            files[RULES_FILE] = sibling.read_bytes()
    chosen = dict(overrides or {})
    return DistrictJob(name=district.name, source=str(path), entry=path.name, folder=path.is_dir(), files=files,
                       overrides=chosen, year=year, lang=lang,
                       digest=digest(files, {"overrides": chosen, "year": year}))


def digest(files: Mapping[str, bytes], options: Mapping[str, Any]) -> str:
    """SHA-256 over names, bytes, options and the planner version: equal digest, equal plan (plans are deterministic)."""
    h = hashlib.sha256()
    h.update(f"planner {planner.__version__}\n".encode())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    for name in sorted(files):
        data = files[name]
        h.update(f"\n{name}\n{len(data)}\n".encode())
        h.update(data)
    return h.hexdigest()
