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
        # One read brings the mentoring and the page; the domain rule decides what is shown.
        async with self._uow(write=False) as tx:
            read = await tx.messages.read_chat(query.mentoring_id, query.caller_id, query.page)
        if read is None:
            raise MentoringNotFound()
        read.mentoring.ensure_visible_to(query.caller_id)
        page = read.page
        if page is None:
            # The store left out a page the rule allows (it must not: the contract tests
            # check it); read it on its own rather than show an empty chat.
            async with self._uow(write=False) as tx:
                page = await tx.messages.page(query.mentoring_id, query.page)
        return MessagePageView.of(page, query.page.limit)
