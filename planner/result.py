"""Solver-independent results: status, objective, bound, seconds, and the solution in indices.

CP-SAT status names are translated to `Status` in exactly one place: `status_from_cpsat`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd


class Status(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"


def status_from_cpsat(code: Any) -> Status:
    from ortools.sat.python import cp_model

    return {
        cp_model.OPTIMAL: Status.OPTIMAL,
        cp_model.FEASIBLE: Status.FEASIBLE,
        cp_model.INFEASIBLE: Status.INFEASIBLE,
    }.get(code, Status.UNKNOWN)


@dataclass(frozen=True)
class StageReport:
    """One solve stage (or a family of decomposed sub-models, aggregated)."""

    name: str
    status: Status
    objective: float
    bound: float
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        if self.objective == self.bound:
            return 0.0
        return abs(self.objective - self.bound) / max(abs(self.objective), 1e-9)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": str(self.status), "objective": self.objective, "bound": self.bound,
                "gap": self.gap, "seconds": round(self.seconds, 3), **self.details}


@dataclass(frozen=True, eq=False)
class Assignment:
    """Who links whom, as dense indices into the Problem's tables.

    leader_office[l] = office index; community_unit[c] = unit index; household_cadre[h] = cadre index;
    office_leader_community[p] = the contact community of office leader p (empty without the office level).
    """

    leader_office: np.ndarray
    community_unit: np.ndarray
    household_cadre: np.ndarray
    stages: tuple[StageReport, ...] = ()
    # (leader, office) pairs beyond leader_office, used only when leader_max_offices > 1 and offices > leaders
    extra_leader_offices: tuple[tuple[int, int], ...] = ()
    office_leader_community: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def frames(self, problem: Any) -> dict[str, pd.DataFrame]:
        """The plan-folder pair tables, with ids, sorted for stable files."""
        lo = pd.DataFrame({"leader_id": problem.leaders["leader_id"].to_numpy(),
                           "office_id": problem.offices["office_id"].to_numpy()[self.leader_office]})
        if self.extra_leader_offices:
            extra = np.asarray(self.extra_leader_offices, dtype=int).reshape(-1, 2)
            lo = pd.concat([lo, pd.DataFrame({"leader_id": problem.leaders["leader_id"].to_numpy()[extra[:, 0]],
                                              "office_id": problem.offices["office_id"].to_numpy()[extra[:, 1]]})],
                           ignore_index=True)
        uc = pd.DataFrame({"unit_id": problem.units["unit_id"].to_numpy()[self.community_unit],
                           "community_id": problem.communities["community_id"].to_numpy()})
        ch = pd.DataFrame({"cadre_id": problem.cadres["cadre_id"].to_numpy()[self.household_cadre],
                           "household_id": problem.households["household_id"].to_numpy()})
        out = {"leader_offices": lo, "unit_communities": uc.sort_values(["unit_id", "community_id"], kind="stable"),
               "cadre_households": ch.sort_values(["cadre_id", "household_id"], kind="stable")}
        office_leaders = getattr(problem, "office_leaders", None)
        if office_leaders is not None and len(self.office_leader_community):
            out["office_leader_communities"] = pd.DataFrame({
                "person_id": office_leaders["person_id"].to_numpy(),
                "community_id": problem.communities["community_id"].to_numpy()[self.office_leader_community]})
        return out


@dataclass(frozen=True, eq=False)
class Calendar:
    """The year's visits (contract `visits.csv` columns, ids, `date` as datetime.date) and how they were made."""

    visits: pd.DataFrame
    stages: tuple[StageReport, ...] = ()
    estimated_calendar: bool = False
    calendar_source: str = ""
