"""One database: its engine, and how a piece of work connects to it on each kind of database.

Everything else in the SQL adapter asks a `Database` for a connection (`connect`) and gets the
`Runner` of a checked-out connection, inside a transaction or not:

- PostgreSQL: the pool's connections sit in autocommit mode. A read runs as it comes out of
  the pool, each statement with a snapshot of its own, which is all a read needs (every read
  of a port is one statement: docs/persistence.md); a write switches its connection to a READ
  COMMITTED transaction for as long as it holds it.
- SQLite: every connection works in a transaction, which costs no round trip; writers open
  theirs with `BEGIN IMMEDIATE`, so that they wait for the write lock within the busy timeout
  instead of failing when a read transaction would have to become a write one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from types import TracebackType
from typing import Protocol

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool

from mentorat.adapters.sql.engine import SQLITE_BEGIN, create_engine, set_deadline
from mentorat.adapters.sql.errors import is_driver_error, translate, translated
from mentorat.adapters.sql.statements import Observer, Runner, Statement, runner_for
from mentorat.settings import Settings

log = logging.getLogger(__name__)
_PING = Statement(select(literal(1)))


class PoolWatcher(Protocol):
    """Told how busy the pool is (metrics): cheap calls, made around every checkout."""

    def connections_in_use(self, count: int) -> None:
        """The pool's connections now checked out, after a checkout or a return."""

    def pool_exhausted(self) -> None:
        """A checkout found every connection the pool may open in use: it waits for one."""


class PoolWatch:
    """A `PoolWatcher` and the count of the pool's connections checked out through this
    database's scopes (all of them: every piece of work connects through a scope). Counted
    here rather than asked of the pool, whose count takes its queue's lock."""

    __slots__ = ("_capacity", "_in_use", "_watcher")

    def __init__(self, capacity: int, watcher: PoolWatcher) -> None:
        self._capacity, self._watcher = capacity, watcher
        self._in_use = 0

    def checking_out(self) -> None:
        if self._in_use >= self._capacity:
            self._watcher.pool_exhausted()

    def checked_out(self) -> None:
        self._in_use += 1
        self._watcher.connections_in_use(self._in_use)

    def given_back(self) -> None:
        self._in_use -= 1
        self._watcher.connections_in_use(self._in_use)


class Database:
    """The engine of one database and the ways to connect to it."""

    def __init__(
        self, engine: AsyncEngine, *, ping_timeout: float | None = None, max_overflow: int = 0
    ) -> None:
        """`engine` from `engine.create_engine(..., autocommit=True)` (`open_database`);
        `ping_timeout`: on PostgreSQL, how long `ping` waits for an answer (by default, as long
        as any piece of work may); `max_overflow`: the pool's, for `watch_pool`."""
        self.engine = engine
        self.kind = engine.dialect.name
        self.observers: list[Observer] = []
        self._ping_timeout = ping_timeout
        self._max_overflow = max_overflow
        self._watch: PoolWatch | None = None
        if self.kind == "postgresql":
            self._writer = engine.execution_options(isolation_level="READ COMMITTED")
            self._reader = engine
        else:
            self._writer = engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            self._reader = engine

    def watch_pool(self, watcher: PoolWatcher) -> None:
        """Tell `watcher` how many connections are in use around every checkout, and when a
        checkout has to wait. Does nothing for a pool of one shared connection (in-memory
        SQLite)."""
        pool = self.engine.pool
        if isinstance(pool, QueuePool):
            self._watch = PoolWatch(pool.size() + self._max_overflow, watcher)

    def connect(self, *, write: bool = True) -> ConnectionScope:
        """`async with`: the runner of a pooled connection; `write` holds a transaction, which
        rolls back unless committed."""
        if write:
            return ConnectionScope(self._writer, self.observers, watch=self._watch)
        return ConnectionScope(
            self._reader,
            self.observers,
            transaction=self.kind != "postgresql",
            watch=self._watch,
        )

    def autocommit(self) -> ConnectionScope:
        """`async with`: the runner of a pooled connection on which each statement commits as
        it runs, for a piece of work that is one statement."""
        return ConnectionScope(self._reader, self.observers, transaction=False, watch=self._watch)

    def background(self) -> ConnectionScope:
        """`async with`: as `autocommit`, for a statement the process sends on its own account
        (the notification of new events), not a use case's: the observers, which follow the
        use cases' statements, are not told of it."""
        return ConnectionScope(self._reader, [], transaction=False, watch=self._watch)

    async def ping(self) -> None:
        """Return when the database answers; raise StorageUnavailable when it does not."""
        scope = self.connect(write=False)
        async with scope as run:
            if self._ping_timeout is not None and scope.connection is not None:
                with translated():
                    await set_deadline(scope.connection, self._ping_timeout)
            await run.first(_PING, {})

    async def dispose(self) -> None:
        await self.engine.dispose()


def open_database(settings: Settings, *, transaction_timeout: float | None = None) -> Database:
    """The database of `settings`, its pool built but not connected yet.

    `transaction_timeout` bounds how long a piece of work may hold a PostgreSQL connection
    (None: no bound)."""
    engine = create_engine(settings, transaction_timeout=transaction_timeout, autocommit=True)
    return Database(
        engine, ping_timeout=settings.db_connect_timeout, max_overflow=settings.db_max_overflow
    )


class ConnectionScope:
    """`async with`: a pooled connection's runner, in a transaction unless told otherwise.

    Whatever was not committed is rolled back when the block ends. Driver errors raised while
    connecting or closing leave as `StorageUnavailable`; the block's own errors pass through.
    """

    __slots__ = ("_engine", "_observers", "_transaction", "_watch", "connection")

    def __init__(
        self,
        engine: AsyncEngine,
        observers: list[Observer],
        *,
        transaction: bool = True,
        watch: PoolWatch | None = None,
    ) -> None:
        self._engine = engine
        self._observers = observers
        self._transaction = transaction
        self._watch = watch
        self.connection: AsyncConnection | None = None

    async def __aenter__(self) -> Runner:
        conn = self._engine.connect()
        watch = self._watch
        if watch is not None:
            watch.checking_out()
        try:
            await conn.start()
            if self._transaction:
                await conn.begin()
        except BaseException as error:
            await _close_quietly(conn)
            if is_driver_error(error):
                raise translate(error) from error
            raise
        self.connection = conn
        if watch is not None:
            watch.checked_out()
        return runner_for(conn, self._observers, transaction=self._transaction)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self.connection = self.connection, None
        if conn is None:
            return
        if conn.in_transaction():
            # A rollback that fails means the connection is gone, and the server drops the
            # transaction with it.
            await _quietly(conn.rollback(), "rolling back")
        try:
            await _close_quietly(conn)
        finally:
            if self._watch is not None:
                self._watch.given_back()


async def _close_quietly(conn: AsyncConnection) -> None:
    if conn.sync_connection is None:
        return  # never connected: nothing to give back
    await _quietly(conn.close(), "closing")


async def _quietly(step: Awaitable[None], what: str) -> None:
    """A step of giving a connection back: a driver error means the connection is broken,
    which SQLAlchemy has noted (it is not pooled again); only other errors go on."""
    try:
        await step
    except Exception as error:
        if not is_driver_error(error):
            raise
        log.debug("%s a broken connection failed: %s", what, error)
