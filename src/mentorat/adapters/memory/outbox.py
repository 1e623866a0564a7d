"""The outbox in memory: `application.ports.Outbox` on the store's list of events."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from datetime import datetime

from mentorat.adapters.memory.store import InMemoryStore, Undo
from mentorat.application.ports import NewEvent, OutboxPage, StoredEvent
from mentorat.domain.users import UserId


class InMemoryOutbox:
    """Ids come from the store's counter, in the order the (one at a time) transactions add
    them; `added` says whether this transaction recorded any (its commit wakes the readers)."""

    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo
        self.added = False

    async def add(self, events: Sequence[NewEvent]) -> None:
        kept = self._store.outbox
        for new in events:
            event_id = self._store.next_id("event")
            kept[event_id] = StoredEvent(
                event_id,
                new.name,
                new.mentoring_id,
                new.recipients,
                new.occurred_at,
                new.payload,
            )
            self._undo.append(functools.partial(self._forget, event_id))
            self.added = True

    async def after(
        self, cursor: int, *, limit: int, recipient: UserId | None = None
    ) -> list[StoredEvent]:
        # Ids are kept in ascending order: a dict keeps the order of insertion.
        found = (
            event
            for event_id, event in self._store.outbox.items()
            if event_id > cursor and (recipient is None or recipient in event.recipients)
        )
        return list(itertools.islice(found, limit))

    async def read(self, cursor: int, *, limit: int) -> OutboxPage:
        # Transactions run one at a time, and this read is one: nothing is in flight.
        return OutboxPage(await self.after(cursor, limit=limit))

    async def bounds(self) -> tuple[int, int] | None:
        kept = self._store.outbox
        if not kept:
            return None
        return next(iter(kept)), next(reversed(kept))

    async def prune(self, before: datetime) -> int:
        kept = self._store.outbox
        gone = list(itertools.takewhile(lambda e: e.occurred_at < before, kept.values()))
        for event in gone:
            del kept[event.id]
            self._undo.append(functools.partial(self._restore, event))
        return len(gone)

    def _forget(self, event_id: int) -> None:
        del self._store.outbox[event_id]

    def _restore(self, event: StoredEvent) -> None:
        # Undone in reverse order: each restored event goes back in front.
        kept = self._store.outbox
        rest = dict(kept)
        kept.clear()
        kept[event.id] = event
        kept.update(rest)
