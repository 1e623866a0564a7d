"""The caller's accepted mentorings, as mentor or as mentee."""

from __future__ import annotations

from mentorat.application.ports import UnitOfWork
from mentorat.application.views import MentoringView
from mentorat.domain.users import UserId


class ListMentorings:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, caller_id: UserId) -> list[MentoringView]:
        async with self._uow(write=False) as tx:
            found = await tx.mentorings.list_accepted_for(caller_id)
        return [MentoringView.of(m) for m in found]
