"""Mid-year replanning (with the real engines) and the history / show / replan commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from planner.cli import main
from planner.io.validate import build_problem
from planner.plan import read_plan
from planner.store.api import open_store
from planner.store.diff import visit_dates
from planner.workflow.replan import frozen_history, replan_scenario
from tests.fixtures import tiny_problem, tiny_tables
from tests.store.conftest import fake_plan

SOLVER = {"time_limit": 5.0, "workers": 2}
KEPT_SHARE = 0.95


def _history_unchanged(before: pd.DataFrame, after: pd.DataFrame, since: date, gone: set[str]) -> None:
    """Every visit before `since` by a person who is still there is in the new plan, unchanged."""
    def rows(frame: pd.DataFrame) -> set[tuple[str, ...]]:
        dates = visit_dates(frame)
        early = frame.loc[(dates < since).to_numpy()]
        early = early.loc[~early["person_id"].isin(gone) & ~early["target_id"].isin(gone)]
        keys = ["person_kind", "person_id", "activity", "target_kind", "target_id"]
        return set(zip(dates.loc[early.index].astype(str), *(early[k].astype(str) for k in keys), strict=True))

    old, new = rows(before), rows(after)
    assert old and old <= new


def test_frozen_history_keeps_every_past_visit_even_of_people_who_left() -> None:
    """SEMANTICS "Mid-year replanning": history is kept verbatim and still counts; departures are only counted."""
    problem = tiny_problem()
    plan = fake_plan(problem)
    tables = tiny_tables()
    tables["cadres"] = tables["cadres"][tables["cadres"]["cadre_id"] != "G1"].reset_index(drop=True)


    changed = build_problem(tables, problem.rules)
    since = date(2026, 7, 1)
    frozen, departed = frozen_history(plan, changed, since)
    early = visit_dates(plan.visits) < since
    assert len(frozen) == int(early.sum()) and all(d < since for d in frozen["date"])
    g1 = int(((plan.visits["person_id"] == "G1") & early).sum())
    assert g1 and int((frozen["person_id"] == "G1").sum()) == g1 and departed == g1


def test_replan_after_a_cadre_leaves_keeps_history_and_most_pairs(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/planner.db")
    problem = tiny_problem(solver=SOLVER)
    from planner.solve import solve_plan

    first = solve_plan(problem)
    store.save_solved("tiny", problem, first, author="alice")
    input_ = store.load_input("tiny")
    cadres = input_.tables["cadres"]
    store.save_input("tiny", author="bob", expected_revision=input_.revision,
                     tables={"cadres": cadres[cadres["cadre_id"] != "G2"].reset_index(drop=True)})
    since = date(2026, 7, 1)
    result = replan_scenario(store, "tiny", since, author="bob")
    assert result.version == 2 and result.base_version == 1
    second = store.load_plan("tiny", 2)
    _history_unchanged(first.visits, second.visits, since, {"G2"})
    assert result.diff.visits.frozen_kept >= result.frozen
    for table, pairs in result.diff.pairs.items():
        assert pairs.kept_share >= KEPT_SHARE, table
    assert "G2" not in set(second.cadre_households["cadre_id"])
    versions = store.list_versions("tiny")
    assert versions[-1].kind == "replan" and versions[-1].since == since and versions[-1].base_version == 1
    store.close()


def test_a_replan_stopped_at_the_very_end_saves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Stop button pressed just as the last stage finishes (after its own checks): no version is saved."""
    import planner.calendar
    from planner.progress import Cancelled, SolveControl

    store = open_store(f"sqlite:///{tmp_path}/planner.db")
    problem = tiny_problem(solver=SOLVER)
    store.save_solved("tiny", problem, fake_plan(problem), author="alice")
    control = SolveControl()
    real = planner.calendar.solve_calendar

    def stopped_at_the_end(*args: object, **kwargs: object) -> object:
        calendar = real(*args, **kwargs)  # type: ignore[arg-type]
        control.cancel()
        return calendar

    monkeypatch.setattr(planner.calendar, "solve_calendar", stopped_at_the_end)
    with pytest.raises(Cancelled):
        replan_scenario(store, "tiny", date(2026, 7, 1), author="bob", control=control)
    assert [v.number for v in store.list_versions("tiny")] == [1]
    store.close()


