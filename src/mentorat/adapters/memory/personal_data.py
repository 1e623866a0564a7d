"""A person's data beyond their user row, over the memory store (`PersonalData`).

The memory login throttle lives outside the store; its counters under an erased username
are forgotten when they leave their window, as every other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from mentorat.adapters.memory.records import InMemoryAuditTrail
from mentorat.adapters.memory.store import InMemoryStore, Undo
from mentorat.application.outbox_events import MESSAGE_POSTED
from mentorat.application.ports import StoredEvent
from mentorat.domain.chat import Message
from mentorat.domain.goals import Goal
from mentorat.domain.users import UserId


class InMemoryPersonalData:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def messages_sent_by(self, user_id: UserId) -> list[Message]:
        sent = [m for chat in self._store.messages.values() for m in chat if m.sender_id == user_id]
        return sorted(sent, key=lambda m: m.id)

    async def goals_of(self, user_id: UserId) -> list[Goal]:
        theirs = {m.id for m in self._store.mentorings.values() if m.involves(user_id)}
        found = [g for g in self._store.goals.values() if g.mentoring_id in theirs]
        return sorted(found, key=lambda g: (g.mentoring_id, g.position))

    async def erase_traces(self, user_id: UserId, username: str, marker: str) -> None:
        for chat in self._store.messages.values():
            before = list(chat)
            chat[:] = [
                dataclasses.replace(m, text=marker) if m.sender_id == user_id else m for m in chat
            ]
            self._undo.append(_restore(chat, before))
        outbox = self._store.outbox
        told = {
            i: e for i, e in outbox.items() if e.name == MESSAGE_POSTED and user_id in e.recipients
        }
        for i in told:
            del outbox[i]
        self._undo.append(_restore_events(outbox, told))
        await InMemoryAuditTrail(self._store, self._undo).forget_addresses(user_id)


def _restore_events(
    outbox: dict[int, StoredEvent], told: dict[int, StoredEvent]
) -> Callable[[], None]:
    def restore() -> None:
        kept = sorted({**outbox, **told}.items())  # the outbox is by id ascending
        outbox.clear()
        outbox.update(kept)

    return restore


def _restore(chat: list[Message], before: list[Message]) -> Callable[[], None]:
    def restore() -> None:
        chat[:] = before

    return restore
