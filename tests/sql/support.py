"""Helpers of the SQL adapter's tests: the unit of work of a system, a log of statements, people
and requests made through the use cases, and a way to kill the database's connections."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime

import psycopg
import pytest
from sqlalchemy import func, literal_column, select

from mentorat.adapters.sql.chat_posts import _STORE, PostgresChatPosts
from mentorat.adapters.sql.database import Database
from mentorat.adapters.sql.statements import Params, PostgresRunner, Row, Runner, Statement
from mentorat.adapters.sql.uow import SqlUnitOfWork
from mentorat.application.register_user import RegisterCommand
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.views import MentoringView, UserView
from mentorat.bootstrap import System
from mentorat.domain.chat import Message, NewMessage, PageRequest, compose_message
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.mentoring import Mentoring
from mentorat.domain.users import UserId

PERIOD = (date(2025, 1, 1), date(2025, 12, 31))
PASSWORD = "password1"


def sql_uow(system: System) -> SqlUnitOfWork:
    uow = system.mentorat.uow
    assert isinstance(uow, SqlUnitOfWork)
    return uow


class StatementLog:
    """Every statement a database's runners send (what the use cases ask, on both databases:
    SQLite's BEGIN, which the engine emits itself, is not one of them)."""

    def __init__(self, database: Database) -> None:
        self.statements: list[str] = []
        self._database = database
        database.observers.append(self._seen)

    def _seen(self, statement: str) -> None:
        self.statements.append(statement)

    def take(self) -> list[str]:
        taken, self.statements = self.statements, []
        return taken

    def close(self) -> None:
        self._database.observers.remove(self._seen)


async def a_pair(system: System, suffix: str = "") -> tuple[UserView, UserView]:
    """A new mentor and a new mentee (`suffix` tells the names apart)."""
    app = system.mentorat
    mentor = await app.register_user(
        RegisterCommand(f"mentor{suffix}", PASSWORD, "m@example.com", is_mentor=True)
    )
    mentee = await app.register_user(RegisterCommand(f"mentee{suffix}", PASSWORD, "e@example.com"))
    return mentor, mentee


async def a_request(system: System, mentor: UserView, mentee: UserView) -> MentoringView:
    return await system.mentorat.request_mentoring(
        RequestMentoringCommand(mentee.id, mentor.id, *PERIOD)
    )


async def accepted(system: System, mentor: UserView, mentee: UserView) -> MentoringView:
    """A new request from `mentee`, accepted by `mentor`."""
    request = await a_request(system, mentor, mentee)
    return await system.mentorat.respond_to_request(
        RespondCommand(request.id, mentor.id, accept=True)
    )


async def a_new_chat(system: System, *, accept: bool) -> tuple[UserView, UserView, MentoringView]:
    """A new mentor and mentee, and the mentee's request to the mentor, accepted if `accept`."""
    mentor, mentee = await a_pair(system)
    request = await a_request(system, mentor, mentee)
    if accept:
        request = await system.mentorat.respond_to_request(
            RespondCommand(request.id, mentor.id, accept=True)
        )
    return mentor, mentee, request


async def stored_mentoring(system: System, mentoring_id: MentoringId) -> Mentoring:
    """The mentoring as the store holds it now."""
    async with system.mentorat.uow(write=False) as tx:
        mentoring = await tx.mentorings.get(mentoring_id)
    assert mentoring is not None
    return mentoring


async def chat_messages(system: System, mentoring_id: MentoringId) -> list[Message]:
    """A chat's messages, oldest first (the first 200)."""
    async with system.mentorat.uow(write=False) as tx:
        page = await tx.messages.page(mentoring_id, PageRequest(after=MessageId(0), limit=200))
    return list(page.messages)


async def chat_texts(system: System, mentoring_id: MentoringId) -> list[str]:
    return [m.text for m in await chat_messages(system, mentoring_id)]


