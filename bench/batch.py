"""plan-many on a LocalCluster: wall time and speed-up for 1..N workers, overhead per district, a province estimate.

    python bench/batch.py [--small 8] [--district 4] [--workers 1 2] [--dir /tmp/planner-batch-bench]
                          [--threads-per-district N] [--probe] [--progress] [--no-baseline]

Full run (the issue's figure, for a quiet machine): 8 small + 4 district-sized demos, 1 and 2 workers, with
`--probe --progress`. Every figure is printed with the load average before/after and CPU seconds (client +
workers + baseline children), because on a shared machine wall time alone lies.

- baseline: each district alone as `planner plan` and then `planner check`, one process each (what a user runs by
  hand); `compute` = the worker's own read+solve+check(+write) seconds for the same district inside the batch and
  `task CPU` the worker process's CPU seconds during it (OUT/.plan-many/<district>.json, all its threads).
- overhead per district = (batch wall - cluster start - ideal) / districts, ideal = max(sum of compute seconds /
  workers, the longest district's compute), i.e.
  shipping bytes, scheduling, Parquet back and the client's writing; the target is <= 1 s.
- contention: Σ compute and Σ task CPU with N workers against 1 worker. Both grow alike when the same work simply
  runs slower with N processes at once (shared caches, memory bandwidth, SMT siblings or clock under KVM); wall
  grows but CPU does not when a district waits for a core (too many threads: CP-SAT's own, the client's).
- --probe: the machine itself — a pure-Python loop and a numpy memory stream, 1 copy alone then N copies at once,
  seconds per copy. Their ratio is the speed-up ceiling no scheduler can beat on this machine.
- --progress: progress-many over the same districts (demo actual visits to mid-year), 1..N workers.
- province estimate: 100 districts of the measured mean district-sized cost (or --city-seconds) on N workers,
  ceil(100/N) rounds of (cost + overhead) plus the cluster start; an estimate on paper, not a measurement.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from planner.demo import generate_demo

AS_OF, UNTIL = "2027-06-30", "2027-06-15"   # progress: demo actual visits up to mid-June, progress at June's end
PROBE_LOOP = 30_000_000                     # pure-Python iterations (~1-2 s on one core)
PROBE_MIB = 64                              # numpy stream: 2 arrays of this size per copy, > the 32 MiB L3
PROBE_PASSES = 20


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker_stats() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024,
            "blas_env": float(os.environ.get("OPENBLAS_NUM_THREADS", "0") or 0)}


def _preload() -> None:
    """Import the engine in each worker before timing, so that the first district does not pay for it."""
    import planner.assign
    import planner.calendar
    import planner.check
    import planner.io.read
    import planner.solve
    import planner.supervision.cli  # noqa: F401


def _load() -> float:
    return os.getloadavg()[0]


def make_root(base: Path, small: int, district: int) -> Path:
    root = base / "root"
    root.mkdir(parents=True, exist_ok=True)
    for size, n in (("small", small), ("district", district)):
        for seed in range(1, n + 1):
            folder = root / f"{size}{seed:02d}"
            if not (folder / "households.csv").exists():
                generate_demo(folder, size=size, seed=seed)
    return root


def baseline(root: Path, base: Path) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for district in sorted(p for p in root.iterdir() if p.is_dir()):
        plan = base / "alone" / district.name
        cpu0, t0 = _cpu_children(), time.perf_counter()
        subprocess.run([sys.executable, "-m", "planner", "plan", str(district), "--out", str(plan)], check=True,
                       stdout=subprocess.DEVNULL)
        t1 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "planner", "check", str(district), str(plan)], check=True,
                       stdout=subprocess.DEVNULL)
        t2 = time.perf_counter()
        out[district.name] = {"plan": t1 - t0, "plan_check": t2 - t0, "cpu": _cpu_children() - cpu0}
    return out


def ideal(compute: dict[str, float], workers: int) -> float:
    """The shortest wall the tasks allow on `workers` workers: the sum shared out, or the longest task alone."""
    return max(sum(compute.values()) / workers, max(compute.values(), default=0.0))


def _cluster(workers: int) -> Any:
    import logging

    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)


def batch(root: Path, out: Path, workers: int, threads: int | None) -> dict[str, Any]:
    from distributed import Client

    from planner.batch.outputs import STATE_DIR
    from planner.batch.run import plan_many

    shutil.rmtree(out, ignore_errors=True)
    load0, cpu0, t0 = _load(), _cpu_self(), time.perf_counter()
    with _cluster(workers) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        client.run(_preload)
        started = time.perf_counter() - t0
        rows = plan_many(root, out, client=client, lang="en", workers_write=True, threads=threads)  # as the CLI
        wall = time.perf_counter() - t0
        stats = client.run(_worker_stats)
    bad = [r for r in rows if r.status != "ok"]
    if bad:
        raise SystemExit(f"not every district ok: {bad}")
    states = {r.district: json.loads((out / STATE_DIR / f"{r.district}.json").read_text("utf-8")) for r in rows}
    return {"workers": workers, "wall": wall, "start": started, "compute": {r.district: r.seconds for r in rows},
            "task_cpu": {k: float(v.get("cpu_seconds", math.nan)) for k, v in states.items()},
            "cpu_client": _cpu_self() - cpu0, "cpu_workers": sum(s["cpu"] for s in stats.values()),
            "peak_worker_mib": max(s["peak_mib"] for s in stats.values()),
            "blas": sorted({int(s["blas_env"]) for s in stats.values()}), "load": (load0, _load())}


def progress_runs(root: Path, plans: Path, base: Path, worker_counts: list[int]) -> None:
    """progress-many over the districts (demo actual visits written once), 1..N workers."""
    from distributed import Client

    from planner.batch.progress_many import progress_many
    from planner.cli import main as planner_main

    actuals = base / "actuals"
    actuals.mkdir(exist_ok=True)
    for district in sorted(p for p in root.iterdir() if p.is_dir()):
        target = actuals / f"{district.name}.csv"
        if not target.exists():
            with contextlib.redirect_stdout(io.StringIO()):
                planner_main(["demo-actuals", str(district), str(plans / district.name), "--until", UNTIL,
                              "--out", str(target)])
    print(f"\nprogress-many as of {AS_OF} (demo actual visits to {UNTIL}):")
    print("| workers | wall s | cluster start s | Σ task s | overhead s/district | cpu s (client+workers) | load |\n"
          "|---|---|---|---|---|---|---|")
    for workers in worker_counts:
        out = base / f"progress{workers}"
        shutil.rmtree(out, ignore_errors=True)
        load0, cpu0, t0 = _load(), _cpu_self(), time.perf_counter()
        with _cluster(workers) as cluster, Client(cluster) as client:
            client.wait_for_workers(workers)
            client.run(_preload)
            started = time.perf_counter() - t0
            rows = progress_many(root, plans, actuals, AS_OF, out, client=client, lang="en")
            wall = time.perf_counter() - t0
            stats = client.run(_worker_stats)
        tasks = sum(r.seconds for r in rows)
        overhead = (wall - started - ideal({r.district: r.seconds for r in rows}, workers)) / max(1, len(rows))
        print(f"| {workers} | {wall:.2f} | {started:.2f} | {tasks:.2f} | {overhead:.2f} | "
              f"{_cpu_self() - cpu0:.1f}+{sum(s['cpu'] for s in stats.values()):.1f} | {load0:.2f}/{_load():.2f} |")


def _probe_python(_: int) -> float:
    t0, total = time.perf_counter(), 0
    for i in range(PROBE_LOOP):
        total += i & 7
    return time.perf_counter() - t0


def _probe_memory(_: int) -> float:
    import numpy as np

    a = np.ones(PROBE_MIB * 2**20 // 8)
    b = np.empty_like(a)
    t0 = time.perf_counter()
    for _pass in range(PROBE_PASSES):
        np.multiply(a, 1.0000001, out=b)
        a, b = b, a
    return time.perf_counter() - t0


def probe(worker_counts: list[int]) -> None:
    """Seconds per copy with 1 copy alone and with N copies at once (separate processes, BLAS single-threaded)."""
    os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    print("\nmachine probe (seconds per copy; a ratio of 1.00 means N copies run as fast as one):")
    print("| workload | " + " | ".join(f"{n} at once" for n in worker_counts) + " | ratio (last / first) |\n|---|"
          + "---|" * (len(worker_counts) + 1))
    for name, job in (("pure-Python loop", _probe_python), (f"numpy stream {PROBE_MIB} MiB", _probe_memory)):
        seconds = []
        for n in worker_counts:
            with ProcessPoolExecutor(max_workers=n) as pool:
                list(pool.map(job, range(n)))  # warm-up: start the processes, import numpy
                seconds.append(sum(pool.map(job, range(n))) / n)
        cells = " | ".join(f"{s:.2f}" for s in seconds)
        print(f"| {name} | {cells} | {seconds[-1] / seconds[0]:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=8)
    parser.add_argument("--district", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--dir", default="/tmp/planner-batch-bench")
    parser.add_argument("--province", type=int, default=100)
    parser.add_argument("--threads-per-district", type=int, default=None, help="default: each rules.toml")
    parser.add_argument("--no-baseline", action="store_true", help="skip the districts-alone runs")
    parser.add_argument("--probe", action="store_true", help="the machine's own 1 vs N process scaling")
    parser.add_argument("--progress", action="store_true", help="also time progress-many on the same districts")
    parser.add_argument("--city-seconds", type=float, default=None, help="per-district cost for the estimate")
    args = parser.parse_args()
    base = Path(args.dir)
    root = make_root(base, args.small, args.district)
    n = args.small + args.district
    print(f"{n} districts ({args.small} small, {args.district} district-sized); {os.cpu_count()} CPUs; "
          f"load before {_load():.2f}; threads per district: {args.threads_per_district or 'rules.toml'}")
    if args.probe:
        probe(args.workers)
    load0 = _load()
    alone = {} if args.no_baseline else baseline(root, base)
    total_plan = sum(r["plan"] for r in alone.values()) if alone else math.nan
    total_check = sum(r["plan_check"] for r in alone.values()) if alone else math.nan
    if alone:
        print(f"\nalone (`planner plan` + `planner check`, one process each; load {load0:.2f} -> {_load():.2f}):")
        print("| district | plan s | plan+check s | cpu s |\n|---|---|---|---|")
        for name, one_alone in alone.items():
            print(f"| {name} | {one_alone['plan']:.2f} | {one_alone['plan_check']:.2f} | {one_alone['cpu']:.2f} |")
        print(f"| sum | {total_plan:.2f} | {total_check:.2f} | {sum(r['cpu'] for r in alone.values()):.2f} |")

    runs = [batch(root, base / f"out{w}", w, args.threads_per_district) for w in args.workers]
    print("\n| workers | wall s | cluster start s | Σ compute s | Σ task CPU s | overhead s/district | speed-up vs first "
          "(excl. start) | cpu s (client+workers) | worker peak MiB | BLAS threads | load before/after |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|")
    first, first_run = runs[0]["wall"], runs[0]["wall"] - runs[0]["start"]
    for r in runs:
        compute = sum(r["compute"].values())
        overhead = (r["wall"] - r["start"] - ideal(r["compute"], r["workers"])) / n
        r["overhead"] = overhead
        print(f"| {r['workers']} | {r['wall']:.2f} | {r['start']:.2f} | {compute:.2f} | "
              f"{sum(r['task_cpu'].values()):.2f} | {overhead:.2f} | "
              f"{first / r['wall']:.2f}x ({first_run / (r['wall'] - r['start']):.2f}x) | "
              f"{r['cpu_client']:.1f}+{r['cpu_workers']:.1f} | {r['peak_worker_mib']:.0f} | {r['blas']} | "
              f"{r['load'][0]:.2f}/{r['load'][1]:.2f} |")
    one = runs[0]
    for r in runs[1:]:
        wall_up = sum(r["compute"].values()) / sum(one["compute"].values()) - 1
        cpu_up = sum(r["task_cpu"].values()) / sum(one["task_cpu"].values()) - 1
        verdict = ("none" if wall_up < 0.05 else "mostly the same work running slower (hardware: caches, memory, "
                   "SMT, clock)" if cpu_up > wall_up / 2 else "mostly waiting for a core (threads, other processes)")
        print(f"\ncontention with {r['workers']} workers vs {one['workers']}: Σ compute {wall_up:+.0%}, "
              f"Σ task CPU {cpu_up:+.0%}: {verdict}")
        for name in sorted(r["compute"]):
            print(f"  {name}: {one['compute'][name]:.2f} -> {r['compute'][name]:.2f} s, "
                  f"CPU {one['task_cpu'][name]:.2f} -> {r['task_cpu'][name]:.2f} s")
    if alone:
        print(f"\nvs alone: batch with {one['workers']} worker {one['wall']:.2f} s for what takes {total_plan:.2f} s as "
              f"separate `planner plan` runs ({total_check:.2f} s with `planner check`): "
              f"{(one['wall'] - total_plan) / n:+.2f} s per district vs plan alone (imports are paid once per worker)")
    if args.progress:
        progress_runs(root, base / f"out{args.workers[0]}", base, args.workers)

    sized = [one["compute"][k] for k in one["compute"] if k.startswith("district")]
    cost = args.city_seconds or (sum(sized) / len(sized) if sized else sum(one["compute"].values()) / n)
    overhead = max(r["overhead"] for r in runs)
    # machines like this one, each running one worker per core: every worker beyond one pays the measured contention
    factor = (sum(runs[-1]["compute"].values()) / sum(one["compute"].values())) if len(runs) > 1 else 1.0
    print(f"\nprovince estimate ({args.province} districts x {cost:.1f} s + {overhead:.2f} s overhead each; paper; "
          f"last column: each district {factor:.2f}x slower, as measured with {runs[-1]['workers']} workers here):")
    print("| workers | estimated wall | with measured contention |\n|---|---|---|")
    for workers in (1, 2, 8, 16, 32, args.province):
        rounds = math.ceil(args.province / workers)
        slow = factor if workers > 1 else 1.0
        print(f"| {workers} | {rounds * (cost + overhead) + one['start']:.0f} s | "
              f"{rounds * (cost * slow + overhead) + one['start']:.0f} s |")


if __name__ == "__main__":
    main()
