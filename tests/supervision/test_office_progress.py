"""`planner progress` at the office level: obligations office_leader_contact and office_all_communities in the
supervision engine and in the independent recomputation (they must agree), anomalies, actuals input."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from planner.check.progress import compare_progress, recompute_progress
from planner.errors import InputError
from planner.plan import Plan
from planner.problem import Problem
from planner.solve import solve_plan
from planner.supervision.actuals import validate_actuals
from planner.supervision.progress import compute_progress
from tests.fixtures import tiny_office_problem

AS_OF = date(2026, 6, 30)


@pytest.fixture(scope="module")
def solved() -> tuple[Problem, Plan]:
    problem = tiny_office_problem()
    return problem, solve_plan(problem)


def _row(d: date, pid: str, act: str, cid: str) -> dict[str, object]:
    return {"date": d, "person_kind": "office_leader", "person_id": pid, "activity": act,
            "target_kind": "community", "target_id": cid, "role": "", "talk": 0}


def _actuals(plan: Plan) -> pd.DataFrame:
    """The plan's first half, OB1 missing its first two contacts, and two rows of OZ1 in B01 (anomalies)."""
    v = plan.visits
    act = v[[d <= AS_OF for d in v["date"]]].copy()
    act = act.drop(act[(act["person_id"] == "OB1") & (act["activity"] == "contact")].index[:2])
    extra = pd.DataFrame([_row(date(2026, 5, 6), "OZ1", "contact", "C01"), _row(date(2026, 5, 7), "OZ1", "research", "C02")])
    return pd.concat([act, extra], ignore_index=True)


def test_engine_and_independent_recomputation_agree(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    actuals = _actuals(plan)
    progress = compute_progress(problem, plan.pairs(), plan.visits, actuals, AS_OF)
    again = recompute_progress(problem, plan.pairs(), plan.visits, actuals, AS_OF)
    assert compare_progress(progress.table, again) == []
    kinds = set(progress.table.loc[progress.table["person_kind"] == "office_leader", "obligation"])
    assert kinds == {"office_leader_contact", "office_all_communities"}


def test_contact_counts_and_status(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    table = compute_progress(problem, plan.pairs(), plan.visits, _actuals(plan), AS_OF).table
    contact = table[table["obligation"] == "office_leader_contact"].set_index("person_id")
    planned = contact.loc["OB2", "planned_to_date"]
    assert contact.loc["OB2", "done"] == planned and contact.loc["OB2", "status"] == "on_track"
    assert contact.loc["OB1", "done"] == contact.loc["OB1", "planned_to_date"] - 2
    assert contact.loc["OB1", "status"] == "behind" and contact.loc["OB1", "periods_missed"] >= 1
    assert (contact["required"] == problem.rules.visits.office_leader_contact).all()
    assert contact.loc["OB1", "target_id"] == plan.office_leader_communities.set_index("person_id").loc["OB1",
                                                                                                       "community_id"]


def test_all_communities_rows_per_community_of_the_office(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    table = compute_progress(problem, plan.pairs(), plan.visits, plan.visits, date(2026, 12, 31)).table
    rows = table[table["obligation"] == "office_all_communities"]
    assert len(rows) == 8 and set(rows["status"]) == {"met"}       # 4 leaders × 2 communities of their office
    none = compute_progress(problem, plan.pairs(), plan.visits, plan.visits.iloc[:0], date(2026, 12, 31)).table
    assert (none.loc[none["obligation"] == "office_all_communities", "status"] == "cannot_meet").sum() == 8
    assert (none.loc[none["obligation"] == "office_all_communities", "done"] == 0).all()


def test_rows_outside_the_leaders_links_are_anomalies(solved: tuple[Problem, Plan]) -> None:
    problem, plan = solved
    progress = compute_progress(problem, plan.pairs(), plan.visits, _actuals(plan), AS_OF)
    assert sorted(progress.anomalies["activity"]) == ["contact", "research"]
    assert set(progress.anomalies["person_id"]) == {"OZ1"}


def test_actuals_accept_office_leaders_and_reject_unknown_ones(solved: tuple[Problem, Plan]) -> None:
    problem, _ = solved
    good = pd.DataFrame([{**_row(date(2026, 3, 2), "OB1", "contact", "C01"), "date": "2026-03-02", "talk": "0"}])
    assert len(validate_actuals(good.astype(str), problem).visits) == 1
    bad = good.assign(person_id="OB9")
    with pytest.raises(InputError) as info:
        validate_actuals(bad.astype(str), problem)
    assert any(i.row == 2 and i.column == "person_id" for i in info.value.issues)
    wrong = good.assign(target_kind="office", target_id="B01")
    with pytest.raises(InputError):
        validate_actuals(wrong.astype(str), problem)
