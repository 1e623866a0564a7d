"""What every store promises behind the IdempotencyKeys and UsedRefreshTokens ports, and
`Messages.get`. Each case runs against the memory, SQLite and PostgreSQL adapters."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mentorat.application.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from mentorat.application.idempotency import RETENTION
from mentorat.application.ports import UnitOfWork
from mentorat.domain.chat import NewMessage
from mentorat.domain.errors import InvalidToken
from mentorat.domain.events import MessageId
from mentorat.domain.users import UserId
from tests.contract.support import T0, people, requested

KEY = "f3a1c2d4-0000-4000-8000-000000000001"
BODY = "a" * 64
OTHER_BODY = "b" * 64
# Not DEFAULT_LEASE: the store must go by the lease it is given.
LEASE = timedelta(seconds=7)


async def claim(
    uow: UnitOfWork,
    caller: UserId,
    *,
    at: datetime = T0,
    key: str = KEY,
    body: str = BODY,
    lease: timedelta = LEASE,
) -> int | None:
    """Claim in a transaction of its own, committed, as the use cases do."""
    async with uow() as tx:
        found = await tx.idempotency.claim(caller, key, body, at, lease)
        await tx.commit()
    return found


async def complete(
    uow: UnitOfWork, caller: UserId, resource_id: int, *, claimed_at: datetime = T0
) -> None:
    async with uow() as tx:
        await tx.idempotency.complete(caller, KEY, resource_id, claimed_at=claimed_at)
        await tx.commit()


async def release(uow: UnitOfWork, caller: UserId, *, claimed_at: datetime = T0) -> None:
    async with uow() as tx:
        await tx.idempotency.release(caller, KEY, claimed_at=claimed_at)
        await tx.commit()


async def caller(uow: UnitOfWork) -> UserId:
    [ada] = await people(uow, "ada")
    return ada.id


# --- claims ------------------------------------------------------------------------------------


async def test_a_new_key_is_claimed_and_a_twin_finds_it_running(uow: UnitOfWork) -> None:
    ada = await caller(uow)
    assert await claim(uow, ada) is None
    with pytest.raises(IdempotencyKeyInFlight):
        await claim(uow, ada, at=T0 + timedelta(seconds=1))


async def test_a_completed_key_replays_its_resource_for_the_same_fingerprint(
    uow: UnitOfWork,
) -> None:
    ada = await caller(uow)
    await claim(uow, ada)
    await complete(uow, ada, 42)
    assert await claim(uow, ada, at=T0 + timedelta(hours=1)) == 42
    assert await claim(uow, ada, at=T0 + timedelta(hours=2)) == 42


async def test_another_fingerprint_is_refused_running_or_done(uow: UnitOfWork) -> None:
    ada = await caller(uow)
    await claim(uow, ada)
    with pytest.raises(IdempotencyKeyReused):
        await claim(uow, ada, body=OTHER_BODY)
    await complete(uow, ada, 42)
    with pytest.raises(IdempotencyKeyReused):
        await claim(uow, ada, body=OTHER_BODY)


async def test_keys_are_scoped_to_their_caller(uow: UnitOfWork) -> None:
    ada, bob = await people(uow, "ada", "bob")
    assert await claim(uow, ada.id) is None
    assert await claim(uow, bob.id, body=OTHER_BODY) is None
    await complete(uow, ada.id, 1)
    await complete(uow, bob.id, 2)
    assert await claim(uow, ada.id) == 1
    assert await claim(uow, bob.id, body=OTHER_BODY) == 2


async def test_a_claim_for_a_caller_who_does_not_exist_is_refused(uow: UnitOfWork) -> None:
    with pytest.raises(InvalidToken):
        await claim(uow, UserId(999))


async def test_keys_keep_every_printable_ascii_character(uow: UnitOfWork) -> None:
    ada = await caller(uow)
    odd = "".join(chr(c) for c in range(0x20, 0x7F)) + "k" * 160
    assert await claim(uow, ada, key=odd) is None
    assert await claim(uow, ada, key=odd.upper()) is None  # keys are case-sensitive
    with pytest.raises(IdempotencyKeyInFlight):
        await claim(uow, ada, key=odd)


# --- complete, release, rollback ----------------------------------------------------------------


async def test_a_completion_that_is_rolled_back_leaves_the_claim_running(
    uow: UnitOfWork,
) -> None:
    ada = await caller(uow)
    await claim(uow, ada)
    async with uow() as tx:
        await tx.idempotency.complete(ada, KEY, 42, claimed_at=T0)
        # no commit: the write failed after the record was written
    with pytest.raises(IdempotencyKeyInFlight):
        await claim(uow, ada, at=T0 + timedelta(seconds=1))


async def test_a_released_key_may_be_claimed_again(uow: UnitOfWork) -> None:
    ada = await caller(uow)
    await claim(uow, ada)
    await release(uow, ada)
    assert await claim(uow, ada, at=T0 + timedelta(seconds=1)) is None


async def test_releasing_a_done_key_keeps_it(uow: UnitOfWork) -> None:
    ada = await caller(uow)
    await claim(uow, ada)
    await complete(uow, ada, 42)
    await release(uow, ada)
    assert await claim(uow, ada) == 42


async def test_completing_a_key_that_is_not_claimed_is_refused(uow: UnitOfWork) -> None:
    ada = await caller(uow)
    with pytest.raises(IdempotencyKeyInFlight):
        await complete(uow, ada, 42)


# --- leases and retention ------------------------------------------------------------------------


async def test_a_running_claim_is_taken_over_once_its_lease_ran_out(uow: UnitOfWork) -> None:
    ada = await caller(uow)
    await claim(uow, ada)
    with pytest.raises(IdempotencyKeyInFlight):
        await claim(uow, ada, at=T0 + LEASE - timedelta(microseconds=1))
    # The lease is the claimer's to say: a longer one waits longer.
    with pytest.raises(IdempotencyKeyInFlight):
        await claim(uow, ada, at=T0 + LEASE, lease=2 * LEASE)
    taken_at = T0 + LEASE
    assert await claim(uow, ada, at=taken_at) is None
    # The new holder runs under a new lease.
    with pytest.raises(IdempotencyKeyInFlight):
        await claim(uow, ada, at=taken_at + timedelta(seconds=1))


async def test_a_slow_holder_whose_claim_was_taken_over_cannot_complete_nor_release_it(
    uow: UnitOfWork,
) -> None:
    [mentor, ada] = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, ada)
    await claim(uow, ada.id)
    taken_at = T0 + LEASE + timedelta(seconds=5)
    assert await claim(uow, ada.id, at=taken_at) is None
    async with uow() as tx:
        message = await tx.messages.add(
            NewMessage(mentoring.id, ada.id, "late", taken_at), mentoring
        )
        with pytest.raises(IdempotencyKeyInFlight):
            await tx.idempotency.complete(ada.id, KEY, message.id, claimed_at=T0)
    # Its write rolled back with it; its release leaves the new holder's claim alone.
    async with uow(write=False) as tx:
        assert await tx.messages.get(message.id) is None
    await release(uow, ada.id, claimed_at=T0)
    await complete(uow, ada.id, 7, claimed_at=taken_at)
    assert await claim(uow, ada.id, at=taken_at + timedelta(seconds=1)) == 7


async def test_a_key_expires_after_24_hours_whatever_it_held(uow: UnitOfWork) -> None:
    ada = await caller(uow)
    await claim(uow, ada)
    await complete(uow, ada, 42)
    with pytest.raises(IdempotencyKeyReused):
        await claim(uow, ada, at=T0 + RETENTION - timedelta(microseconds=1), body=OTHER_BODY)
    later = T0 + RETENTION
    assert await claim(uow, ada, at=later, body=OTHER_BODY) is None
    await complete(uow, ada, 43, claimed_at=later)
    assert await claim(uow, ada, at=later, body=OTHER_BODY) == 43


async def test_claiming_prunes_expired_keys_without_touching_live_ones(uow: UnitOfWork) -> None:
    ada = await caller(uow)
    for n in range(3):
        async with uow() as tx:
            await tx.idempotency.claim(ada, f"old-{n}", BODY, T0, LEASE)
            await tx.idempotency.complete(ada, f"old-{n}", n + 1, claimed_at=T0)
            await tx.commit()
    fresh_at = T0 + RETENTION - timedelta(hours=1)
    async with uow() as tx:
        await tx.idempotency.claim(ada, "fresh", BODY, fresh_at, LEASE)
        await tx.commit()
    now = T0 + RETENTION + timedelta(minutes=1)
    assert await claim(uow, ada, at=now, key="new") is None
    # A pruned key is free for another body even if asked with the clock of its retention...
    assert await claim(uow, ada, at=T0, key="old-0", body=OTHER_BODY) is None
    # ...whereas the live one still holds its own.
    with pytest.raises(IdempotencyKeyReused):
        await claim(uow, ada, at=now, key="fresh", body=OTHER_BODY)


# --- messages by id ------------------------------------------------------------------------------


async def test_a_message_reads_back_by_id_and_an_unknown_one_is_none(uow: UnitOfWork) -> None:
    [mentor, ada] = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, ada)
    async with uow() as tx:
        posted = await tx.messages.add(
            NewMessage(mentoring.id, ada.id, "Ça va ? 🙂", T0), mentoring
        )
        await tx.commit()
    async with uow(write=False) as tx:
        assert await tx.messages.get(posted.id) == posted
        assert await tx.messages.get(MessageId(posted.id + 1000)) is None


# --- used refresh tokens -------------------------------------------------------------------------

JTI = "0123456789abcdef0123456789abcdef"
EXPIRES = T0 + timedelta(days=1)


async def use(
    uow: UnitOfWork, jti: str = JTI, *, at: datetime = T0, expires: datetime = EXPIRES
) -> bool:
    async with uow() as tx:
        fresh = await tx.used_refresh_tokens.use(jti, expires, at)
        await tx.commit()
    return fresh


async def test_a_refresh_token_is_used_once(uow: UnitOfWork) -> None:
    assert await use(uow) is True
    assert await use(uow) is False
    assert await use(uow, "another jti") is True


async def test_a_use_that_is_rolled_back_leaves_the_token_unused(uow: UnitOfWork) -> None:
    async with uow() as tx:
        assert await tx.used_refresh_tokens.use(JTI, EXPIRES, T0) is True
    assert await use(uow) is True


async def test_used_tokens_are_forgotten_once_expired(uow: UnitOfWork) -> None:
    await use(uow)
    await use(uow, "used later", at=EXPIRES - timedelta(seconds=1))
    assert await use(uow) is False
    await use(uow, "after expiry", at=EXPIRES, expires=EXPIRES + timedelta(days=1))
    # Forgotten: it would be refused for its `exp` before it got here.
    assert await use(uow, at=EXPIRES) is True
    assert await use(uow, "after expiry", at=EXPIRES) is False
