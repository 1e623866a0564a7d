"""The SQL unit of work: one connection and one database transaction per use case."""

from __future__ import annotations

import logging
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mentorat.adapters.sql.batching import ChatBatches
from mentorat.adapters.sql.engine import SQLITE_BEGIN, is_autocommit, set_deadline
from mentorat.adapters.sql.errors import is_driver_error, translate, translated
from mentorat.adapters.sql.idempotency import SqlIdempotencyKeys
from mentorat.adapters.sql.repositories import SqlMentorings, SqlMessages, SqlUsers
from mentorat.adapters.sql.used_tokens import SqlUsedRefreshTokens

log = logging.getLogger(__name__)


class SqlTransaction:
    """The repositories of one open transaction; `commit()` makes their changes durable."""

    __slots__ = (
        "connection",
        "idempotency",
        "mentorings",
        "messages",
        "used_refresh_tokens",
        "users",
    )

    def __init__(self, connection: AsyncConnection, batches: ChatBatches | None = None) -> None:
        self.connection = connection
        self.users = SqlUsers(connection)
        self.mentorings = SqlMentorings(connection)
        self.messages = SqlMessages(connection, batches)
        self.idempotency = SqlIdempotencyKeys(connection)
        self.used_refresh_tokens = SqlUsedRefreshTokens(connection)

    async def commit(self) -> None:
        with translated():
            await self.connection.commit()


class ConnectionScope:
    """`async with`: a pooled connection inside a transaction, rolled back unless committed.

    Driver errors raised while opening, inside the block or while closing leave as
    `StorageUnavailable` (or the domain error a unique index stands for); the block's own
    errors pass through untouched after the rollback.
    """

    __slots__ = ("_conn", "_engine", "_transaction")

    def __init__(self, engine: AsyncEngine, *, transaction: bool = True) -> None:
        self._engine = engine
        self._transaction = transaction
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> AsyncConnection:
        conn = self._engine.connect()
        try:
            await conn.start()
            if self._transaction:
                await conn.begin()
        except BaseException as error:
            await _close_quietly(conn)
            if is_driver_error(error):
                raise translate(error) from error
            raise
        self._conn = conn
        return conn

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            if conn.in_transaction():
                # Whatever was not committed is dropped. A rollback that fails means the
                # connection is gone, and the server drops the transaction with it.
                try:
                    await conn.rollback()
                except Exception as error:
                    if not is_driver_error(error):
                        raise
                    log.debug("rollback failed on a broken connection: %s", error)
            await _close_quietly(conn)
        if exc is not None and is_driver_error(exc):
            raise translate(exc) from exc


class _TransactionScope:
    __slots__ = ("_batches", "_scope")

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        transaction: bool = True,
        batches: ChatBatches | None = None,
    ) -> None:
        self._scope = ConnectionScope(engine, transaction=transaction)
        self._batches = batches

    async def __aenter__(self) -> SqlTransaction:
        return SqlTransaction(await self._scope.__aenter__(), self._batches)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._scope.__aexit__(exc_type, exc, tb)


async def _close_quietly(conn: AsyncConnection) -> None:
    if conn.sync_connection is None:
        return  # never connected: nothing to give back
    try:
        await conn.close()
    except Exception as error:
        if not is_driver_error(error):
            raise
        log.debug("closing a broken connection failed: %s", error)


class SqlUnitOfWork:
    """Implements `application.ports.UnitOfWork` on an async SQLAlchemy engine."""

    def __init__(self, engine: AsyncEngine, *, ping_timeout: float | None = None) -> None:
        """`ping_timeout`: on PostgreSQL, how long `ping` waits for an answer (by default, as
        long as any unit of work)."""
        self.engine = engine
        self._ping_timeout = ping_timeout
        postgresql = engine.dialect.name == "postgresql"
        # Reads on PostgreSQL run without BEGIN and ROLLBACK: two round trips of a one-statement
        # read. Each statement then sees its own snapshot, which is all a read use case needs:
        # every port read is one statement (see docs/persistence.md). SQLite's transactions cost
        # no round trip, and its reads keep theirs.
        # One pool either way. Switching a connection's mode costs work at checkout and again at
        # checkin, so it is paid by the writes when the pool's connections sit in autocommit
        # (`create_engine(autocommit=True)`, as the server's), by the reads otherwise.
        if not postgresql:
            # Its connections open write transactions with BEGIN IMMEDIATE.
            self._writer = engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            self._reader = engine
        elif is_autocommit(engine):
            self._writer = engine.execution_options(isolation_level="READ COMMITTED")
            self._reader = engine
        else:
            self._writer = engine
            self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._read_in_transaction = not postgresql
        self._single_writes_commit = postgresql
        # Posts to one chat waiting in this process go together (see batching.py).
        self._batches = ChatBatches() if postgresql else None

    def __call__(self, *, write: bool = True, single_write: bool = False) -> _TransactionScope:
        if write and not (single_write and self._single_writes_commit):
            return _TransactionScope(self._writer)
        if write:
            # On PostgreSQL, a block whose one write is one statement: on the autocommit
            # connection that statement is its own transaction, and may carry other posts
            # to the same chat. SQLite keeps the transaction: its counted insert is two
            # statements.
            return _TransactionScope(self._reader, transaction=False, batches=self._batches)
        return _TransactionScope(self._reader, transaction=self._read_in_transaction)

    def connect(self, *, write: bool = True) -> ConnectionScope:
        """A bare connection for adapters that are not repositories: in a transaction when
        `write`, otherwise as the reads of `__call__` (one statement, one snapshot)."""
        if write:
            return ConnectionScope(self._writer)
        return ConnectionScope(self._reader, transaction=self._read_in_transaction)

    async def ping(self) -> None:
        async with self.connect(write=False) as conn:
            with translated():
                if self._ping_timeout is not None:
                    await set_deadline(conn, self._ping_timeout)
                await conn.exec_driver_sql("SELECT 1")
