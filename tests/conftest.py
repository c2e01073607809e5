"""Shared fixtures. Tiny named instances live in tests/fixtures.py; demo districts are generated on demand."""
