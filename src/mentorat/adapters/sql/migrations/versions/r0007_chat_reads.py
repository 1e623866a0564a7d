"""How far each participant has read each chat (read markers and unread counts).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py, so that this file never changes meaning.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "chat_reads",
        sa.Column("mentoring_id", ID, nullable=False, autoincrement=False),
        sa.Column("user_id", ID, nullable=False, autoincrement=False),
        sa.Column("message_id", ID, nullable=False),
        sa.Column("read_count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("mentoring_id", "user_id", name="pk_chat_reads"),
        sa.ForeignKeyConstraint(
            ["mentoring_id"], ["mentorings.id"], name="fk_chat_reads_mentoring_id_mentorings"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_chat_reads_user_id_users"),
    )
    # Whoever posted in a chat has read it up to their last message, as a post now records.
    op.execute(
        "INSERT INTO chat_reads (mentoring_id, user_id, message_id, read_count) "
        "SELECT last.mentoring_id, last.sender_id, last.id, "
        "(SELECT count(*) FROM messages x "
        "WHERE x.mentoring_id = last.mentoring_id AND x.id <= last.id) "
        "FROM (SELECT mentoring_id, sender_id, max(id) AS id FROM messages "
        "GROUP BY mentoring_id, sender_id) AS last"
    )


def downgrade() -> None:
    op.drop_table("chat_reads")
