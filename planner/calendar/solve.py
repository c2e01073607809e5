"""solve_calendar: the year's visits for everyone, decomposed into small, exact pieces.

Order (each step only reads what the previous ones fixed):
1. workdays and availability (planner.workdays; frozen rows before `since` are kept and tallied);
2. reception roster (CP-SAT, reception.py) — its dates are then blocked for the leaders on duty;
3. leaders' contact/research days under office_daily_cap (leaders.py);
4. units' and cadres' days under community_daily_cap (people.py) — one board, since both count toward the cap;
5. rows: one per visit, households of a cadre's community on its days, talks spread over each household's visits.
Steps 3–4 run the constructive pass with exact CP-SAT repair per component (tasks.py); the result is exact for
every hard rule of SEMANTICS.md "Calendar" or an InfeasibleError naming who and what does not fit.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from planner.calendar.days import Horizon, build_horizon, work_year
from planner.calendar.frozen import Frozen, empty_visits, read_frozen
from planner.calendar.leaders import leader_tasks, office_conflict
from planner.calendar.people import cadre_tasks, community_conflict, community_precheck, unit_tasks
from planner.calendar.reception import SMALL_MODEL_WORKERS, Roster, reception_days_of, solve_roster
from planner.calendar.tasks import Board, Placement, Task, assign_phases, place_all
from planner.errors import InfeasibleError
from planner.model import PLAN_COLUMNS
from planner.problem import Problem
from planner.progress import Cancelled, SolveControl
from planner.result import Assignment, Calendar, StageReport, Status

SORT_KEYS = ["date", "person_kind", "person_id", "activity", "target_id"]


def solve_calendar(problem: Problem, assignment: Assignment, control: SolveControl | None = None,
                   frozen_visits: pd.DataFrame | None = None, since: date | None = None) -> Calendar:
    """Every person's visits for `problem.rules.year`; raises InfeasibleError or planner.progress.Cancelled.

    Mid-year replanning: rows of `frozen_visits` dated before `since` are kept unchanged and count toward every
    minimum (counts, distinct days, talks, 三走遍, grassroots days, reception weeks, A turns and fairness); only
    workdays ≥ since are planned. Spread: periods starting on/after `since` are required as usual; a period
    that started before `since` is required only if it has no frozen visit and its remaining part still has
    ≥ spread_min_workdays available workdays for the person (pro rata); earlier periods are history.
    """
    rules = problem.rules
    year = work_year(problem)
    horizon = build_horizon(problem, year, since)
    frozen = read_frozen(frozen_visits, since)
    _check_cancel(control)

    # 2. reception
    leader_ids = [str(x) for x in problem.leaders["leader_id"]]
    leader_avail = np.array([horizon.avail(lid) for lid in leader_ids], dtype=bool).reshape(len(leader_ids), horizon.n)
    roster = solve_roster(problem, horizon, frozen, leader_avail, control)
    _check_cancel(control)

    # 3. leaders
    started = time.monotonic()
    blocked = reception_days_of(roster)
    for lead, days in blocked.items():
        leader_avail[lead, sorted(days)] = False
    l_tasks, conflicts = leader_tasks(problem, assignment, horizon, frozen, leader_avail)
    if conflicts:
        raise InfeasibleError(conflicts, "calendar.leaders")
    l_board = Board(horizon.n, max(1, problem.n_leaders), np.full(problem.n_offices, rules.visits.office_daily_cap))
    assign_phases(l_tasks, rules.solver.seed)
    l_place = place_all(l_tasks, l_board, horizon.avoid, seed=rules.solver.seed, workers=SMALL_MODEL_WORKERS,
                        time_limit=rules.solver.time_limit, control=control, stage="calendar.leaders",
                        explain=lambda sub: InfeasibleError([office_conflict(problem, list(sub))], "calendar.leaders"))
    l_report = _stage("calendar.leaders", l_place, time.monotonic() - started)

    # 4. units and cadres on one board (both count toward community_daily_cap)
    started = time.monotonic()
    c_tasks, conflicts = cadre_tasks(problem, assignment, horizon, frozen)
    u_tasks, more = unit_tasks(problem, assignment, horizon, frozen, group_offset=problem.n_cadres)
    conflicts += more
    if not conflicts:
        conflicts = community_precheck(problem, [*u_tasks, *c_tasks], horizon.n)
    if conflicts:
        raise InfeasibleError(conflicts, "calendar.cadres")
    tasks: list[Task] = [*u_tasks, *c_tasks]
    board = Board(horizon.n, problem.n_cadres + len(u_tasks) + 1,
                  np.full(problem.n_communities, rules.visits.community_daily_cap))
    assign_phases(tasks, rules.solver.seed)
    built = time.monotonic() - started
    started = time.monotonic()
    place = place_all(tasks, board, horizon.avoid, seed=rules.solver.seed, workers=SMALL_MODEL_WORKERS,
                      time_limit=rules.solver.time_limit, control=control, stage="calendar.cadres",
                      explain=lambda sub: InfeasibleError([community_conflict(problem, list(sub))], "calendar.cadres"))
    seconds = built + time.monotonic() - started
    share = len(u_tasks) / max(1, len(tasks))
    u_report, c_report = _split_units_cadres(place, u_tasks, c_tasks, horizon, seconds, share)

    # 5. rows
    visits = _rows(problem, horizon, frozen, roster, l_tasks, tasks)
    stages = (roster.report, l_report, u_report, c_report)
    if control is not None:
        control.report("calendar.cadres", f"{len(visits)} visits", place.objective, place.bound, 1, 1)
    return Calendar(visits, stages, year.estimated, year.source)


def _check_cancel(control: SolveControl | None) -> None:
    if control is not None and control.cancelled:
        raise Cancelled()


def _stage(name: str, place: Placement, seconds: float, **extra: Any) -> StageReport:
    return StageReport(name, place.status, place.objective, place.bound, seconds, {**place.details, **extra})


def _split_units_cadres(place: Placement, u_tasks: list[Task], c_tasks: list[Task], horizon: Horizon,
                        seconds: float, share: float) -> tuple[StageReport, StageReport]:
    """One board solves both; report each family's own cost and bound (their sums are the board's)."""
    from planner.calendar.tasks import plan_cost, task_bound

    out = []
    for name, family, part in (("calendar.units", u_tasks, share), ("calendar.cadres", c_tasks, 1 - share)):
        obj = plan_cost(family, horizon.avoid)
        bound = float(sum(task_bound(t, horizon.avoid) for t in family))
        status = Status.OPTIMAL if obj <= bound + 1e-9 else Status.FEASIBLE
        details = {"tasks": len(family), "greedy_failed": place.failed, "exact_components": place.components,
                   "shared_board": "calendar.units+calendar.cadres"}
        out.append(StageReport(name, status, obj, bound, seconds * part, details))
    return out[0], out[1]


def _rows(problem: Problem, horizon: Horizon, frozen: Frozen, roster: Roster, l_tasks: list[Task],
          tasks: list[Task]) -> pd.DataFrame:
    days = horizon.days
    offices = problem.offices["office_id"].astype(str).to_numpy()
    communities = problem.communities["community_id"].astype(str).to_numpy()
    households = problem.households["household_id"].astype(str).to_numpy()
    leaders = problem.leaders["leader_id"].astype(str).to_numpy()
    units = problem.units["unit_id"].astype(str).to_numpy()
    cadres = problem.cadres["cadre_id"].astype(str).to_numpy()
    talks_rule = problem.rules.visits.talks_per_household
    cols: dict[str, list[Any]] = {c: [] for c in PLAN_COLUMNS["visits"]}

    def add(d: date, kind: str, pid: str, act: str, tkind: str, tid: str, role: str = "", talk: int = 0) -> None:
        for col, value in zip(PLAN_COLUMNS["visits"], (d, kind, pid, act, tkind, tid, role, talk), strict=True):
            cols[col].append(value)

    for d, lead, role in roster.duties:
        add(days[d], "leader", leaders[lead], "reception", "district", "district", role)
    for t in l_tasks:
        act = "contact" if t.kind == "leader_contact" else "research"
        for d, r in zip(t.days, t.res, strict=True):
            add(days[d], "leader", leaders[t.person], act, "office", offices[r])
    for t in tasks:
        if t.kind == "unit":
            for d, r in zip(t.days, t.res, strict=True):
                add(days[d], "unit", units[t.person], "community", "community", communities[r])
        elif t.kind == "cadre_research":
            for d, r in zip(t.days, t.res, strict=True):
                add(days[d], "cadre", cadres[t.person], "research", "community", communities[r])
        else:
            gid = cadres[t.person]
            n = len(t.days)
            for h in t.payload:
                hid = households[h]
                want = min(n, max(0, talks_rule - frozen.talks[(gid, hid)]))
                talk_at = {int((j + 0.5) * n / want) for j in range(want)} if want else set()
                for j, d in enumerate(t.days):
                    add(days[d], "cadre", gid, "household", "household", hid, "", int(j in talk_at))
    new = pd.DataFrame(cols, columns=list(PLAN_COLUMNS["visits"]))
    parts = [p for p in (frozen.rows, new) if len(p)]
    frame = pd.concat(parts, ignore_index=True) if parts else empty_visits()
    frame = frame.reindex(columns=list(PLAN_COLUMNS["visits"]))
    frame["role"] = frame["role"].fillna("").astype(str)
    frame["talk"] = frame["talk"].fillna(0).astype(int)
    return frame.sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)


__all__ = ["solve_calendar"]
