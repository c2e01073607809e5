"""`plan_many`: every district under ROOT on a Dask distributed cluster, results written as they finish.

The cluster: a scheduler address (`tcp://HOST:8786`, workers started there with `dask worker`) or, by default, a
LocalCluster of N single-threaded worker processes (N = the number of CPUs). Workers on the local cluster write
each plan folder themselves; with a remote scheduler the plan comes back as Parquet and this process writes it (or
the workers do, with `workers_write`, when they see OUT at the same path). One task per district, submitted in a
window of a few tasks per worker so that the client holds only those districts' bytes, not a province's. A task
whose worker dies is re-run by the scheduler on another worker (up to `distributed.scheduler.allowed-failures`
times); `retries` re-runs a task that raised outside the district's own error handling. A district's own bad
input, infeasibility or crash is its result, and the others go on.

Progress goes to a plain `BatchProgress` object (the CLI draws a tqdm bar from it, the app a table).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.batch.district import EXIT_FAILED, DistrictResult, plan_district
from planner.batch.inputs import District, check_out, find_districts, read_job
from planner.batch.outputs import SummaryRow, failed_row, record, skipped_row, state_path, write_summary
from planner.batch.save import save_failed
from planner.errors import InputError, Issue, Lang

RETRIES = 2
WINDOW_PER_WORKER = 2  # tasks queued per worker thread: keeps workers busy without holding every input in memory
WORKER_WAIT_SECONDS = 60
CONNECT_SECONDS = 15.0


@dataclass
class BatchProgress:
    """Shared between the batch thread and whoever draws it; written by one thread, read by others."""

    total: int = 0
    names: list[str] = field(default_factory=list)  # every district found, in order
    rows: dict[str, SummaryRow] = field(default_factory=dict)
    running: set[str] = field(default_factory=set)
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    error: str | None = None
    cancelled: bool = False
    workers: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _stop: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def done(self) -> int:
        return len(self.rows)

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def snapshot(self) -> tuple[list[SummaryRow], set[str]]:
        with self._lock:
            return list(self.rows.values()), set(self.running)

    def cancel(self) -> None:
        """Stop: unfinished districts are cancelled on the cluster and get no row; a rerun plans them."""
        self.cancelled = True
        if self._stop is not None:
            self._stop()

    def add(self, row: SummaryRow) -> None:
        with self._lock:
            self.rows[row.district] = row
            self.running.discard(row.district)


@contextmanager
def open_client(scheduler: str | None = None, workers: int | None = None,
                connect_timeout: float | None = None) -> Iterator[Any]:
    """A Dask client on the given scheduler, or on a LocalCluster of `workers` single-threaded processes."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{connect_timeout or CONNECT_SECONDS}s")
        except OSError as exc:
            raise InputError([Issue(scheduler, None, None, f"无法连接调度器：{exc}",
                                    f"cannot reach the scheduler: {exc}")]) from None
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
        except TimeoutError:
            client.close()
            raise InputError([Issue(scheduler, None, None, f"调度器在 {WORKER_WAIT_SECONDS} 秒内没有可用的工作进程",
                                    f"no worker joined the scheduler within {WORKER_WAIT_SECONDS} s")]) from None
        with client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address="127.0.0.1:0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def plan_many(root: str | Path, out: str | Path, *, scheduler: str | None = None, workers: int | None = None,
              client: Any = None, overrides: Mapping[str, Any] | None = None, year: int | None = None,
              lang: Lang = "zh", progress: BatchProgress | None = None,
              on_row: Callable[[SummaryRow], None] | None = None, workers_write: bool | None = None,
              save: str | None = None, threads: int | None = None, author: str | None = None) -> list[SummaryRow]:
    """Plan every district under ROOT into OUT; returns the summary rows (also in OUT/summary.csv).

    `workers_write`: workers write OUT/<district> themselves (they must see OUT at the same path); default: yes
    on the local cluster this call starts, no with a scheduler address or a given client (plans come back as
    Parquet and this process writes them). `save`: a store URL; each `ok` district's plan becomes a version of
    the scenario named after it (planner.batch.save), saved here as results arrive, by `author` (default: the
    login name). `threads`: CP-SAT threads per
    district (`solver.workers` for every district, part of the digest; None keeps each district's rules).
    InputError (exit 2) when ROOT, OUT, the store or the scheduler is unusable — then nothing is written.
    """
    root, out = Path(root), Path(out)
    progress = progress or BatchProgress()
    districts = find_districts(root, out)
    check_out(root, out, districts)
    if threads is not None:
        overrides = {**(overrides or {}), "solver": {**dict((overrides or {}).get("solver", {})), "workers": threads}}
    saver = _saver(save, out, year, overrides, author)
    by_district = {d.name: d for d in districts}
    progress.names = [d.name for d in districts]
    progress.total = len(districts)
    skipped: list[SummaryRow] = []
    todo: list[District] = []
    for district in districts:  # first pass: digests only, so that finished districts cost no cluster time
        row = skipped_row(out, district.name, read_job(district, overrides, year, lang).digest, lang)
        if row is not None and saver is not None and not saver.saved(district.name):
            row = None  # not in this store yet: planned again (same input, same plan) so its tables can be saved
        if row is None:
            todo.append(district)
        else:
            skipped.append(row)
    if workers_write is None:
        workers_write = client is None and not scheduler
    settings = _Settings(out, overrides, year, lang, str(out.resolve()) if workers_write else None,
                         tables_back=saver is not None)

    def finish(row: SummaryRow) -> None:
        progress.add(row)
        rows, _ = progress.snapshot()
        write_summary(out, rows)
        if on_row is not None:
            on_row(row)

    def saved(row: SummaryRow, result: DistrictResult) -> SummaryRow:
        if saver is None or row.status != "ok":
            return row
        try:
            number = saver.save(by_district[row.district], result)
        except Exception as exc:  # the plan is fine and kept; the row says the save failed, a rerun saves it
            return dataclasses.replace(row, status="failed", exit_code=EXIT_FAILED, message=save_failed(exc, lang))
        note = (f"已保存：方案 {row.district} 第 {number} 版" if lang == "zh"
                else f"saved: scenario {row.district} version {number}")
        joined = f"{row.message}{'；' if lang == 'zh' else '; '}{note}" if row.message else note
        return dataclasses.replace(row, message=joined)

    def go(cluster: Any) -> None:  # only once the cluster is there: an unusable one writes nothing
        out.mkdir(parents=True, exist_ok=True)
        for row in skipped:
            finish(row)
        if not progress.rows:
            write_summary(out, [])
        if todo:
            _run(cluster, todo, settings, progress, finish, saved)

    try:
        if todo and client is None:  # a local cluster needs no more workers than there are districts to plan
            with open_client(scheduler, min(workers or os.cpu_count() or 1, len(todo))) as own:
                go(own)
        else:
            go(client)
    finally:
        progress.finished = time.monotonic()
    rows, _ = progress.snapshot()
    return sorted(rows, key=lambda r: r.district)


