"""Idempotency-Key records in SQL: a claim is an insert-or-find, decided under a row lock.

The rules are `mentorat.application.idempotency.replay_of`, shared with the memory store; this
module only makes them hold under concurrency. Of several requests claiming one new key, the
primary key lets one insert; on PostgreSQL the others wait for its commit, then find its row
and lock it (`FOR UPDATE`) before deciding, so two of them can never both take an abandoned
claim over. SQLite's `BEGIN IMMEDIATE` serializes the whole claim.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import bindparam, delete, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from mentorat.adapters.sql.errors import translated
from mentorat.adapters.sql.tables import Id, UtcDateTime, idempotency_keys
from mentorat.application.errors import IdempotencyKeyInFlight
from mentorat.application.idempotency import (
    PRUNE_BATCH,
    RETENTION,
    IdempotencyRecord,
    replay_of,
)
from mentorat.domain.errors import InvalidToken
from mentorat.domain.users import UserId

_T: Final = idempotency_keys
RUNNING, DONE = "running", "done"
# A claim whose row vanishes between the insert that saw it and the read (released or pruned
# meanwhile) tries again; twice in a row means the key is very busy.
_ATTEMPTS: Final = 3

_THIS_KEY: Final = (
    _T.c.caller_id == bindparam("b_caller_id", type_=Id),
    _T.c.key == bindparam("b_key"),
)
_HELD: Final = (
    *_THIS_KEY,
    _T.c.status == RUNNING,
    _T.c.created_at == bindparam("b_claimed_at", type_=UtcDateTime),
)
_INSERT: Final = {
    name: insert_(_T)
    .on_conflict_do_nothing(index_elements=[_T.c.caller_id, _T.c.key])
    .returning(_T.c.caller_id)
    for name, insert_ in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_RECORD: Final = (
    select(_T.c.fingerprint, _T.c.created_at, _T.c.resource_id).where(*_THIS_KEY).with_for_update()
)
_TAKE_OVER: Final = (
    update(_T)
    .where(*_THIS_KEY)
    .values(
        fingerprint=bindparam("b_fingerprint"),
        status=RUNNING,
        resource_id=None,
        created_at=bindparam("b_now", type_=UtcDateTime),
    )
)
# The oldest expired rows, a batch at a time; SKIP LOCKED leaves rows another claim is
# deciding on to that claim, so pruning never waits (SQLite drops the clause).
_PRUNE: Final = delete(_T).where(
    tuple_(_T.c.caller_id, _T.c.key).in_(
        select(_T.c.caller_id, _T.c.key)
        .where(_T.c.created_at <= bindparam("b_expired", type_=UtcDateTime))
        .order_by(_T.c.created_at)
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
)
_COMPLETE: Final = (
    update(_T).where(*_HELD).values(status=DONE, resource_id=bindparam("b_resource_id", type_=Id))
)
_RELEASE: Final = delete(_T).where(*_HELD)


class SqlIdempotencyKeys:
    """Implements `application.ports.IdempotencyKeys` with the `idempotency_keys` table."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection
        self._insert = _INSERT[connection.dialect.name]

    async def claim(
        self, caller_id: UserId, key: str, fingerprint: str, now: datetime
    ) -> int | None:
        this_key = {"b_caller_id": caller_id, "b_key": key}
        new_row = {
            "caller_id": caller_id,
            "key": key,
            "fingerprint": fingerprint,
            "status": RUNNING,
            "resource_id": None,
            "created_at": now,
        }
        with translated():
            for _ in range(_ATTEMPTS):
                if await self._inserted(new_row):
                    break
                found = (await self._conn.execute(_RECORD, this_key)).first()
                if found is None:
                    continue
                replay = replay_of(IdempotencyRecord(*found), fingerprint, now)
                if replay is not None:
                    return replay
                # Expired, or abandoned by a request that died: ours now.
                await self._conn.execute(
                    _TAKE_OVER, {**this_key, "b_fingerprint": fingerprint, "b_now": now}
                )
                break
            else:
                raise IdempotencyKeyInFlight()
            await self._conn.execute(_PRUNE, {"b_expired": now - RETENTION})
        return None

    async def _inserted(self, row: dict[str, Any]) -> bool:
        try:
            result = await self._conn.execute(self._insert, row)
        except IntegrityError as error:
            # The key itself never clashes (ON CONFLICT DO NOTHING): the caller does not exist.
            raise InvalidToken("User not found or inactive.") from error
        return result.first() is not None

    async def complete(
        self, caller_id: UserId, key: str, resource_id: int, *, claimed_at: datetime
    ) -> None:
        params = {
            "b_caller_id": caller_id,
            "b_key": key,
            "b_claimed_at": claimed_at,
            "b_resource_id": resource_id,
        }
        with translated():
            result = await self._conn.execute(_COMPLETE, params)
        if result.rowcount != 1:
            raise IdempotencyKeyInFlight()

    async def release(self, caller_id: UserId, key: str, *, claimed_at: datetime) -> None:
        params = {"b_caller_id": caller_id, "b_key": key, "b_claimed_at": claimed_at}
        with translated():
            await self._conn.execute(_RELEASE, params)
