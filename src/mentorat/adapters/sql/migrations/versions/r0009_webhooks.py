"""Webhook endpoints and their dead letters, the mailer's progress and digests, and the
profile's email opt-out.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py, so that this file never changes meaning.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")


def _progress() -> list[sa.Column[object]]:
    return [
        sa.Column("cursor", ID, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failing_since", TIMESTAMP, nullable=True),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("leased_by", sa.String(32), nullable=True),
        sa.Column("leased_until", TIMESTAMP, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", ID, sa.Identity(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        *_progress(),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_endpoints"),
    )
    op.create_table(
        "webhook_dead_letters",
        sa.Column("id", ID, sa.Identity(), nullable=False),
        sa.Column("endpoint_id", ID, nullable=False),
        sa.Column("event_id", ID, nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("mentoring_id", ID, nullable=True),
        sa.Column("recipient_id", ID, nullable=False),
        sa.Column("other_recipient_id", ID, nullable=True),
        sa.Column("occurred_at", TIMESTAMP, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("failed_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name="fk_webhook_dead_letters_endpoint_id_webhook_endpoints",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_dead_letters"),
    )
    op.create_index("ix_webhook_dead_letters_endpoint_id", "webhook_dead_letters", ["endpoint_id"])
    op.create_table(
        "mail_progress",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        *_progress(),
        sa.CheckConstraint("id = 1", name="ck_mail_progress_one_row"),
        sa.PrimaryKeyConstraint("id", name="pk_mail_progress"),
    )
    op.create_table(
        "mail_digests",
        sa.Column("user_id", ID, autoincrement=False, nullable=False),
        sa.Column("mentoring_id", ID, autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sender_id", ID, nullable=False),
        sa.Column("first_at", TIMESTAMP, nullable=False),
        sa.Column("due_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "mentoring_id", name="pk_mail_digests"),
    )
    op.create_index("ix_mail_digests_due_at", "mail_digests", ["due_at"])
    # A plain ADD COLUMN on both databases: SQLite's search triggers stay as they are.
    op.add_column(
        "profiles",
        sa.Column("email_notifications", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    op.drop_column("profiles", "email_notifications")
    op.drop_table("mail_digests")
    op.drop_table("mail_progress")
    op.drop_table("webhook_dead_letters")
    op.drop_table("webhook_endpoints")
