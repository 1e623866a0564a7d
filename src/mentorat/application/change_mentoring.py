"""The one shape every state change of a mentoring takes: lock, apply the rule, save, commit."""

from __future__ import annotations

from collections.abc import Callable

from mentorat.application.ports import EventPublisher, Transaction, UnitOfWork
from mentorat.application.views import MentoringView
from mentorat.domain.errors import MentoringNotFound
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Mentoring


async def change_in(
    tx: Transaction, mentoring_id: MentoringId, change: Callable[[Mentoring], None]
) -> Mentoring:
    """Load the mentoring held against other writers, apply `change`, save it (in `tx`)."""
    mentoring = await tx.mentorings.get(mentoring_id, for_update=True)
    if mentoring is None:
        raise MentoringNotFound()
    change(mentoring)
    await tx.mentorings.save(mentoring)  # conditional on the version it was loaded at
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
