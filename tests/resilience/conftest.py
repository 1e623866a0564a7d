"""Fixtures of the resilience scenarios: migrated databases, servers that are always stopped."""

from __future__ import annotations

import os
import pwd
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from mentorat.bootstrap import upgrade_database
from mentorat.settings import Settings

from .harness import (
    Cluster,
    Server,
    StartServer,
    is_ci,
    postgres_bindir,
    server_env,
    throwaway_cluster,
)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file; `mentorat serve` migrates it on start."""
    return f"sqlite:///{tmp_path / 'mentorat.db'}"


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """`start_server(database_url, workers=2, graceful_timeout=10, **MENTORAT_env)`.

    Every server started is stopped at teardown (SIGTERM, then SIGKILL if it lingers).
    """
    started: list[Server] = []

    def start(
        database_url: str, *, workers: int = 2, graceful_timeout: int = 10, **env: str
    ) -> Server:
        server = Server(
            tmp_path,
            server_env(database_url, **env),
            workers=workers,
            graceful_timeout=graceful_timeout,
        )
        started.append(server)
        return server.start()

    yield start
    for server in started:
        # Shown by pytest only when the test failed: what the server said at the end.
        print(f"--- {server.log.name} (last lines) ---\n{server.tail(30)}")
        if server.alive():
            try:
                server.stop(timeout=20)
            except AssertionError:
                server.kill()


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of this test's own, which it may stop and start.

    Without initdb and pg_ctl (or, as root, without a `postgres` user to run them) the test is
    skipped, and under CI=true it fails.
    """
    bindir = postgres_bindir()
    problem = None
    if bindir is None:
        problem = "initdb/pg_ctl not found (set MENTORAT_PG_BINDIR)"
    elif os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            problem = "running as root and there is no postgres user to run initdb as"
        if shutil.which("runuser") is None:
            problem = "running as root and runuser is missing (it runs initdb as postgres)"
    if problem is not None or bindir is None:
        if is_ci():
            pytest.fail(f"cannot run a throwaway PostgreSQL cluster under CI: {problem}")
        pytest.skip(f"cannot run a throwaway PostgreSQL cluster: {problem}")
    with throwaway_cluster(bindir) as running:
        yield running


@pytest.fixture
def cluster_database(cluster: Cluster) -> str:
    """A migrated database on the test's own cluster."""
    with psycopg.connect(cluster.admin_url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE mentorat")
    url = cluster.url("mentorat")
    upgrade_database(Settings(database_url=url))
    return url
