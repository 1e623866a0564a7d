"""How a statement runs on each database: the one module of the SQL adapter that knows.

Repositories describe each statement once, as Core, and run it through the `Runner` of their
connection; none of them asks which database it is on.

- On PostgreSQL a statement is compiled once, and psycopg sends it on the connection that
  SQLAlchemy's pool checked out (`driver_connection`): psycopg prepares it once it repeats
  (unless MENTORAT_DB_PREPARED_STATEMENTS is off, for a pooler that does not keep prepared
  statements: engine.py), and reads the results in PostgreSQL's binary format. SQLAlchemy
  keeps the pool, the transactions and the connection's life; what it no longer does per call
  is build an execution context and process results, which costs more than the rest of a
  one-statement read. Bind values still go through their column types (`UtcDateTime` refuses a
  naive datetime); results need no processing, because every session's time zone is UTC
  (`engine.py`) and the other column types load as the domain wants them.
- On SQLite a statement goes through SQLAlchemy's own execution, which costs no round trip.

A statement that must be written differently for one database carries that form too
(`Statement(clause, sqlite=...)`): the runner picks the form of its database.

Every runner turns driver errors into port-level errors (`errors.translate`), and tells the
observers of its database about every statement it sends (statement counts in the tests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Column, Delete, Insert, Select, Table, Update, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from mentorat.adapters.sql.errors import translate, translated

# What a statement may be: a SELECT, or DML (with RETURNING when it returns rows).
Clause = Select[*tuple[Any, ...]] | Insert | Update | Delete
Params = Mapping[str, Any]
Row = Sequence[Any]
Observer = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement's text for one dialect, the values it carries itself, its bind processors."""

    sql: str
    fixed: dict[str, Any]
    processors: dict[str, Callable[[Any], Any]]

    @classmethod
    def of(cls, clause: Clause, dialect: Dialect) -> _Compiled:
        compiled: Any = clause.compile(dialect=dialect)
        fixed: dict[str, Any] = {}
        processors: dict[str, Callable[[Any], Any]] = {}
        for bind, name in compiled.bind_names.items():
            if bind.expanding:
                raise ValueError(f"{name}: write `= ANY(:{name})` for PostgreSQL, not IN")
            if not bind.required:
                fixed[name] = bind.effective_value
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors[name] = process
        return cls(str(compiled), fixed, processors)

    def values(self, params: Params) -> dict[str, Any]:
        values = {**self.fixed, **params}
        for name, process in self.processors.items():
            value = values.get(name)
            if value is not None:
                values[name] = process(value)
        return values


