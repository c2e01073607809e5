"""District reception roster (信访接待): which workday of each week, and who is A and who is B on it.

Dates are chosen constructively (the preferred weekday, else the nearest workday of that ISO week on which at
least two leaders are available); roles are one small CP-SAT model over reception dates × leaders:
- exactly one A and one B per date, different leaders, only available leaders (rule 6);
- secretary and head: ≥ main_leader_a_per_month A dates in each month required for them that has a reception
  date they can attend (frozen A dates before `since` count);
- A counts among standing/other leaders differ by ≤ fairness_max_diff (frozen counts included);
- soft, in this order: the previous plan's duties are kept (fewest changes); the secretary and the head are A no
  more often than their monthly day (the policy gives them one reception day a month by 重点约访 and has the
  other leaders 轮流参加 the weekly reception — so the remaining A roles rotate among the others); B duties rotate
  fairly — minimise (max B − min B) over all leaders.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.calendar.days import Horizon, iso_weeks
from planner.calendar.frozen import Frozen
from planner.errors import Conflict, InfeasibleError
from planner.problem import Problem
from planner.progress import SolveControl
from planner.result import StageReport, Status, status_from_cpsat

STAGE = "calendar.reception"
MAIN_TIERS = ("secretary", "head")
SMALL_MODEL_WORKERS = 1
Roles = dict[tuple[int, int], Any]  # (date row, leader) -> CP-SAT boolean


@dataclass(frozen=True)
class Roster:
    """Reception duties on planned day indices: (day, leader index, role)."""

    duties: tuple[tuple[int, int, str], ...]
    report: StageReport


def reception_dates(problem: Problem, horizon: Horizon, frozen: Frozen, avail: np.ndarray,
                    previous: frozenset[int] = frozenset()) -> list[int]:
    """Planned reception day indices: per ISO week, the missing number of dates — the previous plan's reception
    dates first (fewest changes), then the workdays nearest the preferred weekday. A week under way at `since`
    needs at most as many dates as it has planned workdays."""
    rules = problem.rules.reception
    year_weeks: dict[tuple[int, int], int] = {}
    for d in horizon.year_days:
        key = d.isocalendar()[:2]
        year_weeks[key] = year_weeks.get(key, 0) + 1
    frozen_weeks: dict[tuple[int, int], int] = {}
    for d in frozen.reception_dates:
        frozen_weeks[d.isocalendar()[:2]] = frozen_weeks.get(d.isocalendar()[:2], 0) + 1
    able = avail.sum(axis=0) >= 2 if len(avail) else np.zeros(horizon.n, dtype=bool)
    chosen: list[int] = []
    conflicts: list[Conflict] = []
    for week in iso_weeks(horizon.days):
        key = horizon.days[week[0]].isocalendar()[:2]
        need = min(rules.per_week, year_weeks[key], frozen_weeks.get(key, 0) + len(week)) - frozen_weeks.get(key, 0)
        if need <= 0:
            continue
        order = sorted(week, key=lambda i: (i not in previous, abs(horizon.days[i].isoweekday() - rules.weekday),
                                            horizon.days[i]))
        picks = [i for i in order if able[i]][:need]
        if len(picks) < need:
            first = horizon.days[week[0]]
            conflicts.append(Conflict(
                "reception",
                f"{first:%Y-%m-%d} 所在周需要 {need} 个信访接待日，但该周只有 {len(picks)} 个工作日有至少两名区级领导可以到岗（A、B 角）",
                f"the week of {first:%Y-%m-%d} needs {need} reception day(s) but only {len(picks)} workday(s) have "
                f"two leaders available (roles A and B)",
                (f"{first:%Y-%m-%d}",),
                "减少该周领导的不可安排时间，或调整 reception.per_week", "free a leader that week or lower reception.per_week"))
        chosen.extend(picks)
    if conflicts:
        raise InfeasibleError(conflicts, STAGE)
    return sorted(chosen)


def solve_roster(problem: Problem, horizon: Horizon, frozen: Frozen, avail: np.ndarray,
                 control: SolveControl | None = None,
                 previous: frozenset[tuple[int, int, str]] = frozenset()) -> Roster:
    """avail: leaders × planned days availability; previous: the previous plan's duties (day, leader, role) in the
    horizon, kept wherever the rules allow (weighted above B fairness). Raises InfeasibleError when impossible.

    A fairness among standing/other leaders counts the planned duties only (SEMANTICS "Mid-year replanning" 5);
    the soft B rotation includes history so that people who served before `since` are not asked again first."""
    started = time.monotonic()
    dates = reception_dates(problem, horizon, frozen, avail, frozenset(d for d, _, _ in previous))
    if not dates:
        return Roster((), StageReport(STAGE, Status.OPTIMAL, 0.0, 0.0, time.monotonic() - started, {"dates": 0}))
    _precheck_main_leaders(problem, horizon, frozen, avail, dates)
    roster = _RosterData(problem, horizon, frozen, avail, dates, previous)

    # The secretary and the head take their monthly reception day(s) as A and no more (policy: 每月安排一天; the
    # other leaders 轮流参加): fix those days first — a constructive choice is instant, whereas asking CP-SAT to
    # minimise their A count over the year made the district roster time out. Without a fixed choice (or if it
    # leaves the rest infeasible) the roster is solved with the monthly minimum only.
    fixed = _main_a_days(problem, horizon, frozen, avail, dates, previous)
    code, solver, built = _solve_roles(roster, fixed, control)
    if fixed is not None and status_from_cpsat(code) not in (Status.OPTIMAL, Status.FEASIBLE):
        code, solver, built = _solve_roles(roster, None, control)
    status = status_from_cpsat(code)
    if status not in (Status.OPTIMAL, Status.FEASIBLE):
        if control and control.cancelled:
            from planner.progress import Cancelled

            raise Cancelled()
        raise InfeasibleError([_roster_conflict(problem, roster.others, len(dates), status)], STAGE)
    duties = [(dates[r], lead, role) for role, roles in (("A", built.a), ("B", built.b))
              for (r, lead), v in roles.items() if solver.boolean_value(v)]
    objective = float(solver.objective_value) if built.terms else 0.0
    bound = float(solver.best_objective_bound) if built.terms else 0.0
    report = StageReport(STAGE, status, objective, bound, time.monotonic() - started,
                         {"dates": len(dates), "booleans": 2 * len(built.a)})
    if control:
        control.report(STAGE, f"{len(dates)} reception days", objective, bound, 1, 1)
    return Roster(tuple(sorted(duties)), report)


@dataclass
class _RosterData:
    """What the roles model reads: the reception dates (day indices) and the leaders."""

    problem: Problem
    horizon: Horizon
    frozen: Frozen
    avail: np.ndarray
    dates: list[int]
    previous: frozenset[tuple[int, int, str]]

    def __post_init__(self) -> None:
        leaders = self.problem.leaders
        self.n_leaders = len(leaders)
        self.ids = [str(x) for x in leaders["leader_id"]]
        self.tiers = [str(x) for x in leaders["tier"]]
        self.others = [lead for lead in range(self.n_leaders) if self.tiers[lead] not in MAIN_TIERS]
        self.horizon_max = len(self.dates) + len(self.frozen.reception_dates)


@dataclass
class _RolesModel:
    """The CP-SAT model of the roles: a[r, leader], b[r, leader] per reception date row, and the objective terms."""

    model: Any
    a: Roles
    b: Roles
    terms: list[Any]


def _solve_roles(roster: _RosterData, fixed_main: dict[tuple[int, int], bool] | None,
                 control: SolveControl | None) -> tuple[Any, Any, _RolesModel]:
    """Build the roles model — variables, then one constraint function per rule in a fixed order, then the
    objective — and solve it on one worker."""
    from ortools.sat.python import cp_model

    built = _RolesModel(cp_model.CpModel(), {}, {}, [])
    reception_roles(built, roster)
    main_leader_monthly_a(built, roster)
    a_count, b_count = _role_counts(built, roster)
    reception_fairness(built, roster, a_count)
    b_rotation(built, roster, b_count)
    _fix_main_a_days(built, fixed_main)
    _keep_previous_duties(built, roster)
    if built.terms:
        built.model.minimize(sum(built.terms))
    rules = roster.problem.rules
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = rules.solver.seed
    # a few thousand booleans: one worker is deterministic and, on a shared 2-core machine, several times faster
    # than rules.solver.workers interleaved workers (measured: 1.7 s vs 11 s on the district roster)
    solver.parameters.num_workers = SMALL_MODEL_WORKERS
    solver.parameters.max_deterministic_time = rules.solver.time_limit
    if control:
        control.register(solver)
    try:
        code = solver.solve(built.model)
    finally:
        if control:
            control.unregister(solver)
    return code, solver, built


def reception_roles(built: _RolesModel, roster: _RosterData) -> None:
    """Rule 6: exactly one A and one B per date, different leaders, only available leaders."""
    model, a, b = built.model, built.a, built.b
    for r, d in enumerate(roster.dates):
        for lead in range(roster.n_leaders):
            if roster.avail[lead, d]:
                a[r, lead] = model.new_bool_var("")
                b[r, lead] = model.new_bool_var("")
                model.add(a[r, lead] + b[r, lead] <= 1)
        model.add_exactly_one(a[r, lead] for lead in range(roster.n_leaders) if (r, lead) in a)
        model.add_exactly_one(b[r, lead] for lead in range(roster.n_leaders) if (r, lead) in b)


def main_leader_monthly_a(built: _RolesModel, roster: _RosterData) -> None:
    """Secretary and head: ≥ main_leader_a_per_month A dates in each required month they can attend (frozen A
    dates before `since` count)."""
    need = roster.problem.rules.reception.main_leader_a_per_month
    for lead in range(roster.n_leaders):
        if roster.tiers[lead] not in MAIN_TIERS:
            continue
        lead_id = roster.ids[lead]
        for month, month_dates in _main_months(roster.problem, roster.horizon, lead_id, roster.avail[lead],
                                               roster.dates):
            done = sum(1 for d in roster.frozen.a_dates.get(lead_id, ()) if d.month == month)
            if need - done > 0:
                built.model.add(sum(built.a[r, lead] for r in month_dates) >= need - done)


def _role_counts(built: _RolesModel, roster: _RosterData) -> tuple[list[Any], list[Any]]:
    """Planned A per leader; B per leader including history."""
    n_dates = len(roster.dates)
    a_count = [sum(built.a[r, lead] for r in range(n_dates) if (r, lead) in built.a)
               for lead in range(roster.n_leaders)]
    b_count = [sum(built.b[r, lead] for r in range(n_dates) if (r, lead) in built.b)
               + roster.frozen.role_count[(roster.ids[lead], "B")] for lead in range(roster.n_leaders)]
    return a_count, b_count


def reception_fairness(built: _RolesModel, roster: _RosterData, a_count: list[Any]) -> None:
    """A counts among standing/other leaders differ by ≤ fairness_max_diff (hard)."""
    if len(roster.others) <= 1:
        return
    model = built.model
    hi = model.new_int_var(0, roster.horizon_max, "a_hi")
    lo = model.new_int_var(0, roster.horizon_max, "a_lo")
    for lead in roster.others:
        model.add(a_count[lead] <= hi)
        model.add(a_count[lead] >= lo)
    model.add(hi - lo <= roster.problem.rules.reception.fairness_max_diff)


def b_rotation(built: _RolesModel, roster: _RosterData, b_count: list[Any]) -> None:
    """Soft: B duties rotate fairly — the objective term max B − min B over all leaders (history included)."""
    if roster.n_leaders <= 1:
        return
    model = built.model
    b_hi = model.new_int_var(0, roster.horizon_max, "b_hi")
    b_lo = model.new_int_var(0, roster.horizon_max, "b_lo")
    for lead in range(roster.n_leaders):
        model.add(b_count[lead] <= b_hi)
        model.add(b_count[lead] >= b_lo)
    b_total = len(roster.dates) + sum(roster.frozen.role_count[(i, "B")] for i in roster.ids)
    model.add(roster.n_leaders * b_hi >= b_total)
    model.add(roster.n_leaders * b_lo <= b_total)
    built.terms.append(b_hi - b_lo)


def _fix_main_a_days(built: _RolesModel, fixed_main: dict[tuple[int, int], bool] | None) -> None:
    for (r, lead), value in (fixed_main or {}).items():
        if (r, lead) in built.a:
            built.model.add(built.a[r, lead] == int(value))


def _keep_previous_duties(built: _RolesModel, roster: _RosterData) -> None:
    """Soft, above B fairness: each previous duty not kept costs more than any B-fairness difference."""
    weight = roster.horizon_max + 1  # one unit of a higher-priority term outweighs any B-fairness difference
    row_of = {d: r for r, d in enumerate(roster.dates)}
    kept = [(built.a if role == "A" else built.b)[row_of[d], lead] for d, lead, role in sorted(roster.previous)
            if d in row_of and (row_of[d], lead) in built.a]
    if kept:
        built.terms[:] = [weight * (roster.horizon_max + 1) * (len(kept) - sum(kept)), *built.terms]


def _main_a_days(problem: Problem, horizon: Horizon, frozen: Frozen, avail: np.ndarray, dates: list[int],
                 previous: frozenset[tuple[int, int, str]]) -> dict[tuple[int, int], bool] | None:
    """Each main leader's A rows: per required month the missing number of dates — their previous A dates first,
    then dates free of the other main leader, the i-th main leader aiming at the i-th part of the month so that the
    two do not crowd one week. Every other row of a main leader is fixed to "not A". None when impossible."""
    need = problem.rules.reception.main_leader_a_per_month
    ids = [str(x) for x in problem.leaders["leader_id"]]
    main = [lead for lead, tier in enumerate(problem.leaders["tier"]) if str(tier) in MAIN_TIERS]
    if not main or len(main) == len(ids):
        return None
    prev_a = {(d, lead) for d, lead, role in previous if role == "A"}
    taken: set[int] = set()
    fixed: dict[tuple[int, int], bool] = {}
    for i, lead in enumerate(main):
        chosen: set[int] = set()
        for month, rows in _main_months(problem, horizon, ids[lead], avail[lead], dates):
            k = need - sum(1 for d in frozen.a_dates.get(ids[lead], ()) if d.month == month)
            if k <= 0:
                continue
            target = (i + 0.5) / len(main) * len(rows)
            order = {r: (((dates[r], lead) not in prev_a), r in taken, abs(pos + 0.5 - target), r)
                     for pos, r in enumerate(rows)}
            ranked = sorted(rows, key=order.__getitem__)
            pick = [r for r in ranked if r not in taken][:k]
            if len(pick) < k:
                return None
            chosen.update(pick)
            taken.update(pick)
        for r in range(len(dates)):
            fixed[r, lead] = r in chosen
    return fixed


def _main_months(problem: Problem, horizon: Horizon, leader_id: str, avail: np.ndarray,
                 dates: list[int]) -> list[tuple[int, list[int]]]:
    """Months required for this leader that hold ≥1 planned reception date they can attend: (month, date rows)."""
    out = []
    for key, _days in horizon.required_periods(leader_id, 1):
        rows = [r for r, d in enumerate(dates) if horizon.days[d].month == key + 1 and avail[d]]
        if rows:
            out.append((key + 1, rows))
    return out


def _precheck_main_leaders(problem: Problem, horizon: Horizon, frozen: Frozen, avail: np.ndarray,
                           dates: list[int]) -> None:
    """A month cannot give the secretary and the head more A turns than it has reception dates they attend."""
    need = problem.rules.reception.main_leader_a_per_month
    ids = [str(x) for x in problem.leaders["leader_id"]]
    per_month: dict[int, list[tuple[str, int, set[int]]]] = {}
    conflicts: list[Conflict] = []
    for lead, tier in enumerate(problem.leaders["tier"]):
        if str(tier) not in MAIN_TIERS:
            continue
        for month, rows in _main_months(problem, horizon, ids[lead], avail[lead], dates):
            done = sum(1 for d in frozen.a_dates.get(ids[lead], ()) if d.month == month)
            if need - done > len(rows):
                conflicts.append(Conflict(
                    "reception",
                    f"区级领导 {ids[lead]} 在 {month} 月需任 {need - done} 次信访接待 A 角，但当月只有 {len(rows)} 个可到岗的接待日",
                    f"leader {ids[lead]} must be A on {need - done} reception day(s) in month {month} but can attend "
                    f"only {len(rows)}", (ids[lead],),
                    "调整该领导当月的不可安排时间", "shorten the leader's unavailability that month"))
            per_month.setdefault(month, []).append((ids[lead], need - done, set(rows)))
    for month, items in sorted(per_month.items()):
        union = set().union(*(rows for _, _, rows in items))
        total = sum(max(0, k) for _, k, _ in items)
        if total > len(union):
            who = "、".join(i for i, _, _ in items)
            conflicts.append(Conflict(
                "reception",
                f"{month} 月书记、区长（{who}）共需 {total} 次 A 角，但他们可到岗的接待日只有 {len(union)} 个",
                f"in month {month} the secretary and head ({who}) need {total} A turns but only {len(union)} "
                f"reception days are open to them", tuple(i for i, _, _ in items),
                "增加 reception.per_week 或调整不可安排时间", "raise reception.per_week or change unavailability"))
    if conflicts:
        raise InfeasibleError(conflicts, STAGE)


def _roster_conflict(problem: Problem, others: list[int], n_dates: int, status: Status) -> Conflict:
    fair = problem.rules.reception.fairness_max_diff
    if status == Status.INFEASIBLE:
        return Conflict(
            "reception",
            f"信访接待排班无法同时满足：{n_dates} 个接待日各需一名 A 角、一名 B 角，书记和区长每月任 A 角，"
            f"其余 {len(others)} 名领导 A 角次数相差不超过 {fair}，且只能安排在各自可到岗的日子",
            f"the reception roster cannot hold: {n_dates} days each need an A and a B leader, the secretary and "
            f"head must be A every month, the other {len(others)} leaders' A counts may differ by at most {fair}, "
            f"all on days the leaders are available",
            (), "放宽 reception.fairness_max_diff 或减少领导的不可安排时间",
            "raise reception.fairness_max_diff or reduce leaders' unavailability")
    return Conflict("reception", "信访接待排班在时间限制内未找到方案", "no reception roster found within the time limit",
                    (), "增加 solver.time_limit", "raise solver.time_limit")


def reception_days_of(roster: Roster) -> dict[int, set[int]]:
    """leader index -> planned day indices with reception duty (blocked for other activities)."""
    out: dict[int, set[int]] = {}
    for d, lead, _ in roster.duties:
        out.setdefault(lead, set()).add(d)
    return out
