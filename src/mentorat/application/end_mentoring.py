"""A participant ends a mentoring: withdraws a pending request, cancels or completes an active
mentoring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from mentorat.application.change_mentoring import change_in
from mentorat.application.idempotency import IdempotencyKey, WriteOnce
from mentorat.application.ports import Clock, EventPublisher, Transaction
from mentorat.application.views import MentoringView
from mentorat.domain.errors import MentoringNotFound
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL, Ending, Mentoring, clean_reason
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class EndCommand:
    """`reason`: why an active mentoring is cancelled (kept, stripped, None when blank).
    `idempotency_key`, when given, makes a retry with the same `fingerprint` (a digest of the
    request) answer with the mentoring it ended instead of a 409."""

    mentoring_id: MentoringId
    caller_id: UserId
    ending: Ending
    reason: str | None = None
    idempotency_key: str | None = None
    fingerprint: str = ""


class EndMentoring:
    """The mentee withdraws a pending request; either participant stops (cancels) or
    completes an active mentoring (`Mentoring.end`). A request already due to expire is
    expired, and cannot be withdrawn."""

    def __init__(
        self,
        write_once: WriteOnce,
        clock: Clock,
        events: EventPublisher,
        request_ttl: timedelta = DEFAULT_REQUEST_TTL,
    ) -> None:
        self._write_once, self._clock, self._events = write_once, clock, events
        self._ttl = request_ttl

    async def __call__(self, cmd: EndCommand) -> MentoringView:
        reason = clean_reason(cmd.reason)  # bad input is refused before the store is asked

        def end(mentoring: Mentoring) -> None:
            now = self._clock.now()
            mentoring.expire_if_due(now, self._ttl)
            mentoring.end(cmd.ending, by=cmd.caller_id, at=now, reason=reason)

        async def write(tx: Transaction) -> Mentoring:
            return await change_in(tx, cmd.mentoring_id, end)

        key = None
        if cmd.idempotency_key is not None:
            key = IdempotencyKey(cmd.caller_id, cmd.idempotency_key, cmd.fingerprint)
        written = await self._write_once(key, write, _find)
        mentoring = written.entity
        if written.replayed:
            # An ended mentoring is terminal: as it is now is as the first answer showed it.
            return MentoringView.of(mentoring)
        await self._events.publish(mentoring.pull_events())
        return MentoringView.of(mentoring)


async def _find(tx: Transaction, mentoring_id: int) -> Mentoring:
    mentoring = await tx.mentorings.get(MentoringId(mentoring_id))
    if mentoring is None:
        # Mentorings are never deleted; only someone editing the database gets here.
        raise MentoringNotFound()
    return mentoring
