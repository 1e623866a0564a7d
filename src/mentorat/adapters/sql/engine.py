"""Build the async engine for the configured database, with its pool, timeouts and pragmas.

Nothing connects here: the first connection is made by the first transaction.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import select
import socket
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from mentorat.settings import Settings

# The execution option a connection carries to ask for `BEGIN IMMEDIATE` on SQLite.
SQLITE_BEGIN = "mentorat_sqlite_begin"
APPLICATION_NAME = "mentorat"

log = logging.getLogger(__name__)


def create_engine(
    settings: Settings,
    *,
    application_name: str = APPLICATION_NAME,
    transaction_timeout: float | None = None,
    autocommit: bool = False,
) -> AsyncEngine:
    """The engine for `settings`.

    On PostgreSQL, `transaction_timeout` bounds how long a connection may stay checked out
    (see `_arm_deadline`); None sets no bound, for the migrations and bulk loads that run long
    statements on purpose. `autocommit` leaves pooled connections in autocommit mode, for the
    engine of a `database.Database`: its reads then use a connection as it comes out of the
    pool, and only its writers switch to a transaction.
    """
    url = settings.async_database_url
    if settings.is_sqlite:
        return _sqlite_engine(url, settings)
    return _postgresql_engine(url, settings, application_name, transaction_timeout, autocommit)


def _postgresql_engine(
    url: str,
    settings: Settings,
    application_name: str,
    transaction_timeout: float | None,
    autocommit: bool,
) -> AsyncEngine:
    statement_ms = max(1, round(settings.db_statement_timeout * 1000))
    connect_args: dict[str, Any] = {
        # libpq counts whole seconds and treats anything under 2 as 2.
        "connect_timeout": max(2, math.ceil(settings.db_connect_timeout)),
        "application_name": application_name,
    }
    if not settings.db_transaction_pooling:
        connect_args["options"] = f"-c statement_timeout={statement_ms} -c timezone=UTC"
    if not settings.db_prepared_statements:
        # psycopg then never prepares: every statement is parsed by the server each time.
        connect_args["prepare_threshold"] = None
    engine = create_async_engine(
        url,
        # Errors and logs name the statement, never its values: messages, password hashes.
        hide_parameters=True,
        isolation_level="AUTOCOMMIT" if autocommit else None,
        # A connection in autocommit has no transaction to roll back as it returns to the pool,
        # and every write transaction is ended by its scope first (`database.ConnectionScope`:
        # a rollback that fails invalidates the connection).
        pool_reset_on_return=None if autocommit else "rollback",
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        connect_args=connect_args,
    )
    if settings.db_transaction_pooling:
        event.listen(engine.sync_engine, "connect", _session_in_utc)
    idle_ping = settings.db_idle_ping_seconds
    event.listen(engine.sync_engine.pool, "checkin", _note_checkin)
    event.listen(
        engine.sync_engine.pool,
        "checkout",
        _checkout_check(engine.sync_engine.dialect, idle_ping, transaction_timeout),
    )
    return engine


def _session_in_utc(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
    """Every session's time zone is UTC (results need no conversion: statements.py).

    Through a pooler in transaction mode, startup options are refused (PgBouncer: "unsupported
    startup parameter: options"), and a session setting made on one server connection is not
    there on the next. `TimeZone` is one of the parameters PgBouncer tracks per client: it sets
    it on whichever server connection runs the client's next transaction. The statement timeout
    is not: set it on the role (docs/scaling.md).
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("SET TIME ZONE 'UTC'")
    cursor.close()
    dbapi_connection.commit()


# --- a database that stops answering --------------------------------------------------------------
# `statement_timeout` is enforced by PostgreSQL itself: a server that hangs (a frozen host, a
# network partition) enforces nothing, and the kernel keeps the TCP connection up for minutes.
# So every checkout arms a timer on the event loop; if the connection is still checked out when
# it fires, its socket is shut down. The driver's pending read then ends at once with "server
# closed the connection", an ordinary disconnection: SQLAlchemy invalidates the connection and
# the request is answered 503. Cancelling the request's task instead would not do: psycopg
# answers a cancellation by asking the server to cancel the query and waiting up to 10 s for a
# server that does not answer.
_DEADLINE = "mentorat_deadline"


def _arm_deadline(info: dict[Any, Any], driver: Any, seconds: float) -> None:
    _disarm_deadline(info)
    loop = asyncio.get_running_loop()
    info[_DEADLINE] = loop.call_later(seconds, _cut, driver, seconds)


def _disarm_deadline(info: dict[Any, Any]) -> None:
    handle = info.pop(_DEADLINE, None)
    if handle is not None:
        handle.cancel()


def _cut(driver: Any, seconds: float) -> None:
    if driver.closed:
        return
    try:
        fd = driver.pgconn.socket
        with socket.socket(fileno=os.dup(fd)) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
    except Exception as error:  # a loop callback must not raise: the connection is gone anyway
        log.debug("cutting an unresponsive connection failed: %s", error)
        return
    log.warning(
        "the database did not answer within %.1f s: connection closed, request answered 503",
        seconds,
    )


async def set_deadline(conn: AsyncConnection, seconds: float) -> None:
    """Rearm the deadline of a checked-out PostgreSQL connection to `seconds` from now."""
    fairy = await conn.get_raw_connection()
    if _DEADLINE in fairy.info:
        _arm_deadline(fairy.info, fairy.driver_connection, seconds)


# --- handing out only live PostgreSQL connections, without a round trip each time ---------------
# `pool_pre_ping` costs a `SELECT 1` round trip on every checkout: a third of the database work of
# a one-statement read. Instead, at checkout:
# - a connection whose socket has something to read while it sat idle in the pool is dead: the
#   server said goodbye (pg_terminate_backend, a restart, an idle timeout sends a FATAL message
#   and closes), or the connection is otherwise out of step; either way it is replaced;
# - a connection idle for longer than `db_idle_ping_seconds` is pinged, for the failures that
#   send nothing (a peer that vanished from the network);
# - anything that still breaks in use is a disconnection SQLAlchemy recognises: it invalidates
#   that connection and every connection pooled before it, so the next checkout reconnects.
_CHECKED_IN_AT = "mentorat_checked_in_at"


def _note_checkin(dbapi_connection: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
    _disarm_deadline(record.info)
    record.info[_CHECKED_IN_AT] = time.monotonic()


def _checkout_check(dialect: Dialect, idle_ping: float, transaction_timeout: float | None) -> Any:
    def check(
        dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _: PoolProxiedConnection
    ) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is None or driver.closed:
            raise exc.DisconnectionError("the connection was closed")
        if transaction_timeout is not None:
            # Armed first, so that it bounds the ping below too.
            _arm_deadline(record.info, driver, transaction_timeout)
        checked_in = record.info.get(_CHECKED_IN_AT)
        if checked_in is None:
            return  # fresh from connect()
        if _has_unread_data(driver.pgconn.socket):
            raise exc.DisconnectionError("the server closed the idle connection")
        if time.monotonic() - checked_in > idle_ping:
            try:
                dialect.do_ping(dbapi_connection)
            except Exception as error:
                raise exc.DisconnectionError("the idle connection did not answer") from error

    return check


def _has_unread_data(fd: int) -> bool:
    """True when an idle connection's socket is readable (data or end of file): no round trip."""
    poller = select.poll()
    try:
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


def _sqlite_engine(url: str, settings: Settings) -> AsyncEngine:
    busy_ms = max(1, round(settings.db_statement_timeout * 1000))
    engine = create_async_engine(
        url,
        hide_parameters=True,  # as on PostgreSQL
        connect_args={
            # We emit BEGIN ourselves (see _begin); the driver must not.
            "isolation_level": None,
            "timeout": busy_ms / 1000,
        },
        **_sqlite_pool_args(url, settings),
    )

    path = settings.sqlite_path
    if path is not None:

        @event.listens_for(engine.sync_engine, "do_connect")
        def _private(*_: Any) -> None:
            create_private_file(path)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        # The busy timeout first, so that switching to WAL waits instead of failing.
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        _switch_to_wal(cursor, busy_ms / 1000)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Connection) -> None:
        # Writers take the write lock up front: waiting in BEGIN honours busy_timeout, whereas
        # upgrading a read transaction to a write one fails at once with "database is locked".
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only (0600, whatever the umask), before
    SQLite opens it: it holds password hashes, emails and chats. SQLite gives the `-wal` and
    `-shm` files it makes beside it the database file's permissions. An existing file is left
    as it is; one that cannot be made here is SQLite's to report."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _switch_to_wal(cursor: Any, patience: float) -> None:
    """Turn WAL on (it then stays on in the file). SQLite may refuse the switch with "database
    is locked" without calling the busy handler while other connections open a fresh file at
    the same moment, so retry within the busy timeout."""
    import sqlite3  # here: a PostgreSQL worker never loads SQLite, which it does not use

    deadline = time.monotonic() + patience
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_pool_args(url: str, settings: Settings) -> dict[str, Any]:
    if ":memory:" in url or url.rstrip("/").endswith("sqlite+aiosqlite:"):
        return {}  # one shared connection (StaticPool): sizes mean nothing there
    return {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout,
    }
