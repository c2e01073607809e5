"""The case ledger (Part 2): cases, case_history (each step, who and when; transfers kept), case_summaries kept
apart (personal data, purgeable).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("opened", sa.Date(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("raised_with", sa.String(64), nullable=False),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("community_id", sa.String(64), nullable=False),
        sa.Column("owner_unit", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("replied_on", sa.Date(), nullable=True),
        sa.Column("callback_on", sa.Date(), nullable=True),
        sa.Column("satisfied", sa.String(3), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["scenario_id"], ["scenarios.id"], ondelete="CASCADE",
                                name="fk_cases_scenario_id_scenarios"),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.UniqueConstraint("scenario_id", "case_id", name="uq_cases_scenario_case"),
    )
    op.create_table(
        "case_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_pk", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(12), nullable=False),
        sa.Column("step_date", sa.Date(), nullable=True),
        sa.Column("from_unit", sa.String(64), nullable=False),
        sa.Column("to_unit", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["case_pk"], ["cases.id"], ondelete="CASCADE", name="fk_case_history_case_pk_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_case_history"),
    )
    op.create_index("ix_case_history_case", "case_history", ["case_pk", "id"])
    op.create_table(
        "case_summaries",
        sa.Column("case_pk", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("purged_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["case_pk"], ["cases.id"], ondelete="CASCADE", name="fk_case_summaries_case_pk_cases"),
        sa.PrimaryKeyConstraint("case_pk", name="pk_case_summaries"),
    )


def downgrade() -> None:
    op.drop_table("case_summaries")
    op.drop_index("ix_case_history_case", table_name="case_history")
    op.drop_table("case_history")
    op.drop_table("cases")
