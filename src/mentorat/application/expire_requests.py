"""The sweep: record the expiry of every request its mentor left unanswered too long.

Reads show a due request as expired without it (`Mentoring.expire_if_due`); the sweep makes
the stored status say so too, for whoever reads the database directly, and announces it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from mentorat.application import outbox_events
from mentorat.application.ports import Clock, EventPublisher, Transaction, UnitOfWork
from mentorat.domain.events import MentoringEvent, MentoringExpired, MentoringId
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
            events = [MentoringExpired(i, now) for i in expired]
            await record_expiries(tx, events)
            await tx.commit()
        await self._events.publish(events)
        return expired


async def record_expiries(tx: Transaction, expired: Sequence[MentoringEvent]) -> None:
    """Record the expiries in the outbox, each with its mentoring as it now is."""
    for event in expired:
        mentoring = await tx.mentorings.get(event.mentoring_id)
        if mentoring is not None:  # mentorings are never deleted
            await tx.outbox.add(outbox_events.of_mentoring(mentoring, [event]))
