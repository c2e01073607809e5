"""Assignment engine: leaders → offices, units → communities, cadres → households."""

from planner.assign.solve import solve_assignment

__all__ = ["solve_assignment"]
