"""Why the assignment rules cannot all hold, in words a non-programmer understands (exit 3).

First fast counting checks that name the culprit (they run before any solver); where counting cannot tell (a
packing that fails although totals fit), CP-SAT assumptions over the rule groups give a small conflicting set:
one literal guards each unit's capacity, each unit's "≥1 community", each pin and each forbidden pair, and
`sufficient_assumptions_for_infeasibility` (single worker, no objective, so CP-SAT minimizes the core) names them.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from ortools.sat.python import cp_model

from planner.errors import Conflict
from planner.result import Status, status_from_cpsat

from .data import AssignData
from .explain_capacity import capacity_conflicts, covered_communities
from .units import build_model, must_link_each_unit

ASSUME_PAIRS_LIMIT = 300_000  # beyond this many unit × community pairs the core search is skipped (too slow)
LISTED = 8                    # at most this many entities named in one sentence


def _name(data: AssignData, table: str, i: int) -> str:
    frame = getattr(data.problem, table)
    ident = str(frame.iloc[i][frame.columns[0]])
    name = frame.iloc[i]["name"] if "name" in frame.columns else None
    return f"{ident}（{name}）" if isinstance(name, str) and name and name != ident else ident


def _names(data: AssignData, table: str, idx: list[int]) -> str:
    shown = [_name(data, table, i) for i in idx[:LISTED]]
    more = len(idx) - LISTED
    return "、".join(shown) + (f" 等 {len(idx)} 个" if more > 0 else "")


def _names_en(data: AssignData, table: str, idx: list[int]) -> str:
    frame = getattr(data.problem, table)
    shown = [str(frame.iloc[i][frame.columns[0]]) for i in idx[:LISTED]]
    more = len(idx) - LISTED
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _id(data: AssignData, table: str, i: int) -> str:
    frame = getattr(data.problem, table)
    return str(frame.iloc[i][frame.columns[0]])


_KINDS = {"leader_office": ("leaders", "offices", "领导", "办事处", "leader", "office"),
          "unit_community": ("units", "communities", "单位", "社区", "unit", "community"),
          "cadre_household": ("cadres", "households", "干部", "联系户", "cadre", "household")}


# -- counting checks ------------------------------------------------------------------------------------------------
def precheck(data: AssignData) -> list[Conflict]:
    """Every conflict that counting or one max flow can prove, before any solver runs.

    Locks first (a pin against a forbidden pair, two pins, …: named as such); once they are consistent, the
    capacity of cadres for households (globally, and under strict 三级联动 through the units that may link each
    community) is one flow whose minimum cut names the short sets exactly (explain_capacity.py)."""
    locks = _locks(data)
    out: list[Conflict] = []
    pinned_units = _unit_pins(data, out)
    _pins_one_unit(data, pinned_units, out)
    _forbidden_everywhere(data, out)
    cadres = _cadres(data)
    capacity = [] if locks or out or cadres else capacity_conflicts(data)
    return [*locks, *_leaders(data), *out, *capacity, *_units(data, pinned_units, covered_communities(capacity, data)),
            *cadres]


def _locks(data: AssignData) -> list[Conflict]:
    out: list[Conflict] = []
    for kind, (left, right, zl, zr, el, er) in _KINDS.items():
        for a, b in sorted(data.pins(kind) & data.forbidden(kind)):
            la, rb = _name(data, left, a), _name(data, right, b)
            out.append(Conflict(
                "pins", f"{zl} {la} 与{zr} {rb} 既被锁定结对又被禁止结对",
                f"{el} {_id(data, left, a)} and {er} {_id(data, right, b)} are both pinned and forbidden",
                (_id(data, left, a), _id(data, right, b)), "删除其中一条", "remove one of the two rows"))
    return out


def _leaders(data: AssignData) -> list[Conflict]:
    p = data.problem
    out: list[Conflict] = []
    max_off = p.rules.assign.leader_max_offices
    if p.n_offices > p.n_leaders * max_off:
        out.append(Conflict(
            "leader_offices",
            f"共有 {p.n_offices} 个办事处，但只有 {p.n_leaders} 名区级领导，每人最多联系 {max_off} 个"
            f"（最多覆盖 {p.n_leaders * max_off} 个）",
            f"{p.n_offices} offices but {p.n_leaders} leaders with leader_max_offices = {max_off} "
            f"(at most {p.n_leaders * max_off} offices covered)",
            (), f"把 leader_max_offices 提高到 {math.ceil(p.n_offices / max(1, p.n_leaders))} 或增加领导",
            f"raise leader_max_offices to {math.ceil(p.n_offices / max(1, p.n_leaders))} or add leaders"))
    pins, forbidden = data.pins("leader_office"), data.forbidden("leader_office")
    by_leader: dict[int, list[int]] = defaultdict(list)
    by_office: dict[int, list[int]] = defaultdict(list)
    for ld, o in sorted(pins):
        by_leader[ld].append(o)
        by_office[o].append(ld)
    for ld, offices in sorted(by_leader.items()):
        if len(offices) > max_off:
            out.append(Conflict(
                "leader_offices",
                f"领导 {_name(data, 'leaders', ld)} 被锁定联系 {len(offices)} 个办事处（{_names(data, 'offices', offices)}），"
                f"超过上限 {max_off}",
                f"leader {_id(data, 'leaders', ld)} is pinned to {len(offices)} offices "
                f"({_names_en(data, 'offices', offices)}), more than leader_max_offices = {max_off}",
                (_id(data, "leaders", ld),)))
    if max_off == 1 and p.n_leaders >= p.n_offices > 0:
        most = math.ceil(p.n_leaders / p.n_offices)
        for o, leaders in sorted(by_office.items()):
            if len(leaders) > most:
                out.append(Conflict(
                    "leader_offices",
                    f"办事处 {_name(data, 'offices', o)} 被锁定了 {len(leaders)} 名领导，但 {p.n_leaders} 名领导平均分到 "
                    f"{p.n_offices} 个办事处时每处最多 {most} 名",
                    f"office {_id(data, 'offices', o)} has {len(leaders)} pinned leaders, but spreading "
                    f"{p.n_leaders} leaders evenly over {p.n_offices} offices allows at most {most}",
                    (_id(data, "offices", o),)))
    for ld in range(p.n_leaders):
        if p.n_offices and all((ld, o) in forbidden for o in range(p.n_offices)):
            out.append(Conflict("leader_offices", f"领导 {_name(data, 'leaders', ld)} 被禁止联系所有办事处",
                                f"leader {_id(data, 'leaders', ld)} is forbidden from every office",
                                (_id(data, "leaders", ld),)))
    return out


def _units(data: AssignData, pinned_units: dict[int, set[int]], covered: set[int]) -> list[Conflict]:
    """Necessary conditions of assign.units beyond the locks and the flow (which covers the total and a unit's
    pinned load): a community no admissible unit can take whole, a unit with no possible community."""
    out: list[Conflict] = []
    if data.strict:   # 三级联动: unit capacity must cover its communities
        _linkage_per_community(data, pinned_units, out, covered)
        _every_unit_possible(data, pinned_units, out)
    return out


def _unit_pins(data: AssignData, out: list[Conflict]) -> dict[int, set[int]]:
    """community -> pinned units, with those strict linkage implies from cadre pins (a forbidden one conflicts)."""
    p = data.problem
    forbidden = data.forbidden("unit_community")
    pinned_units: dict[int, set[int]] = defaultdict(set)
    for u, c in data.pins("unit_community"):
        pinned_units[c].add(u)
    cadre_unit = p.cadres["unit"].to_numpy(dtype=int)
    hh_comm = p.households["community"].to_numpy(dtype=int)
    if data.strict:
        implied: dict[tuple[int, int], list[int]] = defaultdict(list)
        for k, h in sorted(data.pins("cadre_household")):
            implied[int(cadre_unit[k]), int(hh_comm[h])].append(k)
        for (u, c), ks in sorted(implied.items()):
            pinned_units[c].add(u)
            if (u, c) in forbidden:
                out.append(Conflict(
                    "linkage",
                    f"干部 {_names(data, 'cadres', ks)} 被锁定联系社区 {_name(data, 'communities', c)} 的住户，"
                    f"但其单位 {_name(data, 'units', u)} 被禁止联系该社区（三级联动）",
                    f"cadre {_names_en(data, 'cadres', ks)} is pinned to a household of community "
                    f"{_id(data, 'communities', c)}, but its unit {_id(data, 'units', u)} is forbidden from that "
                    "community (strict linkage)",
                    (_id(data, "communities", c), _id(data, "units", u))))
    return pinned_units


def _pins_one_unit(data: AssignData, pinned_units: dict[int, set[int]], out: list[Conflict]) -> None:
    """Assignment 2 and 5: a community pinned to two units."""
    for c, us in sorted(pinned_units.items()):
        if len(us) > 1:
            ul = sorted(us)
            out.append(Conflict(
                "pins", f"社区 {_name(data, 'communities', c)} 只能由一个单位联系，却被锁定给 {len(ul)} 个单位：{_names(data, 'units', ul)}"
                + ("（含由干部锁定推出的单位）" if data.strict else ""),
                f"community {_id(data, 'communities', c)} takes exactly one unit but is pinned to {len(ul)}: "
                f"{_names_en(data, 'units', ul)}" + (" (some implied by cadre pins)" if data.strict else ""),
                (_id(data, "communities", c), *(_id(data, "units", u) for u in ul))))


def _forbidden_everywhere(data: AssignData, out: list[Conflict]) -> None:
    """Assignment 2 and 5: a community every unit is forbidden from."""
    p = data.problem
    forbidden = data.forbidden("unit_community")
    for c in range(p.n_communities):
        if p.n_units and all((u, c) in forbidden for u in range(p.n_units)):
            out.append(Conflict("forbidden", f"社区 {_name(data, 'communities', c)} 被禁止与所有单位结对",
                                f"community {_id(data, 'communities', c)} is forbidden for every unit",
                                (_id(data, "communities", c),)))


def _linkage_per_community(data: AssignData, pinned_units: dict[int, set[int]], out: list[Conflict],
                            covered: set[int]) -> None:
    """Linkage: no unit that may link a community can take its households whole (the flow, which may split a
    community, names those that all their units together cannot take: `covered`)."""
    p = data.problem
    H, cap = data.community_households, data.unit_capacity
    forbidden = data.forbidden("unit_community")
    banned: dict[int, set[int]] = defaultdict(set)
    for u, c in forbidden:
        banned[c].add(u)
    widest = int(np.argmax(cap)) if len(cap) else -1  # largest capacity, lowest index (as max over (cap, -u))
    for c in range(p.n_communities):
        pinned = pinned_units.get(c)
        if H[c] == 0 or c in covered or (not pinned and c not in banned and H[c] <= cap[widest]):
            continue
        allowed = sorted(pinned) if pinned else [u for u in range(p.n_units) if u not in banned[c]]
        if not allowed:
            continue
        best = max(allowed, key=lambda u: (int(cap[u]), -u))
        if H[c] > cap[best]:
            out.append(Conflict(
                "capacity",
                f"社区 {_name(data, 'communities', c)} 有 {int(H[c])} 户联系户，但可联系它的单位干部最多只能联系 "
                f"{int(cap[best])} 户（{_name(data, 'units', best)}）",
                f"community {_id(data, 'communities', c)} has {int(H[c])} households but the units that may link "
                f"it can take at most {int(cap[best])} (unit {_id(data, 'units', best)})",
                (_id(data, "communities", c), _id(data, "units", best)),
                "为该单位增加干部、提高联系户上限，或解除锁定/禁止",
                "add cadres to that unit, raise their max_households, or lift the pin/forbidden pair"))


def _every_unit_possible(data: AssignData, pinned_units: dict[int, set[int]], out: list[Conflict]) -> None:
    """Assignment 2: a unit that must link a community but can take none."""
    p = data.problem
    H, cap = data.community_households, data.unit_capacity
    forbidden = data.forbidden("unit_community")
    if must_link_each_unit(data):
        open_comms = np.array([c for c in range(p.n_communities) if not pinned_units.get(c)], dtype=np.int64)
        smallest = int(H[open_comms].min()) if len(open_comms) else None
        touched = {u for u, _ in forbidden} | {u for us in pinned_units.values() for u in us}
        for u in range(p.n_units):
            if u not in touched:  # no forbidden pair, no pin: possible iff the smallest open community fits
                possible = smallest is not None and smallest <= cap[u]
            else:
                possible = any((u, c) not in forbidden and (not pinned_units.get(c) or u in pinned_units[c])
                               and H[c] <= cap[u] for c in range(p.n_communities))
            if not possible:
                out.append(Conflict(
                    "unit_min",
                    f"单位 {_name(data, 'units', u)} 必须联系至少 1 个社区，但没有它能联系的社区"
                    f"（其干部最多联系 {int(cap[u])} 户，其余社区已被禁止或锁定给其他单位）",
                    f"unit {_id(data, 'units', u)} must link at least one community but none is possible "
                    f"(its cadres can take {int(cap[u])} households; the others are forbidden or pinned elsewhere)",
                    (_id(data, "units", u),)))


def _cadres(data: AssignData) -> list[Conflict]:
    p = data.problem
    out: list[Conflict] = []
    pins = data.pins("cadre_household")
    by_household: dict[int, list[int]] = defaultdict(list)
    by_cadre: dict[int, list[int]] = defaultdict(list)
    for k, h in sorted(pins):
        by_household[h].append(k)
        by_cadre[k].append(h)
    for h, ks in sorted(by_household.items()):
        if len(ks) > 1:
            out.append(Conflict(
                "pins", f"联系户 {_id(data, 'households', h)} 只能由一名干部联系，却被锁定给 {len(ks)} 名：{_names(data, 'cadres', ks)}",
                f"household {_id(data, 'households', h)} takes exactly one cadre but is pinned to {len(ks)}: "
                f"{_names_en(data, 'cadres', ks)}", (_id(data, "households", h),)))
    cap = data.cadre_capacity
    for k, hs in sorted(by_cadre.items()):
        if len(hs) > cap[k]:
            out.append(Conflict(
                "capacity", f"干部 {_name(data, 'cadres', k)} 被锁定联系 {len(hs)} 户，超过其上限 {int(cap[k])} 户",
                f"cadre {_id(data, 'cadres', k)} is pinned to {len(hs)} households, more than its capacity "
                f"{int(cap[k])}", (_id(data, "cadres", k),), "提高该干部的 max_households 或减少锁定",
                "raise that cadre's max_households or remove pins"))
    forbidden = data.forbidden("cadre_household")
    if forbidden:
        counts = np.bincount(np.array([h for _, h in forbidden]), minlength=p.n_households)
        for h in np.flatnonzero(counts >= p.n_cadres).tolist():
            out.append(Conflict("forbidden", f"联系户 {_id(data, 'households', h)} 被禁止与所有干部结对",
                                f"household {_id(data, 'households', h)} is forbidden for every cadre",
                                (_id(data, "households", h),)))
    return out


# -- explanations after a solver said no ------------------------------------------------------------------------
def explain_units(data: AssignData, status: Status) -> list[Conflict]:
    """A minimal set of rule groups that cannot hold together, from CP-SAT assumptions."""
    p = data.problem
    if status == Status.UNKNOWN:
        return [Conflict(
            "time_limit", f"在求解时间上限 {p.rules.solver.time_limit:g} 秒内未找到单位与社区的结对方案",
            f"no unit–community assignment found within the time limit of {p.rules.solver.time_limit:g} s",
            (), "提高 solver.time_limit，或增加单位干部容量", "raise solver.time_limit or add cadre capacity")]
    if p.n_units * p.n_communities > ASSUME_PAIRS_LIMIT:
        return [_generic_units(data)]
    comms = list(range(p.n_communities))
    units = list(range(p.n_units))
    built = build_model(data, units, comms, {u: comms for u in units}, assume=True)
    built.model.add_assumptions(built.literals)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(p.rules.solver.seed)
    if p.rules.solver.time_limit > 0:
        solver.parameters.max_deterministic_time = float(p.rules.solver.time_limit)
    code = solver.solve(built.model)
    if status_from_cpsat(code) != Status.INFEASIBLE:
        return [_generic_units(data)]
    core = [built.assumptions[i] for i in solver.sufficient_assumptions_for_infeasibility()]
    return [_render_core(data, core)]


def _render_core(data: AssignData, core: list[tuple[str, int, int]]) -> Conflict:
    H, cap = data.community_households, data.unit_capacity
    zh: list[str] = []
    en: list[str] = []
    entities: list[str] = []
    groups: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for group, a, b in core:
        groups[group].append((a, b))
    caps = sorted(a for a, _ in groups.get("capacity", []))
    if caps:
        total = int(sum(int(cap[u]) for u in caps))
        zh.append(f"单位 {_names(data, 'units', caps)} 的干部容量分别为 {'、'.join(str(int(cap[u])) for u in caps)} 户（合计 {total}）")
        en.append(f"units {_names_en(data, 'units', caps)} can take {', '.join(str(int(cap[u])) for u in caps)} "
                  f"households (total {total})")
        entities += [_id(data, "units", u) for u in caps]
    mins = sorted(a for a, _ in groups.get("unit_min", []))
    if mins:
        zh.append(f"单位 {_names(data, 'units', mins)} 各须联系至少 1 个社区")
        en.append(f"units {_names_en(data, 'units', mins)} must each link at least one community")
        entities += [_id(data, "units", u) for u in mins]
    for group, zword, eword in (("pin", "锁定", "pinned"), ("forbidden", "禁止", "forbidden")):
        for u, c in sorted(groups.get(group, [])):
            zh.append(f"单位 {_name(data, 'units', u)} 与社区 {_name(data, 'communities', c)} 被{zword}结对")
            en.append(f"unit {_id(data, 'units', u)} and community {_id(data, 'communities', c)} are {eword}")
            entities += [_id(data, "units", u), _id(data, "communities", c)]
    sizes = sorted(((int(H[c]), c) for c in range(data.problem.n_communities)), reverse=True)[:LISTED]
    zh.append("而各社区联系户数为（最多的几个）" + "、".join(f"{_id(data, 'communities', c)} {h} 户" for h, c in sizes))
    en.append("while the largest communities have " + ", ".join(f"{_id(data, 'communities', c)} {h}" for h, c in sizes)
              + " households")
    return Conflict("units", "以下规则无法同时满足：" + "；".join(zh), "These cannot all hold: " + "; ".join(en),
                    tuple(dict.fromkeys(entities)), "为相关单位增加干部或提高联系户上限，或调整锁定/禁止",
                    "add cadres or capacity to those units, or change the pins/forbidden pairs")


def _generic_units(data: AssignData) -> Conflict:
    H, cap = data.community_households, data.unit_capacity
    return Conflict(
        "units",
        f"无法把 {len(H)} 个社区（共 {int(H.sum())} 户）分给 {len(cap)} 个单位且不超过各单位干部容量"
        f"（合计 {int(cap.sum())} 户，最大单位 {int(cap.max()) if len(cap) else 0} 户，最大社区 {int(H.max()) if len(H) else 0} 户）",
        f"cannot give {len(H)} communities ({int(H.sum())} households) to {len(cap)} units within their cadre "
        f"capacity (total {int(cap.sum())}, largest unit {int(cap.max()) if len(cap) else 0}, largest community "
        f"{int(H.max()) if len(H) else 0})", (), "增加干部容量或放宽锁定/禁止", "add capacity or relax pins/forbidden pairs")


def explain_leaders(data: AssignData) -> list[Conflict]:
    p = data.problem
    return [Conflict(
        "leader_offices",
        f"{p.n_leaders} 名领导无法在锁定/禁止结对下平均分配到 {p.n_offices} 个办事处（每人最多 "
        f"{p.rules.assign.leader_max_offices} 个）",
        f"{p.n_leaders} leaders cannot be spread evenly over {p.n_offices} offices under the pins and forbidden "
        f"pairs (leader_max_offices = {p.rules.assign.leader_max_offices})", (),
        "检查 pins.csv / forbidden.csv 中 leader_office 行", "check the leader_office rows of pins/forbidden")]


def explain_cadres(data: AssignData, short: list[tuple[int, int, int]],
                   community_unit: np.ndarray | None = None) -> list[Conflict]:
    """The households the chosen units' cadres cannot take, named by the minimum cut (exact: this stage is a
    flow); the per-unit counts `short` only if the cut finds nothing (it should not)."""
    if community_unit is not None:
        named = capacity_conflicts(data, community_unit)
        if named:
            return named
    if not short:
        return [Conflict("cadres", "无法为每户安排一名干部（干部容量或禁止结对不足）",
                         "cannot give every household a cadre (capacity or forbidden pairs)")]
    return [Conflict(
        "capacity",
        f"单位 {_name(data, 'units', u)} 联系的社区共有 {need} 户，但在禁止结对和容量限制下其干部最多只能联系 {got} 户",
        f"unit {_id(data, 'units', u)} links communities with {need} households but its cadres can take at most "
        f"{got} given capacities and forbidden pairs", (_id(data, "units", u),),
        "为该单位增加干部或减少禁止结对", "add cadres to that unit or remove forbidden pairs") for u, need, got in short]