@pytest.mark.slow
def test_replan_on_the_small_demo_changes_few_pairs(tmp_path: Path) -> None:
    """Brief's acceptance: solve the small demo, drop 2% of cadres, replan since mid-year."""
    from planner.demo import generate_demo
    from planner.io.read import read_problem
    from planner.solve import solve_plan

    generate_demo(tmp_path / "demo", size="small", seed=3)
    problem = read_problem(tmp_path / "demo", overrides={"solver": SOLVER})
    store = open_store(f"sqlite:///{tmp_path}/planner.db")
    first = solve_plan(problem)
    store.save_solved("demo", problem, first, author="alice")
    tables = problem.raw_tables()
    gone = set(tables["cadres"].sample(frac=0.02, random_state=0)["cadre_id"])
    tables["cadres"] = tables["cadres"][~tables["cadres"]["cadre_id"].isin(gone)].reset_index(drop=True)
    for stem in ("unavailability",):
        tables[stem] = tables[stem][~tables[stem]["person_id"].isin(gone)].reset_index(drop=True)
    for stem in ("pins", "forbidden"):
        tables[stem] = tables[stem][~tables[stem]["subject_id"].isin(gone)].reset_index(drop=True)
    changed = build_problem(tables, problem.rules, "demo-2%")
    since = date(problem.rules.year, 7, 1)
    result = replan_scenario(store, "demo", since, author="bob", problem=changed)
    _history_unchanged(first.visits, result.plan.visits, since, gone)
    surviving = sum(p.surviving for p in result.diff.pairs.values())
    kept = sum(p.surviving_kept for p in result.diff.pairs.values())
    assert kept >= KEPT_SHARE * surviving
    store.close()


def test_history_show_and_errors_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLANNER_DB_URL", f"sqlite:///{tmp_path}/db/planner.db")
    store = open_store()
    problem = tiny_problem()
    plan = fake_plan(problem)
    store.save_solved("区2026", problem, plan, author="alice")
    store.save_solved("区2026", problem, fake_plan(problem, shift=1), author="bob")
    assert main(["--lang", "en", "history", "区2026"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line[:1].isdigit()]
    assert [line.split()[0] for line in lines] == ["1", "2"]
    assert "alice" in lines[0] and "bob" in lines[1] and "feasible" in lines[0] and "123.5" in lines[0]
    assert main(["--lang", "en", "show", "区2026", "1", "--out", str(tmp_path / "v1")]) == 0
    written = read_plan(tmp_path / "v1")
    pd.testing.assert_frame_equal(written.cadre_households.reset_index(drop=True),
                                  plan.cadre_households.reset_index(drop=True).astype(str), check_dtype=False)
    assert len(written.visits) == len(plan.visits)
    assert main(["--lang", "en", "show", "区2026", "latest", "--out", str(tmp_path / "v2")]) == 0
    assert main(["--lang", "en", "history", "nope"]) == 2
    assert "no scenario named 'nope'" in capsys.readouterr().err
    assert main(["--lang", "zh", "show", "区2026", "9", "--out", str(tmp_path / "v9")]) == 2
    assert not (tmp_path / "v9").exists()
    assert main(["--lang", "en", "replan", "区2026", "--since", "2026-13-01"]) == 2
    assert main(["--lang", "en", "replan", "区2026", "--since", "2031-07-01"]) == 2


def _write_folder(tables: dict[str, pd.DataFrame], folder: Path, year: int) -> Path:
    folder.mkdir(parents=True)
    for stem, frame in tables.items():
        frame.to_csv(folder / f"{stem}.csv", index=False, encoding="utf-8-sig")
    (folder / "rules.toml").write_text(f"year = {year}\n[solver]\nworkers = 2\n", encoding="utf-8")
    return folder


def test_plan_save_then_replan_with_changed_data_on_the_command_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLANNER_DB_URL", f"sqlite:///{tmp_path}/planner.db")
    tables = tiny_tables()
    year = tiny_problem().rules.year
    data = _write_folder(tables, tmp_path / "data", year)
    assert main(["--lang", "en", "plan", str(data), "--out", str(tmp_path / "p1"), "--save", "tiny",
                 "--time-limit", "5"]) == 0
    tables["cadres"] = tables["cadres"][tables["cadres"]["cadre_id"] != "G5"]
    changed = _write_folder(tables, tmp_path / "data2", year)
    capsys.readouterr()
    assert main(["--lang", "en", "replan", "tiny", "--since", f"{year}-06-01", "--data", str(changed),
                 "--out", str(tmp_path / "p2")]) == 0
    out = capsys.readouterr().out
    assert "version 2" in out and "cadre-household" in out and "moved" in out
    assert "G5" not in set(read_plan(tmp_path / "p2").cadre_households["cadre_id"])
    store = open_store()
    assert [v.kind for v in store.list_versions("tiny")] == ["solve", "replan"]
    assert len(store.load_input("tiny").tables["cadres"]) == 7       # the changed input is now current
    actions = [e.action for e in store.list_audit("tiny")]
    after_first = actions[actions.index("version") + 1:]
    assert "data" in after_first and after_first[-1] == "version"   # the data change is audited, then v2
