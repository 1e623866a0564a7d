"""The mentor accepts or refuses a pending request."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.change_mentoring import change_mentoring
from mentorat.application.ports import Clock, EventPublisher, UnitOfWork
from mentorat.application.views import MentoringView
from mentorat.domain.events import MentoringId
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class RespondCommand:
    mentoring_id: MentoringId
    caller_id: UserId
    accept: bool


class RespondToRequest:
    def __init__(self, uow: UnitOfWork, clock: Clock, events: EventPublisher) -> None:
        self._uow, self._clock, self._events = uow, clock, events

    async def __call__(self, cmd: RespondCommand) -> MentoringView:
        return await change_mentoring(
            self._uow,
            self._events,
            cmd.mentoring_id,
            lambda m: m.respond(by=cmd.caller_id, accept=cmd.accept, at=self._clock.now()),
        )
