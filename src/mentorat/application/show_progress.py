"""The progress of each of the caller's accepted mentorings (its period, its chat, its goals),
with both people's public info."""

from __future__ import annotations

from mentorat.application.ports import Clock, UnitOfWork
from mentorat.application.views import MentoringView, ProgressView, UserView
from mentorat.domain.paging import ListPage, Paged, paged
from mentorat.domain.progress import Progress
from mentorat.domain.users import UserId


class ShowProgress:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, caller_id: UserId) -> list[ProgressView]:
        return (await self.paged(caller_id, ListPage())).items

    async def paged(self, caller_id: UserId, page: ListPage) -> Paged[ProgressView]:
        async with self._uow(write=False) as tx:
            rows = await tx.mentorings.list_accepted_with_people(
                caller_id, after=page.after, limit=page.to_read
            )
        today = self._clock.now().date()
        views = [
            ProgressView(
                mentoring=MentoringView.of(row.mentoring, row.unread),
                mentee=UserView.of(row.mentee),
                mentor=UserView.of(row.mentor),
                progress=Progress.of(row.mentoring, today, row.goals),
            )
            for row in rows
        ]
        return paged(views, page, lambda v: v.mentoring.id)
