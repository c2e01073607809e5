"""`plan-many --save STORE_URL`: each finished district's plan as a version of its own scenario, named after it.

The client saves, as results stream back (workers never open the store): the district's Problem is read from its
input on the client (as `planner plan --save` reads it), the plan from the tables the worker sends back (Parquet:
the frames `planner plan --save` would store, dtypes included — a plan folder read back from CSV would not be). `Store.save_solved` does the rest (scenario created if absent, the
input snapshot becomes current as with the CLI). Only `ok` plans are saved.

The rerun state remembers which store (a SHA-256 of its URL, never the URL: it may hold a password) got which
version. A rerun with the same store skips a district whose version is still there — so a colleague's newer
version is not buried under a copy of the batch's plan; a district that is not (a new store, a save that failed
last time) is planned again — same input, same plan — and saved.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from planner.batch.district import DistrictResult, plan_from_result
from planner.batch.inputs import District
from planner.batch.outputs import state_path, write_atomic
from planner.errors import InputError, Issue, Lang

AUTHOR_ENV = "USER"
DEFAULT_AUTHOR = "plan-many"
NOTE = "plan-many（批量生成）"  # the version's note: where it came from (the history page shows it)


def store_key(url: str) -> str:
    from planner.store.api import normalise_url

    return hashlib.sha256(normalise_url(url).encode()).hexdigest()[:16]


def open_batch_store(url: str) -> Any:
    """The store at `url` (migrated to head), or InputError (exit 2) before anything is planned or written."""
    from planner.store.api import open_store

    try:
        return open_store(url)
    except Exception as exc:  # a bad URL, an unreachable server, a missing driver: the batch cannot start
        raise InputError([Issue("--save", None, None, f"无法打开方案库：{type(exc).__name__}: {exc}",
                                f"cannot open the store: {type(exc).__name__}: {exc}")]) from None


@dataclasses.dataclass
class BatchSaver:
    """Saves finished districts into one store; `saved(...)` and `save(...)` are called by the client thread."""

    store: Any
    url: str
    out: Path
    year: int | None
    overrides: dict[str, Any] | None
    author: str = dataclasses.field(default_factory=lambda: os.environ.get(AUTHOR_ENV) or DEFAULT_AUTHOR)

    @property
    def key(self) -> str:
        return store_key(self.url)

    def saved(self, name: str) -> bool:
        """The state says this store got a version of the district and the store still has it."""
        state = _state(self.out, name)
        number = state.get("saved", {}).get(self.key)
        if number is None:
            return False
        try:
            return any(v.number == number for v in self.store.list_versions(name))
        except Exception:  # scenario gone (NotFoundError) or store trouble: save again
            return False

    def save(self, district: District, result: DistrictResult) -> int:
        """Store the district's plan (the worker's tables) as the next version of its scenario; the number."""
        from planner.io.read import read_problem
        from planner.workflow.solve import save

        if not result.tables:
            raise ValueError("the worker sent no plan tables")
        problem = read_problem(district.path, year=self.year, overrides=self.overrides or None)
        problem = dataclasses.replace(problem, source=str(district.path))
        plan = plan_from_result(result)
        number = save(self.store, district.name, problem, plan, author=self.author, note=NOTE)
        state = _state(self.out, district.name)
        if state:  # the plan's state (written by record) gets the store's version
            state.setdefault("saved", {})[self.key] = number
            write_atomic(state_path(self.out, district.name),
                         lambda p: p.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8"))
        return number


def _state(out: Path, name: str) -> dict[str, Any]:
    try:
        loaded = json.loads(state_path(out, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def save_failed(exc: BaseException, lang: Lang) -> str:
    zh = f"计划已写出，但未能保存到方案库：{type(exc).__name__}: {exc}"
    en = f"plan written, but saving it to the store failed: {type(exc).__name__}: {exc}"
    return zh if lang == "zh" else en
