"""The caller's requests, sent or received, in every status, optionally filtered and paged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from mentorat.application.ports import Clock, UnitOfWork
from mentorat.application.views import MentoringView, UserView
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL, Role, Status, expiry_cutoff
from mentorat.domain.paging import ListPage, Paged, paged
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request with both people, for a page that names them."""

    mentoring: MentoringView
    mentee: UserView
    mentor: UserView


@dataclass(frozen=True, slots=True)
class ListRequestsQuery:
    caller_id: UserId
    status: Status | None = None
    role: Role | None = None
    page: ListPage = field(default_factory=ListPage)


class ListRequests:
    """Requests due to expire show as expired (and filter as such), recorded or not."""

    def __init__(
        self, uow: UnitOfWork, clock: Clock, request_ttl: timedelta = DEFAULT_REQUEST_TTL
    ) -> None:
        self._uow, self._clock, self._ttl = uow, clock, request_ttl

    async def __call__(self, query: ListRequestsQuery) -> list[MentoringView]:
        return (await self.paged(query)).items

    async def paged(self, query: ListRequestsQuery) -> Paged[MentoringView]:
        now = self._clock.now()
        async with self._uow(write=False) as tx:
            found = await tx.mentorings.list_for(
                query.caller_id,
                status=query.status,
                role=query.role,
                expired_before=expiry_cutoff(now, self._ttl),
                after=query.page.after,
                limit=query.page.to_read,
            )
        for mentoring in found:
            mentoring.expire_if_due(now, self._ttl)  # as shown; the sweep records it
        return paged([MentoringView.of(m) for m in found], query.page, lambda v: v.id)

    async def with_people(self, query: ListRequestsQuery) -> Paged[RequestView]:
        """As `paged`, each request with its mentee and its mentor (one more read)."""
        found = await self.paged(query)
        ids = {v.mentee_id for v in found.items} | {v.mentor_id for v in found.items}
        async with self._uow(write=False) as tx:
            users = await tx.users.get_many(sorted(ids))
        return Paged(
            [
                RequestView(v, UserView.of(users[v.mentee_id]), UserView.of(users[v.mentor_id]))
                for v in found.items
            ],
            found.next_after,
        )
