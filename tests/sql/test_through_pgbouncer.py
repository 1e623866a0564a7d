"""mentorat's sessions through a PgBouncer in transaction pooling mode (tests/pgbouncer.py):
settings that PgBouncer refuses as startup options still hold on every server connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from mentorat.adapters.sql.database import Database, open_database
from mentorat.adapters.sql.statements import Statement
from mentorat.settings import Settings
from tests.pgbouncer import SERVER_TIME_ZONE, PgBouncer

pytestmark = pytest.mark.postgres
NOW = Statement(select(func.now(), func.current_setting("TimeZone")))


@pytest.fixture
async def database(pgbouncer: PgBouncer, pgbouncer_url: str) -> AsyncIterator[Database]:
    settings = Settings(database_url=pgbouncer_url, db_pool_size=4, **pgbouncer.settings())
    database = open_database(settings)
    try:
        yield database
    finally:
        await database.dispose()


async def test_every_transaction_runs_in_utc_whatever_server_connection_it_gets(
    database: Database,
) -> None:
    assert SERVER_TIME_ZONE != "UTC"

    async def read() -> tuple[object, ...]:
        async with database.connect(write=False) as run:
            row = await run.first(NOW, {})
        assert row is not None
        return tuple(row)

    # More at once than PgBouncer needs server connections for, many times over.
    for _ in range(10):
        rows = await asyncio.gather(*(read() for _ in range(8)))
        for now, zone in rows:
            assert zone == "UTC"
            assert now.utcoffset().total_seconds() == 0  # type: ignore[attr-defined]


async def test_the_store_answers_through_pgbouncer(database: Database) -> None:
    await database.ping()
