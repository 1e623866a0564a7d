"""Idempotency-Key records in SQL: a claim is an insert-or-find, decided under a row lock.

The rules are `mentorat.application.idempotency.replay_of`, shared with the memory store; this
module only makes them hold under concurrency. Of several requests claiming one new key, the
primary key lets one insert; on PostgreSQL the others wait for its commit, then find its row
and lock it (`FOR UPDATE`) before deciding, so two of them can never both take an abandoned
claim over. SQLite's `BEGIN IMMEDIATE` serializes the whole claim.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import bindparam, delete, select, tuple_, update

from mentorat.adapters.sql.errors import StorageConflict
from mentorat.adapters.sql.mapping import bound
from mentorat.adapters.sql.statements import Runner, Statement, insert_unless_taken
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
_INSERT: Final = insert_unless_taken(
    _T, bound(_T, [c.name for c in _T.c]), [_T.c.caller_id, _T.c.key], _T.c.caller_id
)
_RECORD: Final = Statement(
    select(_T.c.fingerprint, _T.c.created_at, _T.c.resource_id).where(*_THIS_KEY).with_for_update()
)
_TAKE_OVER: Final = Statement(
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
_PRUNE: Final = Statement(
    delete(_T).where(
        tuple_(_T.c.caller_id, _T.c.key).in_(
            select(_T.c.caller_id, _T.c.key)
            .where(_T.c.created_at <= bindparam("b_expired", type_=UtcDateTime))
            .order_by(_T.c.created_at)
            .limit(PRUNE_BATCH)
            .with_for_update(skip_locked=True)
        )
    )
)
_COMPLETE: Final = Statement(
    update(_T).where(*_HELD).values(status=DONE, resource_id=bindparam("b_resource_id", type_=Id))
)
_RELEASE: Final = Statement(delete(_T).where(*_HELD))


class SqlIdempotencyKeys:
    """Implements `application.ports.IdempotencyKeys` with the `idempotency_keys` table."""

    __slots__ = ("_run",)

    def __init__(self, run: Runner) -> None:
        self._run = run

    async def claim(
        self, caller_id: UserId, key: str, fingerprint: str, now: datetime, lease: timedelta
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
        for _ in range(_ATTEMPTS):
            if await self._inserted(new_row):
                break
            found = await self._run.first(_RECORD, this_key)
            if found is None:
                continue
            replay = replay_of(IdempotencyRecord(*found), fingerprint, now, lease)
            if replay is not None:
                return replay
            # Expired, or abandoned by a request that died: ours now.
            await self._run.execute(
                _TAKE_OVER, {**this_key, "b_fingerprint": fingerprint, "b_now": now}
            )
            break
        else:
            raise IdempotencyKeyInFlight()
        await self._run.execute(_PRUNE, {"b_expired": now - RETENTION})
        return None

    async def _inserted(self, row: dict[str, object]) -> bool:
        try:
            return await self._run.first(_INSERT, row) is not None
        except StorageConflict as error:
            # The key itself never clashes (ON CONFLICT DO NOTHING): the caller does not exist.
            raise InvalidToken("User not found or inactive.") from error

    async def complete(
        self, caller_id: UserId, key: str, resource_id: int, *, claimed_at: datetime
    ) -> None:
        params = {
            "b_caller_id": caller_id,
            "b_key": key,
            "b_claimed_at": claimed_at,
            "b_resource_id": resource_id,
        }
        if await self._run.execute(_COMPLETE, params) != 1:
            raise IdempotencyKeyInFlight()

    async def release(self, caller_id: UserId, key: str, *, claimed_at: datetime) -> None:
        params = {"b_caller_id": caller_id, "b_key": key, "b_claimed_at": claimed_at}
        await self._run.execute(_RELEASE, params)
