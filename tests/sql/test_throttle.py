"""The SQL login throttle: the memory throttle's rule, with counters every worker shares."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mentorat.adapters.memory.services import InMemoryLoginThrottle
from mentorat.adapters.sql.database import Database, open_database
from mentorat.adapters.sql.tables import login_failures
from mentorat.adapters.sql.throttle import SqlLoginThrottle
from mentorat.settings import Settings

T0 = datetime(2025, 4, 11, 12, 0, 0, 123456, tzinfo=UTC)
LIMITS = {"per_username": 3, "per_address": 5, "window_seconds": 60}


@pytest.fixture
async def databases(db_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two pools on one database: two worker processes."""
    pair = (
        open_database(Settings(database_url=db_url)),
        open_database(Settings(database_url=db_url)),
    )
    try:
        yield pair
    finally:
        for database in pair:
            await database.dispose()


@pytest.fixture
def throttle(databases: tuple[Database, Database]) -> SqlLoginThrottle:
    """The throttle of the first worker, with LIMITS."""
    return SqlLoginThrottle(databases[0], **LIMITS)


async def test_failures_past_the_limit_make_a_username_wait(throttle: SqlLoginThrottle) -> None:
    for i in range(3):
        assert await throttle.retry_after("Ada", "1.2.3.4", T0) == 0
        await throttle.record_failure("Ada", f"10.0.0.{i}", T0 + timedelta(seconds=i))
    now = T0 + timedelta(seconds=10)
    assert await throttle.retry_after("ADA", "9.9.9.9", now) == 50
    assert await throttle.retry_after("bob", "9.9.9.9", now) == 0
    # The oldest of the three leaves the window at T0 + 60 s; waits round up to whole seconds.
    assert await throttle.retry_after("ada", "", T0 + timedelta(seconds=58.5)) == 2
    assert await throttle.retry_after("ada", "", T0 + timedelta(seconds=59)) == 1
    assert await throttle.retry_after("ada", "", T0 + timedelta(seconds=60)) == 0


async def test_workers_share_the_counters(databases: tuple[Database, Database]) -> None:
    first, second = (SqlLoginThrottle(d, **LIMITS) for d in databases)
    for i in range(5):
        worker = first if i % 2 else second
        await worker.record_failure(f"user{i}", "10.0.0.1", T0)
    assert await first.retry_after("someone", "10.0.0.1", T0) == 60
    assert await second.retry_after("someone", "10.0.0.1", T0) == 60
    assert await second.retry_after("someone", "10.0.0.2", T0) == 0


async def test_an_unknown_address_is_never_counted(throttle: SqlLoginThrottle) -> None:
    for i in range(10):
        await throttle.record_failure(f"user{i}", "", T0)
    assert await throttle.retry_after("fresh", "", T0) == 0


async def test_failures_that_left_the_window_are_pruned(
    databases: tuple[Database, Database], throttle: SqlLoginThrottle
) -> None:
    for i in range(20):
        await throttle.record_failure(f"user{i}", "10.0.0.1", T0 + timedelta(seconds=10 * i))
    async with databases[0].engine.connect() as conn:
        rows = (await conn.execute(select(func.count()).select_from(login_failures))).scalar()
    # Only the last 60 seconds remain: failures at 140..190 s, two rows each.
    assert rows == 2 * 6


async def test_it_answers_like_the_memory_throttle_over_a_random_history(
    throttle: SqlLoginThrottle,
) -> None:
    rnd = random.Random(7)
    sql = throttle
    memory = InMemoryLoginThrottle(**LIMITS)
    now = T0
    for _ in range(150):
        now += timedelta(seconds=rnd.choice([0, 0.5, 1, 3, 7, 20]), microseconds=rnd.randrange(9))
        username = rnd.choice(["ada", "ADA", "bob", "cy"])
        address = rnd.choice(["10.0.0.1", "10.0.0.2", ""])
        expected = await memory.retry_after(username, address, now)
        assert await sql.retry_after(username, address, now) == expected
        if expected == 0 and rnd.random() < 0.7:
            await memory.record_failure(username, address, now)
            await sql.record_failure(username, address, now)
