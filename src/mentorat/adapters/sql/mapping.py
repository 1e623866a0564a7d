"""Rows to domain entities and back: explicit, positional, and nowhere else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, FromClause

from mentorat.adapters.sql.tables import mentorings, messages, users
from mentorat.domain.chat import Message, NewMessage
from mentorat.domain.events import MessageId
from mentorat.domain.mentoring import Mentoring, NewMentoring, Status
from mentorat.domain.users import NewUser, User, username_key

Row = Sequence[Any]

_USER_FIELDS = (
    "id",
    "username",
    "email",
    "password_hash",
    "first_name",
    "last_name",
    "is_mentor",
    "phone_number",
    "is_verified",
    "is_active",
    "joined_at",
)
USER_WIDTH = len(_USER_FIELDS)


def user_columns(table: FromClause = users) -> tuple[ColumnElement[Any], ...]:
    """The columns `user_from_row` reads, in its order, from `users` or an alias of it."""
    return tuple(table.c[name] for name in _USER_FIELDS)


USER_COLUMNS = user_columns()


def user_from_row(row: Row, at: int = 0) -> User:
    # Rows -> entities run for every row of every list, so positional arguments in the order of
    # both the columns and the dataclass (about 40% cheaper than keywords plus NewType calls);
    # the repository contract tests read back every field of what they stored.
    return User(*row[at : at + USER_WIDTH])


def new_user_values(new: NewUser) -> dict[str, Any]:
    return {
        "username": new.username,
        "username_key": username_key(new.username),
        "email": new.email,
        "password_hash": new.password_hash,
        "first_name": new.first_name,
        "last_name": new.last_name,
        "is_mentor": new.is_mentor,
        "phone_number": new.phone_number,
        "is_verified": False,
        "is_active": True,
        "joined_at": new.joined_at,
    }


def user_values(user: User) -> dict[str, Any]:
    """Bind values for updating `user`; keys carry a prefix so they never clash with columns."""
    return {
        "b_id": user.id,
        "b_username": user.username,
        "b_username_key": username_key(user.username),
        "b_email": user.email,
        "b_password_hash": user.password_hash,
        "b_first_name": user.first_name,
        "b_last_name": user.last_name,
        "b_is_mentor": user.is_mentor,
        "b_phone_number": user.phone_number,
        "b_is_verified": user.is_verified,
        "b_is_active": user.is_active,
    }


MENTORING_COLUMNS: tuple[ColumnElement[Any], ...] = (
    mentorings.c.id,
    mentorings.c.mentor_id,
    mentorings.c.mentee_id,
    mentorings.c.status,
    mentorings.c.start_date,
    mentorings.c.end_date,
    mentorings.c.created_at,
    mentorings.c.updated_at,
    mentorings.c.accepted_at,
    mentorings.c.message_count,
    mentorings.c.last_message_at,
    mentorings.c.version,
)
MENTORING_WIDTH = len(MENTORING_COLUMNS)


def mentoring_from_row(row: Row, at: int = 0) -> Mentoring:
    # Positional, in the order of MENTORING_COLUMNS and of the dataclass (see user_from_row).
    return Mentoring(
        row[at],
        row[at + 1],
        row[at + 2],
        Status(row[at + 3]),
        row[at + 4],
        row[at + 5],
        row[at + 6],
        row[at + 7],
        row[at + 8],
        row[at + 9],
        row[at + 10],
        row[at + 11],
    )


def new_mentoring_values(new: NewMentoring) -> dict[str, Any]:
    return {
        "mentor_id": new.mentor_id,
        "mentee_id": new.mentee_id,
        "status": Status.PENDING.value,
        "start_date": new.start_date,
        "end_date": new.end_date,
        "created_at": new.requested_at,
        "updated_at": new.requested_at,
        "accepted_at": None,
        "message_count": 0,
        "last_message_at": None,
        "version": 1,
    }


def mentoring_values(mentoring: Mentoring) -> dict[str, Any]:
    """Bind values for the version-conditional update of `mentoring`."""
    return {
        "b_id": mentoring.id,
        "b_version": mentoring.version,
        "b_status": mentoring.status.value,
        "b_start_date": mentoring.start_date,
        "b_end_date": mentoring.end_date,
        "b_updated_at": mentoring.updated_at,
        "b_accepted_at": mentoring.accepted_at,
        "b_message_count": mentoring.message_count,
        "b_last_message_at": mentoring.last_message_at,
    }


MESSAGE_COLUMNS: tuple[ColumnElement[Any], ...] = (
    messages.c.id,
    messages.c.mentoring_id,
    messages.c.sender_id,
    messages.c.body,
    messages.c.created_at,
)


def message_from_row(row: Row, at: int = 0) -> Message:
    # Positional, in the order of MESSAGE_COLUMNS and of the dataclass (see user_from_row).
    return Message(row[at], row[at + 1], row[at + 2], row[at + 3], row[at + 4])


def new_message_values(new: NewMessage) -> dict[str, Any]:
    return {
        "mentoring_id": new.mentoring_id,
        "sender_id": new.sender_id,
        "body": new.text,
        "created_at": new.created_at,
    }


def message_from_new(message_id: int, new: NewMessage) -> Message:
    return Message(MessageId(message_id), new.mentoring_id, new.sender_id, new.text, new.created_at)
