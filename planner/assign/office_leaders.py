"""Stage assign.office_leaders: office leaders → their contact community (办事处领导班子成员建立基层联系点).

Seed 003 三(二)1: "区级领导干部、办事处党政领导班子成员要建立基层联系点，原则上联系到办事处、社区……联系点原则上不重复交叉".
One small exact CP-SAT model per office (a leadership team of 3–10 people and its few dozen communities), solved
single-threaded with a fixed seed, so the same input always gives the same pairs. Runs after assign.units: the
spread goal reads which unit links each community.

Hard (one function per rule, called in this order by `build_model`):
- `one_contact_community`: each office leader links exactly one community of its own office;
- `pins_kept`: pinned pairs are kept (forbidden pairs have no variable);
- `no_sharing`: no two leaders of one office share a community — `assign.office_no_sharing = "strict"` always;
  "prefer" (the contract's default) while the office has enough communities, otherwise each community takes at
  most ⌈leaders / communities⌉ (shared as evenly as possible).
Objective (weight units, all penalties ≥ 0):
    continuity    · #(last year's pairs dropped)
  + office_spread · Σ_units max(0, #(this office's leaders in the unit's communities) − 1)
    (a community should not be left to the same unit and office leader while others get neither)
Counting checks (`precheck`) name the office, the people and the numbers before any model is built (exit 3).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from ortools.sat.python import cp_model

from planner.errors import Conflict
from planner.progress import SolveControl
from planner.result import StageReport, Status

from .capacity_cut import office_leader_cut
from .cpsat import make_solver, run_model
from .data import AssignData
from .explain_capacity import office_leader_conflicts

STAGE = "assign.office_leaders"
KIND = "office_leader_community"
Pairs = dict[tuple[int, int], cp_model.IntVar]


def office_members(data: AssignData) -> dict[int, list[int]]:
    """Office index → its office leaders' indices (offices without a leadership table are absent)."""
    out: dict[int, list[int]] = defaultdict(list)
    for p, o in enumerate(data.problem.office_leaders["office"].to_numpy(dtype=np.int64)):
        out[int(o)].append(p)
    return dict(sorted(out.items()))


def office_communities(data: AssignData) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for c, o in enumerate(data.problem.communities["office"].to_numpy(dtype=np.int64)):
        out[int(o)].append(c)
    return out


def sharing_limit(data: AssignData, n_leaders: int, n_communities: int) -> int:
    """Most leaders of one office on one community: 1 under strict no-sharing or while communities suffice."""
    if data.problem.rules.assign.office_no_sharing == "strict" or n_communities >= n_leaders:
        return 1
    return math.ceil(n_leaders / max(1, n_communities))


# -- the model ------------------------------------------------------------------------------------------------------
def build_model(data: AssignData, office: int, leaders: list[int], communities: list[int],
                community_unit: np.ndarray) -> tuple[cp_model.CpModel, Pairs]:
    forbidden = data.forbidden(KIND)
    model = cp_model.CpModel()
    x: Pairs = {(p, c): model.new_bool_var(f"x_{p}_{c}") for p in leaders for c in communities
                if (p, c) not in forbidden}
    one_contact_community(model, x, leaders, communities)
    pins_kept(model, x, data)
    no_sharing(model, x, data, leaders, communities)
    objective(model, x, data, leaders, communities, community_unit)
    return model, x


def one_contact_community(model: cp_model.CpModel, x: Pairs, leaders: list[int], communities: list[int]) -> None:
    """Each office leader links exactly one community of its own office."""
    for p in leaders:
        model.add_exactly_one(x[p, c] for c in communities if (p, c) in x)


def pins_kept(model: cp_model.CpModel, x: Pairs, data: AssignData) -> None:
    """Pinned office-leader–community pairs are kept."""
    for key in sorted(data.pins(KIND)):
        if key in x:
            model.add(x[key] == 1)


def no_sharing(model: cp_model.CpModel, x: Pairs, data: AssignData, leaders: list[int],
               communities: list[int]) -> None:
    """联系点原则上不重复交叉: at most `sharing_limit` leaders of the office per community."""
    limit = sharing_limit(data, len(leaders), len(communities))
    for c in communities:
        model.add(sum(x[p, c] for p in leaders if (p, c) in x) <= limit)


def objective(model: cp_model.CpModel, x: Pairs, data: AssignData, leaders: list[int], communities: list[int],
              community_unit: np.ndarray) -> None:
    """The module docstring's objective; last year's pairs are the hint."""
    previous = data.previous_pairs(KIND)
    w_cont, w_spread = data.weight("continuity"), data.weight("office_spread")
    terms: list[cp_model.LinearExprT] = [w_cont * (1 - x[key]) for key in sorted(previous) if key in x]
    by_unit: dict[int, list[int]] = defaultdict(list)
    for c in communities:
        by_unit[int(community_unit[c])].append(c)
    for u, comms in sorted(by_unit.items()):
        hits = [x[p, c] for p in leaders for c in comms if (p, c) in x]
        if len(hits) > 1:
            extra = model.new_int_var(0, len(leaders), f"same_unit_{u}")
            model.add(extra >= sum(hits) - 1)
            terms.append(w_spread * extra)
    model.minimize(sum(terms))
    for key in sorted(previous):
        if key in x:
            model.add_hint(x[key], 1)


