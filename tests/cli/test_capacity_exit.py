"""`planner plan` on a small demo whose pinned units cannot take their communities: exit 3, the minimum cut's
communities, units and numbers in the message (both languages), and nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from planner.cli import EXIT_INFEASIBLE, EXIT_OK, main


def _csv(folder: Path, stem: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{stem}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "data"
    assert main(["demo", str(folder), "--size", "small", "--seed", "0"]) == EXIT_OK
    return folder


def test_short_pinned_units_exit_3_with_names_and_numbers(demo: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The demo pins U001 to C001; we also pin U004 to C002 and give U001's cadres 1 household each and U004's 3.
    Each community can only be served by its pinned unit's cadres (三级联动), so each is short on its own by its
    households minus that unit's cadres × cap — two conflicts, the larger shortfall first."""
    data = Path(shutil.copytree(demo, tmp_path / "data"))
    cadres = _csv(data, "cadres")
    cadres.loc[cadres["unit_id"] == "U001", "max_households"] = "1"
    cadres.loc[cadres["unit_id"] == "U004", "max_households"] = "3"
    cadres.to_csv(data / "cadres.csv", index=False, encoding="utf-8-sig")
    pins = _csv(data, "pins")
    assert ((pins["subject_id"] == "U001") & (pins["target_id"] == "C001")).any()
    pd.concat([pins, pd.DataFrame([{"kind": "unit_community", "subject_id": "U004", "target_id": "C002"}])]) \
        .to_csv(data / "pins.csv", index=False, encoding="utf-8-sig")
    households = _csv(data, "households")["community_id"].value_counts()
    n_cadres = cadres["unit_id"].value_counts()
    short = {"C001": (int(households["C001"]), int(n_cadres["U001"]) * 1, "U001"),
             "C002": (int(households["C002"]), int(n_cadres["U004"]) * 3, "U004")}
    assert all(need > can for need, can, _ in short.values())
    lines = []
    for c, (need, can, unit) in sorted(short.items(), key=lambda kv: kv[1][1] - kv[1][0]):
        lines.append(f"- community {c} has {need} households, but the cadres of unit {unit} that may serve them can "
                     f"take at most {can} ({need - can} short)")
    out = tmp_path / "out" / "plan"
    out.parent.mkdir()
    assert main(["--lang", "en", "plan", str(data), "--out", str(out), "--time-limit", "2"]) == EXIT_INFEASIBLE
    err = capsys.readouterr().err
    assert [line.split(" (suggestion")[0] for line in err.splitlines() if line.startswith("- community")] == lines
    assert "Nothing was written" in err
    assert not out.exists() and not list(out.parent.iterdir())
    assert main(["plan", str(data), "--out", str(out), "--time-limit", "2"]) == EXIT_INFEASIBLE
    err = capsys.readouterr().err
    need, can, _ = short["C001"]
    assert "社区 C001（" in err and f"共 {need} 户联系户，能联系它们的单位 U001（" in err
    assert f"的干部最多只能联系 {can} 户（缺 {need - can} 户）" in err and "未写出任何文件" in err
    assert not out.exists()
