"""Users, mentorings, messages and login failures.

Revision ID: 0001
Revises:
Create Date: 2025-04-11
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py, so that this file never changes meaning.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")
OPEN_PAIR = sa.text("status IN ('active', 'pending')")


def _id() -> sa.Column[int]:
    return sa.Column("id", ID, sa.Identity(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        _id(),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("username_key", sa.String(600), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("first_name", sa.String(150), nullable=False),
        sa.Column("last_name", sa.String(150), nullable=False),
        sa.Column("is_mentor", sa.Boolean(), nullable=False),
        sa.Column("phone_number", sa.String(32), nullable=True),
        sa.Column("is_verified", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("joined_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username_key", name="uq_users_username_key"),
    )
    op.create_table(
        "mentorings",
        _id(),
        sa.Column("mentor_id", ID, nullable=False),
        sa.Column("mentee_id", ID, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("accepted_at", TIMESTAMP, nullable=True),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("last_message_at", TIMESTAMP, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mentorings"),
        sa.ForeignKeyConstraint(["mentor_id"], ["users.id"], name="fk_mentorings_mentor_id_users"),
        sa.ForeignKeyConstraint(["mentee_id"], ["users.id"], name="fk_mentorings_mentee_id_users"),
        sa.CheckConstraint(
            "status IN ('active', 'cancelled', 'completed', 'pending', 'rejected')",
            name="ck_mentorings_status_known",
        ),
        sa.CheckConstraint("end_date >= start_date", name="ck_mentorings_period_ordered"),
        sa.CheckConstraint("mentor_id <> mentee_id", name="ck_mentorings_not_self"),
        sa.CheckConstraint("message_count >= 0", name="ck_mentorings_message_count_positive"),
        sa.CheckConstraint("version >= 1", name="ck_mentorings_version_positive"),
    )
    op.create_index(
        "uq_mentorings_open_pair",
        "mentorings",
        ["mentor_id", "mentee_id"],
        unique=True,
        postgresql_where=OPEN_PAIR,
        sqlite_where=OPEN_PAIR,
    )
    op.create_index("ix_mentorings_mentor_id_id", "mentorings", ["mentor_id", "id"])
    op.create_index("ix_mentorings_mentee_id_id", "mentorings", ["mentee_id", "id"])
    op.create_table(
        "messages",
        _id(),
        sa.Column("mentoring_id", ID, nullable=False),
        sa.Column("sender_id", ID, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.ForeignKeyConstraint(
            ["mentoring_id"], ["mentorings.id"], name="fk_messages_mentoring_id_mentorings"
        ),
        sa.ForeignKeyConstraint(["sender_id"], ["users.id"], name="fk_messages_sender_id_users"),
        sa.CheckConstraint("length(body) BETWEEN 1 AND 4000", name="ck_messages_body_length"),
    )
    op.create_index("ix_messages_mentoring_id_id", "messages", ["mentoring_id", "id"])
    op.create_table(
        "login_failures",
        _id(),
        sa.Column("scope", sa.String(1), nullable=False),
        sa.Column("key", sa.String(600), nullable=False),
        sa.Column("failed_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failures"),
        sa.CheckConstraint("scope IN ('a', 'u')", name="ck_login_failures_scope_known"),
    )
    op.create_index(
        "ix_login_failures_scope_key_failed_at", "login_failures", ["scope", "key", "failed_at"]
    )
    op.create_index("ix_login_failures_failed_at", "login_failures", ["failed_at"])


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_table("messages")
    op.drop_table("mentorings")
    op.drop_table("users")
