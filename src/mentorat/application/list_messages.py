"""A participant reads one page of a mentoring's chat."""

from __future__ import annotations

from dataclasses import dataclass, field

from mentorat.application.ports import UnitOfWork
from mentorat.application.views import MessagePageView
from mentorat.domain.chat import PageRequest
from mentorat.domain.errors import MentoringNotFound
from mentorat.domain.events import MentoringId
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class ListMessagesQuery:
    mentoring_id: MentoringId
    caller_id: UserId
    page: PageRequest = field(default_factory=PageRequest)


class ListMessages:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, query: ListMessagesQuery) -> MessagePageView:
        async with self._uow(write=False) as tx:
            mentoring = await tx.mentorings.get(query.mentoring_id)
            if mentoring is None:
                raise MentoringNotFound()
            mentoring.ensure_visible_to(query.caller_id)
            page = await tx.messages.page(query.mentoring_id, query.page)
        return MessagePageView.of(page, query.page.limit)
