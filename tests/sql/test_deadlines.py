"""A PostgreSQL connection held past the transaction timeout is cut on the client side.

`statement_timeout` is enforced by the server; a server that stops answering enforces nothing.
Here a long `pg_sleep` (well inside the statement timeout) stands for a server that does not
answer: from the client's side the two look the same, a socket on which nothing arrives.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import event

from mentorat.adapters.sql.engine import set_deadline
from mentorat.application.errors import StorageUnavailable
from mentorat.bootstrap import System, open_system

from .conftest import settings_for, sql_uow
from .test_postgres_concurrency import BackendKiller

# The statement would run this long; every cut below must come well before it.
SLEEP_SECONDS = 20
STATEMENT_TIMEOUT = 60.0


def system_cutting_after(url: str, seconds: float) -> System:
    return open_system(
        settings_for(url, db_statement_timeout=STATEMENT_TIMEOUT, db_transaction_timeout=seconds)
    )


def count_connects(system: System) -> list[int]:
    opened = [0]

    def note(*_: object) -> None:
        opened[0] += 1

    event.listen(sql_uow(system).engine.sync_engine.pool, "connect", note)
    return opened


async def sleep_in_the_database(
    system: System, *, write: bool, deadline: float | None = None
) -> None:
    async with sql_uow(system).connect(write=write) as conn:
        if deadline is not None:
            await set_deadline(conn, deadline)
        await conn.exec_driver_sql(f"SELECT pg_sleep({SLEEP_SECONDS})")


@pytest.mark.postgres
@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
async def test_a_unit_of_work_that_outlives_the_transaction_timeout_is_unavailable(
    pg_url: str, write: bool
) -> None:
    system = system_cutting_after(pg_url, 0.5)
    try:
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            await sleep_in_the_database(system, write=write)
        assert time.monotonic() - started < SLEEP_SECONDS / 2, "cut, not waited out"
        # The cut connection was dropped; the next unit of work gets a working one.
        await system.mentorat.uow.ping()
    finally:
        BackendKiller(pg_url).kill()
        await system.aclose()


@pytest.mark.postgres
async def test_the_cut_bounds_every_request_waiting_on_the_same_pool(pg_url: str) -> None:
    system = system_cutting_after(pg_url, 0.5)
    try:
        results = await asyncio.gather(
            *(sleep_in_the_database(system, write=False) for _ in range(8)),
            return_exceptions=True,
        )
        assert all(isinstance(r, StorageUnavailable) for r in results), results
        await system.mentorat.uow.ping()
    finally:
        BackendKiller(pg_url).kill()
        await system.aclose()


@pytest.mark.postgres
async def test_a_unit_of_work_that_ends_in_time_keeps_its_connection(pg_url: str) -> None:
    system = system_cutting_after(pg_url, 0.3)
    try:
        opened = count_connects(system)
        await system.mentorat.uow.ping()
        await asyncio.sleep(0.6)  # twice the timeout: a timer left armed would have fired
        await system.mentorat.uow.ping()
        async with sql_uow(system).connect(write=False) as conn:
            await conn.exec_driver_sql("SELECT pg_sleep(0.1)")
        assert opened == [1], "one connection, reused: nothing was cut after its work ended"
    finally:
        await system.aclose()


@pytest.mark.postgres
async def test_a_deadline_can_be_shortened_for_one_unit_of_work(pg_url: str) -> None:
    # As `/ready` does: its ping waits no longer than the connect timeout.
    system = system_cutting_after(pg_url, STATEMENT_TIMEOUT)
    try:
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            await sleep_in_the_database(system, write=False, deadline=0.3)
        assert time.monotonic() - started < SLEEP_SECONDS / 2, "cut, not waited out"
    finally:
        BackendKiller(pg_url).kill()
        await system.aclose()


async def test_sqlite_has_no_deadline_to_set(sqlite_url: str) -> None:
    system = system_cutting_after(sqlite_url, 0.1)
    try:
        async with sql_uow(system).connect(write=False) as conn:
            await set_deadline(conn, 0.01)
            await asyncio.sleep(0.05)
            assert (await conn.exec_driver_sql("SELECT 1")).scalar() == 1
    finally:
        await system.aclose()
