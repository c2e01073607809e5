"""assign.office_leaders: hand-solved tiny instances, infeasibility in words (exit 3), determinism, continuity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.assign.data import AssignData
from planner.assign.office_leaders import solve_office_leaders
from planner.check import objective_mismatches, plan_is_valid
from planner.cli import main
from planner.errors import Conflict
from planner.plan import Plan
from planner.problem import Problem
from planner.solve import solve_plan
from tests.fixtures import TINY_YEAR, tiny_office_leaders, tiny_office_problem, tiny_tables

# the tiny district: C01, C02 in B01; C03, C04 in Z01. A hand-made unit layout for the spread goal.
UNITS_SPLIT = np.array([0, 1, 2, 2])     # C01 → U1, C02 → U2 (B01 split over two units); C03, C04 → U3


def _pairs(problem: Problem, result: np.ndarray) -> dict[str, str]:
    ids = problem.communities["community_id"].to_numpy()
    return dict(zip(problem.office_leaders["person_id"], ids[result], strict=True))


def _solve(problem: Problem, previous: dict[str, pd.DataFrame] | None = None,
           units: np.ndarray = UNITS_SPLIT) -> tuple[np.ndarray, object] | list[Conflict]:
    return solve_office_leaders(AssignData(problem, previous), units, None)


def test_each_leader_one_own_community_no_sharing() -> None:
    problem = tiny_office_problem()
    result = _solve(problem)
    assert not isinstance(result, list)
    pairs = _pairs(problem, result[0])
    assert {pairs["OB1"], pairs["OB2"]} == {"C01", "C02"} and {pairs["OZ1"], pairs["OZ2"]} == {"C03", "C04"}
    # B01's communities lie under two units: no penalty; Z01's both under U3: one unavoidable unit of spread
    report = result[1]
    assert report.objective == problem.rules.weights.office_spread and report.status == "optimal"


def test_spread_prefers_communities_of_different_units() -> None:
    """Three leaders, four communities, two of them under U1: the third leader avoids doubling up on U1."""
    tables = tiny_tables()
    tables["communities"] = pd.concat([tables["communities"], pd.DataFrame({
        "community_id": ["C05"], "name": ["新社区"], "office_id": ["B01"], "lat": [None], "lon": [None]})],
        ignore_index=True)
    table = pd.concat([tiny_office_leaders(), pd.DataFrame({"person_id": ["OB3"], "name": ["成员"],
                                                            "office_id": ["B01"], "role": ["member"]})])
    from planner.io.validate import build_problem
    from planner.rules import Rules

    problem = build_problem({**tables, "office_leaders": table}, Rules(year=TINY_YEAR))
    units = np.array([0, 0, 2, 2, 1])      # C01, C02 → U1; C05 → U2
    result = _solve(problem, units=units)
    assert not isinstance(result, list)
    b01 = {v for k, v in _pairs(problem, result[0]).items() if k.startswith("OB")}
    assert "C05" in b01 and len(b01) == 3   # no sharing, and U2's community is used


def test_pins_forbidden_and_continuity() -> None:
    lock = pd.DataFrame({"kind": ["office_leader_community"], "subject_id": ["OB1"], "target_id": ["C02"]})
    tables = {**tiny_tables(), "office_leaders": tiny_office_leaders(), "pins": lock}
    from planner.io.validate import build_problem
    from planner.rules import Rules

    pinned = build_problem(tables, Rules(year=TINY_YEAR))
    result = _solve(pinned)
    assert not isinstance(result, list) and _pairs(pinned, result[0])["OB1"] == "C02"
    banned = build_problem({**tables, "pins": lock.iloc[:0], "forbidden": lock}, Rules(year=TINY_YEAR))
    result = _solve(banned)
    assert not isinstance(result, list) and _pairs(banned, result[0])["OB1"] == "C01"
    problem = tiny_office_problem()
    for last in ({"OZ1": "C03", "OZ2": "C04"}, {"OZ1": "C04", "OZ2": "C03"}):
        previous = {"office_leader_communities": pd.DataFrame({"person_id": list(last),
                                                                "community_id": list(last.values())})}
        result = _solve(problem, previous)
        assert not isinstance(result, list)
        got = _pairs(problem, result[0])
        assert {k: got[k] for k in last} == last


def test_deterministic() -> None:
    problem = tiny_office_problem()
    first, second = _solve(problem), _solve(problem)
    assert not isinstance(first, list) and not isinstance(second, list)
    assert first[0].tolist() == second[0].tolist()


def _three_in_b01() -> pd.DataFrame:
    return pd.concat([tiny_office_leaders(), pd.DataFrame({"person_id": ["OB3"], "name": ["成员辛"],
                                                           "office_id": ["B01"], "role": ["member"]})])


def test_more_leaders_than_communities_prefer_shares_evenly_strict_is_infeasible() -> None:
    prefer = tiny_office_problem(_three_in_b01())
    result = _solve(prefer)
    assert not isinstance(result, list)
    b01 = [v for k, v in _pairs(prefer, result[0]).items() if k.startswith("OB")]
    assert sorted(pd.Series(b01).value_counts().tolist()) == [1, 2]
    strict = tiny_office_problem(_three_in_b01(), assign={"office_no_sharing": "strict"})
    conflicts = _solve(strict)
    assert isinstance(conflicts, list) and len(conflicts) == 1
    text = conflicts[0].message_zh
    assert "B01" in text and "3 名" in text and "2 个社区" in text and "OB3" in text


@pytest.mark.parametrize(("pins", "forbidden", "needle"), [
    ([("OB1", "C03")], [], "C03"),                          # pinned to another office's community
    ([("OB1", "C01"), ("OB1", "C02")], [], "被锁定联系 2 个社区"),
    ([], [("OB1", "C01"), ("OB1", "C02")], "被禁止联系本办事处"),
])
def test_lock_conflicts_are_named(pins: list[tuple[str, str]], forbidden: list[tuple[str, str]], needle: str) -> None:
    def frame(rows: list[tuple[str, str]]) -> pd.DataFrame:
        return pd.DataFrame({"kind": ["office_leader_community"] * len(rows), "subject_id": [r[0] for r in rows],
                             "target_id": [r[1] for r in rows]})

    from planner.io.validate import build_problem
    from planner.rules import Rules

    problem = build_problem({**tiny_tables(), "office_leaders": tiny_office_leaders(), "pins": frame(pins),
                             "forbidden": frame(forbidden)}, Rules(year=TINY_YEAR))
    conflicts = _solve(problem)
    assert isinstance(conflicts, list) and any(needle in c.message_zh and "OB1" in c.message_zh for c in conflicts)


def test_cli_exit_3_names_the_office(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    for stem, frame in {**tiny_tables(), "office_leaders": _three_in_b01()}.items():
        frame.to_csv(folder / f"{stem}.csv", index=False, encoding="utf-8-sig")
    (folder / "rules.toml").write_text(f'year = {TINY_YEAR}\n[assign]\noffice_no_sharing = "strict"\n',
                                       encoding="utf-8")
    assert main(["--lang", "zh", "plan", str(folder), "--out", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert "办事处 B01" in err and "3 名" in err and not (tmp_path / "out").exists()


def test_whole_plan_valid_and_objective_recomputed() -> None:
    problem = tiny_office_problem()
    plan = solve_plan(problem)
    assert plan_is_valid(problem, plan)
    assert objective_mismatches(problem, plan) == []
    stages = {s["name"] for s in plan.report["stages"]}
    assert {"assign.office_leaders", "calendar.office_leaders"} <= stages
    again = solve_plan(problem, previous=Plan(plan.leader_offices, plan.unit_communities, plan.cadre_households,
                                              office_leader_communities=plan.office_leader_communities))
    assert again.office_leader_communities.equals(plan.office_leader_communities)
    assert objective_mismatches(problem, again, previous=plan) == []


def test_pins_and_forbidden_together_are_explained_by_the_minimum_cut() -> None:
    """OB1 and OB2 (B01) are both forbidden from C02: each alone still has C01, so no single count proves the
    conflict; the minimum cut names both and the one community they may use (2 members, capacity 1)."""
    from planner.io.validate import build_problem
    from planner.rules import Rules

    forbidden = pd.DataFrame({"kind": ["office_leader_community"] * 2, "subject_id": ["OB1", "OB2"],
                              "target_id": ["C02", "C02"]})
    problem = build_problem({**tiny_tables(), "office_leaders": tiny_office_leaders(), "forbidden": forbidden},
                            Rules(year=TINY_YEAR))
    conflicts = _solve(problem)
    assert isinstance(conflicts, list) and len(conflicts) == 1
    text = conflicts[0].message_zh
    assert "OB1" in text and "OB2" in text and "C01" in text and "C02" not in text and "OZ1" not in text
    assert set(conflicts[0].entities) == {"OB1", "OB2", "C01"}
    # the twin without the second forbidden pair solves
    ok = build_problem({**tiny_tables(), "office_leaders": tiny_office_leaders(), "forbidden": forbidden.iloc[:1]},
                       Rules(year=TINY_YEAR))
    assert not isinstance(_solve(ok), list)
