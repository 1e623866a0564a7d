"""On PostgreSQL, ids are drawn in one order and committed in another: a stream never hands
on an event while a smaller id may still commit, and a rolled-back id does not stall it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import psycopg
import pytest

from mentorat.adapters.sql.database import open_database
from mentorat.adapters.sql.uow import SqlUnitOfWork
from mentorat.application.follow_events import EventHub, FeedSettings, FollowEvents, LocalWakeups
from mentorat.application.ports import NewEvent, StoredEvent
from mentorat.domain.events import MentoringId
from mentorat.domain.users import UserId
from mentorat.settings import Settings

pytestmark = pytest.mark.postgres
T0 = datetime(2025, 4, 11, tzinfo=UTC)
USER = UserId(7)


def an_event(n: int) -> NewEvent:
    return NewEvent("mentoring_requested", MentoringId(n), (USER,), T0, json.dumps({"n": n}))


class FixedClock:
    def now(self) -> datetime:
        return T0


@pytest.fixture
async def uow(pg_url: str) -> AsyncIterator[SqlUnitOfWork]:
    database = open_database(Settings(database_url=pg_url))
    yield SqlUnitOfWork(database)
    await database.dispose()


async def next_event(stream: AsyncIterator[StoredEvent | None]) -> StoredEvent:
    # Bounded, so that an event wrongly skipped fails the test instead of hanging it.
    async with asyncio.timeout(30):
        while (event := await anext(stream)) is None:
            pass
    return event


async def test_an_event_committed_after_a_later_one_is_still_handed_on_first(
    uow: SqlUnitOfWork,
) -> None:
    hub = EventHub(uow, LocalWakeups())
    follow = FollowEvents(uow, hub, FixedClock())
    stream = follow(USER)
    assert await anext(stream) is None  # following
    try:
        async with uow() as slow:
            await slow.outbox.add([an_event(1)])  # draws the smaller id, commits last
            async with uow() as quick:
                await quick.outbox.add([an_event(2)])
                await quick.commit()
            # The hub reads now and again meanwhile: event 2 must wait for event 1.
            for _ in range(5):
                hub.poke()
                await asyncio.sleep(0.05)
            await slow.commit()
        hub.poke()
        first, second = await next_event(stream), await next_event(stream)
        assert [first.mentoring_id, second.mentoring_id] == [1, 2]
        assert first.id < second.id
    finally:
        await hub.aclose()


async def test_an_id_taken_by_a_change_that_rolled_back_does_not_stall_the_stream(
    uow: SqlUnitOfWork,
) -> None:
    hub = EventHub(uow, LocalWakeups())
    follow = FollowEvents(uow, hub, FixedClock())
    stream = follow(USER)
    assert await anext(stream) is None
    try:
        async with uow() as failed:
            await failed.outbox.add([an_event(1)])  # never committed
        async with uow() as tx:
            await tx.outbox.add([an_event(2)])
            await tx.commit()
        hub.poke()
        assert (await next_event(stream)).mentoring_id == 2
    finally:
        await hub.aclose()


async def test_a_long_unrelated_transaction_holds_the_stream_back_no_longer_than_the_gap_bound(
    uow: SqlUnitOfWork, pg_url: str
) -> None:
    hub = EventHub(uow, LocalWakeups(), FeedSettings(gap_seconds=0.2))
    follow = FollowEvents(uow, hub, FixedClock())
    stream = follow(USER)
    assert await anext(stream) is None
    # A transaction of someone else's, with a transaction id, left open throughout.
    other = await psycopg.AsyncConnection.connect(pg_url)
    try:
        await other.execute("SELECT pg_current_xact_id()")
        async with uow() as failed:
            await failed.outbox.add([an_event(1)])  # its id never commits
        async with uow() as tx:
            await tx.outbox.add([an_event(2)])
            await tx.commit()
        hub.poke()
        assert (await next_event(stream)).mentoring_id == 2
    finally:
        await other.close()
        await hub.aclose()