# -- counting checks ------------------------------------------------------------------------------------------------
def precheck(data: AssignData) -> list[Conflict]:
    """Every conflict counting can prove, naming the office, the people and the numbers."""
    p = data.problem
    if not p.n_office_leaders:
        return []
    ol = p.office_leaders
    pid = ol["person_id"].astype(str).tolist()
    names = ol["name"].astype(str).tolist()
    who = [f"{i}（{n}）" if n and n != i else i for i, n in zip(pid, names, strict=True)]
    office_ids = p.offices["office_id"].astype(str).tolist()
    community_ids = p.communities["community_id"].astype(str).tolist()
    community_office = p.communities["office"].to_numpy(dtype=np.int64)
    person_office = ol["office"].to_numpy(dtype=np.int64)
    members, comms = office_members(data), office_communities(data)
    pins, forbidden = data.pins(KIND), data.forbidden(KIND)
    strict = p.rules.assign.office_no_sharing == "strict"
    out: list[Conflict] = []
    pinned_to: dict[int, list[int]] = defaultdict(list)
    for person, c in sorted(pins):
        pinned_to[person].append(c)
        own = int(person_office[person])
        if int(community_office[c]) != own:
            out.append(Conflict(
                "office_leader_communities",
                f"办事处领导 {who[person]} 属于办事处 {office_ids[own]}，却被锁定联系办事处 "
                f"{office_ids[int(community_office[c])]} 的社区 {community_ids[c]}：联系社区须在本办事处内",
                f"office leader {pid[person]} belongs to office {office_ids[own]} but is pinned to community "
                f"{community_ids[c]} of office {office_ids[int(community_office[c])]}: the contact community must be "
                f"in its own office", (pid[person], community_ids[c]), "删除或改正该锁定结对",
                "remove or correct the pin"))
        if (person, c) in forbidden:
            out.append(Conflict(
                "pins", f"办事处领导 {who[person]} 与社区 {community_ids[c]} 既被锁定结对又被禁止结对",
                f"office leader {pid[person]} and community {community_ids[c]} are both pinned and forbidden",
                (pid[person], community_ids[c]), "删除其中一条", "remove one of the two rows"))
    for person, cs in sorted(pinned_to.items()):
        if len(cs) > 1:
            out.append(Conflict(
                "office_leader_communities",
                f"办事处领导 {who[person]} 被锁定联系 {len(cs)} 个社区（{'、'.join(community_ids[c] for c in cs)}），"
                f"但每人只联系 1 个社区",
                f"office leader {pid[person]} is pinned to {len(cs)} communities "
                f"({', '.join(community_ids[c] for c in cs)}) but links exactly one", (pid[person],)))
    for o, people in members.items():
        here = comms.get(o, [])
        names_here = "、".join(who[q] for q in people[:8]) + (f" 等 {len(people)} 人" if len(people) > 8 else "")
        if not here:
            out.append(Conflict(
                "office_leader_communities",
                f"办事处 {office_ids[o]} 有 {len(people)} 名领导班子成员（{names_here}），但没有任何社区可作联系点",
                f"office {office_ids[o]} has {len(people)} office leaders but no community to link",
                (office_ids[o],), "在 communities 中为该办事处添加社区", "add the office's communities"))
            continue
        if strict and len(people) > len(here):
            out.append(Conflict(
                "office_leader_communities",
                f"办事处 {office_ids[o]} 有 {len(people)} 名领导班子成员（{names_here}），但只有 {len(here)} 个社区，"
                f"而规则 assign.office_no_sharing = strict 要求联系社区不重复",
                f"office {office_ids[o]} has {len(people)} office leaders but only {len(here)} communities, and "
                f"assign.office_no_sharing = strict forbids sharing", (office_ids[o],),
                "把 assign.office_no_sharing 改为 prefer（社区不够时平均共用）",
                "set assign.office_no_sharing = prefer (share evenly when communities run short)"))
        limit = sharing_limit(data, len(people), len(here))
        pinned_here: dict[int, list[int]] = defaultdict(list)
        for q in people:
            allowed = [c for c in here if (q, c) not in forbidden]
            if not allowed:
                out.append(Conflict(
                    "office_leader_communities",
                    f"办事处领导 {who[q]} 被禁止联系本办事处（{office_ids[o]}）的全部 {len(here)} 个社区",
                    f"office leader {pid[q]} is forbidden from all {len(here)} communities of office {office_ids[o]}",
                    (pid[q],), "删除部分禁止结对", "remove some forbidden pairs"))
            for c in pinned_to.get(q, []):
                pinned_here[c].append(q)
        for c, qs in sorted(pinned_here.items()):
            if len(qs) > limit:
                out.append(Conflict(
                    "office_leader_communities",
                    f"社区 {community_ids[c]} 被锁定给 {len(qs)} 名办事处领导（{'、'.join(who[q] for q in qs)}），"
                    f"但办事处 {office_ids[o]} 的 {len(people)} 名领导在 {len(here)} 个社区中每个社区最多 {limit} 名",
                    f"community {community_ids[c]} is pinned to {len(qs)} office leaders "
                    f"({', '.join(pid[q] for q in qs)}) but {len(people)} leaders over {len(here)} communities allow "
                    f"at most {limit} per community", (community_ids[c],)))
    return out


