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
    units, cadres = _index(problem.units["unit_id"]), _index(problem.cadres["cadre_id"])
    communities, households = _index(problem.communities["community_id"]), _index(problem.households["household_id"])
    community_ids = [str(x) for x in problem.communities["community_id"]]
    household_ids = [str(x) for x in problem.households["household_id"]]
    household_community = problem.households["community"].to_numpy()
    day_of = {d: i for i, d in enumerate(horizon.days)}
    group_of: dict[tuple[int, int], tuple[int, ...]] = {}
    for h in np.argsort(assignment.household_cadre, kind="stable"):
        key = (int(assignment.household_cadre[h]), int(household_community[h]))
        group_of[key] = (*group_of.get(key, ()), int(h))
    researchable: dict[int, set[int]] = {}
    unit_comms: dict[int, set[int]] = {}
    for c, u in enumerate(assignment.community_unit):
        unit_comms.setdefault(int(u), set()).add(c)
    for g, u in enumerate(problem.cadres["unit"]):
        researchable[g] = set(unit_comms.get(int(u), set()))
    for g, c in group_of:
        researchable.setdefault(g, set()).add(c)
    masks: dict[int, np.ndarray] = {}

    def mask(kind: str, person: int) -> np.ndarray:
        key = person if kind == "cadre" else -1 - person
        if key not in masks:
            ids = problem.cadres["cadre_id"] if kind == "cadre" else problem.units["unit_id"]
            masks[key] = horizon.avail(str(ids.iat[person]))
        return masks[key]

    unit_placed: dict[tuple[int, int, int], list[int]] = {}
    house_placed: dict[tuple[int, int, int], list[int]] = {}
    research_placed: dict[tuple[int, int, int], list[int]] = {}
    cadre_day: dict[tuple[int, int], tuple[str, int]] = {}     # (cadre, day) -> (activity, community) kept
    talks: list[tuple[str, str, int]] = []
    rows = prev.rows[prev.rows["person_kind"].isin(("unit", "cadre"))]
    for d, kind, pid, act, tkind, tid, talk in zip(rows["date"], rows["person_kind"], rows["person_id"],
                                                   rows["activity"], rows["target_kind"], rows["target_id"],
                                                   rows["talk"], strict=True):
        day = day_of.get(d)
        if day is None:
            continue
        if kind == "unit" and act == "community" and tkind == "community":
            u, uc = units.get(pid), communities.get(tid)
            if u is None or uc is None or int(assignment.community_unit[uc]) != u or not mask("unit", u)[day]:
                continue
            if _try(board, group_offset + uc, uc, day):
                unit_placed.setdefault((u, group_offset + uc, uc), []).append(day)
                frozen.add("unit", pid, act, tkind, tid, d)
            continue
        cadre = cadres.get(pid)
        if kind != "cadre" or cadre is None or not mask("cadre", cadre)[day]:
            continue
        g = cadre
        if act == "household" and tkind == "household":
            h = households.get(tid)
            if h is None or int(assignment.household_cadre[h]) != g:
                continue
            c = int(household_community[h])
            if cadre_day.get((g, day)) == ("household", c):
                if talk == 1:
                    talks.append((pid, tid, day))
                continue
            if (g, day) in cadre_day or not _try(board, g, c, day):
                continue
            cadre_day[(g, day)] = ("household", c)
            house_placed.setdefault((g, g, c), []).append(day)
            for hh in group_of[(g, c)]:
                frozen.add("cadre", pid, "household", "household", household_ids[hh], d)
            if talk == 1:
                talks.append((pid, tid, day))
        elif act == "research" and tkind == "community":
            rc = communities.get(tid)
            if rc is None or rc not in researchable.get(g, set()) or (g, day) in cadre_day:
                continue
            if _try(board, g, rc, day):
                cadre_day[(g, day)] = ("research", rc)
                research_placed.setdefault((g, g, rc), []).append(day)
                frozen.add("cadre", pid, act, tkind, community_ids[rc], d)
    for pid, tid, day in talks:
        frozen.by_target[("household", tid)][pid].talks += 1
        prev.talk_days.add((pid, tid, day))
    unit_masks = {u: mask("unit", u) for u, _, _ in unit_placed}
    cadre_masks = {g: mask("cadre", g) for g, _, _ in [*house_placed, *research_placed]}
    return [*_tasks("unit", unit_placed, unit_masks),
            *_tasks("household", house_placed, cadre_masks, {k: group_of[(k[0], k[2])] for k in house_placed}),
            *_tasks("cadre_research", research_placed, cadre_masks)]
