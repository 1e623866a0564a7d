"""Domain events: facts the aggregates record, for notifications and real-time fan-out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NewType

from mentorat.domain.users import UserId

MentoringId = NewType("MentoringId", int)
MessageId = NewType("MessageId", int)


@dataclass(frozen=True, slots=True)
class MentoringEvent:
    mentoring_id: MentoringId
    at: datetime


@dataclass(frozen=True, slots=True)
class MentoringRequested(MentoringEvent):
    mentor_id: UserId
    mentee_id: UserId


@dataclass(frozen=True, slots=True)
class MentoringAccepted(MentoringEvent):
    by: UserId


@dataclass(frozen=True, slots=True)
class MentoringRejected(MentoringEvent):
    by: UserId


@dataclass(frozen=True, slots=True)
class MentoringCancelled(MentoringEvent):
    by: UserId


@dataclass(frozen=True, slots=True)
class MentoringWithdrawn(MentoringEvent):
    """The mentee took back a pending request (its status becomes cancelled)."""

    by: UserId


@dataclass(frozen=True, slots=True)
class MentoringCompleted(MentoringEvent):
    by: UserId


@dataclass(frozen=True, slots=True)
class MentoringExpired(MentoringEvent):
    """A pending request nobody answered within the request TTL; `at` is when it was seen."""


@dataclass(frozen=True, slots=True)
class ChatRead(MentoringEvent):
    """A participant read the chat up to `message_id` (for their other devices)."""

    by: UserId
    message_id: MessageId


@dataclass(frozen=True, slots=True)
class MessagePosted(MentoringEvent):
    message_id: MessageId
    sender_id: UserId
