"""Hand-computed progress rows on the tiny district (2026 calendar: 1–3 Jan off, Sun 4 Jan a make-up workday;
the five workdays after Thu 24 Dec are 25, 28, 29, 30, 31 Dec)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from planner.supervision.progress import COLUMNS, compute_progress, status_of
from tests.supervision.helpers import PAIRS, actuals, problem, progress, row, visits

JAN31 = date(2026, 1, 31)


def test_columns_are_the_contracts() -> None:
    p = progress(problem(), visits(), JAN31)
    assert tuple(p.table.columns) == COLUMNS
    # one row per obligation of the plan: 3 leader_contact, 3 leader_days, 3×2 all_offices, 2+2 unit rows,
    # 4×3 cadre pair rows, and grassroots days for the 5 head/section cadres
    counts = p.table["obligation"].value_counts().to_dict()
    assert counts == {"leader_contact": 3, "leader_days": 3, "all_offices": 6, "unit_visits": 2, "unit_days": 2,
                      "cadre_visits": 4, "cadre_days": 4, "talks": 4, "cadre_grassroots_days": 5}


def test_leader_weekend_duplicate_and_research() -> None:
    done = visits(("2026-01-05", "leader", "L1", "contact", "office", "B01"),
                  ("2026-01-05", "leader", "L1", "contact", "office", "B01"),      # exact duplicate: once
                  ("2026-01-10", "leader", "L1", "contact", "office", "B01"),      # a Saturday: it happened, counts
                  ("2026-01-06", "leader", "L1", "research", "community", "C01"),  # research in B01's community
                  ("2026-01-07", "leader", "L1", "research", "office", "Z01"),
                  ("2026-02-02", "leader", "L1", "contact", "office", "B01"))      # after as-of: ignored
    p = progress(problem(), done, JAN31)
    contact = row(p, "leader_contact", "L1", "B01")
    assert (contact["done"], contact["required"], contact["periods_missed"]) == (2, 12, 0)
    assert row(p, "leader_days", "L1")["done"] == 4          # 5, 6, 7, 10 Jan
    assert row(p, "leader_days", "L1")["required"] == 35     # secretary
    assert row(p, "all_offices", "L1", "B01")["done"] == 3   # two contact rows + the research in C01
    assert row(p, "all_offices", "L1", "Z01")["done"] == 1
    assert row(p, "all_offices", "L1", "Z01")["status"] == "met"
    assert row(p, "all_offices", "L2", "B01")["done"] == 0


def test_statuses_met_cannot_meet_behind_on_track() -> None:
    plan = visits(("2026-01-05", "leader", "L1", "contact", "office", "B01"),
                  ("2026-01-12", "leader", "L1", "contact", "office", "B01"),
                  ("2026-01-19", "leader", "L2", "contact", "office", "Z01"))
    done = visits(("2026-01-05", "leader", "L1", "contact", "office", "B01"),
                  ("2026-01-19", "leader", "L2", "contact", "office", "Z01"))
    p = progress(problem(), done, JAN31, plan)
    assert row(p, "leader_contact", "L1", "B01")["status"] == "behind"     # 1 done of 2 planned by now
    assert row(p, "leader_contact", "L2", "Z01")["status"] == "on_track"   # 1 of 1
    assert row(p, "leader_contact", "L3", "B01")["status"] == "on_track"   # nothing planned yet, nothing done
    p = progress(problem(visits={"leader_contact": 1}), done, JAN31, plan)
    assert row(p, "leader_contact", "L1", "B01")["status"] == "met"
    late = progress(problem(), done, date(2026, 12, 24), plan)
    r = row(late, "leader_contact", "L1", "B01")
    assert r["left_days"] == 5 and r["done"] == 1 and r["status"] == "cannot_meet"   # 11 to go > 5 days left


def test_status_rule_boundaries() -> None:
    # required − done == left_days can still be met; one more cannot
    got = status_of(pd.Series([6, 6, 6, 6]).to_numpy(), pd.Series([6, 1, 0, 3]).to_numpy(),
                    pd.Series([0, 0, 0, 4]).to_numpy(), pd.Series([0, 5, 5, 9]).to_numpy())
    assert list(got) == ["met", "on_track", "cannot_meet", "behind"]


def test_periods_missed_on_a_period_boundary() -> None:
    done = visits(("2026-01-05", "leader", "L1", "contact", "office", "B01"),
                  ("2026-01-05", "cadre", "G1", "household", "household", "H01"))
    on_boundary = progress(problem(), done, date(2026, 3, 31))
    day_before = progress(problem(), done, date(2026, 3, 30))
    assert row(on_boundary, "leader_contact", "L1", "B01")["periods_missed"] == 2      # Feb and Mar ended
    assert row(day_before, "leader_contact", "L1", "B01")["periods_missed"] == 1       # March not over yet
    assert row(on_boundary, "leader_contact", "L3", "B01")["periods_missed"] == 3
    # cadres: two-month periods; Jan–Feb covered for H01, not for H02; Mar–Apr not over
    assert row(on_boundary, "cadre_visits", "G1", "H01")["periods_missed"] == 0
    assert row(on_boundary, "cadre_visits", "G1", "H02")["periods_missed"] == 1
    assert pd.isna(row(on_boundary, "cadre_days", "G1", "H01")["periods_missed"])   # not a spread obligation
    missed = on_boundary.missed
    assert set(missed.loc[missed["person_id"] == "L1", "first_month"]) == {2, 3}


def test_spread_exemption_with_unavailability() -> None:
    # G1 away 1 Jan – 24 Feb: Jan–Feb has 4 available workdays (25–28 Feb, 28 Feb a make-up Saturday) < 5
    prob = problem([("G1", "2026-01-01", "2026-02-24")])
    p = progress(prob, visits(), date(2026, 2, 28))
    assert row(p, "cadre_visits", "G1", "H01")["periods_missed"] == 0
    assert row(p, "cadre_visits", "G3", "H03")["periods_missed"] == 1


def test_person_who_left_mid_year() -> None:
    # G4 leaves on 1 July (unavailable to year end): no days left, so whatever is still missing cannot be met
    prob = problem([("G4", "2026-07-01", "2026-12-31")])
    done = visits(("2026-03-02", "cadre", "G4", "household", "household", "H06", 1))
    p = progress(prob, done, date(2026, 6, 30))
    r = row(p, "cadre_visits", "G4", "H06")
    assert (r["done"], r["left_days"], r["status"]) == (1, 0, "cannot_meet")
    assert row(p, "talks", "G4", "H06")["status"] == "cannot_meet"
    assert row(p, "cadre_visits", "G1", "H01")["left_days"] > 100


def test_left_days_exclude_unavailability() -> None:
    prob = problem([("U1", "2026-12-28", "2026-12-30")])
    p = progress(prob, visits(), date(2026, 12, 24))
    assert row(p, "unit_visits", "U1", "C01")["left_days"] == 2   # 25 and 31 Dec
    assert row(p, "unit_visits", "U2", "C03")["left_days"] == 5


def test_cadre_counts_talks_days_and_grassroots() -> None:
    done = visits(("2026-01-05", "cadre", "G1", "household", "household", "H01", 0),
                  ("2026-01-05", "cadre", "G1", "household", "household", "H01", 1),   # same day, a talk: 2 rows
                  ("2026-01-06", "cadre", "G1", "household", "household", "H01", 1),
                  ("2026-01-07", "cadre", "G1", "research", "community", "C03"),
                  ("2026-01-08", "unit", "U1", "community", "community", "C01"),
                  ("2026-01-08", "unit", "U1", "community", "community", "C01"))      # duplicate: once
    p = progress(problem(), done, JAN31)
    assert row(p, "cadre_visits", "G1", "H01")["done"] == 3
    assert row(p, "cadre_days", "G1", "H01")["done"] == 2
    assert row(p, "talks", "G1", "H01")["done"] == 2
    assert row(p, "talks", "G1", "H01")["status"] == "met"
    assert row(p, "cadre_grassroots_days", "G1")["done"] == 3          # 5, 6, 7 Jan
    assert row(p, "cadre_grassroots_days", "G1")["required"] == 20     # head
    assert (row(p, "unit_visits", "U1", "C01")["done"], row(p, "unit_days", "U1", "C01")["done"]) == (1, 1)
    assert "G3" not in set(p.table.loc[p.table["obligation"] == "cadre_grassroots_days", "person_id"])  # staff


def test_unlinked_visit_is_an_anomaly_and_counts_nowhere() -> None:
    done = visits(("2026-01-05", "cadre", "G1", "household", "household", "H06"),   # H06 is G4's
                  ("2026-01-06", "unit", "U1", "community", "community", "C03"),    # C03 is U2's
                  ("2026-01-07", "leader", "L1", "contact", "office", "Z01"))       # L1 links B01
    p = progress(problem(), done, JAN31)
    assert len(p.anomalies) == 3
    assert row(p, "cadre_visits", "G4", "H06")["done"] == 0
    assert row(p, "cadre_grassroots_days", "G1")["done"] == 0
    assert row(p, "unit_visits", "U2", "C03")["done"] == 0
    assert row(p, "leader_days", "L1")["done"] == 0
    assert row(p, "all_offices", "L1", "Z01")["done"] == 0


def test_planned_to_date_counts_plan_rows_up_to_as_of() -> None:
    plan = visits(("2026-01-05", "cadre", "G1", "household", "household", "H01", 1),
                  ("2026-03-02", "cadre", "G1", "household", "household", "H01", 0))
    prob = problem()
    act = actuals(prob, visits())
    p = compute_progress(prob, PAIRS, plan, act.visits, JAN31)
    assert row(p, "cadre_visits", "G1", "H01")["planned_to_date"] == 1
    assert row(p, "talks", "G1", "H01")["planned_to_date"] == 1
    assert row(p, "cadre_visits", "G1", "H01")["status"] == "behind"


def test_engine_counts_exact_duplicates_once_even_unvalidated() -> None:
    prob = problem()
    raw = visits(("2026-01-05", "cadre", "G1", "household", "household", "H01", 1),
                 ("2026-01-05", "cadre", "G1", "household", "household", "H01", 1))
    p = compute_progress(prob, PAIRS, visits(), raw, JAN31)   # e.g. records loaded from the store
    assert row(p, "cadre_visits", "G1", "H01")["done"] == 1
    assert row(p, "talks", "G1", "H01")["done"] == 1