async def a_request_as_read(system: System) -> tuple[SqlUnitOfWork, UserView, Mentoring]:
    """A pending request between two new people, as a post reads it; and its mentee."""
    mentor, mentee = await a_pair(system)
    request = await a_request(system, mentor, mentee)
    return sql_uow(system), mentee, await stored_mentoring(system, request.id)


async def warm_pool(database: Database, connections: int) -> None:
    """Open `connections` pooled connections at once and give them back, so that as many
    concurrent requests next check one out without waiting for a new one to open (and so reach
    the code after the checkout in the order they started)."""
    held = asyncio.Event()
    opened = 0

    async def hold() -> None:
        nonlocal opened
        async with database.autocommit():
            opened += 1
            if opened == connections:
                held.set()
            await held.wait()

    await asyncio.gather(*(hold() for _ in range(connections)))


def saying(by: UserId, text: str, at: datetime) -> Callable[[Mentoring], NewMessage]:
    """What `PostMessage` hands a `ChatPosts`: the domain's decision on the mentoring it gets."""
    return lambda mentoring: compose_message(mentoring, by=by, text=text, at=at)


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[MentoringId]:
    """The mentorings `PostgresChatPosts` reads from now on (not those it remembers)."""
    reads: list[MentoringId] = []
    really = PostgresChatPosts._read

    async def counting(
        self: PostgresChatPosts, run: Runner, mentoring_id: MentoringId
    ) -> Mentoring:
        reads.append(mentoring_id)
        return await really(self, run, mentoring_id)

    monkeypatch.setattr(PostgresChatPosts, "_read", counting)
    return reads


class StoreStatements:
    """The store statements of `PostgresChatPosts` from now on, as `PostgresRunner` sends them:
    the texts of each batch, and whether it stored them (False: the mentoring had moved).

    `before(n)`, when given, runs just before the n-th statement is sent (1, 2...): another
    writer's move that lands between a post's decision and its write. `after(n)` runs once it
    has returned, while its connection is still checked out.
    """

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        before: Callable[[int], Awaitable[None]] | None = None,
        after: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self.batches: list[list[str]] = []
        self.stored: list[bool] = []
        really = PostgresRunner.rows

        async def rows(runner: PostgresRunner, statement: Statement, params: Params) -> list[Row]:
            if statement is not _STORE:
                return await really(runner, statement, params)
            self.batches.append(list(params["b_bodies"]))
            if before is not None:
                await before(len(self.batches))
            found = await really(runner, statement, params)
            self.stored.append(bool(found))
            if after is not None:
                await after(len(self.batches))
            return found

        monkeypatch.setattr(PostgresRunner, "rows", rows)


def outcomes(results: Sequence[object]) -> dict[str, int]:
    """How many results were values ("ok") and how many were each kind of error."""
    counted: dict[str, int] = {}
    for result in results:
        name = type(result).__name__ if isinstance(result, BaseException) else "ok"
        counted[name] = counted.get(name, 0) + 1
    return counted


def sleeping(seconds: float) -> Statement:
    """A read that takes `seconds` on PostgreSQL (`SELECT 1 FROM pg_sleep(...)`)."""
    return Statement(select(literal_column("1")).select_from(func.pg_sleep(seconds)))


@contextmanager
def a_throwaway_database(postgres_url: str, prefix: str) -> Iterator[str]:
    """A brand-new, never migrated PostgreSQL database beside `postgres_url`, dropped after."""
    base, _, _ = postgres_url.rpartition("/")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class BackendKiller:
    """Terminates every other connection to the test database, as an operator would, and
    waits until they are gone (else a connection killed while idle in the pool may still look
    alive to the next checkout, and die under a call made after the kill)."""

    def __init__(self, url: str) -> None:
        self._url = url

    def kill(self) -> int:
        with psycopg.connect(self._url, autocommit=True) as conn:
            killed = conn.execute(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND application_name = 'mentorat'"
            ).fetchone()
        return int(killed[0]) if killed else 0
