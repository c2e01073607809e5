"""Fewest changes (SEMANTICS "Mid-year replanning" 6): keep the previous plan's visits wherever still valid.

Every previous visit dated in the planned horizon (≥ since) of a pair that still exists is *pinned* on the same
date when it is still valid there: the person is available, the group (leader / cadre / unit-community pair) is
free that day and the resource (office / community) is under its daily cap. Pinned visits are committed to the
board before anything else is placed and are added to the tallies (`Frozen.add`) as the person's own rows, so the
task builders only ask for what is still missing. Rows are pinned in a fixed order (date, kind, person, target),
so the result is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from planner.calendar.days import Horizon
from planner.calendar.frozen import Frozen, normalize_visits
from planner.calendar.tasks import Board, Task
from planner.problem import Problem
from planner.result import Assignment


@dataclass
class Previous:
    """The previous plan's visits inside the horizon, normalized; and what was kept of them."""

    rows: pd.DataFrame
    talk_days: set[tuple[str, str, int]] = field(default_factory=set)   # kept (cadre, household, day) with talk

    def of(self, kind: str, activities: tuple[str, ...]) -> pd.DataFrame:
        sel = (self.rows["person_kind"] == kind) & self.rows["activity"].isin(activities)
        return self.rows.loc[sel]


def read_previous(visits: pd.DataFrame | None, horizon: Horizon) -> Previous | None:
    if visits is None or not len(visits):
        return None
    frame = normalize_visits(visits)
    first = horizon.days[0] if horizon.n else date.max
    frame = frame[[d >= first and d.year == first.year for d in frame["date"]]]
    return Previous(frame.sort_values(["date", "person_kind", "person_id", "target_id"], kind="stable")
                    .reset_index(drop=True))


def _index(values: pd.Series) -> dict[str, int]:
    return {str(v): i for i, v in enumerate(values)}


def _try(board: Board, group: int, res: int, day: int) -> bool:
    if board.busy[group, day] or board.load[res, day] >= board.caps[res]:
        return False
    board.busy[group, day] = True
    board.load[res, day] += 1
    return True


def _tasks(kind: str, placed: dict[tuple[int, int, int], list[int]], avail: dict[int, np.ndarray],
           payload: dict[tuple[int, int, int], tuple[int, ...]] | None = None) -> list[Task]:
    """Pinned placements as committed tasks (days and resources set; the board is already updated)."""
    out = []
    for (person, group, res), days in sorted(placed.items()):
        t = Task(kind, person, group, (res,), len(days), [], avail[person],
                 (payload or {}).get((person, group, res), ()))
        t.days, t.res = sorted(days), [res] * len(days)
        out.append(t)
    return out


def pin_leaders(problem: Problem, assignment: Assignment, horizon: Horizon, prev: Previous, frozen: Frozen,
                avail: np.ndarray, board: Board) -> list[Task]:
    """Leaders' contact (to a still-linked office) and research (to an existing office) visits."""
    leaders, offices = _index(problem.leaders["leader_id"]), _index(problem.offices["office_id"])
    day_of = {d: i for i, d in enumerate(horizon.days)}
    linked: dict[int, set[int]] = {int(lead): {int(o)} for lead, o in enumerate(assignment.leader_office)}
    for lead, o in getattr(assignment, "extra_leader_offices", ()):
        linked.setdefault(int(lead), set()).add(int(o))
    placed: dict[str, dict[tuple[int, int, int], list[int]]] = {"contact": {}, "research": {}}
    rows = prev.of("leader", ("contact", "research"))
    for d, pid, act, tkind, tid in zip(rows["date"], rows["person_id"], rows["activity"], rows["target_kind"],
                                       rows["target_id"], strict=True):
        lead, o, day = leaders.get(pid), offices.get(tid), day_of.get(d)
        if lead is None or o is None or day is None or tkind != "office" or not avail[lead, day]:
            continue
        if act == "contact" and o not in linked.get(lead, set()):
            continue
        if _try(board, lead, o, day):
            placed[act].setdefault((lead, lead, o), []).append(day)
            frozen.add("leader", pid, act, "office", tid, d)
    masks = {lead: avail[lead] for lead in range(len(leaders))}
    return [*_tasks("leader_contact", placed["contact"], masks), *_tasks("leader_research", placed["research"], masks)]


def pin_units_cadres(problem: Problem, assignment: Assignment, horizon: Horizon, prev: Previous, frozen: Frozen,
                     board: Board, group_offset: int) -> list[Task]:
    """Units' community visits (still-linked pairs), cadres' household days (still-linked households; a kept day
    visits all the cadre's households of that community) and research days (a community the cadre may research)."""
    pins = _UnitsCadresPins(problem, assignment, horizon, prev, frozen, board, group_offset)
    rows = prev.rows[prev.rows["person_kind"].isin(("unit", "cadre"))]
    for d, kind, pid, act, tkind, tid, talk in zip(rows["date"], rows["person_kind"], rows["person_id"],
                                                   rows["activity"], rows["target_kind"], rows["target_id"],
                                                   rows["talk"], strict=True):
        day = pins.day_of.get(d)
        if day is None:
            continue
        if kind == "unit" and act == "community" and tkind == "community":
            pins.unit_visit(d, day, pid, tid)
            continue
        cadre = pins.cadres.get(pid)
        if kind != "cadre" or cadre is None or not pins.mask("cadre", cadre)[day]:
            continue
        if act == "household" and tkind == "household":
            pins.household_day(d, day, cadre, pid, tid, talk)
        elif act == "research" and tkind == "community":
            pins.research_day(d, day, cadre, pid, tid)
    for pid, tid, day in pins.talks:
        frozen.by_target[("household", tid)][pid].talks += 1
        prev.talk_days.add((pid, tid, day))
    return pins.tasks()


