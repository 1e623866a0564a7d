"""Progress: how far a mentoring has come, computed from the mentoring, its goals and today's
date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from mentorat.domain.goals import NO_GOALS, GoalTally
from mentorat.domain.mentoring import Mentoring


@dataclass(frozen=True, slots=True)
class Progress:
    total_days: int
    elapsed_days: int
    percent_elapsed: float
    message_count: int
    last_activity_at: datetime
    goal_count: int = 0
    goals_done: int = 0
    # None when there are no goals: nothing to be done is not 0% nor 100% done.
    percent_done: float | None = None

    @classmethod
    def of(cls, mentoring: Mentoring, today: date, goals: GoalTally = NO_GOALS) -> Progress:
        # Both ends of the period count: 2025-01-01..2025-01-01 is one day long.
        total = (mentoring.end_date - mentoring.start_date).days + 1
        elapsed = min(max((today - mentoring.start_date).days + 1, 0), total)
        last = mentoring.updated_at
        if mentoring.last_message_at is not None and mentoring.last_message_at > last:
            last = mentoring.last_message_at
        return cls(
            total_days=total,
            elapsed_days=elapsed,
            percent_elapsed=round(100 * elapsed / total, 1),
            message_count=mentoring.message_count,
            last_activity_at=last,
            goal_count=goals.count,
            goals_done=goals.done,
            percent_done=goals.percent_done,
        )
