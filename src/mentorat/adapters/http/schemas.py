"""The contract's JSON shapes as msgspec structs, named by its keys, and views -> structs.

Requests (`...In`) are decoded strictly: no coercion, unknown keys ignored. Responses (`...Out`)
carry timestamps as strings, formatted here because the contract wants six microsecond digits
even when they are zero, which a plain datetime encoder drops.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Final, Literal

import msgspec

from mentorat.application.views import (
    MentoringView,
    MessageView,
    ProgressView,
    UserView,
)
from mentorat.domain.chat import ID_MAX, MESSAGE_MAX
from mentorat.domain.mentoring import Status as MentoringStatus
from mentorat.domain.users import EMAIL_MAX, PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX

NOT_AVAILABLE: Final = "Non disponible"

# Ids are 64-bit in every store: a larger one is a 400 here, not an overflow in the database.
# Litestar writes `ge`/`le` as floats (2^63-1 would read 9.223372036854776e18, one above the
# limit); its `extra` key of `extra_json_schema` restates them as exact integers.
ID_RANGE: Final = {"minimum": 1, "maximum": ID_MAX}
Id = Annotated[
    int,
    msgspec.Meta(
        ge=1, le=ID_MAX, description="A positive 64-bit id.", extra_json_schema={"extra": ID_RANGE}
    ),
]
Timestamp = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$",
        description="RFC 3339 in UTC with microseconds and a Z suffix.",
        examples=["2025-04-11T12:58:43.959579Z"],
    ),
]


def timestamp(moment: datetime) -> str:
    """2025-04-11T12:58:43.959579Z: UTC, always six fraction digits, always a Z."""
    if moment.tzinfo is None:  # a store that keeps naive UTC
        return moment.isoformat(timespec="microseconds") + "Z"
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


_ENCODE: Final = msgspec.json.encode


def wire_time(moment: datetime) -> str:
    """`timestamp(moment)`, written by msgspec in C when it can: an aware UTC datetime with a
    non-zero fraction encodes as RFC 3339 with all six digits and a Z, which is the wire
    format (formatting in Python costs ten times as much, a fifth of a chat page's CPU). Any
    other datetime (another zone, naive, or a whole second, where msgspec drops the fraction)
    is formatted here. `tests/http/test_wire_time.py` checks that both ways give the same text.
    """
    if moment.microsecond and moment.tzinfo is UTC:
        return _ENCODE(moment)[1:-1].decode()
    return timestamp(moment)


# --- requests -----------------------------------------------------------------------------------


# "Holds a character other than whitespace" (unanchored: the pattern may match anywhere).
NOT_BLANK: Final = r"\S"


def documented(description: str, **rules: object) -> msgspec.Meta:
    """A field's rules in the OpenAPI document only: the use case enforces them (with its own
    messages), so msgspec must not refuse the value first. (Litestar copies `extra` as is.)"""
    return msgspec.Meta(extra_json_schema={"extra": {"description": description, **rules}})


# ECMA-262's \w (the one JSON Schema uses) is ASCII; the server also accepts letters and digits
# of any script, as Django does.
_USERNAME_DOC: Final = documented(
    f"1-{USERNAME_MAX} letters, digits and @.+-_; unique ignoring case.",
    pattern=r"^[\w.@+-]+$",
    min_length=1,
    max_length=USERNAME_MAX,
)
_PASSWORD_DOC: Final = documented(
    f"{PASSWORD_MIN}-{PASSWORD_MAX} characters, not all digits.",
    min_length=PASSWORD_MIN,
    max_length=PASSWORD_MAX,
)


class RegisterIn(msgspec.Struct, frozen=True):
    username: Annotated[str, _USERNAME_DOC]
    password: Annotated[str, _PASSWORD_DOC]
    email: Annotated[
        str, documented("An address such as claire@example.com.", max_length=EMAIL_MAX)
    ]
    first_name: str = ""
    last_name: str = ""
    is_mentor: bool = False
    phone_number: str | None = None


class LoginIn(msgspec.Struct, frozen=True):
    username: str
    password: str


class RefreshIn(msgspec.Struct, frozen=True):
    refresh: str


class TokenIn(msgspec.Struct, frozen=True):
    token: str


class ChangePasswordIn(msgspec.Struct, frozen=True):
    current_password: str
    new_password: str


class MentoringRequestIn(msgspec.Struct, frozen=True):
    mentor_id: Id
    Start_Date: date
    End_Date: date
    mentee_id: Id | None = None


class ReadIn(msgspec.Struct, frozen=True):
    message_id: Id


class ReadOut(msgspec.Struct):
    """Where the caller has read the chat up to, and how many messages come after."""

    mentoring_id: int
    message_id: Annotated[int, msgspec.Meta(description="0 when the chat has no message yet.")]
    unread: int


class RespondIn(msgspec.Struct, frozen=True):
    # "inactive" is what older clients send to refuse; it means "rejected".
    status: Literal["active", "rejected", "inactive"]


class MessageIn(msgspec.Struct, frozen=True):
    message: Annotated[
        str,
        documented(
            f"Stripped of surrounding whitespace, then 1-{MESSAGE_MAX} characters (not blank).",
            min_length=1,
            max_length=MESSAGE_MAX,
            pattern=NOT_BLANK,
        ),
    ]


class CancelIn(msgspec.Struct, frozen=True):
    """The optional body of a cancel: why (stripped, up to 1000 characters; blank is none)."""

    reason: str | None = None


class NoFieldsIn(msgspec.Struct, frozen=True):
    """The optional body of a withdraw or a complete: a JSON object, whose keys are ignored."""


# --- responses ----------------------------------------------------------------------------------


class UserOut(msgspec.Struct):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    is_mentor: bool
    phone_number: str | None
    is_verified: bool


class TokenPairOut(msgspec.Struct, omit_defaults=True):
    """`password_change_required` is there, true, only for an account holding a temporary
    password: every route but POST /auth/me/password/ and GET /auth/me/ then answers 403."""

    refresh: str
    access: str
    password_change_required: bool = False


class EmptyOut(msgspec.Struct):
    """`{}`: SimpleJWT's answer to a verified token or a logout."""


