"""Calendar engine: every person's visits for the year."""

from planner.calendar.solve import solve_calendar

__all__ = ["solve_calendar"]
