"""The memory unit of work, with real transactions (all or nothing).

Transactions run one at a time (an asyncio lock), so each sees a consistent store; changes are
applied as they happen and undone in reverse order when the block ends without `commit()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mentorat.adapters.memory.outbox import InMemoryOutbox
from mentorat.adapters.memory.personal_data import InMemoryPersonalData
from mentorat.adapters.memory.profiles import InMemoryMentorDirectory, InMemoryProfiles
from mentorat.adapters.memory.records import (
    InMemoryAuditTrail,
    InMemoryIdempotencyKeys,
    InMemoryUsedRefreshTokens,
)
from mentorat.adapters.memory.repositories import (
    InMemoryGoals,
    InMemoryMentorings,
    InMemoryMessages,
    InMemoryUsers,
)
from mentorat.adapters.memory.statistics import InMemoryProgrammeFigures
from mentorat.adapters.memory.store import InMemoryStore, Undo
from mentorat.application.ports import Transaction


class InMemoryTransaction:
    def __init__(self, store: InMemoryStore) -> None:
        self.undo: Undo = []
        self.committed = False
        self.users = InMemoryUsers(store, self.undo)
        self.audit = InMemoryAuditTrail(store, self.undo)
        self.statistics = InMemoryProgrammeFigures(store)
        self.personal_data = InMemoryPersonalData(store, self.undo)
        self.profiles = InMemoryProfiles(store, self.undo)
        self.directory = InMemoryMentorDirectory(store)
        self.mentorings = InMemoryMentorings(store, self.undo)
        self.messages = InMemoryMessages(store, self.undo)
        self.goals = InMemoryGoals(store, self.undo)
        self.idempotency = InMemoryIdempotencyKeys(store, self.undo)
        self.used_refresh_tokens = InMemoryUsedRefreshTokens(store, self.undo)
        self.outbox = InMemoryOutbox(store, self.undo)
        self._store = store

    async def commit(self) -> None:
        self.committed = True
        self.undo.clear()
        if self.outbox.added:
            self.outbox.added = False
            for wake in self._store.on_events:
                wake()

    def rollback(self) -> None:
        while self.undo:
            self.undo.pop()()


class InMemoryUnitOfWork:
    def __init__(self, store: InMemoryStore | None = None) -> None:
        self.store = store if store is not None else InMemoryStore()

    async def ping(self) -> None:
        return None

    @asynccontextmanager
    async def __call__(self, *, write: bool = True) -> AsyncIterator[Transaction]:
        async with self.store.lock:
            tx = InMemoryTransaction(self.store)
            try:
                yield tx
            finally:
                # Changes made after the last commit are dropped, as in a database.
                tx.rollback()
