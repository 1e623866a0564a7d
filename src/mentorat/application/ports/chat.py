"""Ports for a mentoring's chat: its messages, how they are posted, and read marks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from mentorat.domain.chat import Message, MessagePage, NewMessage, PageRequest
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.mentoring import Mentoring
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class ChatRead:
    """A mentoring and, when the reader takes part in it, one page of its chat."""

    mentoring: Mentoring
    page: MessagePage | None


@dataclass(frozen=True, slots=True)
class ReadMark:
    """Where a participant has read a chat up to, and how many of its messages come after.

    `moved`: whether the mark just moved forward (a mark never moves back)."""

    message_id: MessageId
    unread: int
    moved: bool = False


class Messages(Protocol):
    async def add(self, new: NewMessage, decided_on: Mentoring) -> Message:
        """Store a message and count it on its mentoring, if the mentoring still is what the
        domain allowed the post on: the stored status and participants are `decided_on`'s
        (a snapshot of any age: see `ChatPosts`); otherwise raise ConcurrentUpdate, storing
        nothing.

        The store keeps the chat's counters: `message_count` grows by one and the message is
        dated `domain.chat.chat_time(stored last_message_at, new.created_at)`, which becomes
        the new `last_message_at`, so that posts to one chat compose instead of conflicting
        (`decided_on` is left as it is). Ids grow in commit order within a chat. The sender
        has read the chat up to their message (`mark_read`).
        """

    async def get(self, message_id: MessageId) -> Message | None: ...

    async def mark_read(
        self, mentoring_id: MentoringId, reader: UserId, up_to: MessageId
    ) -> ReadMark:
        """Mark the chat read by `reader` up to its last message at or before `up_to`, unless
        they had read further already: the mark never moves back. Messages after the mark
        are unread; posting moves the sender's mark to their message (`add`)."""

    async def page(self, mentoring_id: MentoringId, request: PageRequest) -> MessagePage:
        """One page of a chat, with the semantics of `mentorat.domain.chat.paginate`."""

    async def read_chat(
        self, mentoring_id: MentoringId, reader: UserId, request: PageRequest
    ) -> ChatRead | None:
        """The mentoring (None when there is none) with one page of its chat, in one read.

        `page` is None exactly when `reader` is not one of the mentoring's two participants
        (`Mentoring.involves`): a page nobody may be shown is not read. The use case still
        decides visibility with the domain rule; the contract tests prove the two agree.
        """


class ChatPosts(Protocol):
    """Posts messages, each committed on its own: a post is not part of a unit of work."""

    async def post(
        self, mentoring_id: MentoringId, compose: Callable[[Mentoring], NewMessage]
    ) -> Message:
        """Store the message `compose` makes of the mentoring (raising MentoringNotFound when
        there is none), as `Messages.add` does, and commit it.

        `compose` applies the domain's rules and may raise; it may see a snapshot of the
        mentoring of any age, because the store checks what the post was decided on and,
        when that moved, calls `compose` again on a fresh read (or gives up with
        ConcurrentUpdate after a few such races).
        """
