"""What the outbox records of each domain event: its name, its recipients and its payload.

Payloads are JSON text in the shapes of the HTTP contract (docs/api.md, "Event stream"), so
that every channel that reads the outbox (the event stream, the Python iterator) hands them on
as they are: a mentoring event carries the mentoring object as `GET /api/mentoring/` shows it,
a message event the message as the chat's GET returns it. `tests/http/test_http_events.py`
checks that both shapes agree with the HTTP adapter's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final

from mentorat.application.ports import NewEvent
from mentorat.domain.chat import Message
from mentorat.domain.events import (
    ChatRead,
    MentoringAccepted,
    MentoringCancelled,
    MentoringCompleted,
    MentoringEvent,
    MentoringExpired,
    MentoringRejected,
    MentoringRequested,
    MentoringWithdrawn,
    MessagePosted,
)
from mentorat.domain.goals import Goal
from mentorat.domain.mentoring import Mentoring
from mentorat.domain.users import UserId

NAMES: Final[dict[type[MentoringEvent], str]] = {
    MentoringRequested: "mentoring_requested",
    MentoringAccepted: "mentoring_accepted",
    MentoringRejected: "mentoring_rejected",
    MentoringWithdrawn: "mentoring_withdrawn",
    MentoringCancelled: "mentoring_cancelled",
    MentoringCompleted: "mentoring_completed",
    MentoringExpired: "mentoring_expired",
    MessagePosted: "message_posted",
}
MESSAGE_POSTED: Final = NAMES[MessagePosted]


def wire_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with six fraction digits and a Z, as the contract writes instants."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds") + "Z"


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def mentoring_object(mentoring: Mentoring) -> dict[str, object]:
    """The contract's mentoring object (with the `end_reason` the API adds)."""
    return {
        "id": mentoring.id,
        "mentor_id": mentoring.mentor_id,
        "mentee_id": mentoring.mentee_id,
        "Status": mentoring.status.value,
        "Start_Date": mentoring.start_date.isoformat(),
        "End_Date": mentoring.end_date.isoformat(),
        "Created_At": wire_timestamp(mentoring.created_at),
        "Updated_At": wire_timestamp(mentoring.updated_at),
        "end_reason": mentoring.end_reason,
    }


def message_object(message: Message) -> dict[str, object]:
    """The contract's message object: `sender_id` as a string."""
    return {
        "id": message.id,
        "sender_id": str(message.sender_id),
        "message": message.text,
        "created_at": wire_timestamp(message.created_at),
    }


def of_mentoring(mentoring: Mentoring, events: Iterable[MentoringEvent]) -> list[NewEvent]:
    """The outbox rows of `events`, which `mentoring` (as it is after them) recorded.

    Payload: `{"mentoring": <mentoring object>, "by": <user id, or null for an expiry>}`.
    """
    recipients = (mentoring.mentor_id, mentoring.mentee_id)
    shown = mentoring_object(mentoring)
    return [
        NewEvent(
            NAMES[type(event)],
            mentoring.id,
            recipients,
            event.at,
            _json({"mentoring": shown, "by": _by(event)}),
        )
        for event in events
    ]


GOAL_ADDED: Final = "goal_added"
GOAL_EDITED: Final = "goal_edited"
GOAL_DELETED: Final = "goal_deleted"
GOALS_REORDERED: Final = "goals_reordered"


def goal_object(goal: Goal) -> dict[str, object]:
    """A goal as `GET /api/mentoring/{id}/goals/` shows it."""
    return {
        "id": goal.id,
        "mentoring_id": goal.mentoring_id,
        "title": goal.title,
        "due_date": None if goal.due_date is None else goal.due_date.isoformat(),
        "done": goal.done,
        "position": goal.position,
        "created_at": wire_timestamp(goal.created_at),
        "updated_at": wire_timestamp(goal.updated_at),
    }


def of_goals(
    name: str, mentoring: Mentoring, by: UserId, at: datetime, **shown: object
) -> list[NewEvent]:
    """The outbox row of a change to the mentoring's goals:
    `{"mentoring_id": ..., <what `shown` names>, "by": <who>}`."""
    payload = {"mentoring_id": mentoring.id, **shown, "by": by}
    recipients = (mentoring.mentor_id, mentoring.mentee_id)
    return [NewEvent(name, mentoring.id, recipients, at, _json(payload))]


CHAT_READ: Final = "chat_read"


def of_chat_read(event: ChatRead, unread: int) -> NewEvent:
    """The outbox row of a read mark, for the reader's other devices only:
    `{"mentoring_id": ..., "message_id": <read up to>, "unread": <messages after it>}`."""
    payload = {"mentoring_id": event.mentoring_id, "message_id": event.message_id, "unread": unread}
    return NewEvent(CHAT_READ, event.mentoring_id, (event.by,), event.at, _json(payload))


def _by(event: MentoringEvent) -> int | None:
    if isinstance(event, MentoringRequested):
        return event.mentee_id
    by: int | None = getattr(event, "by", None)
    return by


def of_message(message: Message, mentoring: Mentoring) -> NewEvent:
    """The outbox row of a posted message: `{"mentoring_id": ..., "message": <message>}`."""
    return NewEvent(
        MESSAGE_POSTED,
        message.mentoring_id,
        (mentoring.mentor_id, mentoring.mentee_id),
        message.created_at,
        _json({"mentoring_id": message.mentoring_id, "message": message_object(message)}),
    )