def _failed(data: AssignData, office: int, leaders: list[int], communities: list[int]) -> list[Conflict]:
    """Words for an office whose model is infeasible although no single count proves it (pins and forbidden pairs
    together): the exact Hall violator of a minimum cut (planner.assign.capacity_cut) — which members compete for
    too few communities — else the office as a whole."""
    cut = _office_cut(data, office, leaders, communities)
    if cut:
        return cut
    return [_office_failed(data, office, leaders, communities)]


def _office_cut(data: AssignData, office: int, leaders: list[int], communities: list[int]) -> list[Conflict]:
    p = data.problem
    local_leader = {q: i for i, q in enumerate(leaders)}
    local_community = {c: j for j, c in enumerate(communities)}
    pins = [(local_leader[q], local_community.get(c, -1)) for q, c in data.pins(KIND) if q in local_leader]
    forbidden = [(local_leader[q], local_community[c]) for q, c in data.forbidden(KIND)
                 if q in local_leader and c in local_community]
    cut = office_leader_cut([0] * len(leaders), [0] * len(communities),
                            share=sharing_limit(data, len(leaders), len(communities)),
                            pins=[(q, c) for q, c in pins if c >= 0], forbidden=forbidden)
    ol = p.office_leaders
    label_of = {str(ol["person_id"].iat[q]): str(ol["name"].iat[q]) for q in leaders}
    label_of.update({str(p.communities["community_id"].iat[c]): str(p.communities["name"].iat[c])
                     for c in communities})
    return office_leader_conflicts(
        cut, [str(ol["person_id"].iat[q]) for q in leaders],
        [str(p.communities["community_id"].iat[c]) for c in communities],
        label=lambda x: f"{x}（{label_of[x]}）" if label_of.get(x) and label_of[x] != x else x)


def _office_failed(data: AssignData, office: int, leaders: list[int], communities: list[int]) -> Conflict:
    p = data.problem
    oid = str(p.offices["office_id"].iat[office])
    ids = [str(p.office_leaders["person_id"].iat[q]) for q in leaders]
    limit = sharing_limit(data, len(leaders), len(communities))
    return Conflict(
        "office_leader_communities",
        f"办事处 {oid} 的 {len(leaders)} 名领导班子成员（{'、'.join(ids[:8])}）无法在其 {len(communities)} 个社区中"
        f"各联系一个（每个社区最多 {limit} 名），锁定与禁止结对相互冲突",
        f"the {len(leaders)} office leaders of office {oid} ({', '.join(ids[:8])}) cannot each link one of its "
        f"{len(communities)} communities (at most {limit} per community) under the pins and forbidden pairs",
        (oid, *ids), "检查该办事处的锁定与禁止结对", "review the office's pins and forbidden pairs")


# -- solving --------------------------------------------------------------------------------------------------------
def solve_office_leaders(data: AssignData, community_unit: np.ndarray, control: SolveControl | None
                         ) -> tuple[np.ndarray, StageReport] | list[Conflict]:
    """Contact community per office leader and the stage report, or the conflicts (exit 3)."""
    p = data.problem
    conflicts = precheck(data)
    if conflicts:
        return conflicts
    result = np.full(p.n_office_leaders, -1, dtype=np.int64)
    objective = bound = seconds = 0.0
    status = Status.OPTIMAL
    n_vars = 0
    comms = office_communities(data)
    for office, leaders in office_members(data).items():
        model, x = build_model(data, office, leaders, comms[office], community_unit)
        n_vars += len(x)
        solver = make_solver(p.rules.solver, p.rules.solver.time_limit, workers=1)
        solver.parameters.relative_gap_limit = 0.0   # a few dozen booleans: prove the optimum
        outcome = run_model(model, solver, control, STAGE)
        if outcome.status not in (Status.OPTIMAL, Status.FEASIBLE):
            return _failed(data, office, leaders, comms[office])
        for (q, c), var in sorted(x.items()):
            if solver.value(var):
                result[q] = c
        objective += outcome.objective
        bound += outcome.bound
        seconds += outcome.seconds
        if outcome.status != Status.OPTIMAL:
            status = Status.FEASIBLE
    report = StageReport(STAGE, status, objective, bound, seconds,
                         {"variables": n_vars, "office_leaders": p.n_office_leaders})
    return result, report
