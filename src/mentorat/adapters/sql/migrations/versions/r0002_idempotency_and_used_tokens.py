"""Idempotency keys and used refresh tokens.

Revision ID: 0002
Revises: 0001
Create Date: 2025-05-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py, so that this file never changes meaning.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("caller_id", ID, nullable=False, autoincrement=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("resource_id", ID, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("caller_id", "key", name="pk_idempotency_keys"),
        sa.ForeignKeyConstraint(
            ["caller_id"], ["users.id"], name="fk_idempotency_keys_caller_id_users"
        ),
        sa.CheckConstraint(
            "status IN ('done', 'running')", name="ck_idempotency_keys_status_known"
        ),
        sa.CheckConstraint(
            "(status = 'running' AND resource_id IS NULL)"
            " OR (status = 'done' AND resource_id IS NOT NULL)",
            name="ck_idempotency_keys_resource_when_done",
        ),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.create_table(
        "used_refresh_tokens",
        sa.Column("jti", sa.String(255), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("jti", name="pk_used_refresh_tokens"),
    )
    op.create_index("ix_used_refresh_tokens_expires_at", "used_refresh_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_table("used_refresh_tokens")
    op.drop_table("idempotency_keys")
