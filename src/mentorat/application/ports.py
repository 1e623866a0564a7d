"""What the application needs from the outside world, in domain terms.

Adapters implement these protocols structurally (no inheritance needed); each adapter's tests
assert conformance with an annotated assignment that mypy checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mentorat.domain.chat import Message, MessagePage, NewMessage, PageRequest
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Mentoring, NewMentoring, Role, Status
from mentorat.domain.users import NewUser, User, UserId


class Users(Protocol):
    async def add(self, new: NewUser) -> User:
        """Store a new user; raises UsernameTaken when the name is taken ignoring case."""

    async def get(self, user_id: UserId) -> User | None: ...

    async def get_by_username(self, username: str) -> User | None:
        """Look a user up by name, ignoring case."""

    async def get_many(self, user_ids: Sequence[UserId]) -> dict[UserId, User]: ...

    async def save(self, user: User) -> None: ...


@dataclass(frozen=True, slots=True)
class MentoringWithPeople:
    mentoring: Mentoring
    mentee: User
    mentor: User


class Mentorings(Protocol):
    async def add(self, new: NewMentoring) -> Mentoring:
        """Store a new pending request; raises OpenMentoringExists when the pair has one."""

    async def get(self, mentoring_id: MentoringId, *, for_update: bool = False) -> Mentoring | None:
        """Load one mentoring; `for_update` holds it against concurrent writers until commit."""

    async def save(self, mentoring: Mentoring) -> None:
        """Write back a loaded mentoring; raises ConcurrentUpdate if it changed meanwhile."""

    async def has_open_between(self, mentor_id: UserId, mentee_id: UserId) -> bool: ...

    async def list_for(
        self, user_id: UserId, *, status: Status | None = None, role: Role | None = None
    ) -> list[Mentoring]:
        """Every mentoring the user takes part in (or in `role`), by id ascending."""

    async def list_accepted_for(self, user_id: UserId) -> list[Mentoring]:
        """Mentorings the user takes part in that have been active at some point."""

    async def list_accepted_with_people(self, user_id: UserId) -> list[MentoringWithPeople]:
        """As `list_accepted_for`, with both participants loaded in the same read."""


class Messages(Protocol):
    async def add(self, new: NewMessage) -> Message:
        """Store a message; ids grow in commit order within a mentoring."""

    async def page(self, mentoring_id: MentoringId, request: PageRequest) -> MessagePage:
        """One page of a chat, with the semantics of `mentorat.domain.chat.paginate`."""


class Transaction(Protocol):
    @property
    def users(self) -> Users: ...

    @property
    def mentorings(self) -> Mentorings: ...

    @property
    def messages(self) -> Messages: ...

    async def commit(self) -> None: ...


class UnitOfWork(Protocol):
    def __call__(self, *, write: bool = True) -> AbstractAsyncContextManager[Transaction]:
        """Open one transaction. Leaving the block without `commit()` rolls it back.

        `write=False` promises the block only reads, which lets some stores avoid locks.
        """

    async def ping(self) -> None:
        """Return when the store answers; raise StorageUnavailable when it does not."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """True when `password` matches; takes the same time whatever the answer."""

    async def burn(self, password: str) -> None:
        """Spend the time a verification would, for a user who does not exist."""


@dataclass(frozen=True, slots=True)
class TokenPair:
    access: str
    refresh: str


class Tokens(Protocol):
    def issue(self, user_id: UserId, now: datetime) -> TokenPair: ...

    def refresh(self, refresh_token: str, now: datetime) -> tuple[UserId, str]:
        """Check a refresh token and mint a new access token; raises InvalidToken."""

    def verify_access(self, access_token: str, now: datetime) -> UserId:
        """The user id an access token stands for; raises InvalidToken."""


class LoginThrottle(Protocol):
    async def retry_after(self, username: str, address: str, now: datetime) -> int:
        """Seconds the caller must still wait before trying again, 0 when allowed."""

    async def record_failure(self, username: str, address: str, now: datetime) -> None: ...


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[object]) -> None:
        """Hand domain events to whoever listens (notifications, real-time chat)."""
