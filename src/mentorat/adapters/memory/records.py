"""The memory adapters of the `IdempotencyKeys`, `UsedRefreshTokens` and `AuditTrail` ports:
records kept in order, oldest first (the first two pruned a batch at a time)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import islice
from typing import TypeVar

from mentorat.adapters.memory.store import InMemoryStore, Undo
from mentorat.application.errors import IdempotencyKeyInFlight
from mentorat.application.idempotency import (
    PRUNE_BATCH,
    RETENTION,
    IdempotencyRecord,
    replay_of,
)
from mentorat.domain.audit import AuditAction, AuditEntry, AuditId, NewAuditEntry
from mentorat.domain.errors import InvalidToken
from mentorat.domain.users import UserId

K = TypeVar("K")
V = TypeVar("V")


def change(table: dict[K, V], key: K, value: V | None, undo: Undo, *, move: bool = True) -> None:
    """Set `table[key]` to `value` (None deletes it), undoably.

    With `move`, the entry goes to the end of the table's order, which is then oldest first.
    """
    before = table.get(key)
    if value is None or move:
        table.pop(key, None)
    if value is not None:
        table[key] = value

    def restore() -> None:
        table.pop(key, None)
        if before is not None:
            table[key] = before

    undo.append(restore)


def prune(table: dict[K, V], expired: Callable[[V], bool], undo: Undo) -> None:
    """Delete the expired entries among the oldest PRUNE_BATCH: bounded work per call."""
    for key in [k for k, v in islice(table.items(), PRUNE_BATCH) if expired(v)]:
        change(table, key, None, undo)


class InMemoryIdempotencyKeys:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def claim(
        self, caller_id: UserId, key: str, fingerprint: str, now: datetime, lease: timedelta
    ) -> int | None:
        if caller_id not in self._store.users:
            # As the SQL stores' foreign key: a claim belongs to someone who exists.
            raise InvalidToken("User not found or inactive.")
        records = self._store.idempotency
        found = records.get((caller_id, key))
        if found is not None:
            replay = replay_of(found, fingerprint, now, lease)
            if replay is not None:
                return replay
        change(records, (caller_id, key), IdempotencyRecord(fingerprint, now, None), self._undo)
        oldest_kept = now - RETENTION
        prune(records, lambda r: r.created_at <= oldest_kept, self._undo)
        return None

    def _held(self, caller_id: UserId, key: str, claimed_at: datetime) -> IdempotencyRecord | None:
        record = self._store.idempotency.get((caller_id, key))
        if record is None or record.resource_id is not None or record.created_at != claimed_at:
            return None
        return record

    async def complete(
        self, caller_id: UserId, key: str, resource_id: int, *, claimed_at: datetime
    ) -> None:
        record = self._held(caller_id, key, claimed_at)
        if record is None:
            raise IdempotencyKeyInFlight()
        done = dataclasses.replace(record, resource_id=resource_id)
        change(self._store.idempotency, (caller_id, key), done, self._undo, move=False)

    async def release(self, caller_id: UserId, key: str, *, claimed_at: datetime) -> None:
        if self._held(caller_id, key, claimed_at) is not None:
            change(self._store.idempotency, (caller_id, key), None, self._undo)


class InMemoryUsedRefreshTokens:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def use(self, jti: str, expires_at: datetime, now: datetime) -> bool:
        used = self._store.used_refresh_tokens
        if jti in used:
            return False
        change(used, jti, expires_at, self._undo)
        prune(used, lambda exp: exp <= now, self._undo)
        return True

    async def is_used(self, jti: str) -> bool:
        return jti in self._store.used_refresh_tokens


class InMemoryAuditTrail:
    def __init__(self, store: InMemoryStore, undo: Undo) -> None:
        self._store, self._undo = store, undo

    async def record(self, entry: NewAuditEntry) -> None:
        entries = self._store.audit
        entries.append(AuditEntry.from_new(AuditId(self._store.next_id("audit")), entry))
        self._undo.append(lambda: entries.__delitem__(-1))

    async def page(
        self,
        *,
        after: AuditId | None = None,
        limit: int | None = None,
        subject_id: UserId | None = None,
        action: AuditAction | None = None,
    ) -> list[AuditEntry]:
        found = [
            e
            for e in self._store.audit
            if e.id > (after or 0)
            and (subject_id is None or e.subject_id == subject_id)
            and (action is None or e.action == action)
        ]
        return found if limit is None else found[:limit]

    async def forget_addresses(self, subject_id: UserId) -> None:
        entries = self._store.audit
        before = list(entries)
        entries[:] = [
            dataclasses.replace(e, address="") if subject_id in (e.subject_id, e.actor_id) else e
            for e in entries
        ]
        self._undo.append(lambda: entries.__setitem__(slice(None), before))
