"""`planner validate`: exit 0 with counts, exit 2 with located messages; `planner template` writes a workbook."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.cli import main
from tests.fixtures import TINY_YEAR, tiny_tables


def _folder(tmp_path: Path, break_it: bool = False) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    tables = tiny_tables()
    if break_it:
        tables["households"].loc[4, "community_id"] = "C77"
        tables["cadres"].loc[0, "rank"] = "general"
    for stem, frame in tables.items():
        frame.to_csv(folder / f"{stem}.csv", index=False, encoding="utf-8-sig")
    return folder


def test_validate_ok_prints_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "validate", str(_folder(tmp_path)), "--year", str(TINY_YEAR)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "households" in out and "20" in out


def test_validate_bad_input_exit_2_with_locations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "zh", "validate", str(_folder(tmp_path, break_it=True))]) == 2
    err = capsys.readouterr().err
    assert "households.csv，第6行，列 community_id" in err and "C77" in err
    assert "cadres.csv，第2行，列 rank" in err


def test_template_command(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    assert main(["template", str(out)]) == 0 and out.stat().st_size > 0
    assert main(["validate", str(out)]) == 2
