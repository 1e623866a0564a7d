"""Programme statistics for administrators: who is here, how mentorings go, how busy chats are."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mentorat.application.ports import Clock, ProgrammeCounts, UnitOfWork
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL, Status

# Messages are counted per UTC day over this many days, today included.
MESSAGE_DAYS = 30
# A pending request "about to expire" expires within this long.
EXPIRING_WITHIN = timedelta(hours=48)


@dataclass(frozen=True, slots=True)
class ProgrammeStatistics:
    """`users`: total, mentors, mentees (who are not mentors), staff, active, inactive,
    verified_mentors. `mentorings`: how many are in each status (a pending request past its
    time counts as expired). `median_answer_seconds` and `acceptance_rate` are None before any
    request is answered. `messages_per_day`: each UTC day of the last 30, oldest first."""

    users: dict[str, int]
    mentorings: dict[str, int]
    requests_answered: int
    median_answer_seconds: float | None
    acceptance_rate: float | None
    messages_per_day: list[tuple[date, int]]
    mentors_at_capacity: int
    requests_about_to_expire: int
    generated_at: datetime


class ShowStatistics:
    def __init__(
        self, uow: UnitOfWork, clock: Clock, request_ttl: timedelta = DEFAULT_REQUEST_TTL
    ) -> None:
        self._uow, self._clock, self._ttl = uow, clock, request_ttl

    async def __call__(self) -> ProgrammeStatistics:
        now = self._clock.now()
        today = now.date()
        first_day = today - timedelta(days=MESSAGE_DAYS - 1)
        expired_before = now - self._ttl
        async with self._uow(write=False) as tx:
            counts: ProgrammeCounts = await tx.statistics.counts(
                messages_since=datetime.combine(first_day, datetime.min.time(), now.tzinfo),
                expired_before=expired_before,
                expiring_before=expired_before + EXPIRING_WITHIN,
            )
        answered = len(counts.answer_times)
        per_day = dict(counts.messages_per_day)
        return ProgrammeStatistics(
            users=dict(counts.users),
            mentorings={status.value: counts.mentorings.get(status, 0) for status in Status},
            requests_answered=answered,
            median_answer_seconds=(
                statistics.median(t.total_seconds() for t in counts.answer_times)
                if answered
                else None
            ),
            acceptance_rate=round(counts.accepted / answered, 4) if answered else None,
            messages_per_day=[
                (day, per_day.get(day, 0))
                for day in (first_day + timedelta(days=n) for n in range(MESSAGE_DAYS))
            ],
            mentors_at_capacity=counts.mentors_at_capacity,
            requests_about_to_expire=counts.requests_expiring,
            generated_at=now,
        )
