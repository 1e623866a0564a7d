"""The one shape every state change of a mentoring takes: lock, apply the rule, save, commit.

Every change also keeps what the store counts about the mentor: a mentoring that becomes
active takes one of the mentor's places (refused with MentorAtCapacity when none is left), one
that stops being active gives it back, and an answered request updates the mentor's answer
time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from mentorat.application import outbox_events
from mentorat.application.ports import EventPublisher, Transaction, UnitOfWork
from mentorat.application.views import MentoringView
from mentorat.domain.errors import MentorAtCapacity, MentoringNotFound
from mentorat.domain.events import MentoringId
from mentorat.domain.matching import median_answer_time
from mentorat.domain.mentoring import Mentoring, Status

# The answers a mentor's answer time is the median of: their latest ones.
ANSWERS_COUNTED: Final = 20


async def change_in(
    tx: Transaction, mentoring_id: MentoringId, change: Callable[[Mentoring], None]
) -> Mentoring:
    """Load the mentoring held against other writers, apply `change`, save it (in `tx`), and
    keep the mentor's standing."""
    mentoring = await tx.mentorings.get(mentoring_id, for_update=True)
    if mentoring is None:
        raise MentoringNotFound()
    before = mentoring.status
    change(mentoring)
    await _keep_places(tx, mentoring, before)
    await tx.mentorings.save(mentoring)  # conditional on the version it was loaded at
    await tx.outbox.add(outbox_events.of_mentoring(mentoring, mentoring.events))
    if before is Status.PENDING and mentoring.status in (Status.ACTIVE, Status.REJECTED):
        answer_times = await tx.mentorings.answer_times(mentoring.mentor_id, ANSWERS_COUNTED)
        await tx.profiles.record_answer_time(mentoring.mentor_id, median_answer_time(answer_times))
    return mentoring


async def change_mentoring(
    uow: UnitOfWork,
    events: EventPublisher,
    mentoring_id: MentoringId,
    change: Callable[[Mentoring], None],
) -> MentoringView:
    async with uow() as tx:
        mentoring = await change_in(tx, mentoring_id, change)
        await tx.commit()
    await events.publish(mentoring.pull_events())
    return MentoringView.of(mentoring)


async def _keep_places(tx: Transaction, mentoring: Mentoring, before: Status) -> None:
    now_active = mentoring.status is Status.ACTIVE
    if now_active and before is not Status.ACTIVE:
        if not await tx.profiles.take_place(mentoring.mentor_id):
            raise MentorAtCapacity()
    elif before is Status.ACTIVE and not now_active:
        await tx.profiles.free_place(mentoring.mentor_id)
