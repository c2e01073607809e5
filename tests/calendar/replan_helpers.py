"""Replanning scenarios for calendar tests without the assignment engine (its solve takes most of a demo's time).

`greedy_assignment` links everyone in id order (pins and forbidden pairs respected, strict linkage, capacities);
`assignment_by_ids` carries pairs over to a changed Problem by id and links whatever is new or orphaned greedily,
so a scenario keeps most pairs — as the real assignment with a previous plan would.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from planner.io.validate import build_problem
from planner.plan import Plan
from planner.problem import Problem
from planner.result import Assignment, Calendar


def _ids(frame: pd.DataFrame, column: str) -> dict[str, int]:
    return {str(v): i for i, v in enumerate(frame[column])}


def assignment_by_ids(problem: Problem, keep: Mapping[str, Mapping[str, str]] | None = None) -> Assignment:
    """keep: {"leader": {leader_id: office_id}, "community": {community_id: unit_id}, "household": {hid: gid}}."""
    keep = keep or {}
    offices, units, cadres = (_ids(problem.offices, "office_id"), _ids(problem.units, "unit_id"),
                              _ids(problem.cadres, "cadre_id"))
    pins = {(str(k), str(s)): str(t) for k, s, t in zip(problem.pins["kind"], problem.pins["subject_id"],
                                                         problem.pins["target_id"], strict=True)} \
        if len(problem.pins) else {}
    forbidden = {(str(s), str(t)) for s, t in zip(problem.forbidden["subject_id"], problem.forbidden["target_id"],
                                                  strict=True)} if len(problem.forbidden) else set()
    leader_office = np.zeros(problem.n_leaders, dtype=np.int64)
    for i, lid in enumerate(problem.leaders["leader_id"].astype(str)):
        target = pins.get(("leader_office", lid)) or keep.get("leader", {}).get(lid)
        leader_office[i] = offices[target] if target in offices else i % problem.n_offices
    community_unit = np.full(problem.n_communities, -1, dtype=np.int64)
    capacity = problem.cadres["capacity"].to_numpy().copy()
    cadre_unit = problem.cadres["unit"].to_numpy()
    room = np.bincount(cadre_unit, weights=capacity, minlength=problem.n_units)
    size = np.bincount(problem.households["community"].to_numpy(), minlength=problem.n_communities)
    cids = problem.communities["community_id"].astype(str).tolist()
    for c, cid in enumerate(cids):
        pinned = [s for (k, s), t in pins.items() if k == "unit_community" and t == cid]
        target = pinned[0] if pinned else keep.get("community", {}).get(cid)
        if target in units:
            community_unit[c] = units[target]
            room[units[target]] -= size[c]
    for c in sorted(np.flatnonzero(community_unit < 0), key=lambda c: -size[c]):
        community_unit[c] = int(np.argmax(room))
        room[community_unit[c]] -= size[c]
    household_cadre = np.full(problem.n_households, -1, dtype=np.int64)
    community = problem.households["community"].to_numpy()
    hids = problem.households["household_id"].astype(str).tolist()
    for h, hid in enumerate(hids):
        gid = keep.get("household", {}).get(hid)
        g = cadres.get(gid) if gid is not None else None
        if g is not None and cadre_unit[g] == community_unit[community[h]] and capacity[g] > 0:
            household_cadre[h] = g
            capacity[g] -= 1
    gids = problem.cadres["cadre_id"].astype(str).tolist()
    for h, hid in enumerate(hids):
        if household_cadre[h] >= 0:
            continue
        options = [g for g in np.flatnonzero(cadre_unit == community_unit[community[h]])
                   if capacity[g] > 0 and (gids[g], hid) not in forbidden]
        g = max(options, key=lambda g: (capacity[g], -g))
        household_cadre[h] = g
        capacity[g] -= 1
    return Assignment(leader_office, community_unit, household_cadre,
                      office_leader_community=_office_level(problem, keep.get("office_leader", {})))


def _office_level(problem: Problem, keep: Mapping[str, str]) -> np.ndarray:
    """Each office leader keeps its community (by id) if still in its office, else the j-th member of an office
    takes the office's j-th community (no sharing while the office has enough)."""
    community_index = _ids(problem.communities, "community_id")
    by_office: dict[int, list[int]] = {}
    for c, o in enumerate(problem.communities["office"].to_numpy()):
        by_office.setdefault(int(o), []).append(c)
    out = np.zeros(problem.n_office_leaders, dtype=np.int64)
    seen: dict[int, int] = {}
    for p, (pid, o) in enumerate(zip(problem.office_leaders["person_id"].astype(str),
                                     problem.office_leaders["office"].to_numpy(), strict=True)):
        kept = community_index.get(keep.get(pid, ""), -1)
        comms = by_office[int(o)]
        j = seen.get(int(o), 0)
        seen[int(o)] = j + 1
        out[p] = kept if kept in comms else comms[j % len(comms)]
    return out


