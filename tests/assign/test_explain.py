"""Each kind of impossible input is explained in words that name the entity and the numbers involved."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from planner.assign import solve_assignment
from planner.errors import InfeasibleError
from tests.assign.helpers import check_with_checker, tiny


def explain(problem: object) -> InfeasibleError:
    with pytest.raises(InfeasibleError) as info:
        solve_assignment(problem)  # type: ignore[arg-type]
    return info.value


def drop_leaders(n: int):  # type: ignore[no-untyped-def]
    def edit(tables: dict[str, pd.DataFrame]) -> None:
        tables["leaders"] = tables["leaders"].iloc[:n].reset_index(drop=True)
    return edit


def test_more_offices_than_leaders_can_cover() -> None:
    err = explain(tiny(edit=drop_leaders(1)))
    text = err.render("en")
    assert "2 offices but 1 leaders" in text and "leader_max_offices = 1" in text
    assert "办事处" in err.render("zh")


def test_pin_contradicting_forbidden_pair() -> None:
    """The validator rejects this in files (exit 2); Problems built in the app may still carry it."""
    problem = tiny(pins=[("unit_community", "U1", "C01")])
    err = explain(dataclasses.replace(problem, forbidden=problem.pins.copy()))
    assert "U1" in err.render("en") and "C01" in err.render("en") and "pinned and forbidden" in err.render("en")


def test_household_pinned_to_two_cadres() -> None:
    err = explain(tiny(pins=[("cadre_household", "G1", "H01"), ("cadre_household", "G2", "H01")]))
    assert "household H01" in err.render("en") and "G1" in err.render("en") and "G2" in err.render("en")


def test_cadre_pinned_over_capacity() -> None:
    pins = [("cadre_household", "G1", f"H{i:02d}") for i in range(1, 7)]
    err = explain(tiny(pins=pins))
    assert "cadre G1 is pinned to 6 households, more than its capacity 5" in err.render("en")


def test_total_capacity_below_households() -> None:
    def edit(tables: dict[str, pd.DataFrame]) -> None:
        tables["cadres"]["max_households"] = 2

    err = explain(tiny(edit=edit))
    assert ("communities C01, C02, C03, C04 have 20 households, but the cadres of units U1, U2, U3 that may serve "
            "them can take at most 16 (4 short)") in err.render("en")
    assert "共 20 户联系户" in err.render("zh") and "最多只能联系 16 户（缺 4 户）" in err.render("zh")


def test_community_larger_than_any_admissible_unit() -> None:
    # U1 and U2 may not link C01; U3 (2 cadres × 5 = 10) could, but C01 gets 6 extra households → 11
    def edit(tables: dict[str, pd.DataFrame]) -> None:
        extra = tables["households"].iloc[[0] * 6].copy()
        extra["household_id"] = [f"X{i}" for i in range(6)]
        tables["households"] = pd.concat([tables["households"], extra], ignore_index=True)

    forbidden = [("unit_community", "U1", "C01"), ("unit_community", "U2", "C01")]
    err = explain(tiny(edit=edit, forbidden=forbidden))
    text = err.render("en")
    assert "community C01 has 11 households, but the cadres of unit U3 that may serve them can take at most 10" in text
    assert sum("C01" in c.entities for c in err.conflicts) == 1  # the counting check does not repeat the cut


def test_unit_pinned_beyond_its_capacity() -> None:
    pins = [("unit_community", "U3", "C01"), ("unit_community", "U3", "C02"), ("unit_community", "U3", "C03")]
    err = explain(tiny(pins=pins))
    assert ("communities C01, C02, C03 have 15 households, but the cadres of unit U3 that may serve them can take "
            "at most 10 (5 short)") in err.render("en")


def test_cadre_pin_implies_a_second_unit_on_a_pinned_community() -> None:
    # strict linkage: G4 (unit U2) pinned to H01 in C01 means U2 links C01, but C01 is pinned to U1
    err = explain(tiny(pins=[("unit_community", "U1", "C01"), ("cadre_household", "G4", "H01")]))
    text = err.render("en")
    assert "community C01" in text and "U1" in text and "U2" in text


def test_forbidden_units_leave_communities_to_one_unit_too_small() -> None:
    """U1 and U2 are forbidden from C01–C03 (15 households), so only U3's cadres (6 + 6) may serve them: the
    minimum cut names exactly those three communities and that unit (totals fit: 24 ≥ 20)."""
    def edit(tables: dict[str, pd.DataFrame]) -> None:
        cadres = tables["cadres"]
        cadres["max_households"] = [2, 2, 2, 2, 2, 2, 6, 6]

    forbidden = [(("unit_community", u, c)) for u in ("U1", "U2") for c in ("C01", "C02", "C03")]
    err = explain(tiny(edit=edit, forbidden=forbidden))
    assert ("communities C01, C02, C03 have 15 households, but the cadres of unit U3 that may serve them can take "
            "at most 12 (3 short)") in err.render("en")
    assert "社区 C01（幸福里社区）、C02（和平社区）、C03（新区一社区） 共 15 户联系户" in err.render("zh")


def test_packing_infeasibility_found_by_assumptions_names_the_units() -> None:
    """Totals fit (21 ≥ 20), every community (5) fits every unit (7), so the flow is covered (a community may be
    split in a flow), but no unit takes two whole communities: 3 units, 4 communities. Counting and the cut cannot
    see it; the assumption core names the three units' capacities."""
    def edit(tables: dict[str, pd.DataFrame]) -> None:
        tables["cadres"]["max_households"] = [3, 2, 2, 3, 2, 2, 4, 3]

    err = explain(tiny(edit=edit))
    text = err.render("en")
    assert "units U1, U2, U3 can take 7, 7, 7 households (total 21)" in text
    assert "U1（区财政局）、U2（区民政局）、U3（区教育局）" in err.render("zh")


def test_feasible_twin_of_the_forbidden_units_case_solves() -> None:
    """Same capacities without the forbidden pairs: solvable (so the case above is about the pairs)."""
    def edit(tables: dict[str, pd.DataFrame]) -> None:
        tables["cadres"]["max_households"] = [2, 2, 2, 2, 2, 2, 6, 6]

    problem = tiny(edit=edit)
    assert check_with_checker(problem, solve_assignment(problem)) == []


def test_feasible_twin_of_the_packing_case_solves() -> None:
    """U3 with 10 takes two whole communities: solvable (so the packing case is about whole communities)."""
    def edit(tables: dict[str, pd.DataFrame]) -> None:
        tables["cadres"]["max_households"] = [3, 2, 2, 3, 2, 2, 5, 5]

    problem = tiny(edit=edit)
    assert check_with_checker(problem, solve_assignment(problem)) == []
