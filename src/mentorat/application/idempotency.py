"""Idempotency keys: a retried write with the same key and request answers as the first did.

The rules every store applies (`replay_of`), and the two steps a use case takes around its
write (`claim_key` before, `release_key` when the write failed). Why it works this way:
docs/adr/002-idempotency-keys.md.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from mentorat.application.errors import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    StorageUnavailable,
)
from mentorat.application.ports import Transaction, UnitOfWork
from mentorat.domain.errors import InvalidInput
from mentorat.domain.users import UserId

log = logging.getLogger(__name__)

# A key answers with its first response for this long after it was claimed.
RETENTION = timedelta(hours=24)
# A claim still running after this long belongs to a request that died: longer than any
# statement, pool or connect timeout, so a live request has committed or failed by then.
LEASE = timedelta(seconds=60)
KEY_MAX_LENGTH = 255
FINGERPRINT_MAX_LENGTH = 64
# Expired records a claim deletes at most: pruning costs every claim the same.
PRUNE_BATCH = 100

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


def replay_of(record: IdempotencyRecord, fingerprint: str, now: datetime) -> int | None:
    """What a new claim of an already recorded key gets, at `now`.

    - The record is older than RETENTION: None, the claimer replaces it (whatever its
      fingerprint: after 24 hours a key may be reused).
    - Another fingerprint: IdempotencyKeyReused.
    - Done: the id of the resource to answer with again.
    - Running for less than LEASE: IdempotencyKeyInFlight.
    - Running for LEASE or longer: None, the claimer takes it over. The request that held it
      died before its write committed (the write and `complete` commit together), so it wrote
      nothing; if it is merely slow, its `complete` finds the claim gone and its write rolls
      back.
    """
    age = now - record.created_at
    if age >= RETENTION:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.resource_id is not None:
        return record.resource_id
    if age >= LEASE:
        return None
    raise IdempotencyKeyInFlight()


@dataclass(frozen=True, slots=True)
class Claim:
    """A key this request holds, from `claimed_at` until its write completes or fails."""

    caller_id: UserId
    key: str
    claimed_at: datetime

    async def complete(self, tx: Transaction, resource_id: int) -> None:
        """Record what the write created, in the write's own transaction."""
        await tx.idempotency.complete(
            self.caller_id, self.key, resource_id, claimed_at=self.claimed_at
        )


async def claim_key(
    uow: UnitOfWork, caller_id: UserId, key: str, fingerprint: str, now: datetime
) -> Claim | int:
    """Claim `key` in a transaction of its own, committed before the write starts.

    Committing first is what lets a duplicate arriving meanwhile see the claim (409) instead
    of writing a second time. Returns the claim to complete, or the id of the resource a
    completed twin created.
    """
    key = checked_key(key)
    async with uow() as tx:
        replay = await tx.idempotency.claim(caller_id, key, stored_fingerprint(fingerprint), now)
        await tx.commit()
    return Claim(caller_id, key, now) if replay is None else replay


async def release_key(uow: UnitOfWork, claim: Claim) -> None:
    """Give the key back after a failed write, so that a retry may run.

    Called while another error is on its way out: if the store is down, that error is the
    one to report, and the claim's lease frees the key later.
    """
    try:
        async with uow() as tx:
            await tx.idempotency.release(claim.caller_id, claim.key, claimed_at=claim.claimed_at)
            await tx.commit()
    except StorageUnavailable as error:
        log.warning("could not release an idempotency key; its lease will: %s", error.message)
