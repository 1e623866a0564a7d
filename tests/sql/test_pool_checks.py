"""Pooled PostgreSQL connections are checked at checkout without a round trip, and pinged only
after a long idle: connections the server closed are replaced before any use case sees them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from mentorat.adapters.sql import engine as engine_module
from mentorat.adapters.sql.listener import PostgresWakeups
from mentorat.application.errors import StorageUnavailable
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.application.post_message import PostMessageCommand
from mentorat.bootstrap import System, open_system
from tests.conftest import settings_for
from tests.sql.support import BackendKiller, a_pair, a_request, sleeping, sql_uow

pytestmark = pytest.mark.postgres


@asynccontextmanager
async def system_pinging_after(url: str, idle_seconds: float) -> AsyncIterator[System]:
    """A system whose pooled connections are pinged once idle for `idle_seconds`."""
    system = open_system(settings_for(url, db_idle_ping_seconds=idle_seconds))
    try:
        yield system
    finally:
        await system.aclose()


def count_pings(system: System) -> list[int]:
    dialect = sql_uow(system).database.engine.sync_engine.dialect
    pings = [0]
    real = dialect.do_ping

    def counting(dbapi_connection: Any) -> bool:
        pings[0] += 1
        return real(dbapi_connection)

    dialect.do_ping = counting  # type: ignore[method-assign]
    return pings


async def fill_the_pool(system: System, n: int = 4) -> None:
    """Check out `n` connections at once, so that `n` sit idle in the pool afterwards."""
    database = sql_uow(system).database

    async def hold() -> None:
        async with database.connect(write=False) as run:
            await run.first(sleeping(0.05), {})

    await asyncio.gather(*(hold() for _ in range(n)))


async def a_pool_the_server_killed(system: System, url: str) -> list[int]:
    """Four idle connections in the pool, then killed by the server; the pings from then on."""
    await fill_the_pool(system)
    pings = count_pings(system)
    assert BackendKiller(url).kill() >= 4
    await asyncio.sleep(0.2)  # the server's goodbye reaches the idle sockets
    return pings


async def test_idle_connections_killed_by_the_server_are_replaced_without_a_ping(
    pg_url: str,
) -> None:
    async with system_pinging_after(pg_url, 3600) as system:
        app = system.mentorat
        mentor, mentee = await a_pair(system)
        request = await a_request(system, mentor, mentee)
        pings = await a_pool_the_server_killed(system, pg_url)
        # Every pooled connection is dead; each checkout notices and reconnects.
        for i in range(6):
            await app.post_message(PostMessageCommand(request.id, mentee.id, f"after {i}"))
        await asyncio.gather(*(app.uow.ping() for _ in range(4)))
        page = await app.list_messages(ListMessagesQuery(request.id, mentor.id))
        assert [m.message for m in page.messages] == [f"after {i}" for i in range(6)]
        assert pings[0] == 0


async def test_a_connection_idle_longer_than_the_bound_is_pinged_before_use(pg_url: str) -> None:
    async with system_pinging_after(pg_url, 0.05) as system:
        await fill_the_pool(system, 1)
        pings = count_pings(system)
        await system.mentorat.uow.ping()  # checked out at once: no ping
        assert pings[0] == 0
        await asyncio.sleep(0.1)
        await system.mentorat.uow.ping()
        assert pings[0] == 1


async def test_a_dead_connection_that_only_the_ping_finds_is_replaced(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with system_pinging_after(pg_url, 0) as system:
        # A peer that vanished without a word: its socket never becomes readable.
        monkeypatch.setattr(engine_module, "_has_unread_data", lambda fd: False)
        pings = await a_pool_the_server_killed(system, pg_url)
        for _ in range(4):
            await system.mentorat.uow.ping()
        assert pings[0] >= 1


async def test_a_read_that_meets_a_dead_connection_is_unavailable_then_the_pool_recovers(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A commit's notification to other workers goes out on a pooled connection of its own,
    # at a moment of its own: it could be what meets the dead socket instead of the read.
    monkeypatch.setattr(PostgresWakeups, "committed", PostgresWakeups.poke)
    async with system_pinging_after(pg_url, 3600) as system:
        app = system.mentorat
        mentor, mentee = await a_pair(system)
        request = await a_request(system, mentor, mentee)
        await app.post_message(PostMessageCommand(request.id, mentee.id, "kept"))
        # Nothing checks the connection at checkout: the read itself (sent by PostgresRunner on
        # the checked-out connection) meets the dead socket.
        monkeypatch.setattr(engine_module, "_has_unread_data", lambda fd: False)
        BackendKiller(pg_url).kill()
        await asyncio.sleep(0.2)
        with pytest.raises(StorageUnavailable):
            await app.list_messages(ListMessagesQuery(request.id, mentor.id))
        page = await app.list_messages(ListMessagesQuery(request.id, mentor.id))
        assert [m.message for m in page.messages] == ["kept"]
