"""plan_many on a real 2-worker LocalCluster: summary right, every plan valid, reruns skip, a killed worker's
district is still planned, and a district's plan folder is the one `planner plan` writes on its own."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from planner.batch.outputs import STATE_DIR, SUMMARY_COLUMNS, SummaryRow
from planner.batch.run import plan_many
from planner.check import check_plan
from planner.cli import EXIT_BAD_INPUT, EXIT_OK, main
from planner.errors import InputError
from planner.io.read import read_problem
from planner.plan import read_plan
from tests.batch.conftest import zip_folder

pytestmark = pytest.mark.slow
PLAN_CSVS = ("leader_offices.csv", "unit_communities.csv", "cadre_households.csv", "visits.csv", "names.csv")
WALL_CLOCK_KEYS = {"seconds", "seconds_per_stage"}  # differ between two runs of `planner plan` as well


@pytest.fixture(scope="module")
def first(root: Path, client: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[SummaryRow]]:
    out = tmp_path_factory.mktemp("out") / "plans"
    rows = plan_many(root, out, client=client, lang="en")
    return out, rows


def _summary(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "summary.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _input(root: Path, district: str) -> Path:
    return root / district if (root / district).is_dir() else root / f"{district}.zip"


def _workers(client: Any) -> set[str]:
    """The scheduler's workers now (Client.scheduler_info() is refreshed only every few seconds)."""
    return set(client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.workers)))


def _assert_valid(root: Path, out: Path, district: str) -> None:
    plan = read_plan(out / district, require_visits=True)
    assert len(plan.visits) > 0
    assert check_plan(read_problem(_input(root, district)), plan) == []


