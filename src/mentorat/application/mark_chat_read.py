"""A participant marks a chat read up to a message: the mark never moves back."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application import outbox_events
from mentorat.application.ports import Clock, UnitOfWork
from mentorat.domain.errors import MentoringNotFound
from mentorat.domain.events import ChatRead, MentoringId, MessageId
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class MarkReadCommand:
    mentoring_id: MentoringId
    caller_id: UserId
    message_id: MessageId


@dataclass(frozen=True, slots=True)
class ReadView:
    """Where the caller has read the chat up to (the last message at or before the one they
    named, or further if they had read further), and how many messages come after it."""

    mentoring_id: MentoringId
    message_id: MessageId
    unread: int


class MarkChatRead:
    """Only the two participants may mark a chat (anyone else: MentoringNotFound), whatever
    its status. A mark that moves is an event for the reader's other devices (`chat_read`)."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, cmd: MarkReadCommand) -> ReadView:
        async with self._uow() as tx:
            mentoring = await tx.mentorings.get(cmd.mentoring_id)
            if mentoring is None:
                raise MentoringNotFound()
            mentoring.ensure_visible_to(cmd.caller_id)
            mark = await tx.messages.mark_read(mentoring.id, cmd.caller_id, cmd.message_id)
            if mark.moved:
                event = ChatRead(mentoring.id, self._clock.now(), cmd.caller_id, mark.message_id)
                await tx.outbox.add([outbox_events.of_chat_read(event, mark.unread)])
            await tx.commit()
        return ReadView(mentoring.id, mark.message_id, mark.unread)
