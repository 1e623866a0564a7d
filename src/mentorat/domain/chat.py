"""Chat: the messages the two participants of a mentoring exchange, and how they are paged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mentorat.domain.errors import (
    EmptyMessage,
    InvalidPaging,
    MentoringClosed,
    MessageTooLong,
)
from mentorat.domain.events import MentoringId, MessageId, MessagePosted
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL, Mentoring
from mentorat.domain.users import UserId, ensure_storable

MESSAGE_MAX = 4000
PAGE_DEFAULT = 50
PAGE_MAX = 200
# Ids are 64-bit signed integers in every store; a larger cursor is bad input, not a crash.
ID_MAX = 2**63 - 1


def clean_text(text: str) -> str:
    """Messages are stored stripped of surrounding whitespace, 1..4000 characters."""
    text = ensure_storable("message", text).strip()
    if not text:
        raise EmptyMessage()
    if len(text) > MESSAGE_MAX:
        raise MessageTooLong(MESSAGE_MAX)
    return text


@dataclass(frozen=True, slots=True)
class NewMessage:
    mentoring_id: MentoringId
    sender_id: UserId
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Message:
    id: MessageId
    mentoring_id: MentoringId
    sender_id: UserId
    text: str
    created_at: datetime


def chat_time(last_message_at: datetime | None, at: datetime) -> datetime:
    """When a message posted at `at` is dated, after a chat's last message of `last_message_at`.

    A chat's clock never runs backwards: a message is never dated before the one it follows,
    so that dates and ids (which grow in commit order) tell the same story even when a post
    read the clock a moment before another one that committed first.
    """
    if last_message_at is not None and at < last_message_at:
        return last_message_at
    return at


def compose_message(
    mentoring: Mentoring,
    *,
    by: UserId,
    text: str,
    at: datetime,
    request_ttl: timedelta = DEFAULT_REQUEST_TTL,
) -> NewMessage:
    """Check that `by` may post `text` in `mentoring` now.

    A request due to expire (`Mentoring.is_due` with `request_ttl`) is closed, recorded or
    not. The store that keeps the chat dates the message on the chat's clock (`chat_time`)
    and counts it on the mentoring, as it stores it.
    """
    mentoring.ensure_visible_to(by)
    text = clean_text(text)
    status = mentoring.status_at(at, request_ttl)
    if not status.is_open:
        raise MentoringClosed(status.value)
    return NewMessage(mentoring.id, by, text, at)


def posted(message: Message) -> MessagePosted:
    """The event a stored message makes known."""
    return MessagePosted(message.mentoring_id, message.created_at, message.id, message.sender_id)


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which slice of a chat to read: the newest `limit`, or `limit` just before/after an id.

    `after=0` means "from the very first message", so a client can walk a chat from its start.
    """

    limit: int = PAGE_DEFAULT
    before: MessageId | None = None
    after: MessageId | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= PAGE_MAX:
            raise InvalidPaging("limit", f"limit must be an integer between 1 and {PAGE_MAX}.")
        if self.before is not None and not 1 <= self.before <= ID_MAX:
            raise InvalidPaging("before", "before must be a positive message id.")
        # Below ID_MAX so that the `after + 1` cursor of an empty page is a valid id too.
        if self.after is not None and not 0 <= self.after < ID_MAX:
            raise InvalidPaging("after", "after must be a message id (0 for the first page).")
        if self.before is not None and self.after is not None:
            raise InvalidPaging("before", "Give before or after, not both.")


@dataclass(frozen=True, slots=True)
class MessagePage:
    """Messages oldest first, with the cursors of the pages around them.

    `older_cursor` is the `before` value of the next older page and is set exactly when older
    messages exist; `newer_cursor` is the `after` value of the next newer page and is set
    exactly when newer messages exist.
    """

    messages: Sequence[Message]
    older_cursor: MessageId | None
    newer_cursor: MessageId | None


def paginate(history: Sequence[Message], page: PageRequest) -> MessagePage:
    """The reference semantics of a page over one chat's history, sorted by id ascending.

    Adapters that page in SQL must agree with this function; the contract tests check it.
    """
    limit = page.limit
    if page.after is not None:
        after = page.after
        newer = [m for m in history if m.id > after]
        chosen = newer[:limit]
        if chosen:
            has_older = history[0].id < chosen[0].id
            older_cursor = chosen[0].id
        else:
            has_older = any(m.id <= after for m in history)
            older_cursor = MessageId(after + 1)
        next_cursor = chosen[-1].id if len(newer) > limit else None
        return MessagePage(chosen, older_cursor if has_older else None, next_cursor)

    before = page.before
    older = [m for m in history if before is None or m.id < before]
    chosen = older[-limit:]
    prev_cursor = chosen[0].id if len(older) > limit else None
    newer_cursor: MessageId | None = None
    if before is not None:
        if chosen:
            if history[-1].id > chosen[-1].id:
                newer_cursor = chosen[-1].id
        elif any(m.id >= before for m in history):
            newer_cursor = MessageId(before - 1)
    return MessagePage(chosen, prev_cursor, newer_cursor)
