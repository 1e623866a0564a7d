"""The caller's requests, sent or received, in every status, optionally filtered."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.ports import UnitOfWork
from mentorat.application.views import MentoringView
from mentorat.domain.mentoring import Role, Status
from mentorat.domain.users import UserId


@dataclass(frozen=True, slots=True)
class ListRequestsQuery:
    caller_id: UserId
    status: Status | None = None
    role: Role | None = None


class ListRequests:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, query: ListRequestsQuery) -> list[MentoringView]:
        async with self._uow(write=False) as tx:
            found = await tx.mentorings.list_for(
                query.caller_id, status=query.status, role=query.role
            )
        return [MentoringView.of(m) for m in found]
