"""`application.ports.OutboxWakeups` on PostgreSQL: one LISTEN connection per process.

Every transaction that records events queues a NOTIFY on `outbox.CHANNEL` (PostgreSQL
delivers it on commit, to every process listening). This process's listener turns each into
a wake-up of its outbox reader, which then reads the table: the notification carries nothing,
the table stays the source of truth. A listener that loses its connection connects again,
waiting longer after each failure (up to `MAX_BACKOFF`), and wakes the reader once it is
back, so that whatever was committed meanwhile is read at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from typing import Final

import psycopg

from mentorat.adapters.sql.outbox import CHANNEL
from mentorat.application.follow_events import LocalWakeups
from mentorat.settings import Settings

log = logging.getLogger(__name__)

FIRST_BACKOFF: Final = 0.1
MAX_BACKOFF: Final = 5.0
# A listener with nothing to hear checks its connection this often: a server that vanished
# without closing it is noticed, and the connection opened again.
CHECK_SECONDS: Final = 10.0


def libpq_url(settings: Settings) -> str:
    """The database URL as libpq reads it (without SQLAlchemy's driver name)."""
    return "postgresql://" + settings.database_url.partition("://")[2]


class PostgresWakeups:
    """Listens from the first `wait` on; `aclose` stops listening."""

    def __init__(self, settings: Settings) -> None:
        self._url = libpq_url(settings)
        self._connect_timeout = max(2, math.ceil(settings.db_connect_timeout))
        self._local = LocalWakeups()
        self._task: asyncio.Task[None] | None = None
        # How many times the listener has connected (a reconnection shows as 2, 3, ...).
        self.connections = 0

    def poke(self) -> None:
        self._local.poke()

    async def wait(self, at_most: float) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._listen())
        await self._local.wait(at_most)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(self) -> None:
        backoff = FIRST_BACKOFF
        while True:
            connected = self.connections
            try:
                await self._listen_once()
            except psycopg.Error as error:
                log.warning("the events listener lost its connection: %s", error)
            if self.connections > connected:
                backoff = FIRST_BACKOFF  # it was listening: the first retry comes soon
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def _listen_once(self) -> None:
        conn = await psycopg.AsyncConnection.connect(
            self._url,
            autocommit=True,
            connect_timeout=self._connect_timeout,
            application_name="mentorat events listener",
        )
        async with conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            self.connections += 1
            self.poke()  # what was committed while nobody listened is read now
            while True:
                async for _ in conn.notifies(timeout=CHECK_SECONDS):
                    self.poke()
                await conn.execute("SELECT 1")