def test_summary_has_one_row_per_district_with_status_and_exit_code(first: tuple[Path, list[SummaryRow]]) -> None:
    out, rows = first
    assert (out / "summary.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    summary = _summary(out)
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert summary["district"].tolist() == ["a", "b", "bad", "c"]
    by = summary.set_index("district")
    assert by.loc[["a", "b", "c"], "status"].tolist() == ["ok"] * 3
    assert by.loc[["a", "b", "c"], "exit_code"].tolist() == ["0"] * 3
    assert by.loc[["a", "b", "c"], "households"].tolist() == ["300"] * 3
    assert by.loc[["a", "b", "c"], "violations"].tolist() == ["0"] * 3
    assert (by.loc[["a", "b", "c"], "seconds"].astype(float) > 0).all()
    assert by.loc["bad", "status"] == "bad_input" and by.loc["bad", "exit_code"] == "2"
    assert "households.csv" in by.loc["bad", "message"] and "community_id" in by.loc["bad", "message"]
    assert by.loc["bad", "households"] == "" and by.loc["bad", "violations"] == ""
    assert [r.status for r in rows] == ["ok", "ok", "bad_input", "ok"]


def test_every_plan_passes_the_checker_and_bad_input_writes_nothing(root: Path,
                                                                    first: tuple[Path, list[SummaryRow]]) -> None:
    out, _ = first
    for district in ("a", "b", "c"):
        _assert_valid(root, out, district)
    assert not (out / "bad").exists()
    assert sorted(p.name for p in out.iterdir()) == [STATE_DIR, "a", "b", "c", "summary.csv"]


def test_plan_folder_is_byte_identical_to_planner_plan(root: Path, first: tuple[Path, list[SummaryRow]],
                                                       tmp_path: Path) -> None:
    out, _ = first
    for district in ("a", "c"):  # a folder and a zip
        alone = tmp_path / district
        assert main(["plan", str(_input(root, district)), "--out", str(alone)]) == EXIT_OK
        assert sorted(p.name for p in (out / district).iterdir()) == sorted(p.name for p in alone.iterdir())
        for name in PLAN_CSVS:
            assert (out / district / name).read_bytes() == (alone / name).read_bytes(), (district, name)
        ours = json.loads((out / district / "report.json").read_text("utf-8"))
        theirs = json.loads((alone / "report.json").read_text("utf-8"))
        for report in (ours, theirs):
            for key in WALL_CLOCK_KEYS:
                report.pop(key)
            for stage in report["stages"]:
                stage.pop("seconds")
        assert ours == theirs


def test_rerun_skips_unchanged_districts_and_replans_a_changed_one(root: Path, client: Any, tmp_path: Path,
                                                                   first: tuple[Path, list[SummaryRow]]) -> None:
    out = tmp_path / "plans"
    shutil.copytree(first[0], out)
    before = {d: (out / d / "visits.csv").stat().st_mtime_ns for d in ("a", "b", "c")}
    rows = {r.district: r for r in plan_many(root, out, client=client, lang="en")}
    assert [rows[d].skipped for d in ("a", "b", "c")] == [True, True, True]
    assert rows["bad"].status == "bad_input" and not rows["bad"].skipped  # a failed district is tried again
    assert {d: (out / d / "visits.csv").stat().st_mtime_ns for d in ("a", "b", "c")} == before
    assert _summary(out).set_index("district").loc["a", "message"] == "input unchanged: existing plan kept"

    changed = tmp_path / "root"
    shutil.copytree(root, changed)
    households = pd.read_csv(changed / "b" / "households.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    households.loc[0, "priority"] = "3" if households.loc[0, "priority"] != "3" else "1"
    households.to_csv(changed / "b" / "households.csv", index=False, encoding="utf-8-sig")
    rows = {r.district: r for r in plan_many(changed, out, client=client, lang="en", workers_write=True)}
    assert [rows[d].skipped for d in ("a", "b", "c")] == [True, False, True]
    assert rows["b"].status == "ok"
    assert (out / "b" / "visits.csv").stat().st_mtime_ns != before["b"]
    _assert_valid(changed, out, "b")


def test_a_district_whose_worker_is_killed_is_still_planned(root: Path, client: Any, tmp_path: Path,
                                                            first: tuple[Path, list[SummaryRow]]) -> None:
    good = tmp_path / "root"
    good.mkdir()
    for district in ("a", "b"):
        shutil.copytree(root / district, good / district)
    zip_folder(root / "a", good / "z.zip")  # a third district, same data as a
    out = tmp_path / "plans"
    result: dict[str, list[SummaryRow]] = {}
    batch = threading.Thread(target=lambda: result.setdefault("rows", plan_many(good, out, client=client,
                                                                                  workers_write=True)))
    workers_before = _workers(client)
    batch.start()
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline and batch.is_alive():
        busy = [w for w, keys in client.processing().items() if any(str(k).startswith("plan-") for k in keys)]
        if busy:
            victim = busy[0]
            pid = client.run(os.getpid, workers=[victim])[victim]
            time.sleep(0.3)  # well inside a district's solve (several seconds here), after its task started
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)
    batch.join(timeout=120)
    assert victim is not None, "no district was seen running"
    assert victim in workers_before and victim not in _workers(client)  # it really died
    rows = {r.district: r for r in result["rows"]}
    assert [rows[d].status for d in ("a", "b", "z")] == ["ok"] * 3
    for district in ("a", "b"):
        assert check_plan(read_problem(good / district), read_plan(out / district, require_visits=True)) == []
    # same input, same plan: the district re-run after the kill (written by its worker) equals the first run's
    # (written by the client from Parquet)
    for name in PLAN_CSVS:
        assert (out / "z" / name).read_bytes() == (first[0] / "a" / name).read_bytes()
        assert (out / "a" / name).read_bytes() == (first[0] / "a" / name).read_bytes()


def test_cli_rerun_of_finished_districts_needs_no_cluster_and_exits_0(root: Path, tmp_path: Path,
                                                                      first: tuple[Path, list[SummaryRow]],
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    done = tmp_path / "root"
    done.mkdir()
    shutil.copytree(root / "a", done / "a")
    shutil.copy(root / "c.zip", done / "c.zip")
    out = Path(shutil.copytree(first[0], tmp_path / "plans"))
    started = time.monotonic()
    assert main(["--lang", "en", "plan-many", str(done), "--out", str(out), "--workers", "1"]) == EXIT_OK
    assert time.monotonic() - started < 5  # no cluster was started for nothing
    assert "2 districts: ok 2 (2 unchanged" in capsys.readouterr().out
    assert _summary(out)["district"].tolist() == ["a", "c"]


def test_an_unreachable_scheduler_is_a_clear_error_and_nothing_is_written(root: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("planner.batch.run.CONNECT_SECONDS", 1.0)
    with pytest.raises(InputError, match="cannot reach the scheduler"):
        plan_many(root, tmp_path / "plans", scheduler="tcp://127.0.0.1:1")
    assert not (tmp_path / "plans").exists()


def test_cli_default_local_cluster_plans_and_its_workers_write_the_same_plan(root: Path, tmp_path: Path,
                                                                             first: tuple[Path, list[SummaryRow]],
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    one = tmp_path / "root"
    shutil.copytree(root / "a", one / "a")
    out = tmp_path / "plans"
    assert main(["--lang", "en", "plan-many", str(one), "--out", str(out), "--workers", "1"]) == EXIT_OK
    assert "1 districts: ok 1 (0 unchanged" in capsys.readouterr().out
    for name in PLAN_CSVS:
        assert (out / "a" / name).read_bytes() == (first[0] / "a" / name).read_bytes()
    assert (out / STATE_DIR / "a.json").is_file()


def test_export_many_writes_each_districts_workbook_and_calendars(client: Any, tmp_path: Path,
                                                                  first: tuple[Path, list[SummaryRow]]) -> None:
    import openpyxl

    from planner.batch.export import export_many
    from planner.export.ics import ics_zip_bytes

    out, dest = first[0], tmp_path / "exports"
    rows = export_many(out, dest, client=client, xlsx=True, ics=True, lang="en")
    assert [(r.district, r.status) for r in rows] == [("a", "ok"), ("b", "ok"), ("c", "ok")]
    assert sorted(p.name for p in dest.iterdir()) == sorted(
        [".export-many", *(f"{d}.xlsx" for d in "abc"), *(f"{d}.ics.zip" for d in "abc")])
    plan = read_plan(out / "a", require_visits=True)
    assert (dest / "a.ics.zip").read_bytes() == ics_zip_bytes(plan)  # what the app's calendar download makes
    book = openpyxl.load_workbook(dest / "a.xlsx", read_only=True)
    assert len(book.sheetnames) > 1
    book.close()
    (dest / "a.ics.zip").write_bytes(b"old")
    one = tmp_path / "one"
    shutil.copytree(out / "a", one / "a")
    again = export_many(one, dest, client=client, xlsx=False, ics=True)  # its own earlier exports: replaced
    assert [r.status for r in again] == ["ok"] and (dest / "a.ics.zip").read_bytes() == ics_zip_bytes(plan)
    other = tmp_path / "other"
    other.mkdir()
    (other / "mine.txt").write_text("keep")
    with pytest.raises(InputError, match="DEST holds other files"):
        export_many(out, other, client=client)
    assert main(["export-many", str(out), "--dest", str(tmp_path / "x")]) == EXIT_BAD_INPUT  # no --xlsx, no --ics
    assert not (tmp_path / "x").exists()
