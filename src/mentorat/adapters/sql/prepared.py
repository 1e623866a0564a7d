"""The hottest statements on PostgreSQL, sent straight through psycopg as prepared statements.

A Core SELECT executed through SQLAlchemy's async layer costs about 0.2 ms of Python per call
beyond the driver's own work (greenlet hops, the execution context, result processing): as much
as everything else in a one-statement read request. These few statements are compiled once by
SQLAlchemy and then sent by psycopg on the connection SQLAlchemy checked out, so pooling,
transactions, `before_cursor_execute` listeners (statement counts, tracing) and error
translation stay SQLAlchemy's. The statement text is the compiled Core statement: there is one
description of each query, not two.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import ClauseElement


class PreparedStatement:
    """One statement that returns rows (a SELECT, or DML with RETURNING), compiled on first use
    for the connection's dialect (PostgreSQL only).

    Bind values go through their column types' bind processing (`UtcDateTime` refuses naive
    datetimes), as with `conn.execute`. Values come back in PostgreSQL's binary format, as
    psycopg loads them: the same Python types as text, a quarter cheaper to load (a chat page
    carries 300 timestamps and dates: 0.33 -> 0.25 ms of client CPU a query). The engine sets
    each session's time zone to UTC, so timestamps are aware datetimes in UTC, as the
    `UtcDateTime` column type returns them.
    """

    __slots__ = ("_fixed", "_processors", "_sql", "_statement")

    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._sql: str | None = None
        # Values the statement carries itself (a `LIMIT 1`, say), by bind name.
        self._fixed: dict[str, Any] = {}
        self._processors: dict[str, Any] = {}

    def sql(self, conn: AsyncConnection) -> str:
        if self._sql is None:
            compiled: Any = self._statement.compile(dialect=conn.dialect)
            self._fixed = {k: v for k, v in compiled.params.items() if v is not None}
            self._processors = dict(getattr(compiled, "_bind_processors", {}))
            self._sql = str(compiled)
        return self._sql

    async def rows(self, conn: AsyncConnection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Execute with `params` (by bind name) and fetch every row, as tuples.

        Raises SQLAlchemy's wrapped DBAPIError on a driver error, as `conn.execute` would (so
        `translated()` turns it into a port-level error); a connection found broken is
        invalidated, and the pool replaces it.
        """
        sql = self.sql(conn)
        if self._fixed:
            params = {**self._fixed, **params}
        if self._processors:
            params = {
                k: (v if v is None or k not in self._processors else self._processors[k](v))
                for k, v in params.items()
            }
        sync = conn.sync_connection
        assert sync is not None, "the connection is open"
        if sync.invalidated or sync.closed:
            raw = await conn.get_raw_connection()  # reconnects, or raises as execute would
        else:
            # In hand, no I/O to do: skip the greenlet hop `get_raw_connection` always takes.
            raw = sync.connection
        driver: Any = raw.driver_connection
        sync.dispatch.before_cursor_execute(sync, None, sql, params, None, False)
        try:
            cursor = await driver.execute(sql, params, prepare=True, binary=True)
            return list(await cursor.fetchall())
        except Exception as error:
            dbapi = conn.dialect.loaded_dbapi
            if not isinstance(error, dbapi.Error):
                raise
            broken = bool(driver.closed or driver.broken)
            if broken:
                await conn.invalidate()
            raise exc.DBAPIError.instance(
                sql,
                params,
                error,
                dbapi.Error,
                hide_parameters=conn.sync_engine.hide_parameters,
                connection_invalidated=broken,
                dialect=conn.dialect,
            ) from error
