"""The schema as SQLAlchemy Core tables: the one description migrations are checked against."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
    true,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from mentorat.domain.mentoring import OPEN_STATUSES, Status

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# SQLite only makes an auto-incrementing rowid alias out of exactly "INTEGER PRIMARY KEY".
Id = BigInteger().with_variant(Integer(), "sqlite")

# SQLite has no timestamp type: fixed-width ISO text in UTC sorts and compares like the instant.
SQLITE_TIMESTAMP = String(26)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime with microseconds, exact both ways on PostgreSQL and SQLite.

    PostgreSQL stores `timestamptz`; SQLite stores `YYYY-MM-DD HH:MM:SS.ffffff` in UTC. Naive
    datetimes are refused: a time without a zone is a bug waiting to happen.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(SQLITE_TIMESTAMP)
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing to store a naive datetime: {value!r}")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        return value  # type: ignore[no-any-return]


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(str(v) for v in values))


STATUS_VALUES = _quoted(Status)
OPEN_STATUS_VALUES = _quoted(OPEN_STATUSES)
OPEN_PAIR_WHERE = text(f"status IN ({OPEN_STATUS_VALUES})")

users = Table(
    "users",
    metadata,
    Column("id", Id, Identity(), primary_key=True),
    Column("username", String(150), nullable=False),
    # username_key = mentorat.domain.users.username_key(username): the unique, case-free form.
    Column("username_key", String(600), nullable=False, unique=True),
    Column("email", String(254), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("first_name", String(150), nullable=False),
    Column("last_name", String(150), nullable=False),
    Column("is_mentor", Boolean, nullable=False),
    Column("phone_number", String(32), nullable=True),
    Column("is_verified", Boolean, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("joined_at", UtcDateTime, nullable=False),
    Column("is_staff", Boolean, nullable=False, server_default=text("false")),
    Column("must_change_password", Boolean, nullable=False, server_default=text("false")),
    Column("password_changed_at", UtcDateTime, nullable=True),
)

mentorings = Table(
    "mentorings",
    metadata,
    Column("id", Id, Identity(), primary_key=True),
    Column("mentor_id", Id, ForeignKey(users.c.id), nullable=False),
    Column("mentee_id", Id, ForeignKey(users.c.id), nullable=False),
    Column("status", String(16), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("accepted_at", UtcDateTime, nullable=True),
    Column("end_reason", Text, nullable=True),
    Column("message_count", Integer, nullable=False),
    Column("last_message_at", UtcDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    CheckConstraint(f"status IN ({STATUS_VALUES})", name="status_known"),
    CheckConstraint("end_date >= start_date", name="period_ordered"),
    CheckConstraint("mentor_id <> mentee_id", name="not_self"),
    CheckConstraint("message_count >= 0", name="message_count_positive"),
    CheckConstraint("version >= 1", name="version_positive"),
    CheckConstraint(
        "end_reason IS NULL OR length(end_reason) BETWEEN 1 AND 1000", name="end_reason_length"
    ),
    # At most one pending-or-active mentoring per pair: the guard that races cannot slip past.
    Index(
        "uq_mentorings_open_pair",
        "mentor_id",
        "mentee_id",
        unique=True,
        postgresql_where=OPEN_PAIR_WHERE,
        sqlite_where=OPEN_PAIR_WHERE,
    ),
    Index("ix_mentorings_mentor_id_id", "mentor_id", "id"),
    Index("ix_mentorings_mentee_id_id", "mentee_id", "id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Id, Identity(), primary_key=True),
    Column("mentoring_id", Id, ForeignKey(mentorings.c.id), nullable=False),
    Column("sender_id", Id, ForeignKey(users.c.id), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("length(body) BETWEEN 1 AND 4000", name="body_length"),
    # Every chat page is a range of this index, so it costs the same at any history size.
    Index("ix_messages_mentoring_id_id", "mentoring_id", "id"),
)

# The goals of a mentoring, in its order: positions 1 to n, kept so by the goals' use cases
# (under the mentoring's lock), hence an index and not a unique constraint, which a shift of
# positions would break halfway through one UPDATE.
goals = Table(
    "goals",
    metadata,
    Column("id", Id, Identity(), primary_key=True),
    Column("mentoring_id", Id, ForeignKey(mentorings.c.id), nullable=False),
    Column("title", Text, nullable=False),
    Column("due_date", Date, nullable=True),
    Column("done", Boolean, nullable=False),
    Column("position", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("done_at", UtcDateTime, nullable=True),
    CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_length"),
    CheckConstraint("position >= 1", name="position_positive"),
    CheckConstraint(
        "(done AND done_at IS NOT NULL) OR (NOT done AND done_at IS NULL)",
        name="done_at_when_done",
    ),
    Index("ix_goals_mentoring_id_position", "mentoring_id", "position"),
)

# Failed logins, shared by every worker process; rows older than the window are pruned.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Id, Identity(), primary_key=True),
    Column("scope", String(1), nullable=False),
    Column("key", String(600), nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    CheckConstraint("scope IN ('a', 'u')", name="scope_known"),
    Index("ix_login_failures_scope_key_failed_at", "scope", "key", "failed_at"),
    Index("ix_login_failures_failed_at", "failed_at"),
)

# Registrations per client address, shared by every worker process (the registration
# throttle); rows older than the window are pruned as new ones come.
registration_attempts = Table(
    "registration_attempts",
    metadata,
    Column("id", Id, Identity(), primary_key=True),
    Column("address", String(600), nullable=False),
    Column("attempted_at", UtcDateTime, nullable=False),
    Index("ix_registration_attempts_address_attempted_at", "address", "attempted_at"),
    Index("ix_registration_attempts_attempted_at", "attempted_at"),
)

# The audit trail: administrative acts and security events, newest last. `detail` is a JSON
# object of what the action needs said (never a password, a token or a typed username).
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Id, Identity(), primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("action", String(64), nullable=False),
    Column("actor_id", Id, ForeignKey(users.c.id), nullable=True),
    Column("subject_id", Id, ForeignKey(users.c.id), nullable=True),
    Column("address", String(600), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_audit_events_subject_id_id", "subject_id", "id"),
    Index("ix_audit_events_actor_id_id", "actor_id", "id"),
)

# Idempotency-Key records (see mentorat.application.idempotency): which request holds a key of
# a caller, then what it created. Rows older than the retention are pruned as keys are claimed.
IDEMPOTENCY_STATUSES = ("done", "running")
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("caller_id", Id, ForeignKey(users.c.id), primary_key=True, autoincrement=False),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(8), nullable=False),
    Column("resource_id", Id, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint(f"status IN ({_quoted(IDEMPOTENCY_STATUSES)})", name="status_known"),
    CheckConstraint(
        "(status = 'running' AND resource_id IS NULL)"
        " OR (status = 'done' AND resource_id IS NOT NULL)",
        name="resource_when_done",
    ),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

# Refresh tokens already traded in while rotation is on: insert-or-fail on the jti decides
# which of several concurrent trades wins. Rows are pruned once their token has expired.
used_refresh_tokens = Table(
    "used_refresh_tokens",
    metadata,
    Column("jti", String(255), primary_key=True),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_used_refresh_tokens_expires_at", "expires_at"),
)

# Every user's profile (one row each, from registration on), with what the directory reads:
# the mentor's standing (`active_mentees`, kept by accepts and endings; `answer_seconds`) and
# the person's words as `domain.profiles.SearchText` splits them, one space between words.
# Lists of tags and language codes are comma-joined. The search index is per database: a GIN
# index on PostgreSQL (below), the FTS5 table `profiles_search` on SQLite (created by the
# migration, kept by triggers; see docs/persistence.md).
# The words of `search_text` taken as they are (no parser, no dictionary): PostgreSQL's form
# of the search index, which the directory's queries spell exactly so.
SEARCH_VECTOR = "array_to_tsvector(string_to_array(search_text, ' '))"
profiles = Table(
    "profiles",
    metadata,
    Column("user_id", Id, ForeignKey(users.c.id), primary_key=True, autoincrement=False),
    Column("bio", Text, nullable=False),
    Column("skills", Text, nullable=False),
    Column("wanted_skills", Text, nullable=False),
    Column("languages", String(64), nullable=False),
    Column("timezone", String(64), nullable=True),
    Column("capacity", Integer, nullable=False),
    Column("accepting_requests", Boolean, nullable=False),
    Column("active_mentees", Integer, nullable=False),
    Column("answer_seconds", BigInteger, nullable=True),
    # Kept by the statements that change what they derive from, so that the directory reads
    # profiles alone: `listed` (an active mentor: users.is_mentor AND users.is_active) and
    # `available` (accepting_requests AND active_mentees < capacity).
    Column("listed", Boolean, nullable=False),
    Column("available", Boolean, nullable=False),
    Column("names_text", Text, nullable=False),
    Column("skills_text", Text, nullable=False),
    Column("bio_text", Text, nullable=False),
    Column("search_text", Text, nullable=False),
    # Whether the person is sent email about their mentorings (docs/operations.md, "Email").
    Column("email_notifications", Boolean, nullable=False, server_default=true()),
    CheckConstraint("capacity BETWEEN 0 AND 50", name="capacity_range"),
    CheckConstraint("active_mentees >= 0", name="active_mentees_positive"),
    Index(
        "ix_profiles_search",
        text(SEARCH_VECTOR),
        postgresql_using="gin",
        postgresql_where=text("listed"),
    ).ddl_if(dialect="postgresql"),
)

# The transactional outbox: every domain event, written in the transaction of the change that
# caused it (docs/adr/007-outbox-and-event-stream.md). Ids only grow: AUTOINCREMENT on SQLite,
# so that an id is never handed out again once pruned (a stream's cursor is an id). An event
# is addressed to one or two users (`recipient_id`, `other_recipient_id`), each an index range
# for a stream's catch-up. No foreign keys: events outlive nothing and lock nothing.
outbox_events = Table(
    "outbox_events",
    metadata,
    Column("id", Id, Identity(), primary_key=True),
    Column("name", String(40), nullable=False),
    Column("mentoring_id", Id, nullable=True),
    Column("recipient_id", Id, nullable=False),
    Column("other_recipient_id", Id, nullable=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("payload", Text, nullable=False),
    Index("ix_outbox_events_recipient_id_id", "recipient_id", "id"),
    Index("ix_outbox_events_other_recipient_id_id", "other_recipient_id", "id"),
    sqlite_autoincrement=True,
)

# How far each participant has read each chat: the last message id read, and how many of the
# chat's messages had been counted (`mentorings.message_count`) up to it, so that the unread
# count is one subtraction in the lists' reads.
chat_reads = Table(
    "chat_reads",
    metadata,
    Column("mentoring_id", Id, ForeignKey(mentorings.c.id), primary_key=True, autoincrement=False),
    Column("user_id", Id, ForeignKey(users.c.id), primary_key=True, autoincrement=False),
    Column("message_id", Id, nullable=False),
    Column("read_count", BigInteger, nullable=False),
)


# Where a reader of the outbox that pushes events out stands (docs/adr/009-webhooks-and-email.md):
# the last event it is done with (`cursor`), its failed attempts at the next one, and which
# dispatcher holds it until when (`leased_by`, `leased_until`). The same columns in each
# table that keeps such readers: `adapters/sql/leases.py` writes them.
def _progress_columns() -> list[Column[Any]]:
    return [
        Column("cursor", Id, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("failing_since", UtcDateTime, nullable=True),
        Column("next_attempt_at", UtcDateTime, nullable=True),
        Column("last_error", Text, nullable=True),
        Column("leased_by", String(32), nullable=True),
        Column("leased_until", UtcDateTime, nullable=True),
    ]


# The operators' webhook endpoints; `events` is a comma-joined list of event names (empty:
# every event). The secret is kept as it is: it signs every delivery (ADR 009).
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Id, Identity(), primary_key=True),
    Column("url", Text, nullable=False),
    Column("events", Text, nullable=False),
    Column("secret", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    *_progress_columns(),
)

# The deliveries given up (dead letters), with a copy of their event: a replay still works
# once the outbox has pruned it.
webhook_dead_letters = Table(
    "webhook_dead_letters",
    metadata,
    Column("id", Id, Identity(), primary_key=True),
    Column(
        "endpoint_id",
        Id,
        ForeignKey(webhook_endpoints.c.id, ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_id", Id, nullable=False),
    Column("name", String(40), nullable=False),
    Column("mentoring_id", Id, nullable=True),
    Column("recipient_id", Id, nullable=False),
    Column("other_recipient_id", Id, nullable=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("payload", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    Index("ix_webhook_dead_letters_endpoint_id", "endpoint_id"),
)

# The mailer's one reader of the outbox (its row is made by the first dispatcher to run).
mail_progress = Table(
    "mail_progress",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    *_progress_columns(),
    CheckConstraint("id = 1", name="one_row"),
)

# Messages a person has not been told of by mail, per chat: one digest each, due at `due_at`
# (a window after the first); `sender_id`: who sent the latest.
mail_digests = Table(
    "mail_digests",
    metadata,
    Column("user_id", Id, primary_key=True, autoincrement=False),
    Column("mentoring_id", Id, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
    Column("sender_id", Id, nullable=False),
    Column("first_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Index("ix_mail_digests_due_at", "due_at"),
)
