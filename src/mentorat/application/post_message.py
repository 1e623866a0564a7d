"""A participant posts a message in a mentoring's chat."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
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


class RecentChats:
    """The open mentorings this process last posted in, so that a chat's next post skips
    reading its mentoring.

    Safe however old, because a snapshot only ever says yes and the store checks every yes:
    a post's write is conditioned on the status and participants the domain allowed it on
    (`Messages.add_counted`), so a post decided on a snapshot whose mentoring has since been
    closed stores nothing and is decided again on a fresh read (a status that moved from
    pending to active costs one such retry, once), and a caller a snapshot does not list as a
    participant gets a fresh read, not a refusal. Counters and dates are the store's, under
    its lock. Only open mentorings are kept, at most `max_entries`, least recently used first
    out; each post gets a copy of its own.
    """

    __slots__ = ("_entries", "_max")

    def __init__(self, max_entries: int = 1024) -> None:
        self._max = max(0, max_entries)
        self._entries: OrderedDict[MentoringId, Mentoring] = OrderedDict()

    def get(self, mentoring_id: MentoringId) -> Mentoring | None:
        kept = self._entries.get(mentoring_id)
        if kept is None:
            return None
        self._entries.move_to_end(mentoring_id)
        return dataclasses.replace(kept, events=[])

    def keep(self, mentoring: Mentoring) -> None:
        if not (self._max and mentoring.status.is_open):
            self.forget(mentoring.id)
            return
        self._entries[mentoring.id] = dataclasses.replace(mentoring, events=[])
        self._entries.move_to_end(mentoring.id)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def forget(self, mentoring_id: MentoringId) -> None:
        self._entries.pop(mentoring_id, None)

    def __len__(self) -> int:
        return len(self._entries)


class PostMessage:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        events: EventPublisher,
        recent: RecentChats | None = None,
    ) -> None:
        self._uow, self._clock, self._events = uow, clock, events
        self._recent = recent if recent is not None else RecentChats()

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
            # Read without holding the mentoring, or not at all when this process posted in it
            # lately (see RecentChats): posts to one chat would otherwise queue behind each
            # other for the whole transaction. `add_counted` holds it from its write to the
            # commit, which orders the chat's ids by commit, and writes only if the status and
            # participants the domain allowed the post on are still the stored ones.
            mentoring = self._recent.get(cmd.mentoring_id)
            if mentoring is None or not mentoring.involves(cmd.caller_id):
                mentoring = await tx.mentorings.get(cmd.mentoring_id)
                if mentoring is None:
                    raise MentoringNotFound()
            new = compose_message(mentoring, by=cmd.caller_id, text=cmd.text, at=self._clock.now())
            try:
                message = await tx.messages.add_counted(new, mentoring)
            except ConcurrentUpdate:
                self._recent.forget(cmd.mentoring_id)  # the next attempt reads it afresh
                raise
            if claim is not None:
                await claim.complete(tx, message.id)
            await tx.commit()
        self._recent.keep(mentoring)
        return mentoring, message

    async def _replay(self, message_id: MessageId) -> MessageView:
        async with self._uow(write=False) as tx:
            message = await tx.messages.get(message_id)
        if message is None:
            # Messages are never deleted; only someone editing the database gets here.
            raise MentoringNotFound()
        return MessageView.of(message)
