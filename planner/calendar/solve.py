"""solve_calendar: the year's visits for everyone, decomposed into small, exact pieces.

Order (each step only reads what the previous ones fixed):
1. workdays and availability (planner.workdays; frozen rows before `since` are kept and tallied);
2. reception roster (CP-SAT, reception.py) — its dates are then blocked for the leaders on duty;
3. leaders' contact/research days under office_daily_cap (leaders.py);
4. units', cadres' and office leaders' days under community_daily_cap (people.py, office_leaders.py) — one board,
   since all count toward the cap;
5. rows: one per visit, households of a cadre's community on its days, talks spread over each household's visits.
Steps 3–4 run the constructive pass with exact CP-SAT repair per component (tasks.py); the result is exact for
every hard rule of SEMANTICS.md "Calendar" or an InfeasibleError naming who and what does not fit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from planner.calendar.days import Horizon, build_horizon, work_year
from planner.calendar.frozen import Frozen, empty_visits, read_frozen
from planner.calendar.improve import Budget
from planner.calendar.leaders import leader_tasks, office_conflict, office_daily_cap
from planner.calendar.office_leaders import office_leader_tasks, pin_office_leaders
from planner.calendar.people import (
    cadre_tasks,
    community_conflict,
    community_daily_cap,
    community_precheck,
    unit_tasks,
)
from planner.calendar.place import Placement, place_all
from planner.calendar.previous import Previous, pin_leaders, pin_units_cadres, read_previous
from planner.calendar.reception import SMALL_MODEL_WORKERS, Roster, reception_days_of, solve_roster
from planner.calendar.tasks import Board, Costs, Task, assign_phases, plan_cost, task_bound
from planner.errors import InfeasibleError
from planner.model import PLAN_COLUMNS
from planner.problem import Problem
from planner.progress import Cancelled, SolveControl
from planner.result import Assignment, Calendar, StageReport, Status

SORT_KEYS = ["date", "person_kind", "person_id", "activity", "target_id"]


def solve_calendar(problem: Problem, assignment: Assignment, control: SolveControl | None = None,
                   frozen_visits: pd.DataFrame | None = None, since: date | None = None,
                   previous_visits: pd.DataFrame | None = None, capped: set[str] | None = None) -> Calendar:
    """Every person's visits for `problem.rules.year`; raises InfeasibleError or planner.progress.Cancelled.

    Mid-year replanning (SEMANTICS "Mid-year replanning"): rows of `frozen_visits` dated before `since` are kept
    verbatim and count (own rows, plus history rows to the same target by persons who no longer link it); targets
    and persons without history get pro-rated minimums; only workdays ≥ since are planned. Spread: periods
    starting on/after `since` are required as usual; one under way at `since` only if it has no counted visit
    before `since` and its rest still has ≥ spread_min_workdays available workdays.

    Fewest changes: `previous_visits` (the previous plan of the same year) are kept on their dates wherever still
    valid (previous.py) and only what is missing is placed. If the kept visits make a stage impossible, that stage
    is solved again without them (recorded in the stage details as previous_kept = 0).

    Catch-up (`capped` a set): minimums a person can no longer fit are met as far as possible instead of raising
    (calendar/shortfall.py); the person's id is added to `capped`.
    """
    year = work_year(problem)
    horizon = build_horizon(problem, year, since)

    def history() -> Frozen:
        return read_frozen(frozen_visits, since, horizon.n, len(horizon.year_days), capped)

    frozen = history()
    prev = read_previous(previous_visits, horizon)
    _check_cancel(control)

    # 2. reception
    leader_ids = [str(x) for x in problem.leaders["leader_id"]]
    leader_avail = np.array([horizon.avail(lid) for lid in leader_ids], dtype=bool).reshape(len(leader_ids), horizon.n)
    roster = solve_roster(problem, horizon, frozen, leader_avail, control, _previous_duties(problem, horizon, prev))
    _check_cancel(control)

    # 3. leaders
    blocked = reception_days_of(roster)
    for lead, days in blocked.items():
        leader_avail[lead, sorted(days)] = False
    l_pinned, l_tasks, _, l_report = _with_fallback(
        lambda p: _leaders_stage(problem, assignment, horizon, history(), leader_avail, p, control), prev)

    # 4. units and cadres on one board (both count toward community_daily_cap)
    pinned, tasks, place, people_reports = _with_fallback(
        lambda p: _people_stage(problem, assignment, horizon, history(), p, control), prev)

    # 5. rows
    visits = _rows(problem, horizon, frozen, roster, [*l_pinned, *l_tasks], [*pinned, *tasks], prev)
    stages = (roster.report, l_report, *people_reports)
    if control is not None:
        control.report("calendar.cadres", f"{len(visits)} visits", place.objective, place.bound, 1, 1)
    return Calendar(visits, stages, year.estimated, year.source)


StageOut = tuple[list[Task], list[Task], Placement, Any]


def _with_fallback(stage: Callable[[Previous | None], StageOut], prev: Previous | None) -> StageOut:
    """Run a stage keeping the previous visits; if that is impossible, run it again from scratch."""
    if prev is None:
        return stage(None)
    try:
        return stage(prev)
    except InfeasibleError:
        return stage(None)


def _previous_duties(problem: Problem, horizon: Horizon, prev: Previous | None) -> frozenset[tuple[int, int, str]]:
    if prev is None:
        return frozenset()
    leaders = {str(x): i for i, x in enumerate(problem.leaders["leader_id"])}
    day_of = {d: i for i, d in enumerate(horizon.days)}
    rows = prev.of("leader", ("reception",))
    return frozenset((day_of[d], leaders[pid], role) for d, pid, role in zip(rows["date"], rows["person_id"],
                                                                            rows["role"], strict=True)
                     if d in day_of and pid in leaders and role in ("A", "B"))


def _leaders_stage(problem: Problem, assignment: Assignment, horizon: Horizon, frozen: Frozen,
                   avail: np.ndarray, prev: Previous | None, control: SolveControl | None) -> StageOut:
    rules = problem.rules
    started = time.monotonic()
    board = Board(horizon.n, max(1, problem.n_leaders), office_daily_cap(problem))
    pinned = pin_leaders(problem, assignment, horizon, prev, frozen, avail, board) if prev is not None else []
    free = avail & ~board.busy[: len(avail)]
    tasks, conflicts = leader_tasks(problem, assignment, horizon, frozen, free)
    if conflicts:
        raise InfeasibleError(conflicts, "calendar.leaders")
    assign_phases(tasks, rules.solver.seed)
    place = place_all(tasks, board, Costs.of(horizon.avoid, rules), seed=rules.solver.seed,
                      workers=SMALL_MODEL_WORKERS, time_limit=rules.solver.time_limit, control=control,
                      stage="calendar.leaders", budget=Budget.of(rules),
                      explain=lambda sub: InfeasibleError([office_conflict(problem, list(sub))], "calendar.leaders"))
    report = _stage("calendar.leaders", place, time.monotonic() - started, **_kept(pinned, prev))
    return pinned, tasks, place, report


def _people_stage(problem: Problem, assignment: Assignment, horizon: Horizon, frozen: Frozen,
                  prev: Previous | None, control: SolveControl | None) -> StageOut:
    rules = problem.rules
    started = time.monotonic()
    offset = problem.n_cadres
    office_offset = offset + problem.n_communities + 1   # office leaders' groups follow the units' groups
    board = Board(horizon.n, office_offset + problem.n_office_leaders, community_daily_cap(problem))
    pinned = pin_units_cadres(problem, assignment, horizon, prev, frozen, board, offset) if prev is not None else []
    if prev is not None:
        pinned += pin_office_leaders(problem, assignment, horizon, prev, frozen, board, office_offset)
    taken = board.busy if prev is not None else None
    c_tasks, conflicts = cadre_tasks(problem, assignment, horizon, frozen, taken)
    u_tasks, more = unit_tasks(problem, assignment, horizon, frozen, group_offset=offset, taken=taken)
    conflicts += more
    o_tasks, more = office_leader_tasks(problem, assignment, horizon, frozen, office_offset, taken)
    conflicts += more
    if not conflicts:
        conflicts = community_precheck(problem, [*u_tasks, *c_tasks, *o_tasks], horizon.n, board.load)
    if conflicts:
        raise InfeasibleError(conflicts, "calendar.cadres")
    tasks: list[Task] = [*u_tasks, *c_tasks, *o_tasks]
    assign_phases(tasks, rules.solver.seed)
    built = time.monotonic() - started
    started = time.monotonic()
    costs = Costs.of(horizon.avoid, rules)
    place = place_all(tasks, board, costs, seed=rules.solver.seed, workers=SMALL_MODEL_WORKERS,
                      time_limit=rules.solver.time_limit, control=control, stage="calendar.cadres",
                      budget=Budget.of(rules),
                      explain=lambda sub: InfeasibleError([community_conflict(problem, list(sub))], "calendar.cadres"))
    seconds = built + time.monotonic() - started
    share = len(u_tasks) / max(1, len(tasks))
    reports = _split_units_cadres(place, tasks, len(u_tasks), costs, seconds, share, n_cadres=len(c_tasks),
                                  **_kept(pinned, prev))
    return pinned, tasks, place, reports


def _kept(pinned: list[Task], prev: Previous | None) -> dict[str, Any]:
    """Stage details: how many previous visit-days were kept (absent when no previous plan was given)."""
    if prev is None:
        return {}
    return {"previous_kept": int(sum(len(t.days) for t in pinned))}


def _check_cancel(control: SolveControl | None) -> None:
    if control is not None and control.cancelled:
        raise Cancelled()


def _stage(name: str, place: Placement, seconds: float, **extra: Any) -> StageReport:
    return StageReport(name, place.status, place.objective, place.bound, seconds, {**place.details, **extra})


def _split_units_cadres(place: Placement, tasks: list[Task], n_units: int, costs: Costs,
                        seconds: float, share: float, n_cadres: int | None = None,
                        **extra: Any) -> tuple[StageReport, ...]:
    """One board solves all; report each family's own cost and bound (their sums are the board's). Families:
    units tasks[:n_units], cadres the next n_cadres (default: the rest), office leaders the rest (a third report,
    calendar.office_leaders, only when there are any; its time is counted with the cadres').

    A component's proven bound lift (CP-SAT bound above the sum of its task bounds) is shared between the two
    families in proportion to their gaps inside that component, so each family's bound stays ≤ its objective
    and the two bounds still sum to the board's proven bound.
    """
    end = len(tasks) if n_cadres is None else n_units + n_cadres
    lifts = [0.0, 0.0, 0.0]
    for comp, lift in place.lifts:
        gaps = [0.0, 0.0, 0.0]
        for i in comp:
            gaps[0 if i < n_units else 1 if i < end else 2] += tasks[i].cost(costs) - task_bound(tasks[i], costs)
        total = sum(gaps)
        for f in range(3):
            lifts[f] += lift * (gaps[f] / total if total > 0 else (0.5 if f < 2 else 0.0))
    out = []
    families = [("calendar.units", tasks[:n_units], share, lifts[0]),
                ("calendar.cadres", tasks[n_units:end], 1 - share, lifts[1])]
    if end < len(tasks):
        families.append(("calendar.office_leaders", tasks[end:], 0.0, lifts[2]))
    for name, family, part, lift in families:
        obj = plan_cost(family, costs)
        bound = min(obj, float(sum(task_bound(t, costs) for t in family)) + lift)
        status = Status.OPTIMAL if obj <= bound + 1e-9 else Status.FEASIBLE
        details = {**place.details, "tasks": len(family), "shared_board": "calendar.units+calendar.cadres", **extra}
        out.append(StageReport(name, status, obj, bound, seconds * part, details))
    return tuple(out)


def _rows(problem: Problem, horizon: Horizon, frozen: Frozen, roster: Roster, l_tasks: list[Task],
          tasks: list[Task], prev: Previous | None) -> pd.DataFrame:
    """One row per visit; a household's talks: the kept previous talk days, then evenly spread over the rest."""
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
    office_leaders = problem.office_leaders["person_id"].astype(str).to_numpy()
    household_days: dict[tuple[int, int], list[int]] = {}
    for t in tasks:
        if t.kind in ("office_contact", "office_research"):
            act = "contact" if t.kind == "office_contact" else "research"
            for d, r in zip(t.days, t.res, strict=True):
                add(days[d], "office_leader", office_leaders[t.person], act, "community", communities[r])
        elif t.kind == "unit":
            for d, r in zip(t.days, t.res, strict=True):
                add(days[d], "unit", units[t.person], "community", "community", communities[r])
        elif t.kind == "cadre_research":
            for d, r in zip(t.days, t.res, strict=True):
                add(days[d], "cadre", cadres[t.person], "research", "community", communities[r])
        else:
            for h in t.payload:
                household_days.setdefault((t.person, h), []).extend(t.days)
    kept_talks = prev.talk_days if prev is not None else set()
    for (g, h), hdays in sorted(household_days.items()):
        gid, hid = cadres[g], households[h]
        hdays = sorted(set(hdays))
        need = frozen.target_minimum(talks_rule, "household", hid) - frozen.pair(gid, "household", hid, (gid,)).talks
        talk_at = {d for d in hdays if (gid, hid, d) in kept_talks}
        rest = [d for d in hdays if d not in talk_at]
        want = min(len(rest), max(0, need - len(talk_at)))
        talk_at |= {rest[int((j + 0.5) * len(rest) / want)] for j in range(want)} if want else set()
        for d in hdays:
            add(days[d], "cadre", gid, "household", "household", hid, "", int(d in talk_at))
    new = pd.DataFrame(cols, columns=list(PLAN_COLUMNS["visits"]))
    parts = [p for p in (frozen.rows, new) if len(p)]
    frame = pd.concat(parts, ignore_index=True) if parts else empty_visits()
    frame = frame.reindex(columns=list(PLAN_COLUMNS["visits"]))
    frame["role"] = frame["role"].fillna("").astype(str)
    frame["talk"] = frame["talk"].fillna(0).astype(int)
    return frame.sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)


__all__ = ["solve_calendar"]
