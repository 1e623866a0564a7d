"""A participant posts a message in a mentoring's chat."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.idempotency import Claim, claim_key, release_key
from mentorat.application.ports import Clock, EventPublisher, UnitOfWork
from mentorat.application.views import MessageView
from mentorat.domain.chat import Message, compose_message, record_posted
from mentorat.domain.errors import MentoringNotFound
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.mentoring import Mentoring
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


class PostMessage:
    def __init__(self, uow: UnitOfWork, clock: Clock, events: EventPublisher) -> None:
        self._uow, self._clock, self._events = uow, clock, events

    async def __call__(self, cmd: PostMessageCommand) -> MessageView:
        if cmd.idempotency_key is None:
            mentoring, message = await self._post(cmd, None)
        else:
            claimed = await claim_key(
                self._uow, cmd.caller_id, cmd.idempotency_key, cmd.fingerprint, self._clock.now()
            )
            if not isinstance(claimed, Claim):
                return await self._replay(MessageId(claimed))
            try:
                mentoring, message = await self._post(cmd, claimed)
            except BaseException:
                await release_key(self._uow, claimed)
                raise
        record_posted(mentoring, message)
        await self._events.publish(mentoring.pull_events())
        return MessageView.of(message)

    async def _post(
        self, cmd: PostMessageCommand, claim: Claim | None
    ) -> tuple[Mentoring, Message]:
        async with self._uow() as tx:
            # Holding the mentoring until commit orders its messages: ids grow in commit order.
            mentoring = await tx.mentorings.get(cmd.mentoring_id, for_update=True)
            if mentoring is None:
                raise MentoringNotFound()
            new = compose_message(mentoring, by=cmd.caller_id, text=cmd.text, at=self._clock.now())
            # The message and the counters it moves, written together: one round trip less
            # while the mentoring is held.
            message = await tx.messages.add_counted(new, mentoring)
            if claim is not None:
                await claim.complete(tx, message.id)
            await tx.commit()
        return mentoring, message

    async def _replay(self, message_id: MessageId) -> MessageView:
        async with self._uow(write=False) as tx:
            message = await tx.messages.get(message_id)
        if message is None:
            # Messages are never deleted; only someone editing the database gets here.
            raise MentoringNotFound()
        return MessageView.of(message)
