"""plan-many on a LocalCluster: wall time and speed-up for 1..N workers, overhead per district, a province estimate.

    python bench/batch.py [--small 8] [--district 4] [--workers 1 2] [--dir /tmp/planner-batch-bench]

Full run (the issue's figure): 8 small + 4 district-sized demos, 1 and 2 workers. Every figure is printed with the
load average before/after and CPU seconds (client + workers + baseline children), because on a shared machine
wall time alone lies.

- baseline: each district alone as `planner plan` and then `planner check`, one process each (what a user runs by
  hand); `compute` = the worker's own read+solve+check seconds for the same district inside the batch.
- overhead per district = (batch wall - cluster start - sum of compute seconds / workers) / districts, i.e.
  shipping bytes, scheduling, Parquet back and the client's writing; the target is <= 1 s.
- province estimate: 100 districts of the measured mean district-sized cost (or --city-seconds) on N workers,
  ceil(100/N) rounds of (cost + overhead) plus the cluster start; an estimate on paper, not a measurement.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from planner.demo import generate_demo


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker_stats() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024}


def _preload() -> None:
    """Import the engine in each worker before timing, so that the first district does not pay for it."""
    import planner.assign
    import planner.calendar
    import planner.check
    import planner.io.read
    import planner.solve  # noqa: F401


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


def batch(root: Path, out: Path, workers: int) -> dict[str, Any]:
    import logging

    from distributed import Client, LocalCluster

    from planner.batch.run import plan_many

    shutil.rmtree(out, ignore_errors=True)
    load0, cpu0, t0 = os.getloadavg()[0], _cpu_self(), time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address="127.0.0.1:0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        client.run(_preload)
        started = time.perf_counter() - t0
        rows = plan_many(root, out, client=client, lang="en", workers_write=True)  # as the CLI on a local cluster
        wall = time.perf_counter() - t0
        stats = client.run(_worker_stats)
    bad = [r for r in rows if r.status != "ok"]
    if bad:
        raise SystemExit(f"not every district ok: {bad}")
    compute = {r.district: r.seconds for r in rows}
    return {"workers": workers, "wall": wall, "start": started, "compute": compute,
            "cpu_client": _cpu_self() - cpu0, "cpu_workers": sum(s["cpu"] for s in stats.values()),
            "peak_worker_mib": max(s["peak_mib"] for s in stats.values()),
            "load": (load0, os.getloadavg()[0])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=8)
    parser.add_argument("--district", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--dir", default="/tmp/planner-batch-bench")
    parser.add_argument("--province", type=int, default=100)
    parser.add_argument("--no-baseline", action="store_true", help="skip the districts-alone runs")
    parser.add_argument("--city-seconds", type=float, default=None, help="per-district cost for the estimate")
    args = parser.parse_args()
    base = Path(args.dir)
    root = make_root(base, args.small, args.district)
    n = args.small + args.district
    print(f"{n} districts ({args.small} small, {args.district} district-sized); {os.cpu_count()} CPUs; "
          f"load before {os.getloadavg()[0]:.2f}")
    load0 = os.getloadavg()[0]
    alone = {} if args.no_baseline else baseline(root, base)
    print(f"\nalone (`planner plan` + `planner check`, one process each; load {load0:.2f} -> {os.getloadavg()[0]:.2f}):")
    print("| district | plan s | plan+check s | cpu s |\n|---|---|---|---|")
    for name, r in alone.items():
        print(f"| {name} | {r['plan']:.2f} | {r['plan_check']:.2f} | {r['cpu']:.2f} |")
    total_plan = sum(r["plan"] for r in alone.values())
    total_check = sum(r["plan_check"] for r in alone.values())
    print(f"| sum | {total_plan:.2f} | {total_check:.2f} | {sum(r['cpu'] for r in alone.values()):.2f} |")

    runs = [batch(root, base / f"out{w}", w) for w in args.workers]
    print("\n| workers | wall s | cluster start s | sum compute s | overhead s/district | speed-up vs first (excl. start) | "
          "cpu s (client+workers) | worker peak MiB | load before/after |\n|---|---|---|---|---|---|---|---|---|")
    first, first_run = runs[0]["wall"], runs[0]["wall"] - runs[0]["start"]
    for r in runs:
        compute = sum(r["compute"].values())
        overhead = (r["wall"] - r["start"] - compute / r["workers"]) / n
        r["overhead"] = overhead
        print(f"| {r['workers']} | {r['wall']:.2f} | {r['start']:.2f} | {compute:.2f} | {overhead:.2f} | "
              f"{first / r['wall']:.2f}x ({first_run / (r['wall'] - r['start']):.2f}x) | {r['cpu_client']:.1f}+{r['cpu_workers']:.1f} | {r['peak_worker_mib']:.0f} | "
              f"{r['load'][0]:.2f}/{r['load'][1]:.2f} |")
    one = runs[0]
    if not alone:
        total_plan = total_check = float("nan")
    print(f"\nvs alone: batch with {one['workers']} worker {one['wall']:.2f} s for what takes {total_plan:.2f} s as "
          f"separate `planner plan` runs ({total_check:.2f} s with `planner check`): "
          f"{(one['wall'] - total_plan) / n:+.2f} s per district vs plan alone (imports are paid once per worker)")

    sized = [one["compute"][k] for k in one["compute"] if k.startswith("district")]
    cost = args.city_seconds or (sum(sized) / len(sized) if sized else sum(one["compute"].values()) / n)
    overhead = max(r["overhead"] for r in runs)
    print(f"\nprovince estimate ({args.province} districts x {cost:.1f} s + {overhead:.2f} s overhead each; paper):")
    print("| workers | estimated wall |\n|---|---|")
    for workers in (1, 2, 8, 16, 32, args.province):
        rounds = math.ceil(args.province / workers)
        print(f"| {workers} | {rounds * (cost + overhead) + one['start']:.0f} s |")


if __name__ == "__main__":
    main()
