"""A mentee asks a mentor for a mentoring."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from mentorat.application.idempotency import Claim, claim_key, release_key
from mentorat.application.ports import Clock, EventPublisher, UnitOfWork
from mentorat.application.views import MentoringView
from mentorat.domain.errors import InvalidToken, MentoringNotFound, NotYourself
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Mentoring, Status, request_mentoring
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
    def __init__(self, uow: UnitOfWork, clock: Clock, events: EventPublisher) -> None:
        self._uow, self._clock, self._events = uow, clock, events

    async def __call__(self, cmd: RequestMentoringCommand) -> MentoringView:
        if cmd.mentee_id is not None and cmd.mentee_id != cmd.caller_id:
            raise NotYourself()
        if cmd.idempotency_key is None:
            mentoring = await self._request(cmd, None)
        else:
            claimed = await claim_key(
                self._uow, cmd.caller_id, cmd.idempotency_key, cmd.fingerprint, self._clock.now()
            )
            if not isinstance(claimed, Claim):
                return await self._replay(MentoringId(claimed))
            try:
                mentoring = await self._request(cmd, claimed)
            except BaseException:
                await release_key(self._uow, claimed)
                raise
        await self._events.publish(mentoring.pull_events())
        return MentoringView.of(mentoring)

    async def _request(self, cmd: RequestMentoringCommand, claim: Claim | None) -> Mentoring:
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
            if claim is not None:
                await claim.complete(tx, mentoring.id)
            await tx.commit()
        return mentoring

    async def _replay(self, mentoring_id: MentoringId) -> MentoringView:
        async with self._uow(write=False) as tx:
            mentoring = await tx.mentorings.get(mentoring_id)
        if mentoring is None:
            # Mentorings are never deleted; only someone editing the database gets here.
            raise MentoringNotFound()
        return as_first_answered(mentoring)
