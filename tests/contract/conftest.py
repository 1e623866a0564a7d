"""The stores every contract case runs against: memory, SQLite, PostgreSQL, and PostgreSQL
through a PgBouncer in transaction pooling mode."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mentorat.adapters.memory.uow import InMemoryUnitOfWork
from mentorat.adapters.sql.chat_posts import PostgresChatPosts
from mentorat.adapters.sql.database import open_database
from mentorat.adapters.sql.uow import SqlUnitOfWork
from mentorat.application.ports import ChatPosts, UnitOfWork
from mentorat.application.post_message import PostInTransaction
from mentorat.settings import Settings

ADAPTERS = [
    "memory",
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("pgbouncer", marks=pytest.mark.postgres),
]


@pytest.fixture(params=ADAPTERS)
async def uow(request: pytest.FixtureRequest) -> AsyncIterator[UnitOfWork]:
    """An empty store behind the UnitOfWork port."""
    if request.param == "memory":
        yield InMemoryUnitOfWork()
        return
    if request.param == "pgbouncer":
        url = request.getfixturevalue("pgbouncer_url")
        settings = Settings(database_url=url, **request.getfixturevalue("pgbouncer").settings())
    else:
        url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
        settings = Settings(database_url=url)
    database = open_database(settings)
    try:
        yield SqlUnitOfWork(database)
    finally:
        await database.dispose()


@pytest.fixture
def posts(uow: UnitOfWork) -> ChatPosts:
    """The store's own way to post, as `bootstrap.open_system` wires it."""
    if isinstance(uow, SqlUnitOfWork) and uow.database.kind == "postgresql":
        return PostgresChatPosts(uow.database)
    return PostInTransaction(uow)
