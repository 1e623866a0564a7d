"""Expired requests and the reason a mentoring was cancelled.

The `status` check of `mentorings` allows `expired`, and `end_reason` holds why a participant
cancelled a mentoring. SQLite cannot change a CHECK constraint in place: the table is rebuilt
(SQLite's twelve steps, with foreign keys off around the transaction: `migrations.run`), from a
frozen copy of its definition so that no constraint or partial index depends on reflection.

Revision ID: 0004
Revises: 0003
Create Date: 2025-05-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py, so that this file never changes meaning.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")
OPEN_PAIR = sa.text("status IN ('active', 'pending')")

# Revision 0001 named its checks once more through the naming convention: the names below
# are those its databases have. The changed check keeps its name; the new one is named as
# tables.py names it.
STATUS_CHECK = "ck_mentorings_ck_mentorings_status_known"
STATUSES_BEFORE = "status IN ('active', 'cancelled', 'completed', 'pending', 'rejected')"
STATUSES_AFTER = "status IN ('active', 'cancelled', 'completed', 'expired', 'pending', 'rejected')"
REASON_CHECK = "ck_mentorings_end_reason_length"
REASON_LENGTH = "end_reason IS NULL OR length(end_reason) BETWEEN 1 AND 1000"


def _mentorings_before() -> sa.Table:
    """`mentorings` as revisions 0001 and 0002 left it, for SQLite's rebuild to copy."""
    # No naming convention here: every name is given as the database has it.
    users = sa.Table("users", sa.MetaData(), sa.Column("id", ID, primary_key=True))
    return sa.Table(
        "mentorings",
        users.metadata,
        sa.Column("id", ID, sa.Identity(), nullable=False),
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
        sa.CheckConstraint(STATUSES_BEFORE, name=STATUS_CHECK),
        sa.CheckConstraint(
            "end_date >= start_date", name="ck_mentorings_ck_mentorings_period_ordered"
        ),
        sa.CheckConstraint("mentor_id <> mentee_id", name="ck_mentorings_ck_mentorings_not_self"),
        sa.CheckConstraint(
            "message_count >= 0", name="ck_mentorings_ck_mentorings_message_count_positive"
        ),
        sa.CheckConstraint("version >= 1", name="ck_mentorings_ck_mentorings_version_positive"),
        sa.Index(
            "uq_mentorings_open_pair",
            "mentor_id",
            "mentee_id",
            unique=True,
            postgresql_where=OPEN_PAIR,
            sqlite_where=OPEN_PAIR,
        ),
        sa.Index("ix_mentorings_mentor_id_id", "mentor_id", "id"),
        sa.Index("ix_mentorings_mentee_id_id", "mentee_id", "id"),
    )


def _mentorings_after() -> sa.Table:
    """`mentorings` as this revision leaves it, for SQLite's rebuild back on downgrade."""
    table = _mentorings_before()
    table.append_column(sa.Column("end_reason", sa.Text(), nullable=True))
    for constraint in list(table.constraints):
        if constraint.name == STATUS_CHECK:
            table.constraints.remove(constraint)
    table.append_constraint(sa.CheckConstraint(STATUSES_AFTER, name=STATUS_CHECK))
    table.append_constraint(sa.CheckConstraint(REASON_LENGTH, name=REASON_CHECK))
    return table


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if _is_sqlite():
        with op.batch_alter_table(
            "mentorings", recreate="always", copy_from=_mentorings_before()
        ) as batch:
            batch.add_column(sa.Column("end_reason", sa.Text(), nullable=True))
            batch.drop_constraint(op.f(STATUS_CHECK), type_="check")
            batch.create_check_constraint(op.f(STATUS_CHECK), sa.text(STATUSES_AFTER))
            batch.create_check_constraint(op.f(REASON_CHECK), sa.text(REASON_LENGTH))
        return
    op.add_column("mentorings", sa.Column("end_reason", sa.Text(), nullable=True))
    op.drop_constraint(op.f(STATUS_CHECK), "mentorings", type_="check")
    op.create_check_constraint(op.f(STATUS_CHECK), "mentorings", sa.text(STATUSES_AFTER))
    op.create_check_constraint(op.f(REASON_CHECK), "mentorings", sa.text(REASON_LENGTH))


def downgrade() -> None:
    # The old schema knows no expired status: an expired request becomes a cancelled one.
    op.execute("UPDATE mentorings SET status = 'cancelled' WHERE status = 'expired'")
    if _is_sqlite():
        with op.batch_alter_table(
            "mentorings", recreate="always", copy_from=_mentorings_after()
        ) as batch:
            batch.drop_constraint(op.f(REASON_CHECK), type_="check")
            batch.drop_constraint(op.f(STATUS_CHECK), type_="check")
            batch.create_check_constraint(op.f(STATUS_CHECK), sa.text(STATUSES_BEFORE))
            batch.drop_column("end_reason")
        return
    op.drop_constraint(op.f(REASON_CHECK), "mentorings", type_="check")
    op.drop_constraint(op.f(STATUS_CHECK), "mentorings", type_="check")
    op.create_check_constraint(op.f(STATUS_CHECK), "mentorings", sa.text(STATUSES_BEFORE))
    op.drop_column("mentorings", "end_reason")
