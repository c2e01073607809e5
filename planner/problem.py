"""The validated, index-based Problem that every engine receives.

Each table is a pandas DataFrame whose row position is the entity's dense index (0..n-1); references between
tables are resolved once, here, into integer columns (`communities.office`, `households.community`,
`cadres.unit`, ...), so engines never look ids up again. No solver imports here.

Columns (English names, contract order, then the resolved index columns):
- offices:        office_id, name, kind, lat, lon
- communities:    community_id, name, office_id, lat, lon, office
- households:     household_id, community_id, name, priority, lat, lon, community, office
- leaders:        leader_id, name, tier
- units:          unit_id, name, lat, lon
- cadres:         cadre_id, name, unit_id, rank, max_households, lat, lon, unit, capacity
- unavailability: person_id, start, end, reason, person_kind, person   (start/end are datetime.date)
- pins/forbidden: kind, subject_id, target_id, subject, target
- holidays:       date, kind                                            (date is datetime.date)
- office_leaders: person_id, name, office_id, role, office              (optional table; empty when absent)
Ids are str; lat/lon float (NaN when absent); priority, capacity int; max_households float (NaN when absent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from planner.rules import Rules


@dataclass(frozen=True, eq=False)
class Problem:
    offices: pd.DataFrame
    communities: pd.DataFrame
    households: pd.DataFrame
    leaders: pd.DataFrame
    units: pd.DataFrame
    cadres: pd.DataFrame
    unavailability: pd.DataFrame
    pins: pd.DataFrame
    forbidden: pd.DataFrame
    holidays: pd.DataFrame
    rules: Rules = field(default_factory=Rules)
    source: str = ""
    office_leaders: pd.DataFrame = field(default_factory=lambda: empty_office_leaders())

    # -- sizes ----------------------------------------------------------------------------------------------------
    @property
    def n_offices(self) -> int:
        return len(self.offices)

    @property
    def n_communities(self) -> int:
        return len(self.communities)

    @property
    def n_households(self) -> int:
        return len(self.households)

    @property
    def n_leaders(self) -> int:
        return len(self.leaders)

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def n_cadres(self) -> int:
        return len(self.cadres)

    @property
    def n_office_leaders(self) -> int:
        return len(self.office_leaders)

    def counts(self) -> dict[str, int]:
        out = {name: len(getattr(self, name)) for name in (
            "offices", "communities", "households", "leaders", "units", "cadres",
            "unavailability", "pins", "forbidden", "holidays")}
        if len(self.office_leaders):   # the optional fourth level: counted only when present
            out["office_leaders"] = len(self.office_leaders)
        return out

    # -- id -> index maps (built once, on first use) --------------------------------------------------------------
    @cached_property
    def office_index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.offices["office_id"])}

    @cached_property
    def community_index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.communities["community_id"])}

    @cached_property
    def household_index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.households["household_id"])}

    @cached_property
    def leader_index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.leaders["leader_id"])}

    @cached_property
    def unit_index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.units["unit_id"])}

    @cached_property
    def cadre_index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.cadres["cadre_id"])}

    @cached_property
    def office_leader_index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.office_leaders["person_id"])}

    def raw_tables(self) -> dict[str, pd.DataFrame]:
        """The tables as the user gave them (contract columns only), e.g. for storing or re-validating."""
        from planner.model import TABLES

        return {t.stem: getattr(self, t.stem)[list(t.names)].copy() for t in TABLES}


def empty_office_leaders() -> pd.DataFrame:
    """The office_leaders table when the input has none (the office level is optional)."""
    return pd.DataFrame({"person_id": pd.Series([], dtype="str"), "name": pd.Series([], dtype="str"),
                         "office_id": pd.Series([], dtype="str"), "role": pd.Series([], dtype="str"),
                         "office": pd.Series([], dtype=np.int64)})
