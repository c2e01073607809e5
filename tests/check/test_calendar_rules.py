"""Calendar rules 1–12 and the visit-row rules: each mutation of the valid plan yields exactly the expected codes."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from planner.check import check_plan, run_check
from tests.check.builder import valid_plan
from tests.check.helpers import (
    add_rows,
    busy_dates,
    community_load,
    drop_rows,
    rule_codes,
    set_cells,
    tiny_with,
    visits_of,
    weekend_in_month,
    workdays,
)
from tests.fixtures import tiny_problem


@pytest.fixture(scope="module")
def problem():
    return tiny_problem()


@pytest.fixture(scope="module")
def plan(problem):
    return valid_plan(problem)


def _month(text: str) -> int:
    return int(text[5:7])


def _research(plan, leader="L1", office="Z01"):
    return visits_of(plan, person_id=leader, activity="research", target_id=office)


def _reception(plan):
    return visits_of(plan, activity="reception")


def _free_leader_day(problem, plan, leader, month, office=None):
    """A workday of `month` on which the leader has nothing, no reception is held, and the office has room."""
    taken = busy_dates(plan, leader) | set(_reception(plan)["date"])
    for d in workdays(problem, month):
        if d in taken:
            continue
        if office is not None:
            there = visits_of(plan, target_id=office)
            if (there["date"] == d).sum() >= problem.rules.visits.office_daily_cap:
                continue
        return d
    raise AssertionError("no free day")


# -- rule 1: workdays, year, availability --------------------------------------------------------------------------
def test_visit_on_a_weekend(problem, plan):
    row = _research(plan).index[0]
    sunday = weekend_in_month(problem, _month(plan.visits.loc[row, "date"]))
    violations = check_plan(problem, set_cells(plan, row, date=sunday))
    assert [v.rule for v in violations] == ["calendar.not_workday"]
    assert sunday in violations[0].message_en


def test_visit_on_a_public_holiday(problem, plan):
    row = visits_of(_research(plan), date=None).index if False else _research(plan).index
    october = [i for i in row if _month(plan.visits.loc[i, "date"]) == 10]
    holiday = date(2026, 10, 1).isoformat()  # 国庆节, a Thursday
    assert holiday not in workdays(problem)
    assert rule_codes(problem, set_cells(plan, october[0], date=holiday)) == {"calendar.not_workday"}


def test_visit_outside_the_year(problem, plan):
    row = _research(plan).index[0]
    assert rule_codes(problem, set_cells(plan, row, date="2025-06-02")) == {"calendar.outside_year"}


def test_visit_inside_unavailability(plan):
    row = _research(plan).index[0]
    day = plan.visits.loc[row, "date"]
    away = pd.DataFrame({"person_id": ["L1"], "start": [day], "end": [day], "reason": ["出差"]})
    other_day = pd.DataFrame({"person_id": ["L1"], "start": ["2026-12-31"], "end": ["2026-12-31"], "reason": [""]})
    assert rule_codes(tiny_with({"unavailability": other_day}), plan) == set()
    violations = check_plan(tiny_with({"unavailability": away}), plan)
    assert [v.rule for v in violations] == ["calendar.unavailable"]
    assert violations[0].entities == ("L1", day)


def test_unit_unavailability_does_not_bind_its_cadres(plan):
    g1_day = visits_of(plan, person_id="G1")["date"].iloc[0]
    away = pd.DataFrame({"person_id": ["U1"], "start": [g1_day], "end": [g1_day], "reason": [""]})
    u1_days = set(visits_of(plan, person_id="U1")["date"])
    expected = {"calendar.unavailable"} if g1_day in u1_days else set()
    assert rule_codes(tiny_with({"unavailability": away}), plan) == expected


# -- visit rows: values, ids, combinations ----------------------------------------------------------------------
@pytest.mark.parametrize(("column", "value", "codes"), [
    ("date", "2026-13-01", "visits.bad_date"),
    ("date", "2026/03/04", "visits.bad_date"),
    ("date", "", "visits.bad_date"),
    ("activity", "meeting", "visits.bad_value"),
    ("person_kind", "mayor", "visits.bad_value"),
    ("target_kind", "city", "visits.bad_value"),
    ("role", "C", "visits.bad_value"),
    ("talk", "yes", "visits.bad_value"),
    ("person_id", "L9", "visits.unknown_person"),
    ("target_id", "B99", "visits.unknown_target"),
    ("target_kind", "community", "visits.unknown_target"),  # Z01 is an office, not a community
    ("activity", "household", "visits.bad_combination"),
    ("person_kind", "unit", ["visits.unknown_person", "visits.bad_combination"]),  # L1 is no unit; no unit research
    ("role", "A", "visits.role_misuse"),
    ("talk", "1", "visits.role_misuse"),
])
def test_malformed_row(problem, plan, column, value, codes):
    row = _research(plan).index[0]  # L1 has one research day to spare, so dropping the row breaks nothing else
    violations = check_plan(problem, set_cells(plan, row, **{column: value}))
    assert [v.rule for v in violations] == (codes if isinstance(codes, list) else [codes])
    assert f"row {row + 2}" in violations[0].message_en


def test_reception_row_without_role(problem, plan):
    row = _reception(plan).index[0]
    assert "visits.role_misuse" in rule_codes(problem, set_cells(plan, row, role=""))


def test_duplicate_visit_row(problem, plan):
    assert rule_codes(problem, add_rows(plan, plan.visits.iloc[5].to_dict())) == {"visits.duplicate_row"}


def test_visit_to_a_target_not_linked(problem, plan):
    loads = community_load(plan, problem)
    quiet = next(d for d in workdays(problem) if loads.get(("C03", d), 0) < 4 and d not in busy_dates(plan, "G1"))
    bad = add_rows(plan, {"date": quiet, "person_kind": "cadre", "person_id": "G1", "activity": "research",
                          "target_kind": "community", "target_id": "C03"})  # U1 does not link C03
    violations = check_plan(problem, bad)
    assert [v.rule for v in violations] == ["visits.target_not_linked"]
    ok = add_rows(plan, {"date": quiet, "person_kind": "cadre", "person_id": "G1", "activity": "research",
                         "target_kind": "community", "target_id": "C04"})  # U1 links C04
    assert loads.get(("C04", quiet), 0) < 4
    assert rule_codes(problem, ok) == set()


# -- rule 2: one leader activity a day -----------------------------------------------------------------------------
def test_two_leader_activities_on_one_date(problem, plan):
    contact = visits_of(plan, person_id="L1", activity="contact").iloc[0]
    bad = add_rows(plan, {**contact.to_dict(), "activity": "research"})
    violations = check_plan(problem, bad)
    assert [v.rule for v in violations] == ["calendar.leader_one_per_date"]
    assert violations[0].entities == ("L1", contact["date"])


# -- rule 3: leader grassroots days ---------------------------------------------------------------------------------
def test_leader_grassroots_days(problem, plan):
    report = run_check(problem, plan)
    m = report.minimums
    have = int(m[(m.person_id == "L1") & (m.requirement == "grassroots_days")]["actual"].iloc[0])
    need = problem.rules.grassroots_days.secretary
    spare = have - need
    rows = _research(plan).index
    assert rule_codes(problem, drop_rows(plan, rows[:spare])) == set()
    violations = check_plan(problem, drop_rows(plan, rows[:spare + 2]))
    assert [v.rule for v in violations] == ["calendar.leader_grassroots_days"]
    assert violations[0].amount == 2


# -- rule 4: contact visits and monthly spread ----------------------------------------------------------------------
def test_too_few_contact_visits(plan):
    assert rule_codes(tiny_problem(visits={"leader_contact": 12}), plan) == set()
    violations = check_plan(tiny_problem(visits={"leader_contact": 13}), plan)
    assert {v.rule for v in violations} == {"calendar.leader_contact_visits"}
    assert {v.entities for v in violations} == {("L1", "B01"), ("L2", "Z01"), ("L3", "B01")}


def test_contact_turned_into_research(problem, plan):
    row = visits_of(plan, person_id="L2", activity="contact").index[0]
    assert rule_codes(problem, set_cells(plan, row, activity="research")) == {
        "calendar.leader_contact_visits", "calendar.leader_contact_spread"}


def test_month_without_contact(problem, plan):
    contact = visits_of(plan, person_id="L2", activity="contact")
    march = contact[contact["date"].str[5:7] == "03"].index[0]
    new_day = _free_leader_day(problem, plan, "L2", 4, office="Z01")
    violations = check_plan(problem, set_cells(plan, march, date=new_day))
    assert [v.rule for v in violations] == ["calendar.leader_contact_spread"]
    assert "2026-03" in violations[0].message_en


def test_spread_exemption_for_a_month_away(problem):
    march_away = pd.DataFrame({"person_id": ["L2"], "start": ["2026-03-01"], "end": ["2026-03-31"], "reason": [""]})
    away = tiny_with({"unavailability": march_away})
    plan = valid_plan(away)
    assert visits_of(plan, person_id="L2")["date"].str[5:7].eq("03").sum() == 0
    assert rule_codes(away, plan) == set()
    # the same plan without the absence: March is required again (contact, and L2's monthly A)
    assert {"calendar.leader_contact_spread", "calendar.main_leader_monthly_a"} <= rule_codes(problem, plan)


# -- rule 5: 三走遍 -------------------------------------------------------------------------------------------------
def test_every_office_visited(problem, plan):
    rows = _research(plan, "L1", "Z01").index
    bad = set_cells(plan, rows, target_id="B01")
    assert rule_codes(problem, bad) == {"calendar.all_offices_once"}
    assert rule_codes(tiny_problem(visits={"all_offices_once": False}), bad) == set()


# -- rule 6: reception -----------------------------------------------------------------------------------------------
def test_week_without_reception(problem, plan):
    rec = _reception(plan)
    by_day = rec.groupby("date")
    day = next(d for d, g in by_day if g.loc[g["role"] == "A", "person_id"].iloc[0] == "L3")
    violations = check_plan(problem, drop_rows(plan, rec.index[rec["date"] == day]))
    assert [v.rule for v in violations] == ["calendar.reception_week_days"]


def test_two_reception_days_in_a_week(problem, plan):
    rec = _reception(plan)
    day = rec["date"].iloc[10]
    next_day = next(d for d in workdays(problem) if d > day)
    assert date.fromisoformat(next_day).isocalendar()[1] == date.fromisoformat(day).isocalendar()[1]
    free = [lid for lid in ("L1", "L2", "L3") if next_day not in busy_dates(plan, lid)]
    bad = add_rows(plan, *[{"date": next_day, "person_kind": "leader", "person_id": lid, "activity": "reception",
                            "target_kind": "district", "target_id": "district", "role": role}
                           for lid, role in zip(free[:2], "AB", strict=True)])
    assert len(free) >= 2
    assert rule_codes(problem, bad) == {"calendar.reception_week_days"}


def test_reception_two_a(problem, plan):
    b_row = _reception(plan).query("role == 'B'").index[3]
    assert rule_codes(problem, set_cells(plan, b_row, role="A")) == {"calendar.reception_roles"}


def test_reception_missing_b(problem, plan):
    b_row = _reception(plan).query("role == 'B'").index[3]
    assert rule_codes(problem, drop_rows(plan, [b_row])) == {"calendar.reception_roles"}


def test_reception_a_equals_b(problem, plan):
    rec = _reception(plan)
    day = rec["date"].iloc[6]
    a = rec[(rec["date"] == day) & (rec["role"] == "A")]["person_id"].iloc[0]
    b_row = rec[(rec["date"] == day) & (rec["role"] == "B")].index[0]
    # the same leader twice on one date also breaks "one activity a day"
    assert rule_codes(problem, set_cells(plan, b_row, person_id=a)) == {
        "calendar.reception_roles", "calendar.leader_one_per_date"}


def test_main_leader_without_monthly_a(problem, plan):
    rec = _reception(plan)
    a_row = rec[(rec["role"] == "A") & (rec["person_id"] == "L1") & (rec["date"].str[5:7] == "05")].index[0]
    day = rec.loc[a_row, "date"]
    b_row = rec[(rec["date"] == day) & (rec["role"] == "B")].index[0]
    bad = set_cells(set_cells(plan, a_row, role="B"), b_row, role="A")
    violations = check_plan(problem, bad)
    assert [v.rule for v in violations] == ["calendar.main_leader_monthly_a"]
    assert violations[0].entities == ("L1",) and "2026-05" in violations[0].message_en


def test_main_leader_exempt_when_away_on_every_reception_day(problem, plan):
    may = sorted(set(_reception(plan).query("date.str[5:7] == '05'", engine="python")["date"]))
    rows = pd.DataFrame({"person_id": "L1", "start": may, "end": may, "reason": ""})
    away = tiny_with({"unavailability": rows})
    plan_away = valid_plan(away)
    assert rule_codes(away, plan_away) == set()


def _four_leaders(tables):
    tables["leaders"] = pd.concat([tables["leaders"], pd.DataFrame(
        {"leader_id": ["L4"], "name": ["委员丁"], "tier": ["other"]})], ignore_index=True)


def test_unfair_a_rotation():
    problem = tiny_with(edit=_four_leaders)
    plan = valid_plan(problem)
    assert rule_codes(problem, plan) == set()
    rec = _reception(plan)
    counts = rec[rec["role"] == "A"]["person_id"].value_counts()
    low, high = ("L3", "L4") if counts.get("L3", 0) <= counts.get("L4", 0) else ("L4", "L3")
    days_b_high = set(rec[(rec["role"] == "B") & (rec["person_id"] == high)]["date"])
    row = rec[(rec["role"] == "A") & (rec["person_id"] == low) & ~rec["date"].isin(days_b_high)].index[0]
    violations = check_plan(problem, set_cells(plan, row, person_id=high))
    assert [v.rule for v in violations] == ["calendar.reception_fairness"]
    assert set(violations[0].entities) == {"L3", "L4"}


# -- rule 7: units ---------------------------------------------------------------------------------------------------
def test_unit_visit_counts(plan):
    assert rule_codes(tiny_problem(visits={"unit_community": 12, "unit_community_days": 12}), plan) == set()
    assert rule_codes(tiny_problem(visits={"unit_community": 13}), plan) == {"calendar.unit_min_visits"}
    assert rule_codes(tiny_problem(visits={"unit_community_days": 13}), plan) == {"calendar.unit_min_visits"}


def test_unit_visit_dropped(problem, plan):
    row = visits_of(plan, person_id="U2").index[4]
    violations = check_plan(problem, drop_rows(plan, [row]))
    assert {v.rule for v in violations} == {"calendar.unit_min_visits", "calendar.unit_spread"}
    assert all(v.entities == ("U2", "C02") for v in violations)


def test_unit_month_without_visit(problem, plan):
    rows = visits_of(plan, person_id="U2")
    june = rows[rows["date"].str[5:7] == "06"].index[0]
    loads = community_load(plan, problem)
    new_day = next(d for d in workdays(problem, 7) if d not in set(rows["date"]) and loads.get(("C02", d), 0) < 4)
    violations = check_plan(problem, set_cells(plan, june, date=new_day))
    assert [v.rule for v in violations] == ["calendar.unit_spread"]
    assert "2026-06" in violations[0].message_en


# -- rule 8: cadres ------------------------------------------------------------------------------------------------
def test_cadre_visit_counts(plan):
    assert rule_codes(tiny_problem(visits={"cadre_household": 7}), plan) == {"calendar.cadre_min_visits"}
    assert rule_codes(tiny_problem(visits={"cadre_household_days": 7}), plan) == {"calendar.cadre_min_visits"}


def test_cadre_visit_dropped(problem, plan):
    rows = visits_of(plan, person_id="G1", target_id="H03", talk="0")
    violations = check_plan(problem, drop_rows(plan, [rows.index[0]]))
    assert {v.rule for v in violations} == {"calendar.cadre_min_visits", "calendar.cadre_spread"}
    assert all(v.entities == ("G1", "H03") for v in violations)


def test_cadre_two_month_gap(problem, plan):
    rows = visits_of(plan, person_id="G1", target_id="H03", talk="0")
    row = rows.index[0]
    period = (_month(plan.visits.loc[row, "date"]) - 1) // 2
    target_month = 1 + ((period + 1) % 6) * 2
    loads = community_load(plan, problem)
    new_day = next(d for d in workdays(problem, target_month)
                   if d not in busy_dates(plan, "G1") and loads.get(("C01", d), 0) < 4)
    violations = check_plan(problem, set_cells(plan, row, date=new_day))
    assert [v.rule for v in violations] == ["calendar.cadre_spread"]
    assert violations[0].amount == 1


def test_cadre_too_few_talks(problem, plan):
    row = visits_of(plan, person_id="G4", target_id="H07", talk="1").index[0]
    violations = check_plan(problem, set_cells(plan, row, talk="0"))
    assert [v.rule for v in violations] == ["calendar.cadre_talks"]
    assert violations[0].entities == ("G4", "H07")
    assert rule_codes(tiny_problem(visits={"talks_per_household": 1}), set_cells(plan, row, talk="0")) == set()


def test_cadre_grassroots_days(problem, plan):
    research = visits_of(plan, person_id="G1", activity="research")
    violations = check_plan(problem, drop_rows(plan, [research.index[0]]))
    assert [v.rule for v in violations] == ["calendar.cadre_grassroots_days"]
    assert violations[0].entities == ("G1",)
    # staff cadres need no grassroots days: G3 has none and nothing fires
    assert busy_dates(plan, "G3") == set()


def test_cadre_in_two_communities_one_day(problem, plan):
    loads = community_load(plan, problem)
    day = next(d for d in sorted(set(visits_of(plan, person_id="G1", activity="household")["date"]))
               if loads.get(("C04", d), 0) < 4)
    bad = add_rows(plan, {"date": day, "person_kind": "cadre", "person_id": "G1", "activity": "research",
                          "target_kind": "community", "target_id": "C04"})
    violations = check_plan(problem, bad)
    assert [v.rule for v in violations] == ["calendar.cadre_one_community_per_date"]
    assert violations[0].entities == ("G1", day)


# -- rules 11 and 12: burden caps -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cap_one():
    problem = tiny_problem(visits={"community_daily_cap": 1})
    return problem, valid_plan(problem)


def test_community_cap_counts_units_and_cadres(cap_one):
    problem, plan = cap_one
    assert rule_codes(problem, plan) == set()
    assert community_load(plan, problem).max() == 1
    g1_day = visits_of(plan, person_id="G1", activity="household")["date"].iloc[2]
    u1 = visits_of(plan, person_id="U1", target_id="C01")
    row = u1[u1["date"].str[:7] == g1_day[:7]].index[0]
    bad = set_cells(plan, row, date=g1_day)  # same month: the unit's spread still holds
    violations = check_plan(problem, bad)
    assert [v.rule for v in violations] == ["calendar.community_daily_cap"]
    assert violations[0].entities == ("C01", g1_day) and violations[0].amount == 1
    assert "unit U1" in violations[0].message_en and "cadre G1" in violations[0].message_en
    assert rule_codes(tiny_problem(visits={"community_daily_cap": 2}), bad) == set()


def test_community_cap_counts_leader_research(cap_one):
    problem, plan = cap_one
    taken = busy_dates(plan, "L2") | set(_reception(plan)["date"])
    day = next(d for d in visits_of(plan, target_id="C01")["date"] if d not in taken)
    bad = add_rows(plan, {"date": day, "person_kind": "leader", "person_id": "L2", "activity": "research",
                          "target_kind": "community", "target_id": "C01"})
    violations = check_plan(problem, bad)
    assert [v.rule for v in violations] == ["calendar.community_daily_cap"]
    assert violations[0].entities == ("C01", day) and "leader L2" in violations[0].message_en


def test_office_daily_cap():
    problem = tiny_problem(visits={"office_daily_cap": 1})
    plan = valid_plan(problem)
    assert rule_codes(problem, plan) == set()
    l1_b01 = visits_of(plan, person_id="L1", target_id="B01")
    day = next(d for d in l1_b01["date"] if d not in busy_dates(plan, "L2") | set(_reception(plan)["date"]))
    bad = add_rows(plan, {"date": day, "person_kind": "leader", "person_id": "L2", "activity": "research",
                          "target_kind": "community", "target_id": "C01"})  # C01 lies in office B01
    violations = check_plan(problem, bad)
    assert [v.rule for v in violations] == ["calendar.office_daily_cap"]
    assert violations[0].entities == ("B01", day)
    assert rule_codes(tiny_problem(visits={"office_daily_cap": 2}), bad) == set()
