"""The office level's assignment rules (office_leader_communities.csv), recomputed from the plan alone.

- `assign.office_leader_one_community`: each office leader links exactly one community;
- `assign.office_leader_own_office`: that community lies in the leader's own office;
- `assign.office_leader_sharing`: no two leaders of one office share a community — with
  `assign.office_no_sharing = "strict"` ever, with "prefer" while the office has at least as many communities as
  leaders (otherwise each community takes at most ⌈leaders / communities⌉).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from planner.check.context import Context
from planner.check.violation import Collector

if TYPE_CHECKING:
    from planner.check.assignment import Links


def office_leader_assignment(ctx: Context, pairs: Links, out: Collector) -> None:
    """The three rules of the module docstring."""
    n = len(ctx.office_leaders)
    if not n and not len(pairs):
        return
    per_person = np.bincount(pairs.a, minlength=n)
    out.count("assign.office_leader_one_community", n)
    for p in np.flatnonzero(per_person != 1):
        pid, k = ctx.office_leaders.ids[p], int(per_person[p])
        out.add("assign.office_leader_one_community", f"办事处领导 {pid} 联系 {k} 个社区，应恰为 1 个",
                f"office leader {pid} links {k} communities, must be exactly 1", (pid,), abs(k - 1))
    own = ctx.office_leader_office[pairs.a]
    where = ctx.community_office[pairs.b]
    out.count("assign.office_leader_own_office", len(pairs))
    for i in np.flatnonzero(own != where):
        pid, cid = ctx.office_leaders.ids[pairs.a[i]], ctx.communities.ids[pairs.b[i]]
        oid = ctx.offices.ids[own[i]] if own[i] >= 0 else "?"
        out.add("assign.office_leader_own_office", f"办事处领导 {pid}（办事处 {oid}）联系的社区 {cid} 不在本办事处",
                f"office leader {pid} (office {oid}) links community {cid}, which is not in its office", (pid, cid))
    n_offices = len(ctx.offices)
    leaders_per_office = np.bincount(ctx.office_leader_office[ctx.office_leader_office >= 0], minlength=n_offices)
    communities_per_office = np.bincount(ctx.community_office[ctx.community_office >= 0], minlength=n_offices)
    per_community = np.bincount(pairs.b, minlength=len(ctx.communities))
    strict = ctx.rules.assign.office_no_sharing == "strict"
    used = np.unique(pairs.b)
    out.count("assign.office_leader_sharing", len(used))
    for c in used:
        o = int(ctx.community_office[c])
        leaders, comms = int(leaders_per_office[o]), int(communities_per_office[o])
        limit = 1 if strict or comms >= leaders else math.ceil(leaders / max(comms, 1))
        if per_community[c] > limit:
            who = ", ".join(ctx.office_leaders.ids[pairs.a[pairs.b == c]])
            cid = ctx.communities.ids[c]
            out.add("assign.office_leader_sharing",
                    f"社区 {cid} 由 {per_community[c]} 名办事处领导联系（{who}），办事处 {ctx.offices.ids[o]} 有 {comms} 个社区、"
                    f"{leaders} 名领导，每个社区最多 {limit} 名",
                    f"community {cid} is the contact point of {per_community[c]} office leaders ({who}); office "
                    f"{ctx.offices.ids[o]} has {comms} communities and {leaders} leaders, so at most {limit} per "
                    f"community", (cid,), int(per_community[c] - limit))
