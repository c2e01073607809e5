"""Mid-year replanning on the small demo: history kept, few moves, the checker agrees (SEMANTICS "Mid-year
replanning"). Uses hand-made assignments (replan_helpers) so the calendar alone is exercised, in about a second."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from planner.calendar import solve_calendar
from planner.check import check_plan
from planner.demo import generate_demo
from planner.io.read import read_problem
from planner.problem import Problem
from planner.result import Assignment, Calendar
from tests.calendar.replan_helpers import assignment_by_ids, changed_problem, greedy_assignment, pairs_of, plan_of

KEPT_SHARE = 0.90


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Problem, Assignment, Calendar]:
    folder = tmp_path_factory.mktemp("demo")
    generate_demo(folder, size="small", seed=3)
    problem = read_problem(folder, overrides={"solver": {"time_limit": 10.0, "workers": 1}})
    assignment = greedy_assignment(problem)
    return problem, assignment, solve_calendar(problem, assignment)


def _keys(visits: pd.DataFrame) -> set[tuple[str, ...]]:
    return set(map(tuple, visits.astype(str).itertuples(index=False, name=None)))


def test_resolve_with_previous_and_no_change_keeps_every_visit(base: tuple[Problem, Assignment, Calendar]) -> None:
    problem, assignment, calendar = base
    again = solve_calendar(problem, assignment, previous_visits=calendar.visits)
    assert _keys(again.visits) == _keys(calendar.visits)
    assert any(s.details.get("previous_kept") for s in again.stages)


@pytest.mark.parametrize("month", [4, 7])
def test_replan_after_changes_keeps_history_moves_few_and_passes_the_checker(
        base: tuple[Problem, Assignment, Calendar], month: int) -> None:
    problem, assignment, calendar = base
    since = date(problem.rules.year, month, 1)
    changed, overrides, gone = changed_problem(problem, drop_cadres=3, add_households=6, move_community=True, seed=1)
    keep = pairs_of(problem, assignment)
    keep["community"].update(overrides["community"])
    moved_community = next(iter(overrides["community"]))
    new_assignment = assignment_by_ids(changed, keep)
    history = calendar.visits[[d < since for d in calendar.visits["date"]]]
    replanned = solve_calendar(changed, new_assignment, frozen_visits=history, since=since,
                               previous_visits=calendar.visits)
    plan = plan_of(changed, new_assignment, replanned, since.isoformat())
    assert check_plan(changed, plan) == []
    after = _keys(replanned.visits)
    assert _keys(history) <= after                                  # history verbatim, departed cadres included
    assert gone & set(history["person_id"]) and not gone & set(replanned.visits.loc[
        [d >= since for d in replanned.visits["date"]], "person_id"])
    # visits >= since of pairs that survive keep their date
    pairs = _keys(plan.cadre_households) | _keys(plan.unit_communities) | _keys(plan.leader_offices)
    prev = calendar.visits[[d >= since for d in calendar.visits["date"]]]
    survive = prev[[(p, t) in pairs or (a in ("research", "reception") and p not in gone)
                    for p, t, a in zip(prev["person_id"], prev["target_id"], prev["activity"], strict=True)]]
    kept = len(_keys(survive) & after) / len(survive)
    assert kept >= KEPT_SHARE, kept
    # the community moved to another unit: its history from the old unit counts, so no full-year demand
    unit_rows = replanned.visits[(replanned.visits["target_id"] == moved_community)
                                 & (replanned.visits["person_kind"] == "unit")]
    assert len(unit_rows) >= problem.rules.visits.unit_community


def test_checker_without_since_would_flag_the_replan(base: tuple[Problem, Assignment, Calendar]) -> None:
    """The same replan judged as a whole-year plan breaks rules: `since` is what makes it valid."""
    problem, assignment, calendar = base
    since = date(problem.rules.year, 7, 1)
    changed, _, _ = changed_problem(problem, drop_cadres=3, seed=2)
    new_assignment = assignment_by_ids(changed, pairs_of(problem, assignment))
    history = calendar.visits[[d < since for d in calendar.visits["date"]]]
    replanned = solve_calendar(changed, new_assignment, frozen_visits=history, since=since,
                               previous_visits=calendar.visits)
    assert check_plan(changed, plan_of(changed, new_assignment, replanned, since.isoformat())) == []
    rules = {v.rule for v in check_plan(changed, plan_of(changed, new_assignment, replanned))}
    assert "visits.unknown_person" in rules