def greedy_assignment(problem: Problem) -> Assignment:
    return assignment_by_ids(problem)


def pairs_of(problem: Problem, assignment: Assignment) -> dict[str, dict[str, str]]:
    frames = assignment.frames(problem)
    return {"leader": dict(zip(frames["leader_offices"]["leader_id"].astype(str),
                               frames["leader_offices"]["office_id"].astype(str), strict=True)),
            "community": dict(zip(frames["unit_communities"]["community_id"].astype(str),
                                  frames["unit_communities"]["unit_id"].astype(str), strict=True)),
            "household": dict(zip(frames["cadre_households"]["household_id"].astype(str),
                                  frames["cadre_households"]["cadre_id"].astype(str), strict=True)),
            "office_leader": dict(zip(frames["office_leader_communities"]["person_id"].astype(str),
                                      frames["office_leader_communities"]["community_id"].astype(str), strict=True))
            if "office_leader_communities" in frames else {}}


def plan_of(problem: Problem, assignment: Assignment, calendar: Calendar, since: str | None = None) -> Plan:
    report: dict[str, object] = {"year": problem.rules.year}
    if since is not None:
        report["since"] = since
    return Plan(visits=calendar.visits, report=report, **assignment.frames(problem))


def changed_problem(problem: Problem, *, drop_cadres: int = 0, add_households: int = 0,
                    move_community: bool = False, seed: int = 0) -> tuple[Problem, dict[str, dict[str, str]],
                                                                            set[str]]:
    """(changed Problem, pair overrides for the moved community, ids of departed cadres)."""
    rng = np.random.default_rng(seed)
    tables = problem.raw_tables()
    cadres = tables["cadres"]
    gone = set(rng.choice(cadres["cadre_id"].astype(str).to_numpy(), size=drop_cadres, replace=False).tolist()) \
        if drop_cadres else set()
    tables["cadres"] = cadres[~cadres["cadre_id"].astype(str).isin(gone)].reset_index(drop=True)
    for stem, column in (("unavailability", "person_id"), ("pins", "subject_id"), ("forbidden", "subject_id")):
        if stem in tables and len(tables[stem]):
            frame = tables[stem]
            tables[stem] = frame[~frame[column].astype(str).isin(gone)].reset_index(drop=True)
    if add_households:
        households = tables["households"]
        comms = households["community_id"].astype(str).unique()
        new = pd.DataFrame({"household_id": [f"HN{i:04d}" for i in range(add_households)],
                            "community_id": [comms[i % len(comms)] for i in range(add_households)],
                            "name": [f"新户{i}" for i in range(add_households)], "priority": 1})
        tables["households"] = pd.concat([households, new], ignore_index=True)
    overrides: dict[str, dict[str, str]] = {"community": {}}
    if move_community:
        # the smallest unpinned community goes to the unit with the most spare cadre capacity
        base = assignment_by_ids(problem)
        capacity = problem.cadres["capacity"].to_numpy()
        cadre_unit = problem.cadres["unit"].to_numpy()
        size = np.bincount(problem.households["community"].to_numpy(), minlength=problem.n_communities)
        spare = np.bincount(cadre_unit, weights=capacity, minlength=problem.n_units) - \
            np.bincount(base.community_unit, weights=size, minlength=problem.n_units)
        pins = problem.pins
        pinned = set(pins["target_id"].astype(str)) if len(pins) else set()
        cids = problem.communities["community_id"].astype(str).tolist()
        c = min((c for c in range(len(cids)) if cids[c] not in pinned), key=lambda c: (size[c], c))
        spare[base.community_unit[c]] = -np.inf
        overrides["community"][cids[c]] = str(problem.units["unit_id"].iat[int(np.argmax(spare))])
    changed = build_problem(tables, problem.rules, "changed")
    return changed, overrides, gone
