"""The mentor accepts or refuses a pending request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from mentorat.application.change_mentoring import change_mentoring
from mentorat.application.ports import Clock, EventPublisher, UnitOfWork
from mentorat.application.views import MentoringView
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL, Mentoring
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class RespondCommand:
    mentoring_id: MentoringId
    caller_id: UserId
    accept: bool


class RespondToRequest:
    """A request due to expire is expired: answering it is refused (`RequestNotPending`)."""

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        events: EventPublisher,
        request_ttl: timedelta = DEFAULT_REQUEST_TTL,
    ) -> None:
        self._uow, self._clock, self._events = uow, clock, events
        self._ttl = request_ttl

    async def __call__(self, cmd: RespondCommand) -> MentoringView:
        def respond(mentoring: Mentoring) -> None:
            now = self._clock.now()
            mentoring.expire_if_due(now, self._ttl)
            mentoring.respond(by=cmd.caller_id, accept=cmd.accept, at=now)

        return await change_mentoring(self._uow, self._events, cmd.mentoring_id, respond)