def _saver(save: str | None, out: Path, year: int | None, overrides: Mapping[str, Any] | None,
           author: str | None) -> Any:
    if not save:
        return None
    from planner.batch.save import BatchSaver, open_batch_store

    saver = BatchSaver(open_batch_store(save), save, out, year, dict(overrides) if overrides else None)
    if author:
        saver.author = author
    return saver


@dataclass(frozen=True)
class _Settings:
    out: Path
    overrides: Mapping[str, Any] | None
    year: int | None
    lang: Lang
    out_dir: str | None  # workers write plan folders there
    tables_back: bool = False  # and send the plans back as well (to save them in the store)


def _run(client: Any, todo: list[District], settings: _Settings, progress: BatchProgress,
         finish: Callable[[SummaryRow], None],
         saved: Callable[[SummaryRow, DistrictResult], SummaryRow] = lambda row, result: row) -> None:
    by_name = {district.name: district for district in todo}

    def make(name: str) -> Any:
        job = read_job(by_name[name], settings.overrides, settings.year, settings.lang)
        state_path(settings.out, name).unlink(missing_ok=True)  # stale from now on, whoever writes the plan
        return dataclasses.replace(job, out_dir=settings.out_dir, tables_back=settings.tables_back)

    stream(client, list(by_name), make, plan_district,
           lambda name, result: finish(saved(record(settings.out, result, settings.lang), result)),
           lambda name, exc: finish(failed_row(name, exc, settings.lang)), progress)


def stream(client: Any, names: list[str], make_job: Callable[[str], Any], task: Callable[[Any], Any],
           on_result: Callable[[str, Any], None], on_failure: Callable[[str, BaseException], None],
           progress: BatchProgress, prefix: str = "plan") -> None:
    """`task(make_job(name))` for every name on the cluster, a window at a time; each outcome as it finishes.

    A job is made (its bytes read) only when it is submitted. `on_failure` gets a task that never returned or
    whose result could not be recorded. `progress.cancel()` cancels what is still queued or running.
    """
    from distributed import as_completed

    progress.workers = sum(client.nthreads().values()) or 1
    window = max(2, WINDOW_PER_WORKER * progress.workers)
    queue = list(reversed(names))
    keys: dict[str, str] = {}  # future key → name

    def submit() -> Any:
        name = queue.pop()
        future = client.submit(task, make_job(name), key=f"{prefix}-{name}-{uuid.uuid4().hex[:8]}",
                               retries=RETRIES, pure=False)
        keys[future.key] = name
        with progress._lock:
            progress.running.add(name)
        return future

    pending = as_completed([submit() for _ in range(min(window, len(queue)))])

    def stop() -> None:  # called from another thread (the app's Stop button): Client methods are thread-safe
        with pending.lock:
            futures = list(pending.futures)
        client.cancel(futures)

    progress._stop = stop
    try:
        for future in pending:
            if progress.cancelled:
                break
            name = keys.pop(future.key)
            try:
                on_result(name, future.result())
            except Exception as exc:  # the task itself failed (worker lost too often, cluster gone), or recording
                on_failure(name, exc)
            future.release()
            if queue and not progress.cancelled:
                pending.add(submit())
    finally:
        progress._stop = None
        if progress.cancelled:
            stop()
            with progress._lock:
                progress.running.clear()
