"""Households → cadres shortfalls named by the minimum cut, on the tiny district (4 communities × 5 households;
units U1 = G1–G3, U2 = G4–G6, U3 = G7–G8; 5 households per cadre unless edited), with the numbers worked out by
hand in each docstring."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from planner.assign import solve_assignment
from planner.assign.data import AssignData
from planner.assign.explain import explain_cadres
from planner.assign.explain_capacity import capacity_conflicts, household_cut
from planner.errors import InfeasibleError
from tests.assign.helpers import check_with_checker, tiny

ONLY_U3_FOR_C01 = [("unit_community", "U1", "C01"), ("unit_community", "U2", "C01")]


def _caps(*caps: int) -> Any:
    def edit(tables: dict[str, pd.DataFrame]) -> None:
        tables["cadres"]["max_households"] = list(caps)
    return edit


def _explain(problem: Any) -> InfeasibleError:
    with pytest.raises(InfeasibleError) as info:
        solve_assignment(problem)
    return info.value


def test_households_whose_only_cadres_are_forbidden_have_nobody() -> None:
    """Strict linkage and U1, U2 forbidden from C01: only G7 and G8 may serve C01; both are forbidden for H01–H03."""
    forbidden = ONLY_U3_FOR_C01 + [("cadre_household", k, h) for k in ("G7", "G8") for h in ("H01", "H02", "H03")]
    err = _explain(tiny(forbidden=forbidden))
    [conflict] = [c for c in err.conflicts if c.rule == "capacity"]
    assert conflict.message_en == ("community C01 (3 of its households: H01, H02, H03) has 3 households, and the pins and "
                                   "forbidden pairs exclude every cadre that could serve them")
    assert "C01（幸福里社区） 中的 3 户（H01、H02、H03）" in conflict.message_zh


def test_households_left_to_one_small_cadre_are_named_with_that_cadre() -> None:
    """As above but only G7 is forbidden, for H01 and H02; G8 takes 1. So H01 and H02 (2) have only G8 (1): one
    short. The rest of C01 fits U3 (G7: 5 for H03–H05), so the cut names just those two households and G8."""
    forbidden = [*ONLY_U3_FOR_C01, ("cadre_household", "G7", "H01"), ("cadre_household", "G7", "H02")]
    err = _explain(tiny(forbidden=forbidden, edit=_caps(5, 5, 5, 5, 5, 5, 5, 1)))
    [conflict] = [c for c in err.conflicts if c.rule == "capacity"]
    assert conflict.message_en == ("community C01 (2 of its households: H01, H02) has 2 households, but 1 of the cadres of "
                                   "unit U3 (G8) that may serve them can take at most 1 (1 short)")
    assert "单位 U3（区教育局） 中的 1 名干部（G8）最多只能联系 1 户（缺 1 户）" in conflict.message_zh
    assert conflict.entities == ("C01", "U3")


def test_feasible_twin_without_the_small_cadre_solves() -> None:
    """G8 with 2: H01 and H02 fit; the plan is valid."""
    forbidden = [*ONLY_U3_FOR_C01, ("cadre_household", "G7", "H01"), ("cadre_household", "G7", "H02")]
    problem = tiny(forbidden=forbidden, edit=_caps(5, 5, 5, 5, 5, 5, 5, 2))
    assert check_with_checker(problem, solve_assignment(problem)) == []


def test_prefer_linkage_total_shortage_is_named_before_any_solver() -> None:
    """Without strict linkage units have no capacity rule, but 8 cadres × 2 = 16 < 20 households is still short."""
    err = _explain(tiny(edit=_caps(*[2] * 8), assign={"linkage": "prefer"}))
    assert err.stage == "assign"  # the precheck, not a failed cadre stage
    assert err.conflicts[0].message_en == ("communities C01, C02, C03, C04 have 20 households, but the cadres of "
                                           "units U1, U2, U3 that may serve them can take at most 16 (4 short)")


def test_two_independent_shortages_are_two_conflicts_largest_first() -> None:
    """U1 pinned to C01 and U2 to C02 with cadres of 1 each (3 + 3 against 5 + 5): two shortfalls of 2."""
    pins = [("unit_community", "U1", "C01"), ("unit_community", "U2", "C02")]
    err = _explain(tiny(pins=pins, edit=_caps(1, 1, 1, 1, 1, 1, 5, 5)))
    texts = [c.message_en for c in err.conflicts if c.rule == "capacity"]
    assert texts == ["community C01 has 5 households, but the cadres of unit U1 that may serve them can take at most "
                     "3 (2 short)",
                     "community C02 has 5 households, but the cadres of unit U2 that may serve them can take at most "
                     "3 (2 short)"]


def test_after_the_units_are_chosen_the_cadre_stage_names_households_and_cadres() -> None:
    """Units chosen (C01, C02 → U1; C03 → U2; C04 → U3); G1 and G2 are forbidden for H01–H03 and G3 takes 2: those
    three households have only G3 — one short, although U1 (5 + 5 + 2 = 12) covers its 10 households in total."""
    forbidden = [("cadre_household", k, h) for k in ("G1", "G2") for h in ("H01", "H02", "H03")]
    data = AssignData(tiny(forbidden=forbidden, edit=_caps(5, 5, 2, 5, 5, 5, 5, 5)))
    community_unit = np.array([0, 0, 1, 2])
    [conflict] = explain_cadres(data, [], community_unit)
    assert conflict.message_en == ("community C01 (3 of its households: H01, H02, H03) has 3 households, but 1 of the cadres "
                                   "of unit U1 (G3) that may serve them can take at most 2 (1 short)")
    assert capacity_conflicts(data, community_unit) == [conflict]
    assert household_cut(data, np.array([1, 0, 1, 2])).cut.parts == ()  # C01 with U2 instead: nothing short


def test_an_aggregated_community_keeps_the_graph_small() -> None:
    """One item per community's plain households and one server per unit's plain cadres (plus the locked ones)."""
    forbidden = [("cadre_household", "G1", "H01")]
    net = household_cut(AssignData(tiny(forbidden=forbidden)))
    assert len(net.items) == 4 + 1 and len(net.servers) == 3 + 1
    assert net.cut.total_demand == net.cut.max_flow == 20


# -- random districts with locks, re-verified against a plain household × cadre flow (scipy) -------------------
@st.composite
def locked_districts(draw: st.DrawFn) -> tuple[Any, np.ndarray | None]:
    """The tiny district with random cadre capacities, random forbidden unit–community and cadre–household pairs,
    random cadre pins (each household at most once, never on a forbidden pair), either linkage, and sometimes the
    units already chosen."""
    caps = draw(st.lists(st.integers(0, 5), min_size=8, max_size=8))
    cadres = [f"G{k}" for k in range(1, 9)]
    households = [f"H{h:02d}" for h in range(1, 21)]
    unit_pairs = draw(st.sets(st.tuples(st.sampled_from(["U1", "U2", "U3"]),
                                        st.sampled_from(["C01", "C02", "C03", "C04"])), max_size=6))
    bans = draw(st.sets(st.tuples(st.sampled_from(cadres), st.sampled_from(households)), max_size=12))
    pinned = draw(st.dictionaries(st.sampled_from(households), st.sampled_from(cadres), max_size=5))
    pins = [("cadre_household", k, h) for h, k in pinned.items() if (k, h) not in bans]
    forbidden = [("unit_community", u, c) for u, c in sorted(unit_pairs)] + \
        [("cadre_household", k, h) for k, h in sorted(bans)]
    linkage = draw(st.sampled_from(["strict", "prefer"]))
    problem = tiny(pins=pins or None, forbidden=forbidden or None, edit=_caps(*caps), assign={"linkage": linkage})
    chosen = draw(st.one_of(st.none(), st.lists(st.integers(0, 2), min_size=4, max_size=4)))
    return problem, None if chosen is None else np.array(chosen)


def _may_serve(data: AssignData, community_unit: np.ndarray | None) -> np.ndarray:
    """may[k, h]: the rules of SEMANTICS (forbidden pairs, pins, strict 三级联动) written out pair by pair."""
    p = data.problem
    unit = p.cadres["unit"].to_numpy(dtype=int)
    comm = p.households["community"].to_numpy(dtype=int)
    pin = dict((h, k) for k, h in data.pins("cadre_household"))
    pinned_units = {(u, c) for u, c in data.pins("unit_community")} | {(int(unit[k]), int(comm[h]))
                                                                        for k, h in data.pins("cadre_household")}
    may = np.zeros((p.n_cadres, p.n_households), dtype=bool)
    for k in range(p.n_cadres):
        for h in range(p.n_households):
            c, u = int(comm[h]), int(unit[k])
            if (k, h) in data.forbidden("cadre_household") or (h in pin and pin[h] != k):
                continue
            if data.strict:
                if community_unit is not None:
                    ok = community_unit[c] == u
                elif any(cc == c for _, cc in pinned_units):
                    ok = (u, c) in pinned_units and (u, c) not in data.forbidden("unit_community")
                else:
                    ok = (u, c) not in data.forbidden("unit_community")
                if not ok:
                    continue
            may[k, h] = True
    return may


@settings(max_examples=40)
@given(locked_districts())
def test_random_locked_districts_cut_matches_a_plain_flow(case: tuple[Any, np.ndarray | None]) -> None:
    problem, community_unit = case
    data = AssignData(problem)
    net = household_cut(data, community_unit)
    may = _may_serve(data, community_unit)
    cap = data.cadre_capacity
    n_k, n_h = may.shape
    # source 0, cadres 1..n_k, households n_k+1.., sink last: one arc per allowed pair, no aggregation
    k_idx, h_idx = np.nonzero(may)
    tails = np.concatenate([np.zeros(n_k, int), 1 + k_idx, 1 + n_k + np.arange(n_h)])
    heads = np.concatenate([1 + np.arange(n_k), 1 + n_k + h_idx, np.full(n_h, 1 + n_k + n_h)])
    caps = np.concatenate([cap, np.ones(len(k_idx), int), np.ones(n_h, int)]).astype(np.int32)
    graph = csr_matrix((caps, (tails, heads)), shape=(n_k + n_h + 2,) * 2)
    assert net.cut.max_flow == maximum_flow(graph, 0, n_k + n_h + 1).flow_value
    assert net.cut.total_demand == n_h
    assert sum(part.deficit for part in net.cut.parts) == n_h - net.cut.max_flow
    for part in net.cut.parts:
        hs = sorted(h for i in part.items for h in net.items[i].households)
        ks = sorted(k for s in part.servers for k in net.servers[s])
        assert part.demand == len(hs)
        assert ks == sorted(set(np.nonzero(may[:, hs].any(axis=1))[0].tolist()))  # every cadre that may serve them
        assert part.capacity == int(cap[ks].sum()) < part.demand
