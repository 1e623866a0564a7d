"""The unit of work, and the transaction through which a use case reaches every store."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from mentorat.application.ports.chat import Messages
from mentorat.application.ports.events import Outbox
from mentorat.application.ports.mentorings import Goals, Mentorings
from mentorat.application.ports.people import MentorDirectory, Profiles, Users
from mentorat.application.ports.records import (
    AuditTrail,
    IdempotencyKeys,
    PersonalData,
    ProgrammeFigures,
    UsedRefreshTokens,
)


class Transaction(Protocol):
    @property
    def users(self) -> Users: ...

    @property
    def personal_data(self) -> PersonalData: ...

    @property
    def statistics(self) -> ProgrammeFigures: ...

    @property
    def audit(self) -> AuditTrail: ...

    @property
    def profiles(self) -> Profiles: ...

    @property
    def directory(self) -> MentorDirectory: ...

    @property
    def mentorings(self) -> Mentorings: ...

    @property
    def messages(self) -> Messages: ...

    @property
    def goals(self) -> Goals: ...

    @property
    def idempotency(self) -> IdempotencyKeys: ...

    @property
    def used_refresh_tokens(self) -> UsedRefreshTokens: ...

    @property
    def outbox(self) -> Outbox: ...

    async def commit(self) -> None: ...


class UnitOfWork(Protocol):
    def __call__(self, *, write: bool = True) -> AbstractAsyncContextManager[Transaction]:
        """Open one transaction. Leaving the block without `commit()` rolls it back.

        `write=False` promises the block only reads, which lets some stores avoid locks.
        """

    async def ping(self) -> None:
        """Return when the store answers; raise StorageUnavailable when it does not."""
