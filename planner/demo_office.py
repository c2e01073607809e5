"""The demo's office level (issue 15): each office's leadership team, drawn from a random stream of its own so that
the other demo tables are byte for byte what they were before the office level existed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

OFFICE_MEMBERS = (1, 4)        # 班子成员 per office besides the secretary and the director
OFFICE_LEADERS_STREAM = 15     # the office leaders' own random stream


def office_leaders_table(seed: int, offices: pd.DataFrame, communities: pd.DataFrame,
                         people_names: Callable[[np.random.Generator, int], np.ndarray]) -> pd.DataFrame:
    """Each office's leadership team: a 党工委书记, a 主任 and 1–4 members (fewer where the office has few
    communities, so that no two share a contact community). Drawn from a generator of its own, so the other tables
    are the same as before the office level existed."""
    rng = np.random.default_rng([seed, OFFICE_LEADERS_STREAM])
    per_office = communities["office_id"].value_counts()
    rows: list[tuple[str, str, str]] = []
    for oid in offices["office_id"]:
        members = int(rng.integers(OFFICE_MEMBERS[0], OFFICE_MEMBERS[1] + 1))
        members = max(OFFICE_MEMBERS[0], min(members, int(per_office.get(oid, 0)) - 2))
        roles = ["secretary", "director", *(["member"] * members)]
        rows += [(f"{oid}-{j + 1}", str(oid), role) for j, role in enumerate(roles)]
    names = people_names(rng, len(rows))
    return pd.DataFrame({"person_id": [r[0] for r in rows], "name": names, "office_id": [r[1] for r in rows],
                         "role": [r[2] for r in rows]})
