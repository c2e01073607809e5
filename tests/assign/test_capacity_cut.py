"""capacity_cut: the short set a minimum cut names, on instances solved by hand and on random ones re-verified by
brute force over every subset of items (Hall's condition with capacities), independently of any flow code."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.assign.capacity_cut import CapacityCut, capacity_cut, office_leader_cut
from planner.assign.explain_capacity import office_leader_conflicts


def _neighbours(items: set[int], allowed: set[tuple[int, int]]) -> set[int]:
    return {s for i, s in allowed if i in items}


def _shortfall(items: set[int], demand: list[int], capacity: list[int], allowed: set[tuple[int, int]]) -> int:
    return sum(demand[i] for i in items) - sum(capacity[s] for s in _neighbours(items, allowed))


# -- solved by hand ---------------------------------------------------------------------------------------------
def test_two_items_sharing_two_servers_are_short_together() -> None:
    """Items 0 and 1 need 5 + 4 = 9 and may only use servers 0 and 1 (3 + 3 = 6): 3 short. Item 0 alone is short
    by 2 only, item 2 is served by server 2. Max flow 11 − 3 = 8."""
    cut = capacity_cut([5, 4, 2], [3, 3, 10], [(0, 0), (1, 0), (1, 1), (2, 2)])
    assert (cut.total_demand, cut.max_flow, cut.deficit) == (11, 8, 3)
    [part] = cut.parts
    assert (part.items, part.servers, part.demand, part.capacity, part.deficit) == ((0, 1), (0, 1), 9, 6, 3)


def test_the_smallest_of_the_largest_short_sets_is_named() -> None:
    """{0} is short by 2 (5 against 3); {0, 1} too (7 against 5). networkx's own cut is the largest such set; the
    reversed cut names {0}, the one without the item that changes nothing."""
    cut = capacity_cut([5, 2], [3, 2], [(0, 0), (1, 0), (1, 1)])
    [part] = cut.parts
    assert (part.items, part.servers, part.demand, part.capacity) == ((0,), (0,), 5, 3)
    assert cut.max_flow == 5


def test_independent_short_sets_are_separate_parts_largest_first() -> None:
    cut = capacity_cut([4, 9, 1], [3, 5, 7], [(0, 0), (1, 1), (2, 2)])
    assert [(p.items, p.servers, p.deficit) for p in cut.parts] == [((1,), (1,), 4), ((0,), (0,), 1)]
    assert cut.max_flow == 14 - 5


def test_covered_demand_has_no_parts_and_zero_demand_is_ignored() -> None:
    cut = capacity_cut([2, 0, 3], [5, 0], [(0, 0), (2, 0)])
    assert cut == CapacityCut(5, 5, ())


def test_an_item_no_server_may_take_is_short_by_its_demand() -> None:
    cut = capacity_cut([3, 1], [5], [(1, 0)])
    [part] = cut.parts
    assert (part.items, part.servers, part.demand, part.capacity) == ((0,), (), 3, 0)


def test_groups_and_everywhere_mean_the_servers_they_stand_for() -> None:
    """Servers 0–1 form group 7 and 2–3 group 8; item 0 (demand 9) may use group 7 (4 + 4), item 1 every server."""
    cut = capacity_cut([9, 2], [4, 4, 1, 1], groups=[7, 7, 8, 8], allowed_groups=[(0, 7)], everywhere=[1])
    [part] = cut.parts
    assert (part.items, part.servers, part.demand, part.capacity) == ((0,), (0, 1), 9, 8)
    cut = capacity_cut([9, 2], [4, 4, 1, 1], groups=[7, 7, 8, 8], allowed_groups=[(0, 7)], everywhere=[0, 1])
    [part] = cut.parts  # now only the total is short: 11 against 10
    assert (part.items, part.servers, part.demand, part.capacity, cut.max_flow) == ((0, 1), (0, 1, 2, 3), 11, 10, 10)
    cut = capacity_cut([7, 2], [4, 4, 1, 1], groups=[7, 7, 8, 8], allowed_groups=[(0, 7), (1, 8)])
    assert cut.parts == () and cut.max_flow == 9


# -- random instances, re-verified ------------------------------------------------------------------------------
@st.composite
def instances(draw: st.DrawFn) -> tuple[list[int], list[int], set[tuple[int, int]], list[int], bool]:
    n_items = draw(st.integers(1, 6))
    n_servers = draw(st.integers(1, 5))
    demand = draw(st.lists(st.integers(0, 7), min_size=n_items, max_size=n_items))
    capacity = draw(st.lists(st.integers(0, 6), min_size=n_servers, max_size=n_servers))
    pairs = [(i, s) for i in range(n_items) for s in range(n_servers)]
    allowed = set(draw(st.lists(st.sampled_from(pairs), max_size=len(pairs))))
    groups = draw(st.lists(st.integers(-1, 2), min_size=n_servers, max_size=n_servers))
    return demand, capacity, allowed, groups, draw(st.booleans())


@settings(max_examples=150)
@given(instances())
def test_random_cut_numbers_hold_by_brute_force(case: tuple[list[int], list[int], set[tuple[int, int]], list[int],
                                                                bool]) -> None:
    demand, capacity, allowed, groups, via_groups = case
    if via_groups:  # the same relation said with groups where an item may use a whole group
        pass_pairs: set[tuple[int, int]] = set()
        by_group: list[tuple[int, int]] = []
        for i in range(len(demand)):
            for g in set(groups) - {-1}:
                members = {s for s, gg in enumerate(groups) if gg == g}
                if members and all((i, s) in allowed for s in members):
                    by_group.append((i, g))
                    continue
                pass_pairs |= {(i, s) for s in members if (i, s) in allowed}
            pass_pairs |= {(i, s) for s in range(len(capacity)) if groups[s] == -1 and (i, s) in allowed}
        cut = capacity_cut(demand, capacity, sorted(pass_pairs), groups=groups, allowed_groups=by_group)
    else:
        cut = capacity_cut(demand, capacity, sorted(allowed))
    subsets = [set(c) for r in range(len(demand) + 1) for c in combinations(range(len(demand)), r)]
    best = max(_shortfall(s, demand, capacity, allowed) for s in subsets)  # ≥ 0 (the empty set)
    assert cut.total_demand == sum(demand)
    assert cut.max_flow == sum(demand) - best                        # max-flow/min-cut, by brute force
    assert sum(p.deficit for p in cut.parts) == best
    named: set[int] = set()
    for part in cut.parts:
        items = set(part.items)
        assert set(part.servers) == _neighbours(items, allowed)       # every server any of them may use
        assert part.demand == sum(demand[i] for i in items)
        assert part.capacity == sum(capacity[s] for s in part.servers)
        assert part.demand > part.capacity                            # a Hall violator
        assert not named & items
        named |= items
    if best > 0:  # the smallest set with the largest shortfall: every proper subset is short by less
        assert all(_shortfall(s, demand, capacity, allowed) < best for s in subsets if s < named)
    else:
        assert not named


# -- the office level (issue 15's third caller), on synthetic data ----------------------------------------------
def test_office_with_more_leaders_than_communities_is_named() -> None:
    """Office 0 has communities 0–2 and five leadership members (0–4); office 1 two members and communities 3–6.
    Without sharing, office 0 is two short; with two per community it fits."""
    leader_office = [0, 0, 0, 0, 0, 1, 1]
    community_office = [0, 0, 0, 1, 1, 1, 1]
    cut = office_leader_cut(leader_office, community_office)
    [part] = cut.parts
    assert (part.items, part.servers, part.demand, part.capacity) == ((0, 1, 2, 3, 4), (0, 1, 2), 5, 3)
    assert office_leader_cut(leader_office, community_office, share=2).parts == ()
    [conflict] = office_leader_conflicts(cut, [f"M{i}" for i in range(7)], [f"C{c}" for c in range(7)])
    assert conflict.message_en == ("office leaders M0, M1, M2, M3, M4 (5) each need a contact community, but the "
                                   "communities they may use (C0, C1, C2) take at most 3 (2 short)")
    assert "班子成员 M0、M1、M2、M3、M4 共 5 人" in conflict.message_zh


def test_office_pins_and_forbidden_pairs_narrow_the_choice() -> None:
    """Office 0 has three communities for three members: enough, until members 0 and 1 are both pinned to
    community 0 (one short), or member 1 is pinned to community 2 while member 2 is forbidden from 0 and 1."""
    leader_office, community_office = [0, 0, 0], [0, 0, 0]
    assert office_leader_cut(leader_office, community_office).parts == ()
    [part] = office_leader_cut(leader_office, community_office, pins=[(0, 0), (1, 0)]).parts
    assert (part.items, part.servers, part.deficit) == ((0, 1), (0,), 1)
    [part] = office_leader_cut(leader_office, community_office, pins=[(1, 2)], forbidden=[(2, 0), (2, 1)]).parts
    assert (part.items, part.servers, part.deficit) == ((1, 2), (2,), 1)
    assert office_leader_cut(leader_office, community_office, pins=[(1, 1)], forbidden=[(2, 0), (2, 1)]).parts == ()


@settings(max_examples=80)
@given(st.integers(2, 12), st.data())
def test_the_group_tree_stands_for_exactly_its_groups(n_groups: int, data: st.DataObject) -> None:
    """Allowing a set of groups (joined through the fewest tree nodes) gives the same flow and the same short sets
    as listing every (item, server) pair of those groups."""
    sizes = data.draw(st.lists(st.integers(1, 2), min_size=n_groups, max_size=n_groups))
    groups = [g for g, k in enumerate(sizes) for _ in range(k)]
    capacity = data.draw(st.lists(st.integers(0, 4), min_size=len(groups), max_size=len(groups)))
    n_items = data.draw(st.integers(1, 5))
    demand = data.draw(st.lists(st.integers(0, 9), min_size=n_items, max_size=n_items))
    chosen = [data.draw(st.sets(st.integers(0, n_groups - 1))) for _ in range(n_items)]
    by_group = [(i, g) for i, gs in enumerate(chosen) for g in gs]
    pairs = [(i, s) for i, gs in enumerate(chosen) for s, g in enumerate(groups) if g in gs]
    assert capacity_cut(demand, capacity, groups=groups, allowed_groups=by_group) == capacity_cut(demand, capacity,
                                                                                                    pairs)
