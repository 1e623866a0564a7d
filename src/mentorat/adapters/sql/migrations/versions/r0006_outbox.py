"""The transactional outbox: every domain event, for the event stream.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py, so that this file never changes meaning.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", ID, sa.Identity(), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("mentoring_id", ID, nullable=True),
        sa.Column("recipient_id", ID, nullable=False),
        sa.Column("other_recipient_id", ID, nullable=True),
        sa.Column("occurred_at", TIMESTAMP, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_events"),
        # SQLite: AUTOINCREMENT, so that the id of a pruned event is never handed out again.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_events_recipient_id_id", "outbox_events", ["recipient_id", "id"])
    op.create_index(
        "ix_outbox_events_other_recipient_id_id", "outbox_events", ["other_recipient_id", "id"]
    )


def downgrade() -> None:
    op.drop_table("outbox_events")
