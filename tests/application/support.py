"""Helpers shared by the application tests: constants, registration, wiring and snapshots."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from mentorat.adapters.memory.store import InMemoryStore
from mentorat.application.ports import UnitOfWork
from mentorat.application.register_user import RegisterCommand
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.application.views import MentoringView, UserView

SECRET = "a signing key that only these application tests know, long enough for HS512"
PASSWORD = "correct horse battery"
T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
START = date(2025, 1, 1)
END = date(2025, 12, 31)


class Wire(Protocol):
    """The `wire` fixture: a `Mentorat` on `uow` with the test's clock, events and throttle."""

    def __call__(self, uow: UnitOfWork, **options: Any) -> Mentorat: ...


@dataclass(frozen=True)
class People:
    mentee: UserView
    mentor: UserView
    other_mentor: UserView
    stranger: UserView


async def register(app: Mentorat, username: str, *, is_mentor: bool = False) -> UserView:
    return await app.register_user(
        RegisterCommand(
            username=username,
            password=PASSWORD,
            email=f"{username.lower()}@example.com",
            is_mentor=is_mentor,
        )
    )


async def ask(
    app: Mentorat, mentee: UserView, mentor: UserView, *, start: date = START, end: date = END
) -> MentoringView:
    return await app.request_mentoring(
        RequestMentoringCommand(
            caller_id=mentee.id, mentor_id=mentor.id, start_date=start, end_date=end
        )
    )


async def accepted(app: Mentorat, mentee: UserView, mentor: UserView) -> MentoringView:
    request = await ask(app, mentee, mentor)
    return await app.respond_to_request(RespondCommand(request.id, mentor.id, accept=True))


def snapshot(store: InMemoryStore) -> dict[str, object]:
    """Everything a store holds, as plain values (entities compare by identity)."""
    return {
        "users": {i: asdict(u) for i, u in store.users.items()},
        "usernames": dict(store.usernames),
        "mentorings": {i: asdict(m) for i, m in store.mentorings.items()},
        "messages": {i: [asdict(m) for m in chat] for i, chat in store.messages.items()},
        "goals": {i: asdict(g) for i, g in store.goals.items()},
    }