class Statement:
    """A Core statement written once; `forms` replace it on the databases they name."""

    __slots__ = ("_clause", "_compiled", "_forms")

    def __init__(self, clause: Clause, **forms: Clause) -> None:
        self._clause = clause
        self._forms = forms
        self._compiled: _Compiled | None = None

    def form(self, dialect_name: str) -> Clause:
        return self._forms.get(dialect_name, self._clause)

    def compiled(self, dialect: Dialect) -> _Compiled:
        """Compiled for PostgreSQL, the one dialect that sends statements itself."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = _Compiled.of(self.form(dialect.name), dialect)
        return compiled


def insert_unless_taken(
    table: Table,
    values: Mapping[str, Any],
    unique: Sequence[Column[Any]],
    returning: Column[Any],
    where: Any = None,
) -> Statement:
    """INSERT `values` ON CONFLICT (`unique`) DO NOTHING RETURNING `returning`, on each
    database.

    A clash returns no row instead of raising, so the transaction stays usable after the
    domain error, as with the memory adapter. The unique index still decides, races included:
    on PostgreSQL a twin waits for the first writer's commit, then does nothing.
    """
    postgresql_form, sqlite_form = (
        dialect.insert(table)
        .values(values)
        .on_conflict_do_nothing(index_elements=list(unique), index_where=where)
        .returning(returning)
        for dialect in (postgresql, sqlite)
    )
    return Statement(postgresql_form, sqlite=sqlite_form)


class Runner(Protocol):
    """Runs statements on one checked-out connection; raises port-level errors only."""

    async def rows(self, statement: Statement, params: Params) -> list[Row]:
        """Every row the statement returns."""

    async def first(self, statement: Statement, params: Params) -> Row | None:
        """The first row, or None when there is none."""

    async def execute(self, statement: Statement, params: Params) -> int:
        """Run a statement that returns no rows; how many rows it changed."""

    async def execute_many(self, statement: Statement, params: Sequence[Params]) -> None:
        """Run a statement once for each set of values."""

    async def commit(self) -> None:
        """Make what the statements wrote durable (nothing to do outside a transaction)."""


class _OnConnection:
    """What both runners keep: the checked-out connection and who watches its statements."""

    __slots__ = ("_conn", "_observers")

    def __init__(self, connection: AsyncConnection, observers: Sequence[Observer]) -> None:
        self._conn = connection
        self._observers = observers

    async def commit(self) -> None:
        with translated():
            await self._conn.commit()


class PostgresRunner(_OnConnection):
    __slots__ = ("_dialect", "_transaction")

    def __init__(
        self, connection: AsyncConnection, observers: Sequence[Observer], *, transaction: bool
    ) -> None:
        super().__init__(connection, observers)
        self._dialect = connection.dialect
        self._transaction = transaction

    async def rows(self, statement: Statement, params: Params) -> list[Row]:
        compiled = self._prepare(statement)
        driver = await self._driver()
        values = compiled.values(params)
        try:
            cursor = await driver.execute(compiled.sql, values, binary=True)
            return list(await cursor.fetchall())
        except Exception as error:
            await self._fail(error, driver, compiled.sql, values)
            raise

    async def first(self, statement: Statement, params: Params) -> Row | None:
        found = await self.rows(statement, params)
        return found[0] if found else None

    async def execute(self, statement: Statement, params: Params) -> int:
        compiled = self._prepare(statement)
        driver = await self._driver()
        values = compiled.values(params)
        try:
            cursor = await driver.execute(compiled.sql, values)
            return int(cursor.rowcount)
        except Exception as error:
            await self._fail(error, driver, compiled.sql, values)
            raise

    async def execute_many(self, statement: Statement, params: Sequence[Params]) -> None:
        compiled = self._prepare(statement)
        driver = await self._driver()
        values = [compiled.values(p) for p in params]
        try:
            async with driver.cursor() as cursor:
                await cursor.executemany(compiled.sql, values)
        except Exception as error:
            await self._fail(error, driver, compiled.sql, values)
            raise

    def _prepare(self, statement: Statement) -> _Compiled:
        compiled = statement.compiled(self._dialect)
        for observe in self._observers:
            observe(compiled.sql)
        return compiled

    async def _driver(self) -> Any:
        """psycopg's connection under the checked-out one (reconnecting an invalidated one)."""
        conn = self._conn
        if self._transaction and not conn.in_transaction():
            # A statement after a commit starts the piece of work's next transaction, in
            # psycopg as in SQLAlchemy's own execution: SQLAlchemy must know of it, to end it.
            with translated():
                await conn.begin()
        sync = conn.sync_connection
        if sync is None or sync.invalidated or sync.closed:
            with translated():
                pooled = await conn.get_raw_connection()
        else:
            pooled = sync.connection  # in hand: no I/O, so no trip through the greenlet
        return pooled.driver_connection

    async def _fail(self, error: Exception, driver: Any, sql: str, values: Any) -> None:
        """Raise the port-level error for a driver's `error` (others pass through); a
        connection the error broke is dropped from the pool."""
        dbapi = self._dialect.loaded_dbapi
        if not isinstance(error, dbapi.Error):
            return
        broken = bool(driver.closed or driver.broken)
        if broken:
            await self._conn.invalidate()
        wrapped = exc.DBAPIError.instance(
            sql,
            values,
            error,
            dbapi.Error,
            hide_parameters=True,
            connection_invalidated=broken,
            dialect=self._dialect,
        )
        raise translate(wrapped) from error


class SqliteRunner(_OnConnection):
    __slots__ = ()

    async def rows(self, statement: Statement, params: Params) -> list[Row]:
        clause = self._prepare(statement)
        with translated():
            return list((await self._conn.execute(clause, params)).all())

    async def first(self, statement: Statement, params: Params) -> Row | None:
        clause = self._prepare(statement)
        with translated():
            return (await self._conn.execute(clause, params)).first()

    async def execute(self, statement: Statement, params: Params) -> int:
        clause = self._prepare(statement)
        with translated():
            return (await self._conn.execute(clause, params)).rowcount

    async def execute_many(self, statement: Statement, params: Sequence[Params]) -> None:
        clause = self._prepare(statement)
        with translated():
            await self._conn.execute(clause, list(params))

    def _prepare(self, statement: Statement) -> Clause:
        clause = statement.form("sqlite")
        if self._observers:
            sql = str(clause.compile(dialect=self._conn.dialect))
            for observe in self._observers:
                observe(sql)
        return clause


def runner_for(
    connection: AsyncConnection, observers: Sequence[Observer] = (), *, transaction: bool = True
) -> Runner:
    """The runner for `connection`'s database; `transaction`: the piece of work runs in one
    (else each statement commits as it runs)."""
    if connection.dialect.name == "postgresql":
        return PostgresRunner(connection, observers, transaction=transaction)
    return SqliteRunner(connection, observers)
