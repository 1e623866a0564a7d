"""The programme's figures counted over the memory store (`application.ports.ProgrammeFigures`)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from mentorat.adapters.memory.store import InMemoryStore
from mentorat.application.ports import ProgrammeCounts
from mentorat.domain.mentoring import Status


class InMemoryProgrammeFigures:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def counts(
        self, *, messages_since: datetime, expired_before: datetime, expiring_before: datetime
    ) -> ProgrammeCounts:
        people = list(self._store.users.values())
        users = {
            "total": len(people),
            "mentors": sum(u.is_mentor for u in people),
            "mentees": sum(not u.is_mentor for u in people),
            "staff": sum(u.is_staff for u in people),
            "active": sum(u.is_active for u in people),
            "inactive": sum(not u.is_active for u in people),
            "verified_mentors": sum(u.is_mentor and u.is_verified for u in people),
        }
        mentorings = list(self._store.mentorings.values())
        by_status: Counter[Status] = Counter(
            Status.EXPIRED
            if m.status is Status.PENDING and m.created_at <= expired_before
            else m.status
            for m in mentorings
        )
        answered = [m for m in mentorings if m.is_accepted or m.status is Status.REJECTED]
        days = Counter(
            message.created_at.astimezone(UTC).date()
            for chat in self._store.messages.values()
            for message in chat
            if message.created_at >= messages_since
        )
        at_capacity = sum(
            1
            for user in people
            if user.is_mentor
            and user.is_active
            and self._store.standings[user.id].active_mentees
            >= self._store.profiles[user.id].capacity
        )
        return ProgrammeCounts(
            users=users,
            mentorings=dict(by_status),
            answer_times=[(m.accepted_at or m.updated_at) - m.created_at for m in answered],
            accepted=sum(m.is_accepted for m in answered),
            messages_per_day=dict(days),
            mentors_at_capacity=at_capacity,
            requests_expiring=sum(
                m.status is Status.PENDING and expired_before < m.created_at <= expiring_before
                for m in mentorings
            ),
        )
