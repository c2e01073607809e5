"""`planner plan` end to end on demo districts: CPU and wall seconds, peak memory, objective and bound per stage,
for this checkout and (optionally) an older one side by side, with the load average before and after each run.

    PYTHONPATH=. python bench/plan_bench.py [--size district] [--seeds 0 7] [--runs 3] [--ref DIR]
                                           [--options default time-limit=20 first-valid] [--dir /tmp/plan-bench]

--ref DIR: another checkout (e.g. `git worktree add /tmp/prev <commit>`) run with PYTHONPATH=DIR on the same
inputs. Each run is a fresh subprocess; CPU = user + sys of that child (on a shared machine wall time includes
the neighbours, CPU does not). The first run of a checkout also compiles the numba kernels once (cached on disk
afterwards): run with --runs 3 and read min/median.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _load() -> float:
    return os.getloadavg()[0]


def _run(code: Path, data: Path, out: Path, extra: list[str]) -> dict[str, object]:
    if out.exists():
        shutil.rmtree(out)
    env = {**os.environ, "PYTHONPATH": str(code)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load0 = _load()
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "planner", "--lang", "en", "plan", str(data), "--out", str(out),
                           *extra], env=env, capture_output=True, text=True, check=False, cwd=code)  # -m: cwd first
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        return {"error": proc.stderr[-500:]}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    stages = {s["name"]: (round(s["objective"], 1), round(s["bound"], 1)) for s in report["stages"]}
    return {"cpu": cpu, "wall": wall, "peak_mib": after.ru_maxrss / 1024, "load": (load0, _load()),
            "valid": "all rules hold" in proc.stdout, "stages": stages, "objective": round(report["objective"], 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="district")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 7])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--ref", default=None, help="an older checkout to run side by side")
    ap.add_argument("--options", nargs="*", default=["default"],
                    help="option sets: default, first-valid, time-limit=SECONDS (one row each)")
    ap.add_argument("--dir", default="/tmp/plan-bench")
    ap.add_argument("--skip-this", action="store_true", help="run only --ref")
    args = ap.parse_args()
    base = Path(args.dir)
    base.mkdir(parents=True, exist_ok=True)
    here = Path(__file__).resolve().parent.parent
    codes = ([] if args.skip_this else [("this", here)]) + ([("ref", Path(args.ref).resolve())] if args.ref else [])
    print(f"# {args.size}, seeds {args.seeds}, {args.runs} runs; load average now {_load():.2f}")
    print("| code | seed | options | cpu s min / median | wall s min / median | peak MiB | load before→after "
          "| valid | objective | assign.units obj / bound | calendar.cadres obj / bound |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        data = base / f"{args.size}-{seed}"
        if not data.exists():
            subprocess.run([sys.executable, "-m", "planner", "demo", str(data), "--size", args.size, "--seed",
                            str(seed)], env={**os.environ, "PYTHONPATH": str(here)}, check=True,
                           capture_output=True)
        for extra in args.options:
            flags = [] if extra == "default" else [f"--{part}" if i == 0 else part
                                                    for i, part in enumerate(extra.split("=", 1))]
            for name, code in codes:
                runs = [_run(code, data, base / f"out-{name}", flags) for _ in range(args.runs)]
                ok = [r for r in runs if "error" not in r]
                if not ok:
                    print(f"| {name} | {seed} | {extra} | error: {runs[0]['error']} |")
                    continue
                cpu = [float(r["cpu"]) for r in ok]  # type: ignore[arg-type]
                wall = [float(r["wall"]) for r in ok]  # type: ignore[arg-type]
                last = ok[-1]
                stages: dict[str, tuple[float, float]] = last["stages"]  # type: ignore[assignment]
                loads = f"{ok[0]['load'][0]:.1f}→{ok[-1]['load'][1]:.1f}"  # type: ignore[index]
                print(f"| {name} | {seed} | {extra} | {min(cpu):.1f} / {statistics.median(cpu):.1f} "
                      f"| {min(wall):.1f} / {statistics.median(wall):.1f} | {max(float(r['peak_mib']) for r in ok):.0f} "  # type: ignore[arg-type]
                      f"| {loads} | {all(r['valid'] for r in ok)} | {last['objective']} "
                      f"| {stages.get('assign.units')} | {stages.get('calendar.cadres')} |", flush=True)


if __name__ == "__main__":
    main()
