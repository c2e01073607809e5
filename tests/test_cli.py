"""End to end through `planner.cli.main` on the small demo: demo → validate → plan → check → export.

Exit codes per the contract: 0 ok; 2 bad input with a message naming file, row and column, and nothing written;
3 when the rules cannot all hold, again with nothing written. The solve runs once per module (it is the slow part).
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from icalendar import Calendar

from planner.cli import EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_OK, main
from planner.export.ics import ics_zip_bytes
from planner.plan import read_plan, write_plan
from tests.export.conftest import make_plan

TIME_LIMIT = "2"  # deterministic seconds per stage: enough for the small demo, keeps the suite quick
SEED = "0"


def _csv(folder: Path, stem: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{stem}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _write(folder: Path, stem: str, frame: pd.DataFrame) -> None:
    frame.to_csv(folder / f"{stem}.csv", index=False, encoding="utf-8-sig")


def _nothing_written(out: Path) -> None:
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")], "temporary folder left"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "data"
    assert main(["demo", str(folder), "--size", "small", "--seed", SEED]) == EXIT_OK
    return folder


@pytest.fixture
def data(demo: Path, tmp_path: Path) -> Path:
    """A private copy of the demo that a test may break."""
    return Path(shutil.copytree(demo, tmp_path / "data"))


@pytest.fixture(scope="module")
def solved(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan"
    assert main(["plan", str(demo), "--out", str(out), "--time-limit", TIME_LIMIT, "--seed", SEED]) == EXIT_OK
    return out


# -- the happy path --------------------------------------------------------------------------------------------

def test_validate_demo_prints_counts(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "validate", str(demo)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Input is valid" in out
    assert f"  {'households':<16}{len(_csv(demo, 'households')):>8}" in out


@pytest.mark.slow
def test_plan_writes_every_plan_file(demo: Path, solved: Path) -> None:
    names = sorted(p.name for p in solved.iterdir())
    assert names == ["cadre_households.csv", "leader_offices.csv", "names.csv", "office_leader_communities.csv",
                     "report.json", "report_due.csv", "unit_communities.csv", "visits.csv"]
    plan = read_plan(solved, require_visits=True)
    assert set(plan.cadre_households["household_id"]) == set(_csv(demo, "households")["household_id"])
    assert len(plan.visits) > 0 and plan.report["status"] in ("optimal", "feasible")


@pytest.mark.slow
def test_check_accepts_the_plan(demo: Path, solved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "check", str(demo), str(solved)]) == EXIT_OK
    assert "All rules hold" in capsys.readouterr().out


@pytest.mark.slow
def test_export_ics_and_xlsx(solved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ics_dir, xlsx = tmp_path / "ics", tmp_path / "plan.xlsx"
    assert main(["export", str(solved), "--ics", str(ics_dir), "--xlsx", str(xlsx)]) == EXIT_OK
    plan = read_plan(solved, require_visits=True)
    people = plan.visits[["person_kind", "person_id"]].drop_duplicates()
    files = sorted(ics_dir.glob("*.ics"))
    assert len(files) == len(people)
    assert f"{len(files)} 个日历文件" in capsys.readouterr().out
    events = sum(len(Calendar.from_ical(f.read_bytes()).events) for f in files)
    assert plan.report_due is not None   # plus one event per research-report due date of a person with a calendar
    assert events == len(plan.visits) + plan.report_due["person_id"].isin(people["person_id"]).sum()

    book = openpyxl.load_workbook(xlsx, read_only=True)
    offices = plan.names.loc[plan.names["kind"] == "office", "name"].tolist()
    units = plan.names.loc[plan.names["kind"] == "unit", "name"].tolist()
    assert book.sheetnames[:4] == ["汇总", "月度统计", "信访接待", "办事处领导"]   # the demo has the office level
    assert len(book.sheetnames) == 4 + len(offices) + len(units)
    rows = list(book["汇总"].iter_rows(values_only=True))
    header, body = rows[0], rows[2:]   # the summary has two header rows (titles over actual/required pairs)
    assert len(body) == len(plan.names[plan.names["kind"].isin(["leader", "unit", "cadre", "office_leader"])])
    # the checker passed, so the printed summary must show every person's minimums met
    met = header.index("达标")
    assert {row[met] for row in body} == {"是"}, [row for row in body if row[met] != "是"][:3]
    book.close()


@pytest.mark.slow
def test_export_redacted_hides_household_ids(solved: Path, tmp_path: Path) -> None:
    assert main(["export", str(solved), "--ics", str(tmp_path / "ics"), "--xlsx", str(tmp_path / "r.xlsx"),
                 "--redact"]) == EXIT_OK
    plan = read_plan(solved, require_visits=True)
    sample = set(plan.cadre_households["household_id"].head(20))
    text = "".join(f.read_bytes().decode("utf-8") for f in (tmp_path / "ics").glob("cadre-*.ics"))
    assert "户-" in text and not [h for h in sample if h in text]
    with zipfile.ZipFile(io.BytesIO(ics_zip_bytes(plan, redact=True))) as archive:
        zipped = b"".join(archive.read(n) for n in archive.namelist()).decode("utf-8")
    assert not [h for h in sample if h in zipped]


@pytest.mark.slow
def test_same_input_and_seed_give_identical_plan(demo: Path, solved: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert main(["plan", str(demo), "--out", str(again), "--time-limit", TIME_LIMIT, "--seed", SEED]) == EXIT_OK
    for name in ("leader_offices.csv", "unit_communities.csv", "cadre_households.csv", "visits.csv", "names.csv"):
        assert (again / name).read_bytes() == (solved / name).read_bytes(), name


# -- bad input: exit 2, located message, nothing written -------------------------------------------------------

def _bad_input(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    out = tmp_path / "out" / "plan"
    out.parent.mkdir()
    assert main(["--lang", "en", "plan", str(data), "--out", str(out), "--time-limit", TIME_LIMIT]) == EXIT_BAD_INPUT
    _nothing_written(out)
    assert main(["--lang", "en", "validate", str(data)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "nothing was written" in err.lower()
    return err


def test_missing_column_is_located(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(data, "households", _csv(data, "households").drop(columns=["community_id"]))
    err = _bad_input(data, tmp_path, capsys)
    assert "households.csv" in err and "community_id" in err


def test_duplicate_id_is_located(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cadres = _csv(data, "cadres")
    cadres.loc[4, "cadre_id"] = cadres.loc[3, "cadre_id"]
    _write(data, "cadres", cadres)
    err = _bad_input(data, tmp_path, capsys)
    assert "cadres.csv" in err and "cadre_id" in err and "row 6" in err  # header is row 1: frame row 4 is row 6


def test_unknown_reference_is_located(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    communities = _csv(data, "communities")
    communities.loc[2, "office_id"] = "B99"
    _write(data, "communities", communities)
    err = _bad_input(data, tmp_path, capsys)
    assert "communities.csv" in err and "office_id" in err and "row 4" in err and "B99" in err


def test_missing_file_is_named(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (data / "leaders.csv").unlink()
    assert "leaders" in _bad_input(data, tmp_path, capsys)


def test_bad_rules_value_is_named(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (data / "rules.toml").write_text("year = 2027\n[visits]\ncadre_household = \"six\"\n", encoding="utf-8")
    assert "cadre_household" in _bad_input(data, tmp_path, capsys)


@pytest.fixture
def hand_plan(tmp_path: Path) -> Path:
    """A small hand-built plan folder, so export's own exit codes are tested without a solve."""
    return write_plan(make_plan(), tmp_path / "hand_plan")


