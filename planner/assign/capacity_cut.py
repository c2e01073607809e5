"""Exact capacity explanations: a minimum cut (networkx) names demand that the servers allowed to take it cannot.

Plain data in, plain data out, so that any "items need servers with capacity" stage can use it (households →
cadres, communities → units under 三级联动, office leaders → communities). The network is
source → item (capacity = its demand) → server (unbounded, where allowed) → sink (capacity = the server's capacity).
By max-flow/min-cut (Hall's theorem with capacities) the flow covers every demand unless a set S of items has
demand(S) > capacity(N(S)), N(S) = every server allowed to some item of S, and

    max flow = total demand − max over S of (demand(S) − capacity(N(S))).

Which set is named: networkx `minimum_cut` returns the partition whose sink side is what still reaches the sink in
the residual network, i.e. the LARGEST source side. We cut the reversed network instead (sink → source), whose
answer is the SMALLEST source side of the original: S* = the unique inclusion-minimal set among those with the
largest shortfall (maximisers of a supermodular function form a lattice). S* can hold independent groups; each
connected part of S* ∪ N(S*) is short on its own (else S* without it would still be largest and smaller), so each
part is returned as one explanation. A part is minimal in that sense: every proper subset is short by less (some
subset may still be short, by less; the smallest short set by count is NP-hard in general and not sought).

Size: "every server" and "every server of group g" are hub nodes (one arc per server in total), not one arc per
pair, so callers aggregate (e.g. a community's plain households are one item, a unit's cadres one group) and the
graph stays linear in items + servers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

_SOURCE, _SINK, _ALL = ("source",), ("sink",), ("all",)


@dataclass(frozen=True)
class Shortfall:
    """One independent short set: `items` need `demand`, and every server any of them may use (`servers`) can
    take `capacity` < demand together."""

    items: tuple[int, ...]
    servers: tuple[int, ...]
    demand: int
    capacity: int

    @property
    def deficit(self) -> int:
        return self.demand - self.capacity


@dataclass(frozen=True)
class CapacityCut:
    """The flow's verdict: `parts` is empty when every demand can be served."""

    total_demand: int
    max_flow: int
    parts: tuple[Shortfall, ...]

    @property
    def deficit(self) -> int:
        return self.total_demand - self.max_flow


def capacity_cut(demand: Sequence[int], capacity: Sequence[int], allowed: Iterable[tuple[int, int]] = (), *,
                 everywhere: Iterable[int] = (), groups: Sequence[int] | None = None,
                 allowed_groups: Iterable[tuple[int, int]] = ()) -> CapacityCut:
    """Max flow and the minimal largest short set(s) of items.

    demand[i] ≥ 0 per item, capacity[s] ≥ 0 per server; item i may use server s when (i, s) is in `allowed`, or
    i is in `everywhere`, or groups[s] = g (a group id ≥ 0, -1 for none) with (i, g) in `allowed_groups`.
    """
    n_items, n_servers = len(demand), len(capacity)
    graph = nx.DiGraph()
    graph.add_node(_SOURCE)
    graph.add_node(_SINK)
    graph.add_edges_from((("v", s), _SINK, {"capacity": int(capacity[s])}) for s in range(n_servers))
    members: dict[int, list[int]] = {}
    for s, g in enumerate(groups if groups is not None else ()):
        if g >= 0:
            members.setdefault(int(g), []).append(s)
    total = 0
    for i in range(n_items):
        if demand[i] > 0:
            graph.add_edge(_SOURCE, ("i", i), capacity=int(demand[i]))
            total += int(demand[i])
    live = {i for i in range(n_items) if demand[i] > 0}
    # arcs without a "capacity" attribute are unbounded in networkx
    graph.add_edges_from((("i", i), ("v", s)) for i, s in allowed if i in live)
    used_groups = {g for i, g in allowed_groups if i in live and g in members}
    graph.add_edges_from((("i", i), ("g", g)) for i, g in allowed_groups if i in live and g in members)
    wide = [i for i in everywhere if i in live]
    if wide and n_servers:
        graph.add_edges_from((("i", i), _ALL) for i in wide)
        used_groups |= set(members)
        grouped = {s for ss in members.values() for s in ss}
        graph.add_edges_from((_ALL, ("g", g)) for g in members)
        graph.add_edges_from((_ALL, ("v", s)) for s in range(n_servers) if s not in grouped)
    graph.add_edges_from((("g", g), ("v", s)) for g in used_groups for s in members[g])
    # networkx's cut is the one nearest the sink: cut the reversed network to get the one nearest the source
    flow, (_, source_side) = nx.minimum_cut(graph.reverse(copy=False), _SINK, _SOURCE)
    source_side = set(source_side) - {_SOURCE}
    parts: list[Shortfall] = []
    if flow < total:
        view = graph.subgraph(source_side).to_undirected(as_view=True)
        for nodes in nx.connected_components(view):
            items = tuple(sorted(n[1] for n in nodes if n[0] == "i"))
            if not items:
                continue
            servers = tuple(sorted(n[1] for n in nodes if n[0] == "v"))
            parts.append(Shortfall(items, servers, sum(int(demand[i]) for i in items),
                                   sum(int(capacity[s]) for s in servers)))
    parts.sort(key=lambda p: (-p.deficit, p.items))
    return CapacityCut(total, int(flow), tuple(parts))


def office_leader_cut(leader_office: Sequence[int], community_office: Sequence[int], share: int = 1,
                      pins: Iterable[tuple[int, int]] = (), forbidden: Iterable[tuple[int, int]] = ()
                      ) -> CapacityCut:
    """Office leadership members → contact communities (issue 15): each member needs one community of their own
    office, a community takes at most `share` members (1 = no sharing). A pinned member may use only the pinned
    community; forbidden (member, community) pairs are left out. A part names members (items) and the
    communities (servers) they may use: "办事处 B03 的 5 名班子成员各需一个联系社区，可选社区只有 4 个"."""
    pinned: dict[int, set[int]] = {}
    for m, c in pins:
        pinned.setdefault(m, set()).add(c)
    banned: dict[int, set[int]] = {}
    for m, c in forbidden:
        banned.setdefault(m, set()).add(c)
    in_office: dict[int, list[int]] = {}
    for c, o in enumerate(community_office):
        in_office.setdefault(int(o), []).append(c)
    allowed: list[tuple[int, int]] = []
    by_group: list[tuple[int, int]] = []
    for m, o in enumerate(leader_office):
        if m in pinned:
            allowed += [(m, c) for c in sorted(pinned[m]) if c not in banned.get(m, set())]
        elif m in banned:
            allowed += [(m, c) for c in in_office.get(int(o), []) if c not in banned[m]]
        else:
            by_group.append((m, int(o)))
    return capacity_cut([1] * len(leader_office), [share] * len(community_office), allowed,
                        groups=list(community_office), allowed_groups=by_group)
