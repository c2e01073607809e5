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
part is returned as one explanation (items that no server may take at all are one part together). A part is
minimal in that sense: every proper subset is short by less (some subset may still be short, by less; the smallest
short set by count is NP-hard in general and not sought).

Size: "every server" and "every server of group g" are hub nodes, not one arc per pair: the groups are the leaves
of a balanced tree, and an item allowed a set of groups is joined to the maximal tree nodes inside that set, so
"every unit but one" costs about 2·log2(units) arcs. Callers aggregate too (a community's plain households are one
item, a unit's cadres without locks one server), so the graph stays near-linear in items + servers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.graph.python import max_flow

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


Node = tuple[Any, ...]
Arc = tuple[Node, Node, int | None]  # None = unbounded


def capacity_cut(demand: Sequence[int], capacity: Sequence[int], allowed: Iterable[tuple[int, int]] = (), *,
                 everywhere: Iterable[int] = (), groups: Sequence[int] | None = None,
                 allowed_groups: Iterable[tuple[int, int]] = ()) -> CapacityCut:
    """Max flow and the minimal largest short set(s) of items.

    demand[i] ≥ 0 per item, capacity[s] ≥ 0 per server; item i may use server s when (i, s) is in `allowed`, or
    i is in `everywhere`, or groups[s] = g (a group id ≥ 0, -1 for none) with (i, g) in `allowed_groups`.
    The yes/no comes from OR-Tools' max flow (C++, milliseconds at city size, so the check can run before every
    solve); only when demand is not covered does networkx's `minimum_cut` name the short set.
    """
    arcs, total = _network(demand, capacity, allowed, everywhere, groups, allowed_groups)
    index: dict[Node, int] = {_SOURCE: 0, _SINK: 1}
    for tail, head, _ in arcs:
        index.setdefault(tail, len(index))
        index.setdefault(head, len(index))
    solver = max_flow.SimpleMaxFlow()
    unbounded = total + 1  # more than any cut that matters: every source arc together costs `total`
    solver.add_arcs_with_capacity(np.array([index[t] for t, _, _ in arcs], dtype=np.int64),
                                  np.array([index[h] for _, h, _ in arcs], dtype=np.int64),
                                  np.array([unbounded if c is None else c for _, _, c in arcs], dtype=np.int64))
    if solver.solve(0, 1) != solver.OPTIMAL:
        raise RuntimeError("max flow failed")
    if solver.optimal_flow() >= total:
        return CapacityCut(total, total, ())
    import networkx as nx  # only when demand is not covered: it costs ~0.25 s of imports (scipy) on every plan

    graph = nx.DiGraph()
    graph.add_nodes_from(index)
    # arcs without a "capacity" attribute are unbounded in networkx
    graph.add_edges_from((t, h) if c is None else (t, h, {"capacity": c}) for t, h, c in arcs)
    # networkx's cut is the one nearest the sink: cut the reversed network to get the one nearest the source
    flow, (_, source_side) = nx.minimum_cut(graph.reverse(copy=False), _SINK, _SOURCE)
    view = graph.subgraph(set(source_side) - {_SOURCE}).to_undirected(as_view=True)
    parts: list[Shortfall] = []
    stranded: list[int] = []  # items no server may take: one part together
    for nodes in nx.connected_components(view):
        items = tuple(sorted(n[1] for n in nodes if n[0] == "i"))
        servers = tuple(sorted(n[1] for n in nodes if n[0] == "v"))
        if items and not servers:
            stranded += items
        elif items:
            parts.append(Shortfall(items, servers, sum(int(demand[i]) for i in items),
                                   sum(int(capacity[s]) for s in servers)))
    if stranded:
        parts.append(Shortfall(tuple(sorted(stranded)), (), sum(int(demand[i]) for i in stranded), 0))
    parts.sort(key=lambda p: (-p.deficit, p.items))
    return CapacityCut(total, int(flow), tuple(parts))


def _network(demand: Sequence[int], capacity: Sequence[int], allowed: Iterable[tuple[int, int]],
             everywhere: Iterable[int], groups: Sequence[int] | None, allowed_groups: Iterable[tuple[int, int]]
             ) -> tuple[list[Arc], int]:
    """The arcs (items with no demand left out) and the total demand."""
    n_items, n_servers = len(demand), len(capacity)
    live = {i for i in range(n_items) if demand[i] > 0}
    arcs: list[Arc] = [(_SOURCE, ("i", i), int(demand[i])) for i in sorted(live)]
    arcs += [(("v", s), _SINK, int(capacity[s])) for s in range(n_servers)]
    arcs += [(("i", i), ("v", s), None) for i, s in allowed if i in live]
    members: dict[int, list[int]] = {}
    for s, g in enumerate(groups if groups is not None else ()):
        if g >= 0:
            members.setdefault(int(g), []).append(s)
    dense = {g: j for j, g in enumerate(sorted(members))}  # group id -> leaf of the group tree
    sets: dict[int, set[int]] = {}
    for i, g in allowed_groups:
        if i in live and g in dense:
            sets.setdefault(i, set()).add(dense[g])
    if dense:
        arcs += _group_tree([members[g] for g in sorted(members)])
        for i, leaves in sorted(sets.items()):
            arcs += [(("i", i), node, None) for node in _cover(leaves, len(dense))]
    wide = sorted(i for i in set(everywhere) if i in live)
    if wide and n_servers:
        grouped = {s for ss in members.values() for s in ss}
        arcs += [(("i", i), _ALL, None) for i in wide]
        arcs += [(_ALL, ("v", s), None) for s in range(n_servers) if s not in grouped]
        if dense:
            arcs.append((_ALL, ("t", 0, len(dense)), None))
    return arcs, sum(int(demand[i]) for i in live)


def _group_tree(members: list[list[int]]) -> list[Arc]:
    """A balanced tree over the groups (leaf j = group j → its servers), so that "every group but a few" is a few
    tree nodes (`_cover`) rather than one arc per group."""
    arcs: list[Arc] = []
    stack = [(0, len(members))]
    while stack:
        lo, hi = stack.pop()
        if hi - lo == 1:
            arcs += [(("t", lo, hi), ("v", s), None) for s in members[lo]]
            continue
        mid = (lo + hi) // 2
        arcs += [(("t", lo, hi), ("t", lo, mid), None), (("t", lo, hi), ("t", mid, hi), None)]
        stack += [(lo, mid), (mid, hi)]
    return arcs


def _cover(leaves: set[int], n: int) -> list[tuple[str, int, int]]:
    """The maximal tree nodes whose groups all lie in `leaves` (their union is exactly `leaves`)."""
    inside = [0] * (n + 1)
    for j in range(n):
        inside[j + 1] = inside[j] + (j in leaves)
    out: list[tuple[str, int, int]] = []
    stack = [(0, n)]
    while stack:
        lo, hi = stack.pop()
        count = inside[hi] - inside[lo]
        if count == hi - lo:
            out.append(("t", lo, hi))
        elif count:
            mid = (lo + hi) // 2
            stack += [(lo, mid), (mid, hi)]
    return out


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
