"""progress-many and plan-many --save on the 2-worker LocalCluster: each district's progress is exactly what
`planner progress` writes, summary.csv counts agree with each progress.csv, missing pieces are that district's
bad input, reruns skip unchanged districts; --save puts one scenario per ok district into a SQLite store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from planner.batch.progress_many import PROGRESS_FILES, STATE_DIR, SUMMARY_COLUMNS, progress_many
from planner.batch.run import plan_many
from planner.cli import EXIT_BAD_INPUT, EXIT_OK, main
from planner.plan import read_plan
from planner.store.api import open_store
from tests.batch.conftest import zip_folder

pytestmark = pytest.mark.slow
AS_OF = "2027-06-30"
UNTIL = "2027-06-15"
STATUSES = ("met", "on_track", "behind", "cannot_meet")


@pytest.fixture(scope="module")
def batch(demos: Path, client: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """ROOT a/, c.zip, bad/ planned with --save into a fresh SQLite store; then d/ and e/ (copies of a, plan
    copied too) and the actual visits: a.csv, c/ (actuals.csv + cases.csv), e.csv broken, d without any."""
    from planner.io.read import read_problem
    from planner.supervision.demo_cases import write_demo_cases
    from tests.batch.conftest import break_input

    base = tmp_path_factory.mktemp("pm")
    root, plans, actuals = base / "root", base / "plans", base / "actuals"
    root.mkdir()
    shutil.copytree(demos / "d1", root / "a")
    zip_folder(demos / "d3", root / "c.zip")
    shutil.copytree(demos / "d2", root / "bad")
    break_input(root / "bad")
    url = f"sqlite:///{base / 'store.db'}"
    rows = plan_many(root, plans, client=client, lang="en", save=url)
    for name in ("d", "e"):
        shutil.copytree(root / "a", root / name)
        shutil.copytree(plans / "a", plans / name)
    actuals.mkdir()
    assert main(["demo-actuals", str(root / "a"), str(plans / "a"), "--until", UNTIL,
                 "--out", str(actuals / "a.csv")]) == EXIT_OK
    (actuals / "c").mkdir()
    assert main(["demo-actuals", str(root / "c.zip"), str(plans / "c"), "--until", UNTIL,
                 "--out", str(actuals / "c" / "actuals.csv")]) == EXIT_OK
    done = pd.read_csv(actuals / "c" / "actuals.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    write_demo_cases(read_problem(root / "c.zip"), done, pd.Timestamp(UNTIL).date(), str(actuals / "c" / "cases.csv"),
                     seed=1)
    broken = pd.read_csv(actuals / "a.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    broken.loc[0, "person_id"] = "NOBODY"
    broken.to_csv(actuals / "e.csv", index=False, encoding="utf-8-sig")
    out = base / "progress"
    progress_rows = progress_many(root, plans, actuals, AS_OF, out, client=client, lang="en")
    return {"root": root, "plans": plans, "actuals": actuals, "out": out, "url": url, "plan_rows": rows,
            "rows": progress_rows, "base": base}


def _summary(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "summary.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_summary_has_a_line_per_district_with_status_counts_and_reasons(batch: dict[str, Any]) -> None:
    summary = _summary(batch["out"])
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert (batch["out"] / "summary.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    by = summary.set_index("district")
    assert by["status"].to_dict() == {"a": "ok", "bad": "bad_input", "c": "ok", "d": "bad_input", "e": "bad_input"}
    assert by.loc["bad", "message"].startswith("no complete plan for this district")
    assert by.loc["d", "message"].startswith("no actual visits")
    assert "NOBODY" in by.loc["e", "message"] and "person_id" in by.loc["e", "message"]
    assert (by.loc[["bad", "d", "e"], "exit_code"] == "2").all()
    assert (by.loc[["bad", "d", "e"], "obligations"] == "").all()   # unknown, not zero
    for district in ("a", "c"):
        table = pd.read_csv(batch["out"] / district / "progress.csv", dtype=str, keep_default_na=False,
                            encoding="utf-8-sig")
        counts = table["status"].value_counts()
        line = by.loc[district]
        assert int(line["obligations"]) == len(table) > 0
        for status in STATUSES:
            assert int(line[status]) == int(counts.get(status, 0)), (district, status)
        assert float(line["share_met"]) == pytest.approx(counts.get("met", 0) / len(table), abs=1e-4)
        assert line["as_of"] == AS_OF and line["households"] == "300" and line["exit_code"] == "0"
        assert 0 < int(line["met"]) < len(table)  # half a year of visits: some met, not all
    assert sorted(p.name for p in batch["out"].iterdir()) == [STATE_DIR, "a", "c", "summary.csv"]


def test_each_district_is_exactly_what_planner_progress_writes(batch: dict[str, Any], tmp_path: Path) -> None:
    import openpyxl

    root, plans, actuals, out = batch["root"], batch["plans"], batch["actuals"], batch["out"]
    runs = {"a": (root / "a", ["--actuals", str(actuals / "a.csv")]),
            "c": (root / "c.zip", ["--actuals", str(actuals / "c" / "actuals.csv"),
                                   "--cases", str(actuals / "c" / "cases.csv")])}
    for district, (data, extra) in runs.items():
        alone = tmp_path / district
        assert main(["progress", str(data), str(plans / district), *extra, "--as-of", AS_OF,
                     "--out", str(alone)]) == EXIT_OK
        assert sorted(p.name for p in (out / district).iterdir()) == sorted(PROGRESS_FILES)
        for name in ("progress.csv", "summary.json", "通报.html"):
            assert (out / district / name).read_bytes() == (alone / name).read_bytes(), (district, name)
        ours, theirs = (openpyxl.load_workbook(p / "通报.xlsx", read_only=True) for p in (out / district, alone))
        assert ours.sheetnames == theirs.sheetnames
        for sheet in ours.sheetnames:
            assert list(ours[sheet].values) == list(theirs[sheet].values), (district, sheet)
        ours.close()
        theirs.close()
    assert "cases" in json.loads((out / "c" / "summary.json").read_text("utf-8"))  # c/cases.csv went in as --cases


def test_rerun_skips_unchanged_districts_and_redoes_a_changed_one(batch: dict[str, Any], client: Any,
                                                                   tmp_path: Path) -> None:
    out = Path(shutil.copytree(batch["out"], tmp_path / "progress"))
    before = {d: (out / d / "progress.csv").stat().st_mtime_ns for d in ("a", "c")}
    rows = {r.district: r for r in progress_many(batch["root"], batch["plans"], batch["actuals"], AS_OF, out,
                                                  client=client, lang="en")}
    assert (rows["a"].skipped, rows["c"].skipped, rows["e"].skipped) == (True, True, False)
    assert {d: (out / d / "progress.csv").stat().st_mtime_ns for d in ("a", "c")} == before
    skipped = _summary(out).set_index("district")
    assert skipped.loc["a", "message"] == "input unchanged: existing plan kept"
    assert skipped.loc["a", "met"] == _summary(batch["out"]).set_index("district").loc["a", "met"]

    actuals = Path(shutil.copytree(batch["actuals"], tmp_path / "actuals"))
    frame = pd.read_csv(actuals / "a.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.iloc[: len(frame) // 2].to_csv(actuals / "a.csv", index=False, encoding="utf-8-sig")
    rows = {r.district: r for r in progress_many(batch["root"], batch["plans"], actuals, AS_OF, out,
                                                  client=client, lang="en")}
    assert (rows["a"].skipped, rows["c"].skipped) == (False, True)
    assert rows["a"].status == "ok" and rows["a"].met is not None
    assert rows["a"].met <= int(_summary(batch["out"]).set_index("district").loc["a", "met"])
    assert (out / "a" / "progress.csv").stat().st_mtime_ns != before["a"]


def test_cli_exit_codes_and_nothing_written_on_bad_options(batch: dict[str, Any], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--lang", "en", "progress-many", str(batch["root"]), "--plans", str(batch["plans"]),
            "--actuals-root", str(batch["actuals"])]
    assert main([*args, "--as-of", "2027-13-01", "--out", str(tmp_path / "o")]) == EXIT_BAD_INPUT
    assert main([*args[:-1], str(tmp_path / "none"), "--as-of", AS_OF, "--out", str(tmp_path / "o")]) == EXIT_BAD_INPUT
    assert main([*args, "--as-of", AS_OF, "--out", str(batch["plans"] / "x")]) == EXIT_BAD_INPUT
    assert not (tmp_path / "o").exists() and not (batch["plans"] / "x").exists()
    err = capsys.readouterr().err
    assert "invalid date" in err and "actuals root must be a folder" in err and "must not overlap PLANS" in err
    out = Path(shutil.copytree(batch["out"], tmp_path / "again"))
    assert main([*args, "--as-of", AS_OF, "--out", str(out)]) == 1  # bad, d, e are not ok; a, c skip
    assert "5 districts: ok 2, bad input 3" in capsys.readouterr().out


def test_save_puts_one_scenario_per_ok_district_into_the_store(batch: dict[str, Any], client: Any,
                                                               tmp_path: Path) -> None:
    rows = {r.district: r for r in batch["plan_rows"]}
    assert rows["a"].message == "saved: scenario a version 1" and rows["bad"].status == "bad_input"
    store = open_store(batch["url"])
    assert sorted(s.name for s in store.list_scenarios()) == ["a", "c"]
    for district in ("a", "c"):
        assert [v.number for v in store.list_versions(district)] == [1]
        stored, written = store.load_plan(district, 1), read_plan(batch["plans"] / district, require_visits=True)
        assert len(stored.visits) == len(written.visits) > 0
        cols = ["date", "person_kind", "person_id", "activity", "target_kind", "target_id"]
        assert (stored.visits[cols].astype(str).reset_index(drop=True)
                .equals(written.visits[cols].astype(str).reset_index(drop=True)))
        assert stored.cadre_households.equals(written.cadre_households)
    # rerun into the same store: nothing new; into another store: the unchanged plans are saved there (no solve)
    root = tmp_path / "root"
    root.mkdir()
    shutil.copytree(batch["root"] / "a", root / "a")
    shutil.copy(batch["root"] / "c.zip", root / "c.zip")
    plans = Path(shutil.copytree(batch["plans"], tmp_path / "plans"))
    again = plan_many(root, plans, client=client, lang="en", save=batch["url"])
    assert [(r.district, r.skipped, r.message) for r in again] == [
        ("a", True, "input unchanged: existing plan kept"), ("c", True, "input unchanged: existing plan kept")]
    assert [v.number for v in open_store(batch["url"]).list_versions("a")] == [1]
    other = f"sqlite:///{tmp_path / 'other.db'}"
    before = (plans / "a" / "visits.csv").read_bytes()
    moved = plan_many(root, plans, client=client, lang="en", save=other)  # not in that store: planned and saved
    assert [(r.skipped, r.message) for r in moved] == [(False, "saved: scenario a version 1"),
                                                       (False, "saved: scenario c version 1")]
    assert sorted(s.name for s in open_store(other).list_scenarios()) == ["a", "c"]
    assert (plans / "a" / "visits.csv").read_bytes() == before  # same input, same plan
    again = plan_many(root, plans, client=client, lang="en", save=other)
    assert [r.skipped for r in again] == [True, True]


def test_the_stored_version_is_what_planner_plan_save_stores(batch: dict[str, Any], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.store.api import PLAN_TABLES

    url = f"sqlite:///{tmp_path / 'alone.db'}"
    monkeypatch.setenv("PLANNER_DB_URL", url)
    assert main(["plan", str(batch["root"] / "a"), "--out", str(tmp_path / "a"), "--save", "a"]) == EXIT_OK
    ours, theirs = open_store(batch["url"]).load_plan("a", 1), open_store(url).load_plan("a", 1)
    for name in PLAN_TABLES:  # same frames, dtypes included (the worker's tables, not a re-read of the CSVs)
        pd.testing.assert_frame_equal(getattr(ours, name), getattr(theirs, name), obj=name)
    assert open_store(batch["url"]).load_version_input("a", 1).problem().counts() == \
        open_store(url).load_version_input("a", 1).problem().counts()


def test_a_failed_save_is_that_districts_failure_and_the_rerun_saves_it(demos: Path, client: Any, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.batch.save import BatchSaver

    root = tmp_path / "root"
    shutil.copytree(demos / "d1", root / "a")
    url, out = f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "plans"

    def disk_full(*args: object) -> int:
        raise OSError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(BatchSaver, "save", disk_full)
        (row,) = plan_many(root, out, client=client, lang="en", save=url)
    assert (row.status, row.exit_code) == ("failed", 1)
    assert row.message == "plan written, but saving it to the store failed: OSError: disk full"
    assert (out / "a" / "visits.csv").is_file() and open_store(url).list_scenarios() == []
    (row,) = plan_many(root, out, client=client, lang="en", save=url)
    assert (row.status, row.skipped, row.message) == ("ok", False, "saved: scenario a version 1")


def test_an_unusable_store_stops_the_batch_before_anything_is_written(batch: dict[str, Any], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["--lang", "en", "plan-many", str(batch["root"]), "--out", str(tmp_path / "o"),
                 "--save", f"sqlite:///{blocker}/sub/store.db"]) == EXIT_BAD_INPUT
    assert not (tmp_path / "o").exists()


def test_plans_and_actuals_inside_root_are_not_districts(demos: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(demos / "d1", root / "a")
    (root / "plans" / "a").mkdir(parents=True)
    (root / "actuals").mkdir()
    rows = progress_many(root, root / "plans", root / "actuals", AS_OF, root / "progress", lang="en")
    assert [(r.district, r.status) for r in rows] == [("a", "bad_input")]  # no plan: no cluster needed either
    assert rows[0].message.startswith("no complete plan")
    assert _summary(root / "progress")["district"].tolist() == ["a"]


def test_where_a_districts_actual_visits_are_found(tmp_path: Path) -> None:
    from planner.batch.progress_many import find_actuals

    (tmp_path / "a.xlsx").write_bytes(b"x")
    (tmp_path / "b").mkdir()
    for name in ("actuals.csv", "cases.xlsx", "checks.csv", "notes.txt"):
        (tmp_path / "b" / name).write_bytes(b"x")
    (tmp_path / "c.csv").write_bytes(b"x")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "actuals.csv").write_bytes(b"x")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "cases.csv").write_bytes(b"x")
    (tmp_path / "d" / "cases.xlsx").write_bytes(b"x")
    assert find_actuals(tmp_path, "a") == {"actuals": tmp_path / "a.xlsx"}
    assert find_actuals(tmp_path, "b") == {"actuals": tmp_path / "b" / "actuals.csv",
                                           "cases": tmp_path / "b" / "cases.xlsx",
                                           "checks": tmp_path / "b" / "checks.csv"}
    assert find_actuals(tmp_path, "c") == "c.csv + c/actuals.csv"   # two candidates: refused, never guessed
    assert find_actuals(tmp_path, "d") == "d/cases.csv + d/cases.xlsx"
    assert find_actuals(tmp_path, "e") == ""
