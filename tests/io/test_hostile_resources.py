"""Hostile inputs are refused within bounded memory and time: each runs `planner validate` in a child process
whose peak RSS (ru_maxrss of that child alone) and wall time are measured.

Before the limits (measured on the unmodified code): the 1 GiB zip bomb reached 9.2 GB and was killed after
120 s still running; a 10,000-column header took 6.3 s and was accepted; a 100,000-column header reached 3.6 GB
and was killed after 120 s still running; 60 MB of blank lines in households.csv: 7.8 GB and killed after
150 s still running; 990,000 duplicate household ids: 947 MiB and 10 s; one cell at XFD1048576 in a 9 KB
workbook: calamine aborted the process (SIGABRT, a Rust panic).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.io import hostile as h

PEAK_LIMIT_MIB = 1024
TIME_LIMIT_S = 60.0
ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import json, resource, subprocess, sys, time
start = time.monotonic()
done = subprocess.run([sys.executable, "-m", "planner", "validate", sys.argv[1]], capture_output=True, text=True,
                      timeout=float(sys.argv[2]))
print(json.dumps({"rc": done.returncode, "seconds": time.monotonic() - start, "err": done.stderr[-2000:],
                  "peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def measure(data: Path) -> dict[str, float | str]:
    """Run `planner validate DATA` in a grandchild and return its exit code, seconds and peak RSS (MiB)."""
    done = subprocess.run([sys.executable, "-c", _CHILD, str(data), str(TIME_LIMIT_S * 2)], capture_output=True,
                          text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                          timeout=TIME_LIMIT_S * 3, check=True)
    result: dict[str, float | str] = json.loads(done.stdout)
    return result


HOSTILE: dict[str, Callable[[Path], Path]] = {
    "zip_bomb_1gib": lambda root: h.cached_bomb(root / "bomb.zip"),
    "header_10k_columns": lambda root: h.wide(root, 10_000),
    "header_100k_columns": lambda root: h.wide(root, 100_000),
    "zip_lying_header_64mib": h.lying_zip,
    "csv_60mib_of_blank_lines": lambda root: h.folder(root, raw={"households.csv": h.csv_bytes(
        h.tiny_tables()["households"]) + b"\n" * (60 << 20)}),
    "csv_990k_duplicate_ids": lambda root: h.folder(root, raw={"households.csv": h.csv_bytes(
        h.tiny_tables()["households"]) + b"H01,C01,x,1,,\n" * 990_000}),
    "xlsx_cell_at_xfd1048576": lambda root: h.far_cell(root, "XFD1048576"),
    "xlsx_with_64mib_member": lambda root: h.workbook(root, extra_members={"xl/media/big.bin": b"\0" * (64 << 20)}),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_bounded(name: str, tmp_path: Path) -> None:
    result = measure(HOSTILE[name](tmp_path))
    print(f"{name}: exit {result['rc']}, {float(result['seconds']):.1f} s, peak {float(result['peak_mib']):.0f} MiB")
    assert result["rc"] == 2, result["err"]
    assert "Traceback" not in str(result["err"])
    assert float(result["peak_mib"]) <= PEAK_LIMIT_MIB
    assert float(result["seconds"]) <= TIME_LIMIT_S
