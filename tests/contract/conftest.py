"""The three stores every contract case runs against: memory, SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from mentorat.adapters.memory.repositories import InMemoryUnitOfWork
from mentorat.adapters.sql.engine import create_engine
from mentorat.adapters.sql.uow import SqlUnitOfWork
from mentorat.application.ports import UnitOfWork
from mentorat.bootstrap import upgrade_database
from mentorat.settings import Settings

TABLES = "idempotency_keys, used_refresh_tokens, login_failures, messages, mentorings, users"


def empty_postgres(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy, which is much faster than migrating."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade_database(Settings(database_url=f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str) -> str:
    upgrade_database(Settings(database_url=postgres_url))
    return postgres_url


ADAPTERS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=ADAPTERS)
async def uow(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    """An empty store behind the UnitOfWork port."""
    if request.param == "memory":
        yield InMemoryUnitOfWork()
        return
    if request.param == "sqlite":
        path = tmp_path / "contract.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        settings = Settings(database_url=f"sqlite:///{path}")
    else:
        url = request.getfixturevalue("migrated_postgres")
        empty_postgres(url)
        settings = Settings(database_url=url)
    engine = create_engine(settings)
    try:
        yield SqlUnitOfWork(engine)
    finally:
        await engine.dispose()
