"""A participant ends a mentoring: cancels it (withdraws or stops it) or completes it."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.change_mentoring import change_mentoring
from mentorat.application.ports import Clock, EventPublisher, UnitOfWork
from mentorat.application.views import MentoringView
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Ending
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class EndCommand:
    mentoring_id: MentoringId
    caller_id: UserId
    ending: Ending


class EndMentoring:
    """The mentee withdraws a pending request; either participant stops (cancels) or
    completes an active mentoring (`Mentoring.end`)."""

    def __init__(self, uow: UnitOfWork, clock: Clock, events: EventPublisher) -> None:
        self._uow, self._clock, self._events = uow, clock, events

    async def __call__(self, cmd: EndCommand) -> MentoringView:
        return await change_mentoring(
            self._uow,
            self._events,
            cmd.mentoring_id,
            lambda m: m.end(cmd.ending, by=cmd.caller_id, at=self._clock.now()),
        )