def test_export_of_a_folder_without_visits_is_bad_input(hand_plan: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    broken = hand_plan
    (broken / "visits.csv").unlink()
    out = tmp_path / "ics"
    assert main(["--lang", "en", "export", str(broken), "--ics", str(out)]) == EXIT_BAD_INPUT
    assert "visits.csv" in capsys.readouterr().err
    assert not out.exists()


def test_export_needs_a_target(hand_plan: Path, tmp_path: Path) -> None:
    assert main(["export", str(hand_plan)]) == EXIT_BAD_INPUT
    assert main(["export", str(hand_plan), "--xlsx", str(tmp_path / "x" / "p.xlsx")]) == EXIT_OK
    assert (tmp_path / "x" / "p.xlsx").is_file()


# -- infeasible rules: exit 3, explained, nothing written ------------------------------------------------------

def test_infeasible_rules_exit_3_and_write_nothing(data: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (data / "rules.toml").write_text("year = 2027\n[assign]\ncadre_max_households = 1\n", encoding="utf-8")
    out = tmp_path / "out" / "plan"
    out.parent.mkdir()
    assert main(["--lang", "en", "plan", str(data), "--out", str(out), "--time-limit", TIME_LIMIT]) == EXIT_INFEASIBLE
    _nothing_written(out)
    err = capsys.readouterr().err
    n_households = len(_csv(data, "households"))
    assert "cannot all hold" in err and str(n_households) in err
    assert "Nothing was written" in err


# -- the parser: version, help for every argument, Chinese headings -------------------------------------------------
CORE_COMMANDS = ("template", "demo", "validate", "plan", "check", "export", "history", "show", "replan")


def test_version_prints_the_package_version(capsys):
    from planner import __version__

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"planner {__version__}"


def test_every_argument_of_the_core_commands_has_help():
    import argparse

    from planner.cli import build_parser

    parser = build_parser("en")
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [f"{name} {action.dest}" for name in CORE_COMMANDS for action in sub.choices[name]._actions
               if not action.help]
    assert missing == []


@pytest.mark.parametrize(("argv", "env", "heading", "absent"), [
    (["--lang", "zh", "plan", "-h"], None, "位置参数", "positional arguments"),
    (["plan", "-h"], "zh", "选项", "options:"),
    (["--lang", "en", "plan", "-h"], "zh", "positional arguments", "位置参数"),
    (["--lang=en", "export", "-h"], None, "options:", "选项"),
])
def test_help_headings_follow_the_language(argv, env, heading, absent, capsys, monkeypatch):
    if env:
        monkeypatch.setenv("PLANNER_LANG", env)
    else:
        monkeypatch.delenv("PLANNER_LANG", raising=False)
    with pytest.raises(SystemExit):
        main(argv)
    out = capsys.readouterr().out
    assert heading in out and absent not in out
    if "zh" in (env, *argv) and "en" not in " ".join(argv):
        assert out.startswith("用法：") and "show this help" not in out
