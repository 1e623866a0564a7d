"""Accounts: administrators, temporary passwords, password changes, the registration
throttle, the audit trail, and usernames compared after Unicode NFKC.

Every user's `username_key` is computed again as `domain.users.username_key` now defines it
(NFKC, case folding, NFKC). Names made only of ASCII keep their key; when two existing names
become one under the new rule (only names with non-ASCII letters can), the older account
takes the new key and the younger one keeps its old key, so the unique index holds. No lookup
computes that old key any more: the younger account cannot log in by name until an
administrator settles the clash (its id is logged as a warning; it keeps its id, its data and
its tokens until then).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("mentorat.migrations")

# Frozen copies of the column types in tables.py, so that this file never changes meaning.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")


def _key(username: str) -> str:
    """A frozen copy of `domain.users.username_key` as of this revision."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("is_staff", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("users", sa.Column("password_changed_at", TIMESTAMP, nullable=True))
    op.create_table(
        "registration_attempts",
        sa.Column("id", ID, sa.Identity(), nullable=False),
        sa.Column("address", sa.String(600), nullable=False),
        sa.Column("attempted_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_registration_attempts"),
    )
    op.create_index(
        "ix_registration_attempts_address_attempted_at",
        "registration_attempts",
        ["address", "attempted_at"],
    )
    op.create_index(
        "ix_registration_attempts_attempted_at", "registration_attempts", ["attempted_at"]
    )
    op.create_table(
        "audit_events",
        sa.Column("id", ID, sa.Identity(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("subject_id", ID, nullable=True),
        sa.Column("address", sa.String(600), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_audit_events_actor_id_users"),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name="fk_audit_events_subject_id_users"
        ),
    )
    op.create_index("ix_audit_events_subject_id_id", "audit_events", ["subject_id", "id"])
    op.create_index("ix_audit_events_actor_id_id", "audit_events", ["actor_id", "id"])
    _rekey_usernames()


def _rekey_usernames(key: Callable[[str], str] = _key) -> None:
    users = sa.table("users", sa.column("id", ID), sa.column("username"), sa.column("username_key"))
    conn = op.get_bind()
    rows = conn.execute(sa.select(users.c.id, users.c.username, users.c.username_key)).all()
    taken = {old for _, _, old in rows}
    for user_id, username, old in sorted(rows):
        new = key(username)
        if new == old:
            continue
        if new in taken:
            log.warning(
                "user %s keeps its username key: another account has the same name once normalized",
                user_id,
            )
            continue
        conn.execute(sa.update(users).where(users.c.id == user_id).values(username_key=new))
        taken.discard(old)
        taken.add(new)


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("registration_attempts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_changed_at")
        batch.drop_column("must_change_password")
        batch.drop_column("is_staff")
    # Back to revision 0005's rule, case folding alone.
    _rekey_usernames(str.casefold)
