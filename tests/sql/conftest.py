"""Settings, databases and systems for the SQL adapter's own tests."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from mentorat.adapters.sql.uow import SqlUnitOfWork
from mentorat.bootstrap import System, open_system, upgrade_database
from mentorat.settings import Settings

TABLES = "idempotency_keys, used_refresh_tokens, login_failures, messages, mentorings, users"
FAST_HASH: dict[str, Any] = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 1024,
    "argon2_parallelism": 1,
}


def settings_for(url: str, **overrides: Any) -> Settings:
    """Test settings: a fixed signing key and argon2 at its cheapest."""
    return Settings(database_url=url, secret_key="k" * 32, **{**FAST_HASH, **overrides})


def sql_uow(system: System) -> SqlUnitOfWork:
    uow = system.mentorat.uow
    assert isinstance(uow, SqlUnitOfWork)
    return uow


def empty_postgres(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sql-template") / "template.db"
    upgrade_database(Settings(database_url=f"sqlite:///{path}"))
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated, empty SQLite file of this test's own."""
    path = tmp_path / "mentorat.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str) -> str:
    upgrade_database(Settings(database_url=postgres_url))
    return postgres_url


@pytest.fixture
def pg_url(migrated_postgres: str) -> str:
    """The run's migrated PostgreSQL database, emptied for this test."""
    empty_postgres(migrated_postgres)
    return migrated_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database of either kind."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def fresh_postgres(postgres_url: str) -> Iterator[str]:
    """A brand-new, never migrated PostgreSQL database, dropped afterwards."""
    base, _, _ = postgres_url.rpartition("/")
    name = f"mentorat_fresh_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def system(db_url: str) -> AsyncIterator[System]:
    opened = open_system(settings_for(db_url))
    try:
        yield opened
    finally:
        await opened.aclose()


class StatementLog:
    """Every SQL statement an engine sends, as SQLAlchemy's cursor events see them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements: list[str] = []
        self._engine = engine
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        statement = args[2]
        # SQLite's transaction control is ours to emit (see engine.py); PostgreSQL's BEGIN is
        # implicit in the driver. Count what the use case asks, the same way on both.
        if not statement.startswith("BEGIN"):
            self.statements.append(statement)

    def take(self) -> list[str]:
        taken, self.statements = self.statements, []
        return taken

    def close(self) -> None:
        event.remove(self._engine.sync_engine, "before_cursor_execute", self._seen)
