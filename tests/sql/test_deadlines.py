"""A PostgreSQL connection held past the transaction timeout is cut on the client side.

`statement_timeout` is enforced by the server; a server that stops answering enforces nothing.
Here a long `pg_sleep` (well inside the statement timeout) stands for a server that does not
answer: from the client's side the two look the same, a socket on which nothing arrives.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import event, literal, select

from mentorat.adapters.sql.engine import set_deadline
from mentorat.adapters.sql.statements import Statement
from mentorat.application.errors import StorageUnavailable
from mentorat.bootstrap import System, open_system
from tests.conftest import settings_for
from tests.sql.support import BackendKiller, sleeping, sql_uow

# The statement would run this long; every cut below must come well before it.
SLEEP_SECONDS = 20
STATEMENT_TIMEOUT = 60.0


@asynccontextmanager
async def system_cutting_after(url: str, seconds: float) -> AsyncIterator[System]:
    """A system whose connections are cut `seconds` after checkout; on the way out, the
    database's sleepers are killed too (the server would run them to the end)."""
    system = open_system(
        settings_for(url, db_statement_timeout=STATEMENT_TIMEOUT, db_transaction_timeout=seconds)
    )
    try:
        yield system
    finally:
        if system.settings.sqlite_path is None:
            BackendKiller(url).kill()
        await system.aclose()


def count_connects(system: System) -> list[int]:
    opened = [0]

    def note(*_: object) -> None:
        opened[0] += 1

    event.listen(sql_uow(system).database.engine.sync_engine.pool, "connect", note)
    return opened


async def sleep_in_the_database(
    system: System, *, write: bool, deadline: float | None = None
) -> None:
    scope = sql_uow(system).database.connect(write=write)
    async with scope as run:
        if deadline is not None:
            assert scope.connection is not None
            await set_deadline(scope.connection, deadline)
        await run.first(sleeping(SLEEP_SECONDS), {})


@pytest.mark.postgres
@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
async def test_a_unit_of_work_that_outlives_the_transaction_timeout_is_unavailable(
    pg_url: str, write: bool
) -> None:
    async with system_cutting_after(pg_url, 0.5) as system:
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            await sleep_in_the_database(system, write=write)
        assert time.monotonic() - started < SLEEP_SECONDS / 2, "cut, not waited out"
        # The cut connection was dropped; the next unit of work gets a working one.
        await system.mentorat.uow.ping()


@pytest.mark.postgres
async def test_the_cut_bounds_every_request_waiting_on_the_same_pool(pg_url: str) -> None:
    async with system_cutting_after(pg_url, 0.5) as system:
        results = await asyncio.gather(
            *(sleep_in_the_database(system, write=False) for _ in range(8)),
            return_exceptions=True,
        )
        assert all(isinstance(r, StorageUnavailable) for r in results), results
        await system.mentorat.uow.ping()


@pytest.mark.postgres
async def test_a_unit_of_work_that_ends_in_time_keeps_its_connection(pg_url: str) -> None:
    async with system_cutting_after(pg_url, 0.3) as system:
        opened = count_connects(system)
        await system.mentorat.uow.ping()
        await asyncio.sleep(0.6)  # twice the timeout: a timer left armed would have fired
        await system.mentorat.uow.ping()
        async with sql_uow(system).database.connect(write=False) as run:
            await run.first(sleeping(0.1), {})
        assert opened == [1], "one connection, reused: nothing was cut after its work ended"


@pytest.mark.postgres
async def test_a_deadline_can_be_shortened_for_one_unit_of_work(pg_url: str) -> None:
    # As `/ready` does: its ping waits no longer than the connect timeout.
    async with system_cutting_after(pg_url, STATEMENT_TIMEOUT) as system:
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            await sleep_in_the_database(system, write=False, deadline=0.3)
        assert time.monotonic() - started < SLEEP_SECONDS / 2, "cut, not waited out"


async def test_sqlite_has_no_deadline_to_set(sqlite_url: str) -> None:
    async with system_cutting_after(sqlite_url, 0.1) as system:
        scope = sql_uow(system).database.connect(write=False)
        async with scope as run:
            assert scope.connection is not None
            await set_deadline(scope.connection, 0.01)
            await asyncio.sleep(0.05)
            row = await run.first(Statement(select(literal(1))), {})
            assert row is not None
            assert row[0] == 1
