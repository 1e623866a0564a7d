"""Profiles, with the directory's search index, and every existing user's profile.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py, so that this file never changes meaning.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# SQLite's search index: FTS5 over `search_text`, whose words are already split and folded
# (`domain.profiles.search_terms`); the ascii tokenizer then splits at spaces only, since it
# takes every non-ASCII character as part of a word. Triggers keep it in step with the table.
_SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE profiles_search USING fts5("
    "search_text, content='profiles', content_rowid='user_id', "
    "tokenize='ascii', prefix='1 2 3')",
    "CREATE TRIGGER profiles_search_insert AFTER INSERT ON profiles BEGIN "
    "INSERT INTO profiles_search (rowid, search_text) VALUES (new.user_id, new.search_text); "
    "END",
    "CREATE TRIGGER profiles_search_delete AFTER DELETE ON profiles BEGIN "
    "INSERT INTO profiles_search (profiles_search, rowid, search_text) "
    "VALUES ('delete', old.user_id, old.search_text); "
    "END",
    "CREATE TRIGGER profiles_search_update AFTER UPDATE OF search_text ON profiles BEGIN "
    "INSERT INTO profiles_search (profiles_search, rowid, search_text) "
    "VALUES ('delete', old.user_id, old.search_text); "
    "INSERT INTO profiles_search (rowid, search_text) VALUES (new.user_id, new.search_text); "
    "END",
)

# PostgreSQL's index of who has which skill, for suggestions: a row per tag of each listed
# mentor with a place left, kept by a trigger whenever what it derives from changes.
_POSTGRESQL_POSTINGS = (
    "CREATE TABLE mentor_skills ("
    " skill text NOT NULL,"
    " user_id bigint NOT NULL REFERENCES profiles (user_id) ON DELETE CASCADE,"
    " CONSTRAINT pk_mentor_skills PRIMARY KEY (skill, user_id))",
    "CREATE INDEX ix_mentor_skills_user_id ON mentor_skills (user_id)",
    """CREATE FUNCTION mentor_skills_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.skills = OLD.skills AND NEW.listed = OLD.listed
                AND NEW.available = OLD.available THEN
            RETURN NULL;
        END IF;
        DELETE FROM mentor_skills WHERE user_id = OLD.user_id;
    END IF;
    IF NEW.listed AND NEW.available AND NEW.skills <> '' THEN
        INSERT INTO mentor_skills (skill, user_id)
        SELECT DISTINCT tag, NEW.user_id FROM unnest(string_to_array(NEW.skills, ',')) AS tag;
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER profiles_mentor_skills AFTER INSERT OR UPDATE ON profiles "
    "FOR EACH ROW EXECUTE FUNCTION mentor_skills_keep()",
)
# Rows of the backfill inserted per statement.
_BATCH = 5000


def _backfill() -> None:
    """Every user gets the empty profile, its words split as the code that reads them splits
    them (`search_terms`, so the words match the searches), and a mentor's count of active
    mentees from their mentorings."""
    from mentorat.domain.profiles import search_terms

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT u.id, u.username, u.first_name, u.last_name, u.is_mentor AND u.is_active, "
            "(SELECT count(*) FROM mentorings m WHERE m.mentor_id = u.id "
            "AND m.status = 'active') FROM users u ORDER BY u.id"
        )
    ).all()
    insert = sa.text(
        "INSERT INTO profiles (user_id, bio, skills, wanted_skills, languages, timezone, "
        "capacity, accepting_requests, active_mentees, answer_seconds, listed, available, "
        "names_text, skills_text, bio_text, search_text) VALUES (:id, '', '', '', '', NULL, "
        "3, :yes, :active, NULL, :listed, :available, :names, '', '', :names)"
    ).bindparams(
        sa.bindparam("yes", True, type_=sa.Boolean()),
        sa.bindparam("listed", type_=sa.Boolean()),
        sa.bindparam("available", type_=sa.Boolean()),
    )
    for at in range(0, len(rows), _BATCH):
        batch = rows[at : at + _BATCH]
        values = [
            {
                "id": user_id,
                "active": active,
                "listed": bool(listed),
                "available": active < 3,
                "names": " ".join(dict.fromkeys(search_terms(f"{name} {first} {last}"))),
            }
            for user_id, name, first, last, listed, active in batch
        ]
        bind.execute(insert, values)


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("user_id", ID, nullable=False, autoincrement=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("skills", sa.Text(), nullable=False),
        sa.Column("wanted_skills", sa.Text(), nullable=False),
        sa.Column("languages", sa.String(64), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("accepting_requests", sa.Boolean(), nullable=False),
        sa.Column("active_mentees", sa.Integer(), nullable=False),
        sa.Column("answer_seconds", sa.BigInteger(), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("names_text", sa.Text(), nullable=False),
        sa.Column("skills_text", sa.Text(), nullable=False),
        sa.Column("bio_text", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_profiles"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_profiles_user_id_users"),
        sa.CheckConstraint("capacity BETWEEN 0 AND 50", name="ck_profiles_capacity_range"),
        sa.CheckConstraint("active_mentees >= 0", name="ck_profiles_active_mentees_positive"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_profiles_search ON profiles "
            "USING gin (array_to_tsvector(string_to_array(search_text, ' '))) WHERE listed"
        )
        for statement in _POSTGRESQL_POSTINGS:
            op.execute(statement)
    else:
        for statement in _SQLITE_SEARCH:
            op.execute(statement)
    _backfill()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE profiles_search")
    else:
        op.execute("DROP TABLE mentor_skills")
        op.execute("DROP FUNCTION mentor_skills_keep() CASCADE")
    op.drop_table("profiles")
