"""Actual visits (Part 2): actual_visits, and actual_notes kept apart (personal data, purgeable).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "actual_visits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("person_kind", sa.String(10), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("activity", sa.String(20), nullable=False),
        sa.Column("target_kind", sa.String(20), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(2), nullable=False),
        sa.Column("talk", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["scenario_id"], ["scenarios.id"], ondelete="CASCADE",
                                name="fk_actual_visits_scenario_id_scenarios"),
        sa.PrimaryKeyConstraint("id", name="pk_actual_visits"),
    )
    op.create_index("ix_actual_visits_scenario_date", "actual_visits", ["scenario_id", "date"])
    op.create_table(
        "actual_notes",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("purged_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["visit_id"], ["actual_visits.id"], ondelete="CASCADE",
                                name="fk_actual_notes_visit_id_actual_visits"),
        sa.PrimaryKeyConstraint("visit_id", name="pk_actual_notes"),
    )


def downgrade() -> None:
    op.drop_table("actual_notes")
    op.drop_index("ix_actual_visits_scenario_date", table_name="actual_visits")
    op.drop_table("actual_visits")
