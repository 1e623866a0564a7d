"""Build the async engine for the configured database, with its pool, timeouts and pragmas.

Nothing connects here: the first connection is made by the first transaction.
"""

from __future__ import annotations

import math
import sqlite3
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from mentorat.settings import Settings

# The execution option a connection carries to ask for `BEGIN IMMEDIATE` on SQLite.
SQLITE_BEGIN = "mentorat_sqlite_begin"
APPLICATION_NAME = "mentorat"


def create_engine(settings: Settings, *, application_name: str = APPLICATION_NAME) -> AsyncEngine:
    url = settings.async_database_url
    if settings.is_sqlite:
        return _sqlite_engine(url, settings)
    return _postgresql_engine(url, settings, application_name)


def _postgresql_engine(url: str, settings: Settings, application_name: str) -> AsyncEngine:
    statement_ms = max(1, round(settings.db_statement_timeout * 1000))
    return create_async_engine(
        url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        connect_args={
            # libpq counts whole seconds and treats anything under 2 as 2.
            "connect_timeout": max(2, math.ceil(settings.db_connect_timeout)),
            "application_name": application_name,
            "options": f"-c statement_timeout={statement_ms} -c timezone=UTC",
        },
    )


def _sqlite_engine(url: str, settings: Settings) -> AsyncEngine:
    busy_ms = max(1, round(settings.db_statement_timeout * 1000))
    engine = create_async_engine(
        url,
        connect_args={
            # We emit BEGIN ourselves (see _begin); the driver must not.
            "isolation_level": None,
            "timeout": busy_ms / 1000,
        },
        **_sqlite_pool_args(url, settings),
    )

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


def _switch_to_wal(cursor: Any, patience: float) -> None:
    """Turn WAL on (it then stays on in the file). SQLite may refuse the switch with "database
    is locked" without calling the busy handler while other connections open a fresh file at
    the same moment, so retry within the busy timeout."""
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
