"""The caller's accepted mentorings, as mentor or as mentee."""

from __future__ import annotations

from mentorat.application.ports import UnitOfWork
from mentorat.application.views import MentoringView
from mentorat.domain.paging import ListPage, Paged, paged
from mentorat.domain.users import UserId


class ListMentorings:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, caller_id: UserId) -> list[MentoringView]:
        return (await self.paged(caller_id, ListPage())).items

    async def paged(self, caller_id: UserId, page: ListPage) -> Paged[MentoringView]:
        async with self._uow(write=False) as tx:
            found = await tx.mentorings.list_accepted_with_unread(
                caller_id, after=page.after, limit=page.to_read
            )
        views = [MentoringView.of(m, unread) for m, unread in found]
        return paged(views, page, lambda v: v.id)
