"""Households → cadres capacity shortfalls named exactly (capacity_cut.py), with every lock and linkage rule.

Items are a community's plain households (no pin, no forbidden pair: one item, so the graph stays small at city
size), a community's households pinned to one cadre (one item per cadre), and each household with a forbidden
pair. Servers are cadres, grouped by unit. Which cadres an item may use:
- before units are chosen (`precheck`), strict 三级联动: the cadres of every unit that may link the community —
  its pinned unit (a cadre pin implies one) or else every unit not forbidden from it; "prefer": every cadre;
- after units are chosen (the cadre stage failed), strict: the cadres of the community's unit; "prefer": every cadre;
and never a forbidden (cadre, household) pair; a pinned household only its cadre.
Before units are chosen this is a relaxation (a community's households could be split between units), so a
shortfall is a proof of impossibility but not every impossible packing is one (explain.py's core handles those).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.errors import Conflict
from planner.messages import MESSAGES

from .capacity_cut import CapacityCut, Shortfall, capacity_cut
from .data import AssignData
from .units.rules import implied_pins

LISTED = 8  # at most this many names in one list


@dataclass(frozen=True)
class _Item:
    """Households of one community that may use the same cadres."""

    community: int
    households: tuple[int, ...]


def _say(key: str, zh: dict[str, Any], en: dict[str, Any], **both: Any) -> tuple[str, str]:
    """Message `key` with language-specific values (names are joined differently in each language)."""
    tz, te = MESSAGES[key]
    return tz.format(**both, **zh), te.format(**both, **en)


def _listed(names: list[str], sep: str, more_zh: bool) -> str:
    shown = sep.join(names[:LISTED])
    extra = len(names) - LISTED
    if extra <= 0:
        return shown
    return shown + (f" 等 {len(names)} 个" if more_zh else f" and {extra} more")


def allowed_units(data: AssignData, community_unit: np.ndarray | None = None) -> list[list[int] | None]:
    """Per community the units whose cadres may serve its households; None = every unit (no restriction)."""
    p = data.problem
    if not data.strict:
        return [None] * p.n_communities
    if community_unit is not None:
        return [[int(u)] if u >= 0 else [] for u in community_unit.tolist()]
    pinned: dict[int, list[int]] = defaultdict(list)
    for u, c in sorted(implied_pins(data)):
        pinned[c].append(u)
    banned: dict[int, set[int]] = defaultdict(set)
    for u, c in data.forbidden("unit_community"):
        banned[c].add(u)
    out: list[list[int] | None] = []
    for c in range(p.n_communities):
        if c in pinned:
            out.append([u for u in pinned[c] if u not in banned[c]])
        elif c in banned:
            out.append([u for u in range(p.n_units) if u not in banned[c]])
        else:
            out.append(None)
    return out


@dataclass(frozen=True)
class HouseholdCut:
    """The cut, and what its item and server indices stand for (households; cadres of one unit)."""

    cut: CapacityCut
    items: list[_Item]
    servers: list[tuple[int, ...]]


def household_cut(data: AssignData, community_unit: np.ndarray | None = None) -> HouseholdCut:
    """The flow of households to cadres under the rules above. Servers are aggregated too: a unit's cadres without
    any pin or forbidden pair are one server (their capacities summed); a cadre with one is a server of its own."""
    p = data.problem
    units_of = allowed_units(data, community_unit)
    hh_comm = p.households["community"].to_numpy(dtype=int)
    cadre_unit = p.cadres["unit"].to_numpy(dtype=int)
    pin_of = {h: k for k, h in data.pins("cadre_household")}
    banned: dict[int, set[int]] = defaultdict(set)
    for k, h in data.forbidden("cadre_household"):
        banned[h].add(k)
    special = set(pin_of.values()) | {k for ks in banned.values() for k in ks}
    servers: list[tuple[int, ...]] = []
    server_of: dict[int, int] = {}
    servers_in: dict[int, list[int]] = defaultdict(list)  # unit -> its servers
    groups: list[int] = []
    by_unit = np.argsort(cadre_unit, kind="stable")
    bounds_k = np.searchsorted(cadre_unit[by_unit], np.arange(p.n_units + 1))
    for u in range(p.n_units):
        ks = by_unit[bounds_k[u]:bounds_k[u + 1]].tolist()
        pool = tuple(k for k in ks if k not in special)
        for chunk in ([pool] if pool else []) + [(k,) for k in ks if k in special]:
            for k in chunk:
                server_of[k] = len(servers)
            servers_in[u].append(len(servers))
            servers.append(chunk)
            groups.append(u)
    capacity = [int(data.cadre_capacity[list(ks)].sum()) for ks in servers]
    locked = np.zeros(p.n_households, dtype=bool)
    locked[list(pin_of) + list(banned)] = True
    items: list[_Item] = []
    demand: list[int] = []
    allowed: list[tuple[int, int]] = []
    by_group: list[tuple[int, int]] = []
    everywhere: list[int] = []
    plain = np.flatnonzero(~locked)
    order = np.argsort(hh_comm[plain], kind="stable")
    bounds = np.searchsorted(hh_comm[plain][order], np.arange(p.n_communities + 1))
    for c in range(p.n_communities):
        hs = plain[order[bounds[c]:bounds[c + 1]]]
        if not len(hs):
            continue
        i = len(items)
        items.append(_Item(c, tuple(hs.tolist())))
        demand.append(len(hs))
        units = units_of[c]
        if units is None:
            everywhere.append(i)
        else:
            by_group += [(i, u) for u in units]
    pinned_items: dict[tuple[int, int], list[int]] = defaultdict(list)
    for h, k in sorted(pin_of.items()):
        pinned_items[int(hh_comm[h]), k].append(h)
    for (c, k), hs_list in sorted(pinned_items.items()):
        units = units_of[c]
        # a pin against a forbidden pair or against the linkage gets no arc (the locks check names it)
        if not any(k in banned[h] for h in hs_list) and (units is None or int(cadre_unit[k]) in units):
            allowed.append((len(items), server_of[k]))
        items.append(_Item(c, tuple(hs_list)))
        demand.append(len(hs_list))
    for h in sorted(set(banned) - set(pin_of)):
        c = int(hh_comm[h])
        i = len(items)
        items.append(_Item(c, (h,)))
        demand.append(1)
        units = units_of[c]
        touched = {int(cadre_unit[k]) for k in banned[h]}  # units with a cadre forbidden for h: server by server
        for u in (range(p.n_units) if units is None else units):
            if u in touched:
                allowed += [(i, s) for s in servers_in[u] if not banned[h] & set(servers[s])]
            else:
                by_group.append((i, u))
    cut = capacity_cut(demand, capacity, allowed, everywhere=everywhere, groups=groups, allowed_groups=by_group)
    return HouseholdCut(cut, items, servers)


def capacity_conflicts(data: AssignData, community_unit: np.ndarray | None = None) -> list[Conflict]:
    """One Conflict per independent short set of households (none when the cadres can take them all)."""
    net = household_cut(data, community_unit)
    return [_household_conflict(data, part, net) for part in net.cut.parts]


def covered_communities(conflicts: list[Conflict], data: AssignData) -> set[int]:
    """Communities named by capacity conflicts (so counting checks need not repeat them)."""
    index = data.problem.community_index
    return {index[e] for c in conflicts if c.rule == "capacity" for e in c.entities if e in index}


def _ident(data: AssignData, table: str, i: int, named: bool) -> str:
    frame = getattr(data.problem, table)
    ident = str(frame.iloc[i][frame.columns[0]])
    name = frame.iloc[i]["name"] if named and "name" in frame.columns else None
    return f"{ident}（{name}）" if isinstance(name, str) and name and name != ident else ident


def _household_conflict(data: AssignData, part: Shortfall, net: HouseholdCut) -> Conflict:
    p = data.problem
    items = net.items
    sizes = data.community_households
    in_part: dict[int, list[int]] = defaultdict(list)
    for i in part.items:
        in_part[items[i].community] += items[i].households
    zh_items: list[str] = []
    en_items: list[str] = []
    for c, hs in sorted(in_part.items()):
        zc, ec = _ident(data, "communities", c, True), _ident(data, "communities", c, False)
        if len(hs) == int(sizes[c]):
            zh_items.append(zc)
            en_items.append(ec)
            continue
        ids = [_ident(data, "households", h, False) for h in sorted(hs)]
        short = len(ids) <= 3
        zh, en = _say("capacity.some_households", {"community": zc, "listed": f"（{'、'.join(ids)}）" if short else ""},
                      {"community": ec, "listed": f": {', '.join(ids)}" if short else ""}, n=len(hs))
        zh_items.append(zh)
        en_items.append(en)
    values = {"demand": part.demand, "capacity": part.capacity, "deficit": part.deficit}
    hh = {"zh": "户联系户", "en": "household" if part.demand == 1 else "households"}
    zi = _listed(zh_items, "、", True)
    ei = ("community " if len(en_items) == 1 else "communities ") + _listed(en_items, ", ", False) \
        + (" has" if len(en_items) == 1 else " have")
    units = _server_units(data, [k for s in part.servers for k in net.servers[s]])
    entities = [p.communities.iloc[c]["community_id"] for c in sorted(in_part)]
    entities += [p.units.iloc[u]["unit_id"] for u in sorted(units)]
    hint = MESSAGES["capacity.households_hint"]
    if not part.servers:
        zh, en = _say("capacity.households_nobody", {"items": zi, "hh": hh["zh"]}, {"items": ei, "hh": hh["en"]},
                      **values)
    else:
        zs, es = _servers_text(data, units)
        zh, en = _say("capacity.households", {"items": zi, "servers": zs, "hh": hh["zh"]},
                      {"items": ei, "servers": es, "hh": hh["en"]}, **values)
    return Conflict("capacity", zh, en, tuple(str(e) for e in entities), *hint)


def _server_units(data: AssignData, servers: Sequence[int]) -> dict[int, list[int]]:
    cadre_unit = data.problem.cadres["unit"].to_numpy(dtype=int)
    out: dict[int, list[int]] = defaultdict(list)
    for k in servers:
        out[int(cadre_unit[k])].append(k)
    return out


def _servers_text(data: AssignData, units: dict[int, list[int]]) -> tuple[str, str]:
    """"3 个单位（…）的干部" for whole units, "单位 U3 的干部 G5、G6" for units of which only some cadres count."""
    size = np.bincount(data.problem.cadres["unit"].to_numpy(dtype=int), minlength=data.problem.n_units)
    whole = [u for u in sorted(units) if len(units[u]) == int(size[u])]
    zh: list[str] = []
    en: list[str] = []
    if whole:
        a, b = _say("capacity.units", {"names": _listed([_ident(data, "units", u, True) for u in whole], "、", True)},
                    {"names": ("unit " if len(whole) == 1 else "units ")
                     + _listed([_ident(data, "units", u, False) for u in whole], ", ", False)})
        zh.append(a)
        en.append(b)
    for u in sorted(set(units) - set(whole)):
        ks = [_ident(data, "cadres", k, False) for k in sorted(units[u])]
        a, b = _say("capacity.some_cadres", {"unit": _ident(data, "units", u, True), "names": _listed(ks, "、", True)},
                    {"unit": _ident(data, "units", u, False), "names": _listed(ks, ", ", False)}, n=len(ks))
        zh.append(a)
        en.append(b)
    zand, eand = MESSAGES["capacity.and"]
    return zand.join(zh), eand.join(en)


def office_leader_conflicts(cut: CapacityCut, leaders: Sequence[str], communities: Sequence[str],
                            label: Callable[[str], str] = str) -> list[Conflict]:
    """The office-level caller's words (issue 15): one Conflict per short part of `capacity_cut.office_leader_cut`;
    `leaders`/`communities` are the ids by index, `label` may add a name for the Chinese text."""
    out: list[Conflict] = []
    for part in cut.parts:
        li, ci = [leaders[i] for i in part.items], [communities[c] for c in part.servers]
        zh, en = _say("capacity.office_leaders",
                      {"items": _listed([label(x) for x in li], "、", True),
                       "servers": _listed([label(x) for x in ci], "、", True) or "无"},
                      {"items": _listed(li, ", ", False), "servers": _listed(ci, ", ", False) or "none"},
                      demand=part.demand, capacity=part.capacity, deficit=part.deficit)
        out.append(Conflict("office_leader_contact", zh, en, tuple(li + ci), *MESSAGES["capacity.office_leaders_hint"]))
    return out
