"""The office level's obligations in the progress table (contract Part 2 "The office level"):

| obligation | one row per | counts (rows dated ≤ D) | required |
|---|---|---|---|
| `office_leader_contact` | office leader × its contact community | contact rows to it, distinct dates | `visits.office_leader_contact` |
| `office_all_communities` | office leader × community of its office | contact or research rows to it | 1 (when `visits.office_all_communities`) |

An office leader's contact row to a community other than its contact community, or a research row to a community
outside its office, counts toward nothing and is an anomaly, as for the other levels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.supervision.dense import CONTACT, RESEARCH, T_COMMUNITY, _count, _pair_lookup, _Rows

OFFICE_LEADER = 3   # code of "office_leader" in planner.supervision.dense.PK


@dataclass(frozen=True, eq=False)
class OfficePairs:
    person: np.ndarray      # office leader index per pair
    target: np.ndarray      # community index per pair
    office: np.ndarray      # office index of each office leader


def office_pairs(plan_pairs: dict[str, pd.DataFrame], idx: dict[str, pd.Index], person_office: np.ndarray
                 ) -> OfficePairs:
    frame = plan_pairs.get("office_leader_communities")
    if frame is None or not len(frame) or not {"person_id", "community_id"} <= set(frame.columns):
        empty = np.zeros(0, dtype=np.int64)
        return OfficePairs(empty, empty, person_office)
    p = idx["office_leader"].get_indexer(pd.Index(frame["person_id"].astype(str)))
    t = idx["community"].get_indexer(pd.Index(frame["community_id"].astype(str)))
    keep = (p >= 0) & (t >= 0)
    key = pd.DataFrame({"p": p[keep], "t": t[keep]}).drop_duplicates().sort_values(["p", "t"])
    return OfficePairs(key["p"].to_numpy(np.int64), key["t"].to_numpy(np.int64), person_office)


def contact_pair_of_rows(r: _Rows, pairs: OfficePairs, n_communities: int) -> np.ndarray:
    """Pair index of each office leader contact row (-1 elsewhere or when not its contact community)."""
    contact = (r.pk == OFFICE_LEADER) & (r.act == CONTACT) & (r.tk == T_COMMUNITY)
    found = _pair_lookup(r.person, r.target, pairs.person, pairs.target, n_communities)
    return np.where(contact, found, -1)


def contact_dates(r: _Rows, pairs: OfficePairs, n_communities: int, n_days: int) -> np.ndarray:
    return _count(contact_pair_of_rows(r, pairs, n_communities), len(pairs.person), r.day, n_days)


def own_community_rows(r: _Rows, pairs: OfficePairs, community_office: np.ndarray) -> np.ndarray:
    """Office leader contact/research rows to a community of the leader's own office (the 走遍 rows)."""
    sel = ((r.pk == OFFICE_LEADER) & ((r.act == CONTACT) | (r.act == RESEARCH)) & (r.tk == T_COMMUNITY)
           & (r.person >= 0) & (r.target >= 0))
    out = np.zeros(len(r.day), dtype=bool)
    out[sel] = community_office[r.target[sel]] == pairs.office[r.person[sel]]
    return out


def all_communities_grid(r: _Rows, pairs: OfficePairs, community_office: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person, community, rows) for every office leader × community of its office."""
    person, community = np.nonzero(pairs.office[:, None] == community_office[None, :])
    n_c = max(len(community_office), 1)
    own = own_community_rows(r, pairs, community_office)
    counts = np.bincount(r.person[own] * n_c + r.target[own], minlength=len(pairs.office) * n_c)
    return person, community, counts[person * n_c + community]


def anomalies(r: _Rows, pairs: OfficePairs, community_office: np.ndarray, n_communities: int) -> np.ndarray:
    """Row positions of office leader rows that count toward nothing (not its contact community, or outside its
    office)."""
    is_ol = (r.pk == OFFICE_LEADER) & ((r.act == CONTACT) | (r.act == RESEARCH))
    contact = is_ol & (r.act == CONTACT)
    bad = (contact & (contact_pair_of_rows(r, pairs, n_communities) < 0)) | \
        (is_ol & (r.act == RESEARCH) & ~own_community_rows(r, pairs, community_office))
    return np.flatnonzero(bad)
