"""The HTTP suite's wiring: one app per test over the memory, SQLite or PostgreSQL system.

The databases are the shared ones of tests/conftest.py. Every test gets a client whose
responses are all recorded; a test that received a 5xx fails at teardown unless it is marked
`allows_5xx` (the tests that take the database away on purpose).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from mentorat.adapters.memory.services import InMemoryLoginThrottle, ManualClock
from mentorat.bootstrap import System, fast_test_hasher, http_app, in_memory_system, open_system
from mentorat.settings import Settings
from tests.conftest import settings_for
from tests.http.support import SECRET, Api, FromPeer, Person, ResponseLog, open_client

# The fixture (tests/conftest.py) each wiring takes its database from; memory has none.
DATABASES = {"sqlite": "sqlite_url", "postgres": "pg_url"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allows_5xx: the test provokes 5xx answers on purpose")


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
    wiring: str, settings_overrides: dict[str, Any], request: pytest.FixtureRequest
) -> Settings:
    # The memory system's url is unused: nothing touches a database.
    url = "sqlite://" if wiring == "memory" else str(request.getfixturevalue(DATABASES[wiring]))
    return settings_for(url, secret_key=SECRET, **settings_overrides)


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
def peer() -> str | None:
    """The address requests come from (parametrize it); None: the test client's own."""
    return None


@pytest.fixture
async def client(
    system: System, response_log: ResponseLog, peer: str | None
) -> AsyncIterator[AsyncTestClient[Any]]:
    app = http_app(system)
    async for c in open_client(app if peer is None else FromPeer(app, peer), response_log):
        yield c


@pytest.fixture
def api(client: AsyncTestClient[Any], system: System) -> Api:
    return Api(client, system)


@pytest.fixture
async def mentee(api: Api) -> Person:
    return await api.person("mentee")


@pytest.fixture
async def mentor(api: Api) -> Person:
    return await api.person("mentor", mentor=True)
