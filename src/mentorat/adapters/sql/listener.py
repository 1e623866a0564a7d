"""`application.ports.OutboxWakeups` on PostgreSQL: one LISTEN connection per process, and
one NOTIFY at a time from it.

A process that commits events wakes its own outbox reader at once (`committed`) and tells the
others with a NOTIFY on `outbox.CHANNEL`, sent after the commit on a pooled connection. Under
load the notifications are coalesced: while one is on its way, or less than
`NOTIFY_INTERVAL` after it, further commits only ask for one more, sent when that time is up.
So a process sends at most 1/NOTIFY_INTERVAL notifications a second however many posts it
stores, PostgreSQL's commits do not queue for its notification lock, and every listener wakes
at most that often per writing process. The payload names the sender, whose own listener
skips it.

The notification carries nothing else; the table stays the source of truth. A notification
that is lost (the sender died between its commit and the NOTIFY, the database was away)
costs latency, never an event: every reader also reads the outbox every
`FeedSettings.poll_seconds`. A listener that loses its connection connects again, waiting
longer after each failure (up to `MAX_BACKOFF`), and wakes the reader once it is back, so that
whatever was committed meanwhile is read at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
from typing import Final, TypeGuard

import psycopg
from sqlalchemy import bindparam, func, select

from mentorat.adapters.sql.database import Database
from mentorat.adapters.sql.outbox import CHANNEL
from mentorat.adapters.sql.statements import Statement
from mentorat.application.event_hub import LocalWakeups
from mentorat.settings import Settings

log = logging.getLogger(__name__)

FIRST_BACKOFF: Final = 0.1
MAX_BACKOFF: Final = 5.0
# A listener with nothing to hear checks its connection this often: a server that vanished
# without closing it is noticed, and the connection opened again.
CHECK_SECONDS: Final = 10.0
# The shortest time between two notifications from one process: the readers they wake read at
# most once per `FeedSettings.read_interval` (25 ms) anyway, so more would wake them for
# nothing. From 10 ms to 25 ms it saved about 3% of a worker's time under the post workload.
NOTIFY_INTERVAL: Final = 0.025
# How long closing waits for the last notification (a command-line run that just committed).
CLOSE_SECONDS: Final = 2.0

_NOTIFY: Final = Statement(select(func.pg_notify(CHANNEL, bindparam("sender"))))


def libpq_url(settings: Settings) -> str:
    """The listener's database URL as libpq reads it (without SQLAlchemy's driver name)."""
    url = settings.db_listen_url or settings.database_url
    return "postgresql://" + url.partition("://")[2]


class PostgresWakeups:
    """Listens from the first `wait` on; notifies the other processes after each
    `committed`; `aclose` sends what is still due, then stops listening."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self._url = libpq_url(settings)
        self._connect_timeout = max(2, math.ceil(settings.db_connect_timeout))
        self._database = database
        self._local = LocalWakeups()
        self._task: asyncio.Task[None] | None = None
        # This process's name in its notifications.
        self._sender = secrets.token_hex(8)
        self._notifying: asyncio.Task[None] | None = None
        self._notify_again = False
        self._failing = False
        # How many times the listener has connected (a reconnection shows as 2, 3, ...).
        self.connections = 0
        # How many notifications this process has sent.
        self.notifications = 0

    def poke(self) -> None:
        self._local.poke()

    def committed(self) -> None:
        """Events were committed in this process: wake its readers and tell the others."""
        self._local.poke()
        if _running(self._notifying):
            self._notify_again = True
        else:
            self._notifying = asyncio.get_running_loop().create_task(self._notify())

    async def wait(self, at_most: float) -> None:
        if not _running(self._task):
            self._task = asyncio.get_running_loop().create_task(self._listen())
        await self._local.wait(at_most)

    async def aclose(self) -> None:
        # A task of an event loop that has ended (a library user's earlier `asyncio.run`)
        # ended with it: only this loop's are waited for.
        notifying, self._notifying = self._notifying, None
        if _running(notifying):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(notifying), CLOSE_SECONDS)
            notifying.cancel()
        task, self._task = self._task, None
        if _running(task):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _notify(self) -> None:
        """Send one notification, then one more after each `NOTIFY_INTERVAL` in which
        another commit asked for one."""
        while True:
            self._notify_again = False
            try:
                async with self._database.background() as run:
                    await run.rows(_NOTIFY, {"sender": self._sender})
            except Exception as error:  # the database is away: the readers' polls catch up
                if not self._failing:
                    log.warning("notifying the other processes of new events failed: %s", error)
                self._failing = True
            else:
                self._failing = False
                self.notifications += 1
            await asyncio.sleep(NOTIFY_INTERVAL)
            if not self._notify_again:
                return

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
                async for notification in conn.notifies(timeout=CHECK_SECONDS):
                    if notification.payload != self._sender:
                        self.poke()
                await conn.execute("SELECT 1")


def _running(task: asyncio.Task[None] | None) -> TypeGuard[asyncio.Task[None]]:
    """Whether `task` runs in this event loop (a library user may run one loop after another)."""
    return task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop()
