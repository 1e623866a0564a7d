"""Alembic migrations for the SQL schema, runnable from code (`run`, `migrate`, `current`).

There is no alembic.ini: `python -m mentorat.adapters.sql.migrations <command>` is Alembic's
command line on these scripts, against the database MENTORAT_DATABASE_URL names (see
docs/persistence.md).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from mentorat.adapters.sql.engine import SQLITE_BEGIN, create_engine
from mentorat.settings import Settings

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported where it is used: a process that never migrates never pays for it.

HERE = Path(__file__).parent
T = TypeVar("T")

# Any constant will do: it only has to be the same in every process that migrates.
_PG_MIGRATION_LOCK = 0x6D656E746F726174  # "mentorat"


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """Alembic's configuration without an alembic.ini: scripts here, connection given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    config.attributes["connection"] = connection
    return config


async def run(engine: AsyncEngine, action: str, revision: str) -> None:
    """Run `upgrade` or `downgrade` to `revision` in one transaction on `engine`.

    Concurrent callers (several workers starting at once) take turns: BEGIN IMMEDIATE on
    SQLite, a transaction-scoped advisory lock on PostgreSQL. The later ones find the work
    done.

    On SQLite, foreign keys are off for the transaction, as SQLite's procedure for rebuilding
    a table asks (https://www.sqlite.org/lang_altertable.html#otheralter): dropping the old
    copy of a table that others reference would otherwise be refused or cascade. Before the
    commit, `PRAGMA foreign_key_check` must find nothing broken; the pragma is restored after.
    """
    if action not in ("upgrade", "downgrade"):
        raise ValueError(f"unknown migration action: {action}")
    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            # Outside any transaction: inside one, SQLite ignores this pragma.
            await conn.run_sync(_pragma, "PRAGMA foreign_keys = OFF")
        try:
            async with conn.begin():
                if conn.dialect.name == "postgresql":
                    await conn.exec_driver_sql(
                        f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})"
                    )
                    # Rewriting a large table may take longer than a request is allowed to.
                    await conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
                await conn.run_sync(_run_command, action, revision)
                if sqlite:
                    broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                await conn.run_sync(_pragma, "PRAGMA foreign_keys = ON")


def _pragma(connection: Connection, statement: str) -> None:
    """Run a pragma on the driver's connection, outside SQLAlchemy's transaction."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def _run_command(connection: Connection, action: str, revision: str) -> None:
    from alembic import command

    getattr(command, action)(alembic_config(connection), revision)


async def current(engine: AsyncEngine) -> str | None:
    """The revision the database is at, None for a database never migrated."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current_revision)


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def head() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    found = script.get_current_head()
    if found is None:
        raise RuntimeError("no migration scripts found")
    return found


async def _with_engine(settings: Settings, action: str, revision: str) -> None:
    engine = create_engine(settings)
    try:
        await run(engine, action, revision)
    finally:
        await engine.dispose()


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code, even under a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    # Called from inside an event loop: that loop cannot be re-entered, so use a fresh one
    # in another thread and wait for it.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def current_revision(settings: Settings) -> str | None:
    """Synchronous `current` of the database `settings` names (None: never migrated)."""

    async def read() -> str | None:
        engine = create_engine(settings)
        try:
            return await current(engine)
        finally:
            await engine.dispose()

    return run_blocking(read())


def history() -> list[tuple[str, str]]:
    """Every revision, newest first, as (revision, the first line of its description)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return [
        (rev.revision, (rev.doc or "").strip().splitlines()[0] if rev.doc else "")
        for rev in script.walk_revisions()
    ]


def migrate(settings: Settings, action: str, revision: str) -> None:
    """Synchronous `upgrade` / `downgrade` of the database `settings` names."""
    run_blocking(_with_engine(settings, action, revision))


def main(argv: list[str] | None = None) -> None:
    """`python -m mentorat.adapters.sql.migrations <alembic command> ...` for developers."""
    from alembic.config import CommandLine

    cli = CommandLine(prog="python -m mentorat.adapters.sql.migrations")
    options = cli.parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not hasattr(options, "cmd"):
        cli.parser.error("too few arguments")
    config = alembic_config()
    config.cmd_opts = options
    cli.run_cmd(config, options)
