"""Fixtures shared by every test layer: the databases, each migrated once per run.

- `postgres_url`: a throwaway PostgreSQL database for this run (empty, never migrated).
- `migrated_postgres`: that database, migrated once; `pg_url`: the same, emptied for a test.
- `private_postgres`: a migrated database of the test's own, for tests that count or end the
  `mentorat` backends of their database (nothing another test left open is on it).
- `sqlite_template`: a migrated SQLite file; `sqlite_url`: a copy of it for a test.
- `db_url`: `sqlite_url` or `pg_url`, parametrized (PostgreSQL cases carry the `postgres` mark).
- `pgbouncer`: a real PgBouncer in transaction mode in front of that PostgreSQL;
  `pgbouncer_url`: `pg_url` through it.

Outside CI an unreachable PostgreSQL skips the PostgreSQL tests; under CI=true it fails them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from mentorat.adapters.sql.tables import metadata
from mentorat.bootstrap import upgrade_database
from mentorat.settings import Settings
from tests.pgbouncer import PGBOUNCER, PgBouncer

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
SECRET = "k" * 32
# argon2id at its cheapest: tests hash many passwords.
FAST_HASH: dict[str, Any] = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 1024,
    "argon2_parallelism": 1,
}
TABLES = ", ".join(table.name for table in reversed(metadata.sorted_tables))


def settings_for(url: str, **overrides: Any) -> Settings:
    """Test settings: a fixed signing key and argon2 at its cheapest."""
    return Settings(**{"database_url": url, "secret_key": SECRET, **FAST_HASH, **overrides})


def empty_postgres(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")


def _admin_url() -> str:
    return os.environ.get("MENTORAT_TEST_DATABASE_URL", DEFAULT_PG)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test run, dropped at the end."""
    admin = _admin_url()
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is unreachable at {admin} under CI: {error}")
        pytest.skip(f"PostgreSQL is unreachable at {admin}: {error}")
    name = f"mentorat_test_{uuid.uuid4().hex[:12]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str) -> str:
    upgrade_database(Settings(database_url=postgres_url))
    return postgres_url


@pytest.fixture
def private_postgres(postgres_url: str) -> Iterator[str]:
    """A migrated database of this test's own on the run's server, dropped after the test."""
    admin = _admin_url()
    name = f"{postgres_url.rpartition('/')[2]}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{postgres_url.rpartition('/')[0]}/{name}"
    try:
        upgrade_database(Settings(database_url=url))
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(migrated_postgres: str) -> str:
    """The run's migrated PostgreSQL database, emptied for this test."""
    empty_postgres(migrated_postgres)
    return migrated_postgres


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test copies it, which is much faster than migrating."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade_database(Settings(database_url=f"sqlite:///{path}"))
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated, empty SQLite file of this test's own."""
    path = tmp_path / "mentorat.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database of either kind."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(scope="session")
def pgbouncer(migrated_postgres: str) -> Iterator[PgBouncer]:
    """A real PgBouncer in transaction pooling mode in front of the run's PostgreSQL.

    Outside CI a machine without pgbouncer skips the tests that use it; under CI=true it fails
    them (.ci/run installs it)."""
    if PGBOUNCER is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pgbouncer is not installed (.ci/run installs it)")
        pytest.skip("pgbouncer is not installed")
    bouncer = PgBouncer(migrated_postgres).start()
    try:
        yield bouncer
    finally:
        bouncer.stop()


@pytest.fixture
def pgbouncer_url(pgbouncer: PgBouncer, pg_url: str) -> str:
    """The run's migrated PostgreSQL database, emptied for this test, through PgBouncer."""
    return pgbouncer.url(pg_url.rpartition("/")[2])
