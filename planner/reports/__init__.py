"""Research reports (调研报告, seed 003 三(一)4): who owes how many, when they fall due (`report_due.csv` in the
plan), the reports handed in (`reports.csv`), and the due-date events of each person's calendar.

The counting for `planner progress` is planner/supervision/report_progress.py (engine) and
planner/check/progress.py (independent recomputation); the plan-file rules are checked by planner/check/reports.py.
"""
