"""A ROOT of small demo districts and one 2-worker LocalCluster for the whole session (starting one costs seconds)."""

from __future__ import annotations

import logging
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import distributed
import pandas as pd
import pytest

from planner.cli import EXIT_OK, main


def make_demo(folder: Path, seed: int) -> Path:
    assert main(["demo", str(folder), "--size", "small", "--seed", str(seed)]) == EXIT_OK
    return folder


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return target


def break_input(folder: Path) -> None:
    """Bad input: households.csv without its community_id column."""
    path = folder / "households.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.drop(columns=["community_id"]).to_csv(path, index=False, encoding="utf-8-sig")


@pytest.fixture(scope="session")
def demos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three small demo districts (seeds 1-3) made once; tests copy them into their own ROOT."""
    base = tmp_path_factory.mktemp("demos")
    for seed in (1, 2, 3):
        make_demo(base / f"d{seed}", seed)
    return base


@pytest.fixture(scope="module")
def root(demos: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ROOT: folders a and b, workbook-free zip c.zip, and folder bad (bad input)."""
    root = tmp_path_factory.mktemp("root") / "districts"
    root.mkdir()
    shutil.copytree(demos / "d1", root / "a")
    shutil.copytree(demos / "d2", root / "b")
    zip_folder(demos / "d3", root / "c.zip")
    shutil.copytree(demos / "d1", root / "bad")
    break_input(root / "bad")
    return root


@pytest.fixture(scope="session")
def client() -> Iterator[object]:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                       silence_logs=logging.ERROR)
    with cluster, distributed.Client(cluster) as client:
        yield client
