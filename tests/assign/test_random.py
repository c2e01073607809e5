"""Random small districts (hypothesis): every plan satisfies every assignment rule, or the rules are explained;
and the mid-year change on the small demo keeps ≥ 95% of surviving pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.assign import solve_assignment
from planner.demo import demo_tables
from planner.errors import InfeasibleError
from planner.io.validate import build_problem
from tests.assign.helpers import check_with_checker, fast_rules


@st.composite
def districts(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
    n_off = draw(st.integers(1, 3))
    n_comm = draw(st.integers(n_off, 7))
    comm_office = [i % n_off for i in range(n_comm)]
    sizes = draw(st.lists(st.integers(0, 6), min_size=n_comm, max_size=n_comm).filter(lambda s: sum(s) > 0))
    n_units = draw(st.integers(1, 5))
    per_unit = draw(st.lists(st.integers(1, 4), min_size=n_units, max_size=n_units))
    caps = draw(st.lists(st.integers(1, 6), min_size=sum(per_unit), max_size=sum(per_unit)))
    n_leaders = draw(st.integers(n_off, n_off + 3))
    coords = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))

    def pts(n: int) -> tuple[list[float | None], list[float | None]]:
        if not coords:
            return [None] * n, [None] * n
        return list(30 + rng.random(n) * 0.1), list(120 + rng.random(n) * 0.1)

    offices = pd.DataFrame({"office_id": [f"O{i}" for i in range(n_off)], "name": [f"办{i}" for i in range(n_off)],
                            "kind": "office", "lat": pts(n_off)[0], "lon": pts(n_off)[1]})
    communities = pd.DataFrame({"community_id": [f"C{i}" for i in range(n_comm)], "name": [f"社{i}" for i in range(n_comm)],
                                "office_id": [f"O{o}" for o in comm_office],
                                "lat": pts(n_comm)[0], "lon": pts(n_comm)[1]})
    hh_comm = [c for c, s in enumerate(sizes) for _ in range(s)]
    n_h = len(hh_comm)
    households = pd.DataFrame({"household_id": [f"H{i}" for i in range(n_h)],
                               "community_id": [f"C{c}" for c in hh_comm], "name": "x",
                               "priority": list(rng.integers(1, 4, n_h)), "lat": pts(n_h)[0], "lon": pts(n_h)[1]})
    leaders = pd.DataFrame({"leader_id": [f"L{i}" for i in range(n_leaders)], "name": "y",
                            "tier": (["secretary", "head"] + ["other"] * n_leaders)[:n_leaders]})
    units = pd.DataFrame({"unit_id": [f"U{i}" for i in range(n_units)], "name": [f"单位{i}" for i in range(n_units)],
                          "lat": pts(n_units)[0], "lon": pts(n_units)[1]})
    cadre_unit = [u for u, k in enumerate(per_unit) for _ in range(k)]
    n_k = len(cadre_unit)
    cadres = pd.DataFrame({"cadre_id": [f"G{i}" for i in range(n_k)], "name": "z",
                           "unit_id": [f"U{u}" for u in cadre_unit],
                           "rank": list(rng.choice(["head", "section", "staff"], n_k)),
                           "max_households": caps, "lat": pts(n_k)[0], "lon": pts(n_k)[1]})
    return {"offices": offices, "communities": communities, "households": households, "leaders": leaders,
            "units": units, "cadres": cadres}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(districts(), st.sampled_from(["strict", "prefer"]))
def test_random_districts_hold_every_rule_or_are_explained(tables: dict[str, pd.DataFrame], linkage: str) -> None:
    problem = build_problem(tables, fast_rules(assign={"linkage": linkage}))
    try:
        result = solve_assignment(problem)
    except InfeasibleError as err:
        assert err.conflicts and all(c.message_zh and c.message_en for c in err.conflicts)
        return
    assert check_with_checker(problem, result) == []
    assert check_with_checker(problem, result) == []
    for stage in result.stages:
        assert stage.bound <= stage.objective + 1e-6


def test_mid_year_two_percent_of_cadres_leave_keeps_95_percent_of_surviving_pairs() -> None:
    tables, _ = demo_tables("small", seed=3, year=2026)
    rules = fast_rules()
    before = build_problem(tables, rules)
    first = solve_assignment(before)
    old = first.frames(before)
    leaving = list(before.cadres["cadre_id"].iloc[:: 50][: max(1, round(0.02 * before.n_cadres))])
    tables = dict(tables)
    tables["cadres"] = tables["cadres"][~tables["cadres"]["cadre_id"].isin(leaving)].reset_index(drop=True)
    for stem in ("pins", "forbidden"):
        frame = tables[stem]
        tables[stem] = frame[~frame["subject_id"].isin(leaving)].reset_index(drop=True)
    after = build_problem(tables, rules)
    second = solve_assignment(after, previous=old)
    assert check_with_checker(after, second) == []
    new = second.frames(after)
    for name, cols in (("cadre_households", ["cadre_id", "household_id"]),
                       ("unit_communities", ["unit_id", "community_id"])):
        surviving = old[name][~old[name][cols[0]].isin(leaving)]
        kept = surviving.merge(new[name], on=cols)
        assert len(kept) >= 0.95 * len(surviving), (name, len(kept), len(surviving))
    # the leavers' households all found a new cadre
    assert set(new["cadre_households"]["household_id"]) == set(after.households["household_id"])
