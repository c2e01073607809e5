"""The Results page's frames on the tiny district with a hand-made plan: every number checked by hand."""

from __future__ import annotations

import pandas as pd

from planner.plan import Plan
from planner.ui import frames
from planner.ui.pages.locks import apply_edits
from planner.ui.pages.rules import group_of, nested
from tests.fixtures import tiny_problem


def tiny_plan(visits: list[tuple[str, ...]] | None = None) -> Plan:
    rows = visits or []
    return Plan(
        leader_offices=pd.DataFrame({"leader_id": ["L1", "L2", "L3"], "office_id": ["B01", "Z01", "B01"]}),
        unit_communities=pd.DataFrame({"unit_id": ["U1", "U1", "U2", "U3"],
                                       "community_id": ["C01", "C02", "C03", "C04"]}),
        cadre_households=pd.DataFrame({"cadre_id": [f"G{1 + i // 5}" for i in range(20)],
                                       "household_id": [f"H{i + 1:02d}" for i in range(20)]}),
        visits=pd.DataFrame(rows, columns=["date", "person_kind", "person_id", "activity", "target_kind",
                                           "target_id", "role", "talk"]),
    )


VISITS = [
    ("2026-03-02", "unit", "U1", "community", "community", "C01", "", "0"),
    ("2026-03-02", "cadre", "G1", "household", "household", "H01", "", "1"),
    ("2026-03-02", "cadre", "G1", "household", "household", "H02", "", "0"),   # same party, same day: counted once
    ("2026-03-02", "leader", "L3", "research", "community", "C01", "", "0"),
    ("2026-03-03", "cadre", "G4", "household", "household", "H11", "", "0"),   # C03, office Z01
    ("2026-04-01", "leader", "L1", "contact", "office", "B01", "", "0"),
    ("2026-04-08", "leader", "L1", "reception", "district", "district", "A", "0"),
]


def test_pairs_carry_names_offices_and_locks():
    problem = tiny_problem()
    plan = tiny_plan()
    cadres = frames.cadre_pairs(problem, plan)
    assert len(cadres) == 20
    row = cadres[cadres["household_id"] == "H11"].iloc[0]
    assert (row["community_id"], row["office_id"]) == ("C03", "Z01")
    units = frames.unit_pairs(problem, plan)
    assert list(units.loc[units["unit_id"] == "U1", "office_id"]) == ["B01", "B01"]
    assert frames.coverage(problem, plan) == {"households": 1.0, "communities": 1.0, "offices": 1.0}
    partial = tiny_plan()
    partial = Plan(partial.leader_offices, partial.unit_communities, partial.cadre_households.iloc[:10])
    assert frames.coverage(problem, partial)["households"] == 0.5


def test_community_burden_counts_distinct_parties():
    problem = tiny_problem()
    burden = frames.community_burden(problem, tiny_plan(VISITS))
    top = burden.iloc[0]
    # U1, G1 (twice, counted once) and the researching leader L3 in C01 on 2 March
    assert (top["community_id"], str(top["date"].date()), top["parties"]) == ("C01", "2026-03-02", 3)
    assert len(burden) == 2


def test_heat_map_places_visits_in_offices():
    problem = tiny_problem()
    heat = frames.month_office_heat(problem, tiny_plan(VISITS))
    assert len(heat) == 2 * 12  # every office × month cell, zeros included
    cell = heat.set_index(["office_id", "month"])["visits"]
    assert cell[("B01", 3)] == 4 and cell[("Z01", 3)] == 1 and cell[("B01", 4)] == 1  # reception: no office
    assert heat["visits"].sum() == 6


def test_workload_distributions():
    load = frames.workload(tiny_problem(), tiny_plan(VISITS))
    per_cadre = dict(zip(load["households_per_cadre"]["value"], load["households_per_cadre"]["count"], strict=True))
    assert per_cadre == {0: 4, 5: 4}  # 8 cadres, 4 with five households
    days = load["days_per_person"].set_index(["person_kind", "person_id"])["days"]
    assert days[("cadre", "G1")] == 1 and days[("leader", "L1")] == 2


def test_differences_from_last_year():
    before = tiny_plan()
    after_pairs = before.cadre_households.copy()
    after_pairs.loc[after_pairs["household_id"] == "H01", "cadre_id"] = "G2"
    after = Plan(before.leader_offices, before.unit_communities, after_pairs)
    summary, changed = frames.pair_differences(before, after)
    row = summary.set_index("kind").loc["cadre_household"]
    assert (row["kept"], row["changed"]) == (19, 1)
    assert changed["cadre_household"].to_dict("records") == [{"household_id": "H01", "before": "G1", "after": "G2"}]
    assert summary.set_index("kind").loc["leader_office", "share_kept"] == 1.0


def test_map_points_colour_by_unit():
    points = frames.map_points(tiny_problem(), tiny_plan())
    assert len(points) == 4 + 20
    c01 = points[(points["kind"] == "community") & (points["id"] == "C01")].iloc[0]
    h01 = points[(points["kind"] == "household") & (points["id"] == "H01")].iloc[0]
    c03 = points[(points["kind"] == "community") & (points["id"] == "C03")].iloc[0]
    assert (c01["r"], c01["g"], c01["b"]) == (h01["r"], h01["g"], h01["b"])  # same unit U1, same colour
    assert (c01["r"], c01["g"], c01["b"]) != (c03["r"], c03["g"], c03["b"])


def test_filter_by_search_and_office():
    pairs = frames.cadre_pairs(tiny_problem(), tiny_plan())
    assert set(frames.filter_frame(pairs, "", "Z01", ["cadre_id"])["community_id"]) == {"C03", "C04"}
    assert list(frames.filter_frame(pairs, "h07", None, ["cadre_id", "household_id"])["household_id"]) == ["H07"]
    assert len(frames.filter_frame(pairs, "干部1", None, ["cadre_name"])) == 5


def test_lock_edits_touch_only_shown_rows():
    table = pd.DataFrame([("cadre_household", "G1", "H01"), ("cadre_household", "G9", "H20"),
                          ("unit_community", "U1", "C01")], columns=["kind", "subject_id", "target_id"])
    shown = [("G1", "H01"), ("G1", "H02")]
    out = apply_edits(table, "cadre_household", shown, {("G1", "H02")})
    assert set(map(tuple, out.to_numpy())) == {("cadre_household", "G9", "H20"), ("unit_community", "U1", "C01"),
                                               ("cadre_household", "G1", "H02")}


def test_rule_groups_and_nesting():
    assert group_of("visits.community_daily_cap") == "burden"
    assert group_of("visits.cadre_household") == "visits"
    assert group_of("year") == "calendar"
    assert nested({"visits.cadre_household": 8, "year": 2028}) == {"visits": {"cadre_household": 8}, "year": 2028}
