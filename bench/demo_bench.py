"""Time `generate_demo` per size (writing CSVs included): `python bench/demo_bench.py [size ...]`."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from planner.demo import SIZES, generate_demo


def main(sizes: list[str]) -> None:
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            counts = generate_demo(Path(tmp), size=size, seed=0)
            seconds = time.perf_counter() - start
        print(f"{size:9s} {seconds:6.2f} s  households={counts['households']:,} cadres={counts['cadres']:,} "
              f"units={counts['units']:,} communities={counts['communities']:,} offices={counts['offices']}")


if __name__ == "__main__":
    main(sys.argv[1:] or list(SIZES))
