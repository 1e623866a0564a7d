"""Bulk loading: many users, mentorings and messages at once, for demos and benchmarks.

Rows come from domain entities through the tables' column lists (`mapping.py`) and their
column types, as every other write: `COPY` on PostgreSQL, batched inserts on SQLite. The
entities are loaded with the ids they carry; the identities then continue after them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mentorat.adapters.sql.engine import SQLITE_BEGIN
from mentorat.adapters.sql.mapping import (
    MENTORING_INSERTED,
    MESSAGE_INSERTED,
    PROFILE_ROW,
    USER_INSERTED,
    bound,
    mentoring_values,
    message_values,
    profile_row,
    user_values,
)
from mentorat.adapters.sql.tables import mentorings, messages, metadata, profiles, users
from mentorat.domain.chat import Message
from mentorat.domain.mentoring import Mentoring
from mentorat.domain.profiles import MentorStanding, Profile
from mentorat.domain.users import User

_BATCH = 20_000


class SeedRefused(Exception):
    """The database already holds users and replacing them was not asked for."""


def _user_row(user: User) -> dict[str, Any]:
    return {"id": user.id, **user_values(user)}


def _profile_row(entry: tuple[User, Profile, MentorStanding]) -> dict[str, Any]:
    return profile_row(*entry)


def _mentoring_row(mentoring: Mentoring) -> dict[str, Any]:
    return {"id": mentoring.id, **mentoring_values(mentoring)}


def _message_row(message: Message) -> dict[str, Any]:
    return {"id": message.id, **message_values(message)}


# Each table with the columns loaded into it and how an entity becomes a row, parents first.
_LOADS: tuple[tuple[Table, tuple[str, ...], Callable[[Any], dict[str, Any]]], ...] = (
    (users, ("id", *USER_INSERTED), _user_row),
    (profiles, PROFILE_ROW, _profile_row),
    (mentorings, ("id", *MENTORING_INSERTED), _mentoring_row),
    (messages, ("id", *MESSAGE_INSERTED), _message_row),
)


async def load(
    engine: AsyncEngine,
    entities: tuple[
        Iterable[User],
        Iterable[tuple[User, Profile, MentorStanding]],
        Iterable[Mentoring],
        Iterable[Message],
    ],
    *,
    replace: bool = False,
) -> None:
    """Store `(users, profiles, mentorings, messages)` in one transaction, then update the
    statistics. Every user needs their profile (with the standing their mentorings give).

    Raises SeedRefused when users exist, unless `replace`, which empties every table first.
    """
    postgresql = engine.dialect.name == "postgresql"
    async with engine.connect() as conn:
        if not postgresql:
            await conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        async with conn.begin():
            if (await conn.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM users)")).scalar():
                if not replace:
                    raise SeedRefused(
                        "the database already holds users: load into an empty database, or "
                        "pass replace=True to empty every table first"
                    )
                await _empty(conn, postgresql)
            if postgresql:
                # A load is one long statement per table: no statement timeout, and no WAL
                # flush to wait for at its commit.
                await conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
                await conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            for (table, columns, row), rows in zip(_LOADS, entities, strict=True):
                values = (row(entity) for entity in rows)
                if postgresql:
                    await _copy(conn, table, columns, values)
                else:
                    await _insert(conn, table, columns, values)
        await _analyze(conn, postgresql)


async def _empty(conn: AsyncConnection, postgresql: bool) -> None:
    names = [table.name for table in reversed(metadata.sorted_tables)]
    if postgresql:
        await conn.exec_driver_sql(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    else:
        for name in names:
            await conn.exec_driver_sql(f"DELETE FROM {name}")


async def _copy(
    conn: AsyncConnection, table: Table, columns: tuple[str, ...], rows: Iterator[dict[str, Any]]
) -> None:
    """PostgreSQL: COPY the rows, each value through its column type, then move the table's
    identity past the ids given."""
    dialect = conn.dialect
    processors = [
        (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in columns
    ]
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    async with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            await copy.write_row(
                [
                    row[name] if process is None else process(row[name])
                    for name, process in processors
                ]
            )
    if "id" not in columns:
        return
    await conn.exec_driver_sql(
        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
        f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
    )


async def _insert(
    conn: AsyncConnection, table: Table, columns: tuple[str, ...], rows: Iterator[dict[str, Any]]
) -> None:
    """SQLite: the rows in batches of inserts, each value through its column type."""
    statement = insert(table).values(bound(table, columns))
    while batch := list(islice(rows, _BATCH)):
        await conn.execute(statement, batch)


async def _analyze(conn: AsyncConnection, postgresql: bool) -> None:
    if postgresql:
        # VACUUM cannot run inside a transaction; it also sets the visibility map that lets
        # chat pages and suggestions' postings (`mentor_skills`, filled by its trigger) be
        # answered from the index alone.
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        for name in (users.name, profiles.name, "mentor_skills", mentorings.name, messages.name):
            await conn.exec_driver_sql(f"VACUUM ANALYZE {name}")
    else:
        async with conn.begin():
            await conn.exec_driver_sql("ANALYZE")
