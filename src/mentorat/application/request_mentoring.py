"""A mentee asks a mentor for a mentoring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mentorat.application.ports import Clock, EventPublisher, UnitOfWork
from mentorat.application.views import MentoringView
from mentorat.domain.errors import InvalidToken, NotYourself
from mentorat.domain.mentoring import request_mentoring
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class RequestMentoringCommand:
    caller_id: UserId
    mentor_id: UserId
    start_date: date
    end_date: date
    mentee_id: UserId | None = None


class RequestMentoring:
    def __init__(self, uow: UnitOfWork, clock: Clock, events: EventPublisher) -> None:
        self._uow, self._clock, self._events = uow, clock, events

    async def __call__(self, cmd: RequestMentoringCommand) -> MentoringView:
        if cmd.mentee_id is not None and cmd.mentee_id != cmd.caller_id:
            raise NotYourself()
        async with self._uow() as tx:
            users = await tx.users.get_many([cmd.caller_id, cmd.mentor_id])
            mentee = users.get(cmd.caller_id)
            if mentee is None or not mentee.is_active:
                raise InvalidToken("User not found or inactive.")
            new = request_mentoring(
                mentee=mentee,
                mentor=users.get(cmd.mentor_id),
                start_date=cmd.start_date,
                end_date=cmd.end_date,
                open_between_pair=await tx.mentorings.has_open_between(
                    cmd.mentor_id, cmd.caller_id
                ),
                at=self._clock.now(),
            )
            # A racing twin passes the check above; the store's unique index stops it there.
            mentoring = await tx.mentorings.add(new)
            await tx.commit()
        await self._events.publish(mentoring.pull_events())
        return MentoringView.of(mentoring)
