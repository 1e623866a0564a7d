"""The wake-ups across processes on PostgreSQL (adapters/sql/listener.py): commits are
announced by NOTIFY after they happen, a burst of them by few notifications, and a process's
listener wakes for the others' notifications, not its own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import psycopg
import pytest

from mentorat.adapters.sql.database import Database, open_database
from mentorat.adapters.sql.listener import PostgresWakeups, libpq_url
from mentorat.adapters.sql.outbox import CHANNEL
from mentorat.settings import Settings

pytestmark = pytest.mark.postgres


@pytest.fixture
async def database(pg_url: str) -> AsyncIterator[Database]:
    opened = open_database(Settings(database_url=pg_url))
    yield opened
    await opened.dispose()


@pytest.fixture
async def heard(pg_url: str) -> AsyncIterator[list[str]]:
    """The payloads of the notifications on the channel, as a third party hears them."""
    payloads: list[str] = []
    conn = await psycopg.AsyncConnection.connect(
        libpq_url(Settings(database_url=pg_url)), autocommit=True
    )
    await conn.execute(f"LISTEN {CHANNEL}")

    async def listen() -> None:
        async for notification in conn.notifies():
            payloads.append(notification.payload)

    task = asyncio.create_task(listen())
    yield payloads
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await conn.close()


async def settle(seconds: float = 0.3) -> None:
    await asyncio.sleep(seconds)


async def test_a_burst_of_commits_is_announced_once_and_a_later_commit_again(
    pg_url: str, database: Database, heard: list[str]
) -> None:
    wakeups = PostgresWakeups(Settings(database_url=pg_url), database)
    try:
        for _ in range(200):
            wakeups.committed()
        await settle()
        assert len(heard) == 1
        assert wakeups.notifications == 1
        wakeups.committed()
        await settle()
        assert len(heard) == 2
        assert len(set(heard)) == 1  # every notification names the same sender
    finally:
        await wakeups.aclose()


async def test_closing_sends_the_notification_still_due(
    pg_url: str, database: Database, heard: list[str]
) -> None:
    wakeups = PostgresWakeups(Settings(database_url=pg_url), database)
    wakeups.committed()
    await wakeups.aclose()  # at once: a command-line run that committed, then exits
    await settle()
    assert len(heard) == 1


async def test_a_listener_wakes_for_other_processes_and_not_for_its_own(
    pg_url: str, database: Database
) -> None:
    settings = Settings(database_url=pg_url)
    mine, theirs = PostgresWakeups(settings, database), PostgresWakeups(settings, database)
    try:
        await mine.wait(0.01)  # starts listening
        for _ in range(100):
            if mine.connections:
                break
            await asyncio.sleep(0.05)
        await mine.wait(0)  # the wake-up of connecting
        mine.committed()
        await mine.wait(0)  # the local wake-up of its own commit
        started = time.monotonic()
        await mine.wait(1.0)
        assert time.monotonic() - started >= 0.9  # its own notification did not wake it
        theirs.committed()
        started = time.monotonic()
        await mine.wait(5.0)
        assert time.monotonic() - started < 2.0
    finally:
        await mine.aclose()
        await theirs.aclose()


def test_closing_in_a_later_event_loop_leaves_the_ended_ones_tasks_alone(pg_url: str) -> None:
    # A library user's successive `asyncio.run`s: the first commits, a later one closes.
    settings = Settings(database_url=pg_url)
    database = open_database(settings)
    wakeups = PostgresWakeups(settings, database)

    async def commit_and_leave() -> None:
        wakeups.committed()
        await settle()
        await database.dispose()

    asyncio.run(commit_and_leave())
    asyncio.run(wakeups.aclose())
    assert wakeups.notifications == 1
