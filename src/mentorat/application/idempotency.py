"""Idempotency keys: a retried write with the same key and request answers as the first did.

The rules every store applies (`replay_of`), and `WriteOnce`, which every idempotent use case
runs its write through: claim the key, write and complete the claim in one transaction, give
the key back if the write failed. Why it works this way: docs/adr/002-idempotency-keys.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from mentorat.application.errors import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    StorageUnavailable,
)
from mentorat.application.ports import UNTALLIED, Clock, Occurrence, Tally, Transaction, UnitOfWork
from mentorat.domain.errors import InvalidInput
from mentorat.domain.users import UserId

log = logging.getLogger(__name__)

# A key answers with its first response for this long after it was claimed.
RETENTION = timedelta(hours=24)
# How long a claim may run before another request may take it over, when the deployment says
# nothing (`mentorat.settings.Settings.idempotency_lease` derives it from the timeouts).
DEFAULT_LEASE = timedelta(seconds=23)
KEY_MAX_LENGTH = 255
FINGERPRINT_MAX_LENGTH = 64
# Expired records a claim deletes at most: pruning costs every claim the same.
PRUNE_BATCH = 100
# A key that could not be given back (the store was down) is tried again this often, from the
# first pause to the longest, until the store answers or the lease has freed it anyway.
RELEASE_RETRY_FIRST = 0.1
RELEASE_RETRY_LONGEST = 1.0

KEY_FIELD = "Idempotency-Key"


def checked_key(key: str) -> str:
    """The key as given when it is 1 to 255 printable ASCII characters; else InvalidInput."""
    if not 1 <= len(key) <= KEY_MAX_LENGTH or not (key.isascii() and key.isprintable()):
        raise InvalidInput(
            KEY_FIELD, f"{KEY_FIELD} must be 1 to {KEY_MAX_LENGTH} printable ASCII characters."
        )
    return key


def stored_fingerprint(fingerprint: str) -> str:
    """What the stores keep of a request's fingerprint: at most 64 printable ASCII characters.

    The HTTP adapter passes a sha256 hex digest, kept as it is; anything else a library
    caller passes (a raw body, say) is kept as its sha256 hex digest.
    """
    if (
        len(fingerprint) <= FINGERPRINT_MAX_LENGTH
        and fingerprint.isascii()
        and fingerprint.isprintable()
    ):
        return fingerprint
    return hashlib.sha256(fingerprint.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A stored key: the fingerprint of the request that holds it, since when, and its result.

    `resource_id` is None while that request runs, and the id of what it created once done.
    """

    fingerprint: str
    created_at: datetime
    resource_id: int | None


def replay_of(
    record: IdempotencyRecord, fingerprint: str, now: datetime, lease: timedelta
) -> int | None:
    """What a new claim of an already recorded key gets, at `now`.

    - The record is older than RETENTION: None, the claimer replaces it (whatever its
      fingerprint: after 24 hours a key may be reused).
    - Another fingerprint: IdempotencyKeyReused.
    - Done: the id of the resource to answer with again.
    - Running for less than `lease`: IdempotencyKeyInFlight.
    - Running for `lease` or longer: None, the claimer takes it over. The request that held
      it died before its write committed (the write and `complete` commit together), so it
      wrote nothing; if it is merely slow, its `complete` finds the claim gone and its write
      rolls back.
    """
    age = now - record.created_at
    if age >= RETENTION:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.resource_id is not None:
        return record.resource_id
    if age >= lease:
        return None
    raise IdempotencyKeyInFlight()


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """What a request carries to be answered once: the caller's key and a digest of the
    request (the HTTP adapter's sha256 of method, path and body)."""

    caller_id: UserId
    key: str
    fingerprint: str


class Identified(Protocol):
    @property
    def id(self) -> int: ...


E = TypeVar("E", bound=Identified)


@dataclass(frozen=True, slots=True)
class Written(Generic[E]):
    """What a write made, or, `replayed`, what the first request with its key made."""

    entity: E
    replayed: bool


