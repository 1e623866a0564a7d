"""The HTTP suite's wiring: one app per test over the memory, SQLite or PostgreSQL system.

Every test gets a client whose responses are all recorded; a test that received a 5xx fails at
teardown unless it is marked `allows_5xx` (the tests that take the database away on purpose).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from http_helpers import SECRET, Api, ResponseLog, open_client
from litestar.testing import AsyncTestClient

from mentorat.adapters.memory.services import InMemoryLoginThrottle, ManualClock
from mentorat.bootstrap import (
    System,
    fast_test_hasher,
    http_app,
    in_memory_system,
    open_system,
    upgrade_database,
)
from mentorat.settings import Settings

FAST_ARGON2: dict[str, Any] = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 1024,
    "argon2_parallelism": 1,
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allows_5xx: the test provokes 5xx answers on purpose")


def base_settings(database_url: str = "sqlite://") -> Settings:
    return Settings(database_url=database_url, secret_key=SECRET, **FAST_ARGON2)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test: migrating once keeps the suite quick."""
    path = tmp_path_factory.mktemp("sqlite-template") / "mentorat.db"
    upgrade_database(base_settings(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str) -> str:
    upgrade_database(base_settings(postgres_url))
    return postgres_url


@pytest.fixture(params=["memory", "sqlite"])
def wiring(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a module (or parametrize indirectly) to change one setting for its tests."""
    return {}


@pytest.fixture
def settings(
    wiring: str,
    settings_overrides: dict[str, Any],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Settings:
    if wiring == "memory":
        url = "sqlite://"  # unused: nothing touches a database
    elif wiring == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "mentorat.db")
        url = f"sqlite:///{tmp_path / 'mentorat.db'}"
    elif wiring == "postgres":
        url = request.getfixturevalue("migrated_postgres")
    else:
        raise AssertionError(wiring)
    return replace(base_settings(url), **settings_overrides)


@pytest.fixture
def clock() -> ManualClock:
    """The system's clock: real time when the test starts, moved only by the test."""
    return ManualClock(datetime.now(UTC))


@pytest.fixture
async def system(wiring: str, settings: Settings, clock: ManualClock) -> AsyncIterator[System]:
    if wiring == "memory":
        system = in_memory_system(
            settings,
            clock=clock,
            secret_key=settings.secret_key,
            hasher=fast_test_hasher(),
            throttle=InMemoryLoginThrottle(
                per_username=settings.login_max_failures_per_username,
                per_address=settings.login_max_failures_per_address,
                window_seconds=settings.login_window_seconds,
            ),
        )
    else:
        system = open_system(settings, clock=clock)
    try:
        yield system
    finally:
        await system.aclose()


@pytest.fixture
def response_log(request: pytest.FixtureRequest) -> Iterator[ResponseLog]:
    log = ResponseLog()
    yield log
    if request.node.get_closest_marker("allows_5xx") is None:
        assert not log.server_errors, f"the server answered 5xx: {log.server_errors}"


@pytest.fixture
async def client(system: System, response_log: ResponseLog) -> AsyncIterator[AsyncTestClient[Any]]:
    async for c in open_client(http_app(system), response_log):
        yield c


@pytest.fixture
def api(client: AsyncTestClient[Any], system: System) -> Api:
    return Api(client, system)
