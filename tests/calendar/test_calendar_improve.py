"""Soft quality of the calendar: the spacing objective, its bound, and the improvement phase (improve.py).

A hand-checkable case (one party, one community, 12 visits in 2026) has a known optimum: one visit a month near
the middle of the month, never on an avoided day; random small boards check that the improvement phase keeps
every hard rule of a task (k distinct available days, one per group and day, caps, required periods).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from planner.calendar import solve_calendar
from planner.calendar.days import avoided_days
from planner.calendar.improve import Budget, improve_local
from planner.calendar.place import place_all
from planner.calendar.tasks import Board, Costs, Task, assign_phases, plan_cost, task_bound, task_cost
from planner.check import check_plan
from planner.plan import Plan
from planner.rules import Rules
from planner.workdays import work_calendar
from tests.calendar.checked import check_visits
from tests.calendar.test_calendar_solve import FAST, tiny_assignment
from tests.fixtures import TINY_YEAR, tiny_problem

YEAR = 2026
RULES = Rules().replace(year=YEAR)


def _year() -> tuple[tuple[date, ...], np.ndarray, date]:
    cal = work_calendar(YEAR, None)
    days = tuple(cal.days)
    c = RULES.calendar
    avoid = avoided_days(days, c.avoid_month_end_days, cal.spring_festival, c.avoid_after_spring_festival_days)
    return days, avoid, cal.spring_festival


def _monthly_task(days: tuple[date, ...], k: int = 12) -> Task:
    periods = [np.array([i for i, d in enumerate(days) if d.month == m]) for m in range(1, 13)]
    return Task("unit", 0, 0, (0,), k, periods, np.ones(len(days), dtype=bool))


def test_avoided_days_are_month_ends_and_the_first_workdays_after_spring_festival() -> None:
    days, avoid, festival = _year()
    assert festival == date(2026, 2, 17)
    marked = {d for d, a in zip(days, avoid, strict=True) if a}
    after = [d for d in days if d > festival][: RULES.calendar.avoid_after_spring_festival_days]
    assert set(after) <= marked and after[0] == date(2026, 2, 24)
    for m in range(1, 13):
        month = [d for d in days if d.month == m]
        assert set(month[-RULES.calendar.avoid_month_end_days:]) <= marked
        assert month[0] not in marked
    assert len(marked) <= 12 * RULES.calendar.avoid_month_end_days + len(after)


def test_twelve_visits_a_year_land_mid_month_and_off_avoided_days() -> None:
    days, avoid, _ = _year()
    costs = Costs.of(avoid, RULES)
    task = _monthly_task(days)
    board = Board(len(days), 1, np.array([1]))
    place = place_all([task], board, costs, seed=0, workers=1, time_limit=5.0, budget=Budget.of(RULES))
    chosen = [days[d] for d in task.days]
    assert [d.month for d in chosen] == list(range(1, 13))          # one per month
    assert not avoid[task.days].any()                                # never on an avoided day
    # with phase 0.5 the targets sit mid-month: days 9..23 of each month (February: before 春节)
    assert all(8 <= d.day <= 23 for d in chosen), chosen
    # nothing competes, so the plan reaches its bound: proven optimal
    assert place.objective == pytest.approx(task_bound(task, costs))
    assert place.status.value == "optimal"


def test_spacing_cost_counts_bunching() -> None:
    """Earth mover's distance: two visits on one target leave the other target far away; a nearest-target cost
    would not see it."""
    days = _year()[0]
    costs = Costs(np.zeros(len(days), dtype=bool), 10, 1, 0.0)
    task = Task("unit", 0, 0, (0,), 2, [], np.ones(len(days), dtype=bool))
    t0, t1 = (int(x) for x in task.targets())
    assert task_cost(task, [t0, t1], costs) == 0
    assert task_cost(task, [t0, t0 + 1], costs) == abs(t1 - t0 - 1)
    assert task_bound(task, costs) == 0


def _random_board(seed: int) -> tuple[list[Task], Board, Costs]:
    rng = np.random.default_rng(seed)
    n_days, n_res, n_groups = 60, 3, 6
    avoid = rng.random(n_days) < 0.15
    tasks = []
    for j in range(10):
        avail = rng.random(n_days) < 0.8
        k = int(rng.integers(2, 6))
        cut = np.array_split(np.flatnonzero(avail), 2)
        options = tuple(sorted({int(rng.integers(n_res)), int(rng.integers(n_res))}))
        tasks.append(Task("household", j, int(rng.integers(n_groups)), options, k, list(cut), avail))
    assign_phases(tasks, seed)
    return tasks, Board(n_days, n_groups, np.full(n_res, 2)), Costs(avoid, 10, 1, 0.25)


def _hard_rules_hold(tasks: list[Task], board: Board) -> None:
    load = np.zeros_like(board.load)
    busy: set[tuple[int, int]] = set()
    for t in tasks:
        assert len(t.days) == len(set(t.days)) >= t.k
        assert all(t.avail[d] for d in t.days)
        assert all(r in t.options for r in t.res)
        for p in t.periods:
            assert set(t.days) & set(p.tolist())
        for d, r in zip(t.days, t.res, strict=True):
            assert (t.group, d) not in busy
            busy.add((t.group, d))
            load[r, d] += 1
    assert (load <= board.caps[:, None]).all()
    assert (load == board.load).all()


@pytest.mark.parametrize("seed", range(6))
def test_improvement_keeps_every_hard_rule_and_never_worsens(seed: int) -> None:
    tasks, board, costs = _random_board(seed)
    place = place_all(tasks, board, costs, seed=0, workers=1, time_limit=5.0)
    before = plan_cost(tasks, costs)
    assert place.objective == pytest.approx(before)
    improve_local(tasks, board, costs, passes=10)
    _hard_rules_hold(tasks, board)
    after = plan_cost(tasks, costs)
    assert after <= before
    assert after >= sum(task_bound(t, costs) for t in tasks) - 1e-9


@pytest.mark.parametrize("seed", range(3))
def test_exact_improvement_keeps_every_hard_rule_and_lifts_the_bound(seed: int) -> None:
    tasks, board, costs = _random_board(seed)
    budget = Budget(passes=3, exact_vars=10**6, exact_time=5.0)
    place = place_all(tasks, board, costs, seed=0, workers=1, time_limit=5.0, budget=budget)
    _hard_rules_hold(tasks, board)
    assert place.bound <= place.objective + 1e-9
    assert place.bound >= sum(task_bound(t, costs) for t in tasks) - 1e-9
    assert place.objective <= place.details["local_objective"] + 1e-9 <= place.details["constructive_objective"] + 1e-9


EXACT = {**FAST, "calendar": {"improve_time_share": 0.2}}


@pytest.fixture(scope="module")
def improved() -> pd.DataFrame:
    return solve_calendar(tiny_problem(**EXACT), tiny_assignment()).visits


def test_improved_tiny_plan_passes_verifier_and_checker(improved: pd.DataFrame) -> None:
    problem, assignment = tiny_problem(**EXACT), tiny_assignment()
    assert check_visits(problem, assignment, improved) == []
    assert check_plan(problem, Plan(visits=improved, **assignment.frames(problem))) == []


def test_improvement_lowers_the_objective_and_reaches_the_bound_on_tiny() -> None:
    plain = solve_calendar(tiny_problem(**FAST, calendar={"improve_passes": 0}), tiny_assignment())
    better = solve_calendar(tiny_problem(**EXACT), tiny_assignment())
    for a, b in zip(plain.stages, better.stages, strict=True):
        assert b.objective <= a.objective
        assert b.bound <= b.objective + 1e-9
    assert sum(s.objective for s in better.stages) < sum(s.objective for s in plain.stages)
    people = [s for s in better.stages if s.name in ("calendar.leaders", "calendar.units", "calendar.cadres")]
    assert all(s.objective == pytest.approx(s.bound) for s in people)   # proven optimal on the tiny district


def test_improved_plan_is_deterministic(improved: pd.DataFrame) -> None:
    again = solve_calendar(tiny_problem(**EXACT), tiny_assignment()).visits
    pd.testing.assert_frame_equal(improved, again)
    assert TINY_YEAR == YEAR
