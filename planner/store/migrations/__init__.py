"""Alembic migrations of the scenario store (run to head by `planner.store.api.open_store`)."""
