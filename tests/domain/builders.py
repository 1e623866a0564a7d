"""Small builders of domain objects, so each test spells out only what it is about."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL, Mentoring, NewMentoring
from mentorat.domain.users import User, UserId

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(hours=1)
MENTEE = UserId(1)
MENTOR = UserId(2)
STRANGER = UserId(3)
START = date(2025, 1, 1)
END = date(2025, 12, 31)


def a_user(
    user_id: int = 1,
    *,
    is_mentor: bool = False,
    is_active: bool = True,
    username: str | None = None,
) -> User:
    return User(
        id=UserId(user_id),
        username=username or f"user{user_id}",
        email=f"user{user_id}@example.com",
        password_hash="not-a-real-hash",
        first_name="",
        last_name="",
        is_mentor=is_mentor,
        phone_number=None,
        is_verified=False,
        is_active=is_active,
        joined_at=T0,
    )


def snapshot(mentoring: Mentoring) -> dict[str, object]:
    """Every field of a mentoring, its events included, as plain values."""
    return dataclasses.asdict(mentoring)


def pending(*, start: date = START, end: date = END) -> Mentoring:
    """A fresh request from MENTEE to MENTOR, with its `requested` event already pulled."""
    mentoring = Mentoring.from_new(
        MentoringId(7), NewMentoring(MENTOR, MENTEE, start, end, requested_at=T0)
    )
    mentoring.pull_events()
    return mentoring


def active() -> Mentoring:
    mentoring = pending()
    mentoring.respond(by=MENTOR, accept=True, at=T0)
    mentoring.pull_events()
    return mentoring


def rejected() -> Mentoring:
    mentoring = pending()
    mentoring.respond(by=MENTOR, accept=False, at=T0)
    mentoring.pull_events()
    return mentoring


def cancelled_while_pending() -> Mentoring:
    mentoring = pending()
    mentoring.cancel(by=MENTEE, at=T0)
    mentoring.pull_events()
    return mentoring


def cancelled_while_active() -> Mentoring:
    mentoring = active()
    mentoring.cancel(by=MENTOR, at=T0)
    mentoring.pull_events()
    return mentoring


def expired() -> Mentoring:
    """A request its mentor never answered, seen a request TTL after it was made."""
    mentoring = pending()
    mentoring.expire_if_due(T0 + DEFAULT_REQUEST_TTL, DEFAULT_REQUEST_TTL)
    mentoring.pull_events()
    return mentoring


def completed() -> Mentoring:
    mentoring = active()
    mentoring.complete(by=MENTEE, at=T0)
    mentoring.pull_events()
    return mentoring


BUILDERS = {
    "pending": pending,
    "active": active,
    "rejected": rejected,
    "cancelled while pending": cancelled_while_pending,
    "cancelled while active": cancelled_while_active,
    "completed": completed,
    "expired": expired,
}
TERMINAL = (
    "rejected",
    "cancelled while pending",
    "cancelled while active",
    "completed",
    "expired",
)