class _UnitsCadresPins:
    """What pin_units_cadres keeps, row by row (rows come in a fixed order, so the result is deterministic)."""

    def __init__(self, problem: Problem, assignment: Assignment, horizon: Horizon, prev: Previous, frozen: Frozen,
                 board: Board, group_offset: int) -> None:
        self.problem, self.assignment, self.horizon = problem, assignment, horizon
        self.frozen, self.board, self.group_offset = frozen, board, group_offset
        self.units, self.cadres = _index(problem.units["unit_id"]), _index(problem.cadres["cadre_id"])
        self.communities = _index(problem.communities["community_id"])
        self.households = _index(problem.households["household_id"])
        self.community_ids = [str(x) for x in problem.communities["community_id"]]
        self.household_ids = [str(x) for x in problem.households["household_id"]]
        self.household_community = problem.households["community"].to_numpy()
        self.day_of = {d: i for i, d in enumerate(horizon.days)}
        self.group_of: dict[tuple[int, int], tuple[int, ...]] = {}   # (cadre, community) -> its households
        for h in np.argsort(assignment.household_cadre, kind="stable"):
            key = (int(assignment.household_cadre[h]), int(self.household_community[h]))
            self.group_of[key] = (*self.group_of.get(key, ()), int(h))
        unit_comms: dict[int, set[int]] = {}
        for c, u in enumerate(assignment.community_unit):
            unit_comms.setdefault(int(u), set()).add(c)
        self.researchable: dict[int, set[int]] = {}
        for g, u in enumerate(problem.cadres["unit"]):
            self.researchable[g] = set(unit_comms.get(int(u), set()))
        for g, c in self.group_of:
            self.researchable.setdefault(g, set()).add(c)
        self.masks: dict[int, np.ndarray] = {}
        self.unit_placed: dict[tuple[int, int, int], list[int]] = {}
        self.house_placed: dict[tuple[int, int, int], list[int]] = {}
        self.research_placed: dict[tuple[int, int, int], list[int]] = {}
        self.cadre_day: dict[tuple[int, int], tuple[str, int]] = {}     # (cadre, day) -> (activity, community) kept
        self.talks: list[tuple[str, str, int]] = []

    def mask(self, kind: str, person: int) -> np.ndarray:
        key = person if kind == "cadre" else -1 - person
        if key not in self.masks:
            ids = self.problem.cadres["cadre_id"] if kind == "cadre" else self.problem.units["unit_id"]
            self.masks[key] = self.horizon.avail(str(ids.iat[person]))
        return self.masks[key]

    def unit_visit(self, d: date, day: int, pid: str, tid: str) -> None:
        """A unit's community visit of a still-linked pair, on a day the unit is available and the cap allows."""
        u, uc = self.units.get(pid), self.communities.get(tid)
        if u is None or uc is None or int(self.assignment.community_unit[uc]) != u or not self.mask("unit", u)[day]:
            return
        if _try(self.board, self.group_offset + uc, uc, day):
            self.unit_placed.setdefault((u, self.group_offset + uc, uc), []).append(day)
            self.frozen.add("unit", pid, "community", "community", tid, d)

    def household_day(self, d: date, day: int, g: int, pid: str, tid: str, talk: int) -> None:
        """A cadre's household day (still-linked household): the kept day visits all its households of that
        community; a talk on a kept day is kept."""
        h = self.households.get(tid)
        if h is None or int(self.assignment.household_cadre[h]) != g:
            return
        c = int(self.household_community[h])
        if self.cadre_day.get((g, day)) == ("household", c):
            if talk == 1:
                self.talks.append((pid, tid, day))
            return
        if (g, day) in self.cadre_day or not _try(self.board, g, c, day):
            return
        self.cadre_day[(g, day)] = ("household", c)
        self.house_placed.setdefault((g, g, c), []).append(day)
        for hh in self.group_of[(g, c)]:
            self.frozen.add("cadre", pid, "household", "household", self.household_ids[hh], d)
        if talk == 1:
            self.talks.append((pid, tid, day))

    def research_day(self, d: date, day: int, g: int, pid: str, tid: str) -> None:
        """A cadre's research day in a community the cadre may research, on a day not already kept."""
        rc = self.communities.get(tid)
        if rc is None or rc not in self.researchable.get(g, set()) or (g, day) in self.cadre_day:
            return
        if _try(self.board, g, rc, day):
            self.cadre_day[(g, day)] = ("research", rc)
            self.research_placed.setdefault((g, g, rc), []).append(day)
            self.frozen.add("cadre", pid, "research", "community", self.community_ids[rc], d)

    def tasks(self) -> list[Task]:
        unit_masks = {u: self.mask("unit", u) for u, _, _ in self.unit_placed}
        cadre_masks = {g: self.mask("cadre", g) for g, _, _ in [*self.house_placed, *self.research_placed]}
        return [*_tasks("unit", self.unit_placed, unit_masks),
                *_tasks("household", self.house_placed, cadre_masks,
                        {k: self.group_of[(k[0], k[2])] for k in self.house_placed}),
                *_tasks("cadre_research", self.research_placed, cadre_masks)]
