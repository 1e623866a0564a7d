"""A participant posts a message in a mentoring's chat."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.idempotency import Claim, claim_key, release_key
from mentorat.application.ports import Clock, EventPublisher, UnitOfWork
from mentorat.application.views import MessageView
from mentorat.domain.chat import Message, compose_message, record_posted
from mentorat.domain.errors import ConcurrentUpdate, MentoringNotFound
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.mentoring import Mentoring
from mentorat.domain.users import UserId

# A post whose mentoring changed status between its read and its write decides again; a second
# change within one post is all but impossible (statuses only move forward).
ATTEMPTS = 3


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
        attempt = 1
        while True:
            try:
                return await self._post_once(cmd, claim)
            except ConcurrentUpdate:
                # The status changed between our read and our write: decide again on the new
                # one (the domain then refuses a post to a closed mentoring).
                if attempt == ATTEMPTS:
                    raise
                attempt += 1

    async def _post_once(
        self, cmd: PostMessageCommand, claim: Claim | None
    ) -> tuple[Mentoring, Message]:
        # Without a key the post's one write is the counted insert: the store may let it commit
        # by itself. With a key, completing the claim is a second write in the same transaction.
        async with self._uow(single_write=claim is None) as tx:
            # Read without holding the mentoring: posts to one chat would queue behind each
            # other for the whole transaction. `add_counted` holds it from its write to the
            # commit, which orders the chat's ids by commit, and writes only if the status the
            # domain allowed the post in is still the stored one.
            mentoring = await tx.mentorings.get(cmd.mentoring_id)
            if mentoring is None:
                raise MentoringNotFound()
            new = compose_message(mentoring, by=cmd.caller_id, text=cmd.text, at=self._clock.now())
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
