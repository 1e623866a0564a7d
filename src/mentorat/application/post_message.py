"""A participant posts a message in a mentoring's chat."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.ports import Clock, EventPublisher, UnitOfWork
from mentorat.application.views import MessageView
from mentorat.domain.chat import compose_message, record_posted
from mentorat.domain.errors import MentoringNotFound
from mentorat.domain.events import MentoringId
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class PostMessageCommand:
    mentoring_id: MentoringId
    caller_id: UserId
    text: str


class PostMessage:
    def __init__(self, uow: UnitOfWork, clock: Clock, events: EventPublisher) -> None:
        self._uow, self._clock, self._events = uow, clock, events

    async def __call__(self, cmd: PostMessageCommand) -> MessageView:
        async with self._uow() as tx:
            # Holding the mentoring until commit orders its messages: ids grow in commit order.
            mentoring = await tx.mentorings.get(cmd.mentoring_id, for_update=True)
            if mentoring is None:
                raise MentoringNotFound()
            new = compose_message(mentoring, by=cmd.caller_id, text=cmd.text, at=self._clock.now())
            message = await tx.messages.add(new)
            await tx.mentorings.save(mentoring)
            await tx.commit()
        record_posted(mentoring, message)
        await self._events.publish(mentoring.pull_events())
        return MessageView.of(message)
