"""Everything the three assignment stages share: integer costs, points, pins, forbidden pairs, last year's pairs.

Solvers need integer costs. Distances are counted in units of 1/COST_SCALE km, so every weight from
`rules.weights` is multiplied by COST_SCALE; objectives are divided back before they are reported, so a report's
objective reads in the weights' own units (1 = one km of distance at weight 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from planner.problem import Problem

COST_SCALE = 10  # distance resolution: 0.1 km
EARTH_RADIUS_KM = 6371.0


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance, broadcasting; NaN where a coordinate is missing."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _fill(primary: pd.DataFrame, fallback: np.ndarray, index: np.ndarray) -> np.ndarray:
    """lat/lon of each row, falling back to the parent's point (a household without coordinates sits at its
    community, a community at its office, a cadre at its unit)."""
    pts = primary[["lat", "lon"]].to_numpy(dtype=float).copy()
    missing = np.isnan(pts).any(axis=1)
    if missing.any() and len(fallback):
        pts[missing] = fallback[index[missing]]
    return pts


@dataclass
class AssignData:
    """Index-based view of a Problem for the assignment stages (built once per solve)."""

    problem: Problem
    previous: dict[str, pd.DataFrame] | None = None
    _pairs: dict[str, set[tuple[int, int]]] = field(default_factory=dict)

    # -- points and distances ---------------------------------------------------------------------------------------
    @cached_property
    def office_points(self) -> np.ndarray:
        return self.problem.offices[["lat", "lon"]].to_numpy(dtype=float)

    @cached_property
    def community_points(self) -> np.ndarray:
        return _fill(self.problem.communities, self.office_points,
                     self.problem.communities["office"].to_numpy(dtype=int))

    @cached_property
    def household_points(self) -> np.ndarray:
        return _fill(self.problem.households, self.community_points,
                     self.problem.households["community"].to_numpy(dtype=int))

    @cached_property
    def unit_points(self) -> np.ndarray:
        return self.problem.units[["lat", "lon"]].to_numpy(dtype=float)

    @cached_property
    def cadre_points(self) -> np.ndarray:
        return _fill(self.problem.cadres, self.unit_points, self.problem.cadres["unit"].to_numpy(dtype=int))

    def distance_cost(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Scaled integer distance between point arrays a and b (same shape (n, 2)); 0 where either is unknown.

        Units and cadres have no office, so the contract's fallback "between_office_km between offices" has no
        meaning for them: an unknown point simply adds no distance (the one-office goal still applies).
        """
        km = haversine_km(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
        km = np.nan_to_num(km, nan=0.0)
        return np.rint(km * COST_SCALE * self.problem.rules.weights.distance).astype(np.int64)

    # -- sizes ------------------------------------------------------------------------------------------------------
    @cached_property
    def community_households(self) -> np.ndarray:
        return np.bincount(self.problem.households["community"].to_numpy(dtype=int),
                           minlength=self.problem.n_communities).astype(np.int64)

    @cached_property
    def cadre_capacity(self) -> np.ndarray:
        return self.problem.cadres["capacity"].to_numpy(dtype=np.int64)

    @cached_property
    def unit_capacity(self) -> np.ndarray:
        return np.bincount(self.problem.cadres["unit"].to_numpy(dtype=int), weights=self.cadre_capacity,
                           minlength=self.problem.n_units).astype(np.int64)

    # -- pins, forbidden, previous ----------------------------------------------------------------------------------
    def _lock_pairs(self, frame: pd.DataFrame, kind: str) -> set[tuple[int, int]]:
        rows = frame[frame["kind"].astype(str) == kind]
        return set(zip(rows["subject"].astype(int).tolist(), rows["target"].astype(int).tolist(), strict=True))

    def pins(self, kind: str) -> set[tuple[int, int]]:
        key = f"pin:{kind}"
        if key not in self._pairs:
            self._pairs[key] = self._lock_pairs(self.problem.pins, kind)
        return self._pairs[key]

    def forbidden(self, kind: str) -> set[tuple[int, int]]:
        key = f"forbidden:{kind}"
        if key not in self._pairs:
            self._pairs[key] = self._lock_pairs(self.problem.forbidden, kind)
        return self._pairs[key]

    def previous_pairs(self, kind: str) -> set[tuple[int, int]]:
        """Last year's pairs as indices; ids that no longer exist are dropped."""
        key = f"previous:{kind}"
        if key in self._pairs:
            return self._pairs[key]
        out: set[tuple[int, int]] = set()
        spec = {"leader_office": ("leader_offices", "leader_id", "office_id", "leader_index", "office_index"),
                "unit_community": ("unit_communities", "unit_id", "community_id", "unit_index", "community_index"),
                "cadre_household": ("cadre_households", "cadre_id", "household_id", "cadre_index",
                                    "household_index"),
                "office_leader_community": ("office_leader_communities", "person_id", "community_id",
                                            "office_leader_index", "community_index")}[kind]
        frame = (self.previous or {}).get(spec[0])
        if frame is not None and len(frame) and {spec[1], spec[2]} <= set(frame.columns):
            left: dict[str, int] = getattr(self.problem, spec[3])
            right: dict[str, int] = getattr(self.problem, spec[4])
            for a, b in zip(frame[spec[1]].astype(str), frame[spec[2]].astype(str), strict=True):
                if a in left and b in right:
                    out.add((left[a], right[b]))
        self._pairs[key] = out
        return out

    @property
    def strict(self) -> bool:
        return self.problem.rules.assign.linkage == "strict"

    def weight(self, name: str) -> int:
        """A soft-goal weight in integer cost units."""
        return round(float(getattr(self.problem.rules.weights, name)) * COST_SCALE)
