"""solve_assignment on hand-made instances: rules hold, known optima, determinism, continuity, pins, forbidden."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.assign import solve_assignment
from planner.assign.data import AssignData
from planner.io.validate import build_problem
from planner.progress import Cancelled, SolveControl
from planner.result import Status
from tests.assign.helpers import check_with_checker, fast_rules, tiny


def test_tiny_satisfies_every_rule_and_reports_three_stages() -> None:
    problem = tiny()
    result = solve_assignment(problem)
    assert check_with_checker(problem, result) == []
    assert check_with_checker(problem, result) == []
    assert [s.name for s in result.stages] == ["assign.leaders", "assign.units", "assign.cadres"]
    for stage in result.stages:
        assert stage.status == Status.OPTIMAL
        assert stage.objective == pytest.approx(stage.bound)


def two_unit_tables() -> dict[str, pd.DataFrame]:
    """Hand-solved: unit UA sits on community CA, UB on CB, 10 km apart; each unit's cadres exactly cover one
    community, so the only sensible plan is UA–CA, UB–CB; staff cadres must not take the priority-3 household
    when a section cadre has room."""
    offices = pd.DataFrame({"office_id": ["OA", "OB"], "name": ["甲", "乙"], "kind": ["office", "office"],
                            "lat": [30.0, 30.09], "lon": [120.0, 120.0]})
    communities = pd.DataFrame({"community_id": ["CA", "CB"], "name": ["社区A", "社区B"], "office_id": ["OA", "OB"],
                                "lat": [30.0, 30.09], "lon": [120.0, 120.0]})
    households = pd.DataFrame({"household_id": ["HA1", "HA2", "HB1", "HB2"], "community_id": ["CA", "CA", "CB", "CB"],
                               "name": ["a", "b", "c", "d"], "priority": [3, 1, 1, 1],
                               "lat": [30.0, 30.0, 30.09, 30.09], "lon": [120.0, 120.0, 120.0, 120.0]})
    leaders = pd.DataFrame({"leader_id": ["L1", "L2"], "name": ["书记", "区长"], "tier": ["secretary", "head"]})
    units = pd.DataFrame({"unit_id": ["UA", "UB"], "name": ["单位A", "单位B"], "lat": [30.0, 30.09],
                          "lon": [120.0, 120.0]})
    cadres = pd.DataFrame({"cadre_id": ["GA1", "GA2", "GB1"], "name": ["x", "y", "z"], "unit_id": ["UA", "UA", "UB"],
                           "rank": ["staff", "section", "staff"], "max_households": [1, 1, 2],
                           "lat": [30.0, 30.0, 30.09], "lon": [120.0, 120.0, 120.0]})
    return {"offices": offices, "communities": communities, "households": households, "leaders": leaders,
            "units": units, "cadres": cadres}


def test_hand_solved_instance_reaches_the_known_optimum() -> None:
    problem = build_problem(two_unit_tables(), fast_rules())
    result = solve_assignment(problem)
    frames = result.frames(problem)
    assert set(zip(frames["unit_communities"]["unit_id"], frames["unit_communities"]["community_id"],
                   strict=True)) == {("UA", "CA"), ("UB", "CB")}
    pairs = set(zip(frames["cadre_households"]["cadre_id"], frames["cadre_households"]["household_id"], strict=True))
    assert ("GA2", "HA1") in pairs and ("GA1", "HA2") in pairs      # priority 3 to the section cadre
    # leaders: the secretary and the head on different offices (soft), one each (hard spread)
    assert sorted(frames["leader_offices"]["office_id"]) == ["OA", "OB"]
    units = result.stages[1]
    # every unit on its own community (distance 0), no office spanned twice, loads at the 100% target: cost 0
    assert units.objective == 0 and units.bound == 0
    cadres = result.stages[2]
    # GB1 takes two households: second slot costs balance (10); no distance, no priority penalty
    assert cadres.objective == pytest.approx(10.0)


def test_same_input_gives_identical_files() -> None:
    a = solve_assignment(tiny())
    b = solve_assignment(tiny())
    fa, fb = a.frames(tiny()), b.frames(tiny())
    for name in fa:
        pd.testing.assert_frame_equal(fa[name].reset_index(drop=True), fb[name].reset_index(drop=True))


def test_previous_plan_is_kept_when_still_valid() -> None:
    problem = tiny()
    first = solve_assignment(problem)
    previous = first.frames(problem)
    # flip the previous plan to a different but valid one: U2 and U3 swap communities, and its cadres follow
    uc = previous["unit_communities"].copy()
    uc["unit_id"] = uc["unit_id"].map({"U1": "U1", "U2": "U3", "U3": "U2"})
    ch = previous["cadre_households"].copy()
    ch = ch[ch["cadre_id"].isin(["G1", "G2", "G3"])]   # only U1's cadre pairs survive the swap
    again = solve_assignment(problem, previous={"leader_offices": previous["leader_offices"],
                                                "unit_communities": uc, "cadre_households": ch})
    got = again.frames(problem)
    assert set(zip(got["unit_communities"]["unit_id"], got["unit_communities"]["community_id"], strict=True)) == \
        set(zip(uc["unit_id"], uc["community_id"], strict=True))
    kept = set(zip(got["cadre_households"]["cadre_id"], got["cadre_households"]["household_id"], strict=True))
    assert set(zip(ch["cadre_id"], ch["household_id"], strict=True)) <= kept
    assert check_with_checker(problem, again) == []


def test_previous_ids_that_no_longer_exist_are_ignored() -> None:
    problem = tiny()
    previous = {"leader_offices": pd.DataFrame({"leader_id": ["GONE"], "office_id": ["B01"]}),
                "unit_communities": pd.DataFrame({"unit_id": ["U1"], "community_id": ["C99"]}),
                "cadre_households": pd.DataFrame({"cadre_id": ["G1"], "household_id": ["H99"]})}
    assert check_with_checker(problem, solve_assignment(problem, previous=previous)) == []


def test_pins_are_kept_and_forbidden_pairs_never_appear() -> None:
    pins = [("leader_office", "L3", "B01"), ("unit_community", "U3", "C01"), ("cadre_household", "G8", "H02")]
    forbidden = [("unit_community", "U1", "C03"), ("cadre_household", "G7", "H01"), ("leader_office", "L1", "Z01")]
    problem = tiny(pins=pins, forbidden=forbidden)
    result = solve_assignment(problem)
    assert check_with_checker(problem, result) == []
    frames = result.frames(problem)
    uc = set(zip(frames["unit_communities"]["unit_id"], frames["unit_communities"]["community_id"], strict=True))
    assert ("U3", "C01") in uc and ("U1", "C03") not in uc
    ch = set(zip(frames["cadre_households"]["cadre_id"], frames["cadre_households"]["household_id"], strict=True))
    assert ("G8", "H02") in ch and ("G7", "H01") not in ch


def test_without_the_pin_the_plan_differs() -> None:
    """The pin test above is not vacuous: unpinned, U3 does not take C01."""
    frames = solve_assignment(tiny()).frames(tiny())
    uc = set(zip(frames["unit_communities"]["unit_id"], frames["unit_communities"]["community_id"], strict=True))
    assert ("U3", "C01") not in uc


def test_prefer_linkage_lets_cadres_help_other_units() -> None:
    # U3 keeps one cadre of capacity 5; C03+C04 (10 households) pinned to U3: strict would be infeasible
    def edit(tables: dict[str, pd.DataFrame]) -> None:
        tables["cadres"] = tables["cadres"][tables["cadres"]["cadre_id"] != "G8"].reset_index(drop=True)

    pins = [("unit_community", "U3", "C03"), ("unit_community", "U3", "C04")]
    problem = tiny(pins=pins, edit=edit, assign={"linkage": "prefer"})
    result = solve_assignment(problem)
    assert check_with_checker(problem, result) == []
    frames = result.frames(problem)
    pairs = frames["cadre_households"].merge(problem.cadres[["cadre_id", "unit_id"]], on="cadre_id").merge(
        problem.households[["household_id", "community_id"]], on="household_id")
    in_u3 = pairs[pairs["community_id"].isin(["C03", "C04"])]
    assert (in_u3["unit_id"] != "U3").sum() == 5  # G7 takes its 5, other units' cadres the other 5


def test_leader_max_offices_above_one_covers_more_offices_than_leaders() -> None:
    def edit(tables: dict[str, pd.DataFrame]) -> None:
        tables["leaders"] = tables["leaders"].iloc[:1].reset_index(drop=True)

    problem = tiny(edit=edit, assign={"leader_max_offices": 2})
    result = solve_assignment(problem)
    assert check_with_checker(problem, result) == []
    assert len(result.frames(problem)["leader_offices"]) == 2


def test_more_units_than_communities_leaves_some_units_without() -> None:
    def edit(tables: dict[str, pd.DataFrame]) -> None:
        tables["communities"] = tables["communities"].iloc[:2].reset_index(drop=True)
        tables["households"] = tables["households"].iloc[:10].reset_index(drop=True)

    problem = tiny(edit=edit)
    result = solve_assignment(problem)
    assert check_with_checker(problem, result) == []
    assert len(set(result.community_unit.tolist())) <= 2


def test_cancel_before_solving_raises_cancelled() -> None:
    control = SolveControl()
    control.cancel()
    with pytest.raises(Cancelled):
        solve_assignment(tiny(), control=control)


def test_progress_is_reported_per_stage() -> None:
    control = SolveControl()
    solve_assignment(tiny(), control=control)
    stages = {e.stage for e in control.events}
    assert {"assign.leaders", "assign.units", "assign.cadres"} <= stages


def test_distance_falls_back_to_parent_points() -> None:
    """Cadres without coordinates sit at their unit; households without at their community."""
    data = AssignData(tiny())
    assert not np.isnan(data.cadre_points).any()
    np.testing.assert_allclose(data.cadre_points[0], data.unit_points[0])


def test_small_demo_is_deterministic_and_valid() -> None:
    from planner.demo import demo_tables

    tables, _ = demo_tables("small", seed=1, year=2026)
    problem = build_problem(tables, fast_rules(solver={"workers": 8}))
    a, b = solve_assignment(problem), solve_assignment(problem)
    assert check_with_checker(problem, a) == []
    fa, fb = a.frames(problem), b.frames(problem)
    for name in fa:
        pd.testing.assert_frame_equal(fa[name].reset_index(drop=True), fb[name].reset_index(drop=True))
    assert [s.objective for s in a.stages] == [s.objective for s in b.stages]


def test_verifiers_catch_a_broken_plan() -> None:
    """The two verifiers used above are not vacuous: move one household to a cadre of another unit, overloaded."""
    from planner.result import Assignment

    problem = tiny()
    good = solve_assignment(problem)
    hc = good.household_cadre.copy()
    foreign = int(np.flatnonzero(problem.cadres["unit"].to_numpy() != problem.cadres["unit"].iloc[hc[0]])[0])
    hc[:6] = foreign  # six households to one cadre of capacity 5, outside its unit's communities
    broken = Assignment(good.leader_office, good.community_unit, hc)
    rules = {v.rule for v in check_with_checker(problem, broken)}
    assert {"assign.cadre_capacity", "assign.linkage"} <= rules