class AccessOut(msgspec.Struct, omit_defaults=True):
    """`refresh` is there only when refresh tokens rotate (MENTORAT_ROTATE_REFRESH_TOKENS)."""

    access: str
    refresh: str | None = None


class MentoringOut(msgspec.Struct):
    id: int
    mentor_id: int
    mentee_id: int
    Status: MentoringStatus
    Start_Date: date
    End_Date: date
    Created_At: Timestamp
    Updated_At: Timestamp
    end_reason: Annotated[
        str | None, msgspec.Meta(description="Why a participant cancelled it; null when none.")
    ]
    # Only in `GET /api/mentoring/` (absent elsewhere).
    unread: Annotated[
        int | msgspec.UnsetType,
        msgspec.Meta(description="Messages after the caller's read mark (all without one)."),
    ] = msgspec.UNSET


class MenteeInfoOut(msgspec.Struct):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str


class MentorInfoOut(msgspec.Struct):
    id: int
    username: str
    phone_number: Annotated[str, msgspec.Meta(description='"Non disponible" when none is known.')]
    is_verified: bool


class ProgressFiguresOut(msgspec.Struct):
    """An addition to the contract's progress object: how far the mentoring has come."""

    total_days: int
    elapsed_days: int
    percent_elapsed: float
    message_count: int
    last_activity_at: Timestamp
    goal_count: int
    goals_done: int
    percent_done: Annotated[
        float | None, msgspec.Meta(description="Done goals over goals, in %; null without goals.")
    ]


class ProgressOut(msgspec.Struct):
    id: int
    mentee_info: MenteeInfoOut
    mentor_info: MentorInfoOut
    Start_Date: date
    End_Date: date
    Status: MentoringStatus
    Created_At: Timestamp
    Updated_At: Timestamp
    progress: ProgressFiguresOut
    end_reason: Annotated[
        str | None, msgspec.Meta(description="Why a participant cancelled it; null when none.")
    ]
    unread: Annotated[
        int, msgspec.Meta(description="Messages after the caller's read mark (all without one).")
    ]


class MessageOut(msgspec.Struct):
    id: int
    sender_id: Annotated[str, msgspec.Meta(description="The sender's user id, as a string.")]
    message: str
    created_at: Timestamp


class StatusOut(msgspec.Struct):
    status: str


# --- views -> responses -------------------------------------------------------------------------


def user_out(user: UserView) -> UserOut:
    return UserOut(
        user.id,
        user.username,
        user.email,
        user.first_name,
        user.last_name,
        user.is_mentor,
        user.phone_number,
        user.is_verified,
    )


def mentoring_out(m: MentoringView) -> MentoringOut:
    return MentoringOut(
        m.id,
        m.mentor_id,
        m.mentee_id,
        m.status,
        m.start_date,
        m.end_date,
        wire_time(m.created_at),
        wire_time(m.updated_at),
        m.end_reason,
        msgspec.UNSET if m.unread is None else m.unread,
    )


def progress_out(row: ProgressView) -> ProgressOut:
    m, mentee, mentor, figures = row.mentoring, row.mentee, row.mentor, row.progress
    return ProgressOut(
        m.id,
        MenteeInfoOut(
            mentee.id, mentee.username, mentee.email, mentee.first_name, mentee.last_name
        ),
        MentorInfoOut(
            mentor.id, mentor.username, mentor.phone_number or NOT_AVAILABLE, mentor.is_verified
        ),
        m.start_date,
        m.end_date,
        m.status,
        wire_time(m.created_at),
        wire_time(m.updated_at),
        ProgressFiguresOut(
            figures.total_days,
            figures.elapsed_days,
            figures.percent_elapsed,
            figures.message_count,
            wire_time(figures.last_activity_at),
            figures.goal_count,
            figures.goals_done,
            figures.percent_done,
        ),
        m.end_reason,
        m.unread or 0,
    )


def message_out(message: MessageView) -> MessageOut:
    return MessageOut(
        message.id, str(message.sender_id), message.message, wire_time(message.created_at)
    )