class WriteOnce:
    """Runs a use case's write in a transaction; with an idempotency key, at most once.

    With a key, three steps: claim the key in a transaction of its own, committed before the
    write starts, so that a twin arriving meanwhile sees the claim (409) instead of writing
    too; write and `complete` the claim in one transaction; give the key back if the write
    failed. A claim that cannot be given back because the store is down is given back as soon
    as the store answers again, so that the client's retries get through; the lease is the
    last resort, for a process that died holding a claim.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        lease: timedelta = DEFAULT_LEASE,
        *,
        tally: Tally = UNTALLIED,
    ) -> None:
        self._uow, self._clock, self._lease, self._tally = uow, clock, lease, tally
        self._releasing: set[asyncio.Task[None]] = set()

    async def __call__(
        self,
        key: IdempotencyKey | None,
        write: Callable[[Transaction], Awaitable[E]],
        find: Callable[[Transaction, int], Awaitable[E]],
    ) -> Written[E]:
        """`write` makes the resource inside the transaction; `find` reads the resource of a
        replayed key by id (raising the use case's not-found error if it is gone)."""
        if key is None:
            async with self._uow() as tx:
                made = await write(tx)
                await tx.commit()
            return Written(made, replayed=False)
        claimed_at = self._clock.now()
        replay = await self._claim(key, claimed_at)
        if replay is not None:
            self._tally.add(Occurrence.IDEMPOTENT_REPLAY)
            async with self._uow(write=False) as tx:
                return Written(await find(tx, replay), replayed=True)
        try:
            async with self._uow() as tx:
                made = await write(tx)
                await tx.idempotency.complete(
                    key.caller_id, key.key, made.id, claimed_at=claimed_at
                )
                await tx.commit()
        except BaseException:
            await self._release(key, claimed_at)
            raise
        return Written(made, replayed=False)

    async def _claim(self, key: IdempotencyKey, now: datetime) -> int | None:
        async with self._uow() as tx:
            replay = await tx.idempotency.claim(
                key.caller_id,
                checked_key(key.key),
                stored_fingerprint(key.fingerprint),
                now,
                self._lease,
            )
            await tx.commit()
        return replay

    async def _give_back(self, key: IdempotencyKey, claimed_at: datetime) -> None:
        async with self._uow() as tx:
            await tx.idempotency.release(key.caller_id, key.key, claimed_at=claimed_at)
            await tx.commit()

    async def _release(self, key: IdempotencyKey, claimed_at: datetime) -> None:
        """Give the key back after a failed write, so that a retry may run.

        Called while the write's error is on its way out: if the store is down, that error is
        the one to report, and the key is given back later, in the background.
        """
        try:
            await self._give_back(key, claimed_at)
        except StorageUnavailable:
            log.warning("could not give an idempotency key back; retrying in the background")
            task = asyncio.get_running_loop().create_task(self._release_later(key, claimed_at))
            self._releasing.add(task)
            task.add_done_callback(self._releasing.discard)
        except Exception:
            # A bug, not an outage: the write's own error stays the answer; the lease frees it.
            log.exception("giving an idempotency key back failed; its lease will free it")

    async def _release_later(self, key: IdempotencyKey, claimed_at: datetime) -> None:
        """Give the key back once the store answers, until the lease would free it anyway."""
        loop = asyncio.get_running_loop()
        left = (claimed_at + self._lease - self._clock.now()).total_seconds()
        moot_at = loop.time() + left
        pause = RELEASE_RETRY_FIRST
        while (left := moot_at - loop.time()) > 0:
            await asyncio.sleep(min(pause, left))
            try:
                await self._give_back(key, claimed_at)
            except StorageUnavailable:
                pause = min(2 * pause, RELEASE_RETRY_LONGEST)
                continue
            log.info("gave back an idempotency key once the store answered again")
            return

    @property
    def releasing(self) -> int:
        """Keys this process still tries to give back (for tests and diagnostics)."""
        return len(self._releasing)

    async def aclose(self) -> None:
        """Stop trying to give keys back (the lease frees them)."""
        for task in list(self._releasing):
            task.cancel()
        await asyncio.gather(*self._releasing, return_exceptions=True)
