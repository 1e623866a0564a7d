"""The sweep: record the expiry of every request its mentor left unanswered too long.

Reads show a due request as expired without it (`Mentoring.expire_if_due`); the sweep makes
the stored status say so too, for whoever reads the database directly, and announces it.
"""

from __future__ import annotations

from datetime import timedelta

from mentorat.application.ports import Clock, EventPublisher, UnitOfWork
from mentorat.domain.events import MentoringExpired, MentoringId
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL, expiry_cutoff


class ExpireRequests:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        events: EventPublisher,
        request_ttl: timedelta = DEFAULT_REQUEST_TTL,
    ) -> None:
        self._uow, self._clock, self._events = uow, clock, events
        self._ttl = request_ttl

    async def __call__(self) -> list[MentoringId]:
        """The ids of the requests it expired now, ascending."""
        now = self._clock.now()
        async with self._uow() as tx:
            expired = await tx.mentorings.expire_requested_before(expiry_cutoff(now, self._ttl))
            await tx.commit()
        await self._events.publish([MentoringExpired(i, now) for i in expired])
        return expired
