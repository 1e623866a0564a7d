"""What the pool tells its watcher (the metrics): connections in use, and checkouts that wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import literal, select

from mentorat.adapters.sql.database import Database, PoolWatcher, open_database
from mentorat.adapters.sql.statements import Statement
from mentorat.settings import Settings

ONE = Statement(select(literal(1)))


class Watcher:
    def __init__(self, capacity: int = 2) -> None:
        self.in_use: list[int] = []
        self.waits = 0
        self.capacity = capacity
        self.full = asyncio.Event()
        self.waited = asyncio.Event()

    def connections_in_use(self, count: int) -> None:
        self.in_use.append(count)
        if count == self.capacity:
            self.full.set()

    def pool_exhausted(self) -> None:
        self.waits += 1
        self.waited.set()


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    """A pool of two connections, no overflow."""
    database = open_database(Settings(database_url=db_url, db_pool_size=2, db_max_overflow=0))
    try:
        yield database
    finally:
        await database.dispose()


async def test_the_watcher_sees_each_connection_taken_and_given_back(database: Database) -> None:
    watcher = Watcher()
    port: PoolWatcher = watcher
    database.watch_pool(port)
    async with database.connect(write=False) as outer:
        await outer.first(ONE, {})
        async with database.connect() as inner:
            await inner.first(ONE, {})
    assert watcher.in_use == [1, 2, 1, 0]
    assert watcher.waits == 0


async def test_a_checkout_that_finds_the_pool_exhausted_is_counted_once(
    database: Database,
) -> None:
    watcher = Watcher()
    database.watch_pool(watcher)
    release = asyncio.Event()

    async def hold() -> None:
        async with database.connect(write=False) as run:
            await run.first(ONE, {})
            await release.wait()

    holders = [asyncio.create_task(hold()) for _ in range(2)]
    await watcher.full.wait()

    async def third() -> None:
        async with database.connect(write=False) as run:
            await run.first(ONE, {})

    waiting = asyncio.create_task(third())
    await watcher.waited.wait()
    release.set()
    await asyncio.gather(*holders, waiting)
    assert watcher.waits == 1
    assert watcher.in_use[-1] == 0
