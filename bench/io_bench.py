"""I/O benchmark: plan files, `planner check` and `planner export` on a demo plan, before and after, side by side.

    python bench/io_bench.py [--before d5bda60] [--size district] [--runs 3] [--plan DIR --data DIR]

Every operation runs `--runs` times in a fresh subprocess per tree: "before" is a temporary git worktree of the
given commit (made under /tmp and removed at the end), "after" is this checkout (or --after REF, a second
temporary worktree, so that the tree may change while the bench runs). CPU seconds are user + system of
the measured part (the whole subprocess for CLI commands, from `resource.getrusage(RUSAGE_CHILDREN)`; the call
alone for write_plan/read_plan, from `time.process_time`), so they stay meaningful on a shared machine; wall
seconds include the neighbours, and the 1-minute load average is printed with every run. The outputs of both
trees are compared at the end (.ics byte for byte, .xlsx member by member except docProps/core.xml, which holds
the creation time, plan files byte for byte).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Function-level operations: the snippet prints the CPU seconds of the call itself.
READ = "from planner.plan import read_plan; import time; t=time.process_time(); read_plan({plan!r}); " \
       "print(time.process_time()-t)"
WRITE = "from planner.plan import read_plan, write_plan; import time; p=read_plan({plan!r}); " \
        "t=time.process_time(); write_plan(p, {out!r}); print(time.process_time()-t)"


def operations(plan: Path, data: Path, out: Path) -> list[tuple[str, list[str] | str, list[Path]]]:
    """(name, CLI arguments or a snippet, the paths it writes); outputs go under `out`, one name per operation."""
    return [
        ("planner --help", ["--help"], []),
        ("read_plan (call)", READ.format(plan=str(plan)), []),
        ("write_plan (call)", WRITE.format(plan=str(plan), out=str(out / "plan")), [out / "plan"]),
        ("planner check", ["check", str(data), str(plan)], []),
        ("planner export --ics", ["export", str(plan), "--ics", str(out / "ics")], [out / "ics"]),
        ("planner export --xlsx", ["export", str(plan), "--xlsx", str(out / "plan.xlsx")], [out / "plan.xlsx"]),
        ("planner export --ics --xlsx", ["export", str(plan), "--ics", str(out / "both-ics"), "--xlsx",
                                         str(out / "both.xlsx")], [out / "both-ics", out / "both.xlsx"]),
    ]


def run_once(tree: Path, op: list[str] | str, writes: list[Path]) -> tuple[float, float, float]:
    """(CPU s, wall s, load) of one run in a fresh process importing `tree`'s planner; its outputs start absent."""
    for path in writes:
        if path.is_dir():
            shutil.rmtree(path)
        path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    argv = [sys.executable, "-m", "planner", *op] if isinstance(op, list) else [sys.executable, "-c", op]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=tree, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if isinstance(op, str):
        cpu = float(done.stdout.strip().splitlines()[-1])
    return cpu, wall, load


def same_outputs(a: Path, b: Path) -> list[str]:
    """Differences between two runs' output folders (empty: identical up to the workbook's creation time)."""
    diffs: list[str] = []
    for path in sorted(p for p in a.rglob("*") if p.is_file()):
        other = b / path.relative_to(a)
        if not other.exists():
            diffs.append(f"missing after: {path.relative_to(a)}")
        elif path.suffix == ".xlsx":
            za, zb = zipfile.ZipFile(path), zipfile.ZipFile(other)
            if za.namelist() != zb.namelist():
                diffs.append(f"{path.name}: members differ")
            diffs += [f"{path.name}:{n}" for n in za.namelist()
                      if n != "docProps/core.xml" and za.read(n) != zb.read(n)]
        elif path.read_bytes() != other.read_bytes():
            diffs.append(str(path.relative_to(a)))
    return diffs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default="d5bda60")
    parser.add_argument("--after", default=None, help="a commit to measure as 'after' (default: this checkout)")
    parser.add_argument("--size", default="district")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--plan", type=Path, help="an existing plan folder (else solved here, ~35 CPU s)")
    parser.add_argument("--data", type=Path, help="its input folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="io-bench-"))
    before_tree = work / "before"
    trees = {"before": before_tree, "after": ROOT if args.after is None else work / "after"}
    for label, ref in (("before", args.before), ("after", args.after)):
        if ref is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(trees[label]), ref],
                           check=True)
    try:
        data, plan = args.data, args.plan
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if data is None:
            data = work / "data"
            subprocess.run([sys.executable, "-m", "planner", "demo", "--size", args.size, "--seed", str(args.seed),
                            str(data)], env=env, check=True, capture_output=True)
        if plan is None:
            plan = work / "plan"
            subprocess.run([sys.executable, "-m", "planner", "plan", str(data), "--out", str(plan)], env=env,
                           check=True, capture_output=True)
        results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        names = [name for name, _, _ in operations(plan, data, work)]
        for r in range(args.runs):   # interleaved, so that a load swing hits both trees alike
            for label, tree in trees.items():
                for name, op, writes in operations(plan, data, work / f"out-{label}"):
                    results.setdefault((label, name), []).append(run_once(tree, op, writes))
                    cpu, wall, load = results[(label, name)][-1]
                    print(f"run {r + 1} {label:6} {name:30} cpu {cpu:6.2f} s  wall {wall:6.2f} s  load {load:.1f}",
                          flush=True)
        print()
        print(f"{args.size} demo (seed {args.seed}), {args.runs} runs each; before = {args.before}, after = "
              f"{args.after or 'working tree'}; CPU = user+sys s; min / median")
        print("| operation | before CPU s | after CPU s | before wall s | after wall s | load (1 min) |")
        print("|---|---|---|---|---|---|")
        for name in names:
            b, a = results[("before", name)], results[("after", name)]

            def cell(rows: list[tuple[float, float, float]], i: int) -> str:
                values = [row[i] for row in rows]
                return f"{min(values):.2f} / {statistics.median(values):.2f}"

            loads = [row[2] for row in b + a]
            print(f"| {name} | {cell(b, 0)} | {cell(a, 0)} | {cell(b, 1)} | {cell(a, 1)} | "
                  f"{min(loads):.1f}–{max(loads):.1f} |")
        diffs = same_outputs(work / "out-before", work / "out-after")
        print()
        print("outputs identical (last run of each tree):", "yes" if not diffs else f"NO: {diffs[:10]}")
    finally:
        for label, ref in (("before", args.before), ("after", args.after)):
            if ref is not None:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(trees[label])],
                               check=False)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
