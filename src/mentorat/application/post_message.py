"""A participant posts a message in a mentoring's chat."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from mentorat.application import outbox_events
from mentorat.application.idempotency import IdempotencyKey, WriteOnce
from mentorat.application.ports import ChatPosts, Clock, EventPublisher, Transaction, UnitOfWork
from mentorat.application.views import MessageView
from mentorat.domain.chat import Message, NewMessage, compose_message, posted
from mentorat.domain.errors import MentoringNotFound
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL, Mentoring
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class PostMessageCommand:
    """`idempotency_key`, when given, makes a retry with the same `fingerprint` (a digest of
    the request) answer with the first message instead of posting it again."""

    mentoring_id: MentoringId
    caller_id: UserId
    text: str
    idempotency_key: str | None = None
    fingerprint: str = ""


async def post_in(
    tx: Transaction, mentoring_id: MentoringId, compose: Callable[[Mentoring], NewMessage]
) -> Message:
    """Post in a unit of work: the mentoring is held from its read to the commit, so the post
    is decided on what is stored."""
    mentoring = await tx.mentorings.get(mentoring_id, for_update=True)
    if mentoring is None:
        raise MentoringNotFound()
    message = await tx.messages.add(compose(mentoring), mentoring)
    await tx.outbox.add([outbox_events.of_message(message, mentoring)])
    return message


class PostInTransaction:
    """`ChatPosts` on any store: each post is a unit of work of its own."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def post(
        self, mentoring_id: MentoringId, compose: Callable[[Mentoring], NewMessage]
    ) -> Message:
        async with self._uow() as tx:
            message = await post_in(tx, mentoring_id, compose)
            await tx.commit()
        return message


class PostMessage:
    def __init__(
        self,
        posts: ChatPosts,
        write_once: WriteOnce,
        clock: Clock,
        events: EventPublisher,
        request_ttl: timedelta = DEFAULT_REQUEST_TTL,
    ) -> None:
        self._posts, self._write_once = posts, write_once
        self._clock, self._events = clock, events
        self._ttl = request_ttl

    async def __call__(self, cmd: PostMessageCommand) -> MessageView:
        def compose(mentoring: Mentoring) -> NewMessage:
            return compose_message(
                mentoring,
                by=cmd.caller_id,
                text=cmd.text,
                at=self._clock.now(),
                request_ttl=self._ttl,
            )

        if cmd.idempotency_key is None:
            message = await self._posts.post(cmd.mentoring_id, compose)
        else:
            key = IdempotencyKey(cmd.caller_id, cmd.idempotency_key, cmd.fingerprint)
            written = await self._write_once(
                key, lambda tx: post_in(tx, cmd.mentoring_id, compose), _find
            )
            message = written.entity
            if written.replayed:
                return MessageView.of(message)
        await self._events.publish([posted(message)])
        return MessageView.of(message)


async def _find(tx: Transaction, message_id: int) -> Message:
    message = await tx.messages.get(MessageId(message_id))
    if message is None:
        # Messages are never deleted; only someone editing the database gets here.
        raise MentoringNotFound()
    return message
