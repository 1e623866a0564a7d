"""Goals of a mentoring.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py, so that this file never changes meaning.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", ID, sa.Identity(), nullable=False),
        sa.Column("mentoring_id", ID, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("done_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_goals"),
        sa.ForeignKeyConstraint(
            ["mentoring_id"], ["mentorings.id"], name="fk_goals_mentoring_id_mentorings"
        ),
        sa.CheckConstraint("length(title) BETWEEN 1 AND 200", name="ck_goals_title_length"),
        sa.CheckConstraint("position >= 1", name="ck_goals_position_positive"),
        sa.CheckConstraint(
            "(done AND done_at IS NOT NULL) OR (NOT done AND done_at IS NULL)",
            name="ck_goals_done_at_when_done",
        ),
    )
    op.create_index("ix_goals_mentoring_id_position", "goals", ["mentoring_id", "position"])


def downgrade() -> None:
    op.drop_table("goals")
