"""The batch's parts without a cluster: finding districts, refusing unsafe OUT, one district's outcomes, the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from planner.batch.district import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INFEASIBLE, DistrictResult, plan_district
from planner.batch.inputs import DistrictJob, check_out, find_districts, read_job
from planner.batch.outputs import SummaryRow, record, skipped_row, state_path, write_summary
from planner.cli import main
from planner.errors import InputError
from tests.batch.conftest import zip_folder


def test_districts_are_folders_and_workbooks_named_by_stem(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for name in ("东区", "b", ".hidden", "__MACOSX"):
        (root / name).mkdir(parents=True)
    for name in ("c.xlsx", "d.ZIP", "~$c.xlsx", "notes.txt", "rules.toml", "households.csv"):
        (root / name).write_bytes(b"x")
    out = root / "plans"
    out.mkdir()
    assert [(d.name, d.path.name) for d in find_districts(root, out)] == [
        ("b", "b"), ("c", "c.xlsx"), ("d", "d.ZIP"), ("东区", "东区")]


def test_two_inputs_of_one_name_or_an_empty_root_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a.xlsx").write_bytes(b"x")
    with pytest.raises(InputError, match="two inputs for district a"):
        find_districts(tmp_path)
    (tmp_path / "summary.csv").mkdir()
    with pytest.raises(InputError, match=r"'summary\.csv' is a name the batch output uses"):
        find_districts(tmp_path)
    with pytest.raises(InputError, match="no district inputs"):
        find_districts(tmp_path / "a")
    with pytest.raises(InputError, match="ROOT must be a folder"):
        find_districts(tmp_path / "missing")


@pytest.mark.parametrize("out", [".", "a", "a/plans"])
def test_out_may_not_be_root_or_overlap_a_district(tmp_path: Path, out: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "households.csv").write_bytes(b"x")
    with pytest.raises(InputError):
        check_out(tmp_path, tmp_path / out, find_districts(tmp_path))
    assert (tmp_path / "a" / "households.csv").read_bytes() == b"x"


def test_out_beside_the_districts_is_fine_and_not_itself_a_district(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "plans").mkdir()
    districts = find_districts(tmp_path, tmp_path / "plans")
    check_out(tmp_path, tmp_path / "plans", districts)
    assert [d.name for d in districts] == ["a"]


def test_job_ships_the_reading_files_and_a_workbook_its_sibling_rules(tmp_path: Path) -> None:
    (tmp_path / "a" / "sub").mkdir(parents=True)
    for name in ("households.csv", "rules.toml", "photo.jpg"):
        (tmp_path / "a" / name).write_bytes(name.encode())
    (tmp_path / "b.xlsx").write_bytes(b"book")
    (tmp_path / "rules.toml").write_bytes(b"year = 2027\n")
    jobs = {d.name: read_job(d) for d in find_districts(tmp_path)}
    assert sorted(jobs["a"].files) == ["a/households.csv", "a/rules.toml"]
    assert jobs["b"].files == {"b.xlsx": b"book", "rules.toml": b"year = 2027\n"}
    before = jobs["a"].digest
    (tmp_path / "a" / "households.csv").write_bytes(b"changed")
    assert read_job(find_districts(tmp_path)[0]).digest != before
    assert read_job(find_districts(tmp_path)[0], year=2028).digest != read_job(find_districts(tmp_path)[0]).digest


def _job(path: Path) -> DistrictJob:
    (district,) = [d for d in find_districts(path.parent) if d.path == path]
    return read_job(district, lang="en")


def test_a_bad_district_is_exit_2_with_located_message(demos: Path, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(demos / "d1", tmp_path / "d"))
    (folder / "leaders.csv").unlink()
    result = plan_district(_job(folder))
    assert (result.exit_code, result.status, result.tables) == (EXIT_BAD_INPUT, "bad_input", {})
    assert "leaders.csv" in result.message_en and "leaders" in result.message_zh


def test_an_infeasible_district_is_exit_3_with_the_reason(demos: Path, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(demos / "d1", tmp_path / "d"))
    (folder / "rules.toml").write_text("year = 2027\n[assign]\ncadre_max_households = 1\n", encoding="utf-8")
    result = plan_district(_job(folder))
    assert (result.exit_code, result.status, result.tables) == (EXIT_INFEASIBLE, "infeasible", {})
    assert result.households == 300 and "cannot all hold" in result.message_en


def test_a_crash_in_one_district_is_its_result_not_an_exception(demos: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.solve

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(planner.solve, "solve_plan", boom)
    zipped = zip_folder(demos / "d1", tmp_path / "d.zip")
    result = plan_district(_job(zipped))
    assert (result.exit_code, result.status) == (EXIT_FAILED, "failed")
    assert "RuntimeError: solver exploded" in result.message_en


def test_cli_refuses_a_missing_root_and_out_inside_a_district(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "plan-many", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == EXIT_BAD_INPUT
    (tmp_path / "a").mkdir()
    assert main(["--lang", "en", "plan-many", str(tmp_path), "--out", str(tmp_path / "a" / "o")]) == EXIT_BAD_INPUT
    assert not (tmp_path / "o").exists() and not (tmp_path / "a" / "o").exists()
    err = capsys.readouterr().err
    assert "ROOT must be a folder" in err and "overlaps the district input a" in err and "Traceback" not in err


def _solved(demos: Path, tmp_path: Path) -> DistrictResult:
    result = plan_district(_job(Path(shutil.copytree(demos / "d1", tmp_path / "d"))))
    assert result.status == "ok" and result.tables and not result.written
    return result


def test_a_plan_the_checker_rejects_is_written_but_not_recorded_as_current(demos: Path, tmp_path: Path) -> None:
    result = _solved(demos, tmp_path)
    result.exit_code, result.message_en = EXIT_FAILED, "the checker found 1 violations: ..."
    out = tmp_path / "out"
    row = record(out, result, "en")
    assert (row.status, row.exit_code) == ("failed", EXIT_FAILED)
    assert (out / "d" / "visits.csv").is_file()  # there to inspect, as `planner plan` + `planner check` leave it
    assert not state_path(out, "d").exists()
    assert skipped_row(out, "d", result.digest, "en") is None  # so a rerun plans it again


def test_a_recorded_plan_is_skipped_only_while_complete_and_unchanged(demos: Path, tmp_path: Path) -> None:
    result = _solved(demos, tmp_path)
    out = tmp_path / "out"
    assert record(out, result, "en").status == "ok"
    skipped = skipped_row(out, "d", result.digest, "zh")
    assert skipped is not None and skipped.skipped and skipped.households == 300 and "输入未变" in skipped.message
    assert skipped_row(out, "d", "another digest", "en") is None
    (out / "d" / "names.csv").unlink()
    assert skipped_row(out, "d", result.digest, "en") is None


def test_summary_csv_has_the_contract_columns_and_empty_cells_for_unknown_figures(tmp_path: Path) -> None:
    rows = [SummaryRow("b", "bad_input", 2, 0.31, None, None, "=bad"),
            SummaryRow("a", "ok", 0, 1.234, 300, 0, "")]
    path = write_summary(tmp_path, rows)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert path.read_text(encoding="utf-8-sig").splitlines() == [
        "district,status,exit_code,seconds,households,violations,message",
        "a,ok,0,1.23,300,0,",
        "b,bad_input,2,0.31,,,'=bad",  # spreadsheet-safe, like every CSV planner writes
    ]
