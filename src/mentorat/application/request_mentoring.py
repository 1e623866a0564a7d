"""A mentee asks a mentor for a mentoring."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

from mentorat.application import outbox_events
from mentorat.application.expire_requests import record_expiries
from mentorat.application.idempotency import IdempotencyKey, WriteOnce
from mentorat.application.ports import Clock, EventPublisher, Transaction
from mentorat.application.views import MentoringView
from mentorat.domain.errors import InvalidToken, MentoringNotFound, NotYourself
from mentorat.domain.events import MentoringEvent, MentoringExpired, MentoringId
from mentorat.domain.mentoring import (
    DEFAULT_REQUEST_TTL,
    Mentoring,
    Status,
    expiry_cutoff,
    request_mentoring,
)
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class RequestMentoringCommand:
    """`idempotency_key`, when given, makes a retry with the same `fingerprint` (a digest of
    the request) answer with the first request's mentoring instead of asking again."""

    caller_id: UserId
    mentor_id: UserId
    start_date: date
    end_date: date
    mentee_id: UserId | None = None
    idempotency_key: str | None = None
    fingerprint: str = ""


def as_first_answered(mentoring: Mentoring) -> MentoringView:
    """The view a request's first answer gave: the mentoring as created, pending.

    A replay answers with the first response, not with today's state: the mentor may have
    accepted or refused since, which a client learns by reading the mentoring, not by
    retrying the request that created it. At creation nothing had changed it yet, so its
    `updated_at` was its `created_at`.
    """
    return dataclasses.replace(
        MentoringView.of(mentoring), status=Status.PENDING, updated_at=mentoring.created_at
    )


class RequestMentoring:
    """A pair's earlier request that is due to expire no longer blocks a new one: its expiry
    is recorded in the new request's transaction, before the store's unique index sees it."""

    def __init__(
        self,
        write_once: WriteOnce,
        clock: Clock,
        events: EventPublisher,
        request_ttl: timedelta = DEFAULT_REQUEST_TTL,
    ) -> None:
        self._write_once, self._clock, self._events = write_once, clock, events
        self._ttl = request_ttl

    async def __call__(self, cmd: RequestMentoringCommand) -> MentoringView:
        if cmd.mentee_id is not None and cmd.mentee_id != cmd.caller_id:
            raise NotYourself()
        key = None
        if cmd.idempotency_key is not None:
            key = IdempotencyKey(cmd.caller_id, cmd.idempotency_key, cmd.fingerprint)
        expired: list[MentoringEvent] = []
        written = await self._write_once(key, lambda tx: self._request(tx, cmd, expired), _find)
        mentoring = written.entity
        if written.replayed:
            return as_first_answered(mentoring)
        await self._events.publish([*expired, *mentoring.pull_events()])
        return MentoringView.of(mentoring)

    async def _request(
        self, tx: Transaction, cmd: RequestMentoringCommand, expired: list[MentoringEvent]
    ) -> Mentoring:
        now = self._clock.now()
        users = await tx.users.get_many([cmd.caller_id, cmd.mentor_id])
        mentee = users.get(cmd.caller_id)
        if mentee is None or not mentee.is_active:
            raise InvalidToken("User not found or inactive.")
        profile = await tx.profiles.get(cmd.mentor_id)
        open_between_pair = await tx.mentorings.has_open_between(cmd.mentor_id, cmd.caller_id)
        if open_between_pair:
            # At most one open mentoring per pair: if it was a due request, the pair is free.
            due = await tx.mentorings.expire_requested_before(
                expiry_cutoff(now, self._ttl), pair=(cmd.mentor_id, cmd.caller_id)
            )
            expired[:] = [MentoringExpired(mentoring_id, now) for mentoring_id in due]
            await record_expiries(tx, expired)
            open_between_pair = not due
        new = request_mentoring(
            mentee=mentee,
            mentor=users.get(cmd.mentor_id),
            start_date=cmd.start_date,
            end_date=cmd.end_date,
            open_between_pair=open_between_pair,
            mentor_accepts_requests=profile is None or profile[0].accepting_requests,
            at=now,
        )
        # A racing twin passes the check above; the store's unique index stops it there.
        mentoring = await tx.mentorings.add(new)
        await tx.outbox.add(outbox_events.of_mentoring(mentoring, mentoring.events))
        return mentoring


async def _find(tx: Transaction, mentoring_id: int) -> Mentoring:
    mentoring = await tx.mentorings.get(MentoringId(mentoring_id))
    if mentoring is None:
        # Mentorings are never deleted; only someone editing the database gets here.
        raise MentoringNotFound()
    return mentoring
