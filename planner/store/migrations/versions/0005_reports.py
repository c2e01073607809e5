"""Research reports handed in (Part 2, 调研报告): research_reports, one row per scenario, person and title.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "research_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["scenario_id"], ["scenarios.id"], ondelete="CASCADE",
                                name="fk_research_reports_scenario_id_scenarios"),
        sa.PrimaryKeyConstraint("id", name="pk_research_reports"),
        sa.UniqueConstraint("scenario_id", "person_id", "title", name="uq_research_reports_scenario_person_title"),
    )


def downgrade() -> None:
    op.drop_table("research_reports")
