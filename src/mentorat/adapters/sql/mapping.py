"""Rows to domain entities and back: explicit, positional, and nowhere else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, FromClause

from mentorat.adapters.sql.tables import mentorings, messages, users
from mentorat.domain.chat import Message, NewMessage
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.mentoring import Mentoring, NewMentoring, Status
from mentorat.domain.users import NewUser, User, UserId, username_key

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
    return User(
        id=UserId(row[at]),
        username=row[at + 1],
        email=row[at + 2],
        password_hash=row[at + 3],
        first_name=row[at + 4],
        last_name=row[at + 5],
        is_mentor=row[at + 6],
        phone_number=row[at + 7],
        is_verified=row[at + 8],
        is_active=row[at + 9],
        joined_at=row[at + 10],
    )


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
    return Mentoring(
        id=MentoringId(row[at]),
        mentor_id=UserId(row[at + 1]),
        mentee_id=UserId(row[at + 2]),
        status=Status(row[at + 3]),
        start_date=row[at + 4],
        end_date=row[at + 5],
        created_at=row[at + 6],
        updated_at=row[at + 7],
        accepted_at=row[at + 8],
        message_count=row[at + 9],
        last_message_at=row[at + 10],
        version=row[at + 11],
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
    return Message(
        id=MessageId(row[at]),
        mentoring_id=MentoringId(row[at + 1]),
        sender_id=UserId(row[at + 2]),
        text=row[at + 3],
        created_at=row[at + 4],
    )


def new_message_values(new: NewMessage) -> dict[str, Any]:
    return {
        "mentoring_id": new.mentoring_id,
        "sender_id": new.sender_id,
        "body": new.text,
        "created_at": new.created_at,
    }


def message_from_new(message_id: int, new: NewMessage) -> Message:
    return Message(MessageId(message_id), new.mentoring_id, new.sender_id, new.text, new.created_at)
