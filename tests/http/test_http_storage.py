"""When the database is away: /health still 200, everything else 503 with Retry-After, no 500.

And the last resort: an unexpected error is logged and answered as JSON, never as HTML.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from mentorat.adapters.auth.jwt_tokens import JwtTokens
from mentorat.adapters.clock import SystemClock
from mentorat.adapters.http.app import create_app
from mentorat.adapters.memory.services import DiscardEvents, InMemoryLoginThrottle
from mentorat.application.errors import StorageUnavailable
from mentorat.application.ports import Transaction
from mentorat.application.service import Mentorat
from mentorat.bootstrap import fast_test_hasher, http_app, open_system
from tests.conftest import settings_for
from tests.http.support import SECRET, ResponseLog, assert_error, bearer, forge, open_client

REGISTRATION = {"username": "someone", "password": "longenough1", "email": "s@example.com"}


class BrokenUnitOfWork:
    """A store that fails every transaction with `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __call__(self, *, write: bool = True) -> AbstractAsyncContextManager[Transaction]:
        raise self.error

    async def ping(self) -> None:
        raise self.error


def wired(error: Exception) -> Mentorat:
    return Mentorat.wire(
        uow=BrokenUnitOfWork(error),
        clock=SystemClock(),
        hasher=fast_test_hasher(),
        tokens=JwtTokens(SECRET),
        throttle=InMemoryLoginThrottle(),
        events=DiscardEvents(),
    )


@pytest.fixture(params=["memory store down", "postgresql unreachable", "sqlite file unreachable"])
async def down_client(
    request: pytest.FixtureRequest, response_log: ResponseLog, tmp_path: Path
) -> AsyncIterator[AsyncTestClient[Any]]:
    if request.param == "memory store down":
        app = create_app(wired(StorageUnavailable()))
        async for client in open_client(app, response_log):
            yield client
        return
    if request.param == "postgresql unreachable":
        url = "postgresql://postgres@127.0.0.1:9/nowhere"
    else:
        url = f"sqlite:///{tmp_path}/no/such/dir/mentorat.db"
    system = open_system(settings_for(url, secret_key=SECRET, db_connect_timeout=1.0))
    try:
        async for client in open_client(http_app(system), response_log):
            yield client
    finally:
        await system.aclose()


def assert_unavailable(response: httpx.Response) -> None:
    assert_error(response, 503)
    assert int(response.headers["retry-after"]) > 0


@pytest.mark.allows_5xx
async def test_without_its_database_the_api_answers_503_with_retry_after(
    down_client: AsyncTestClient[Any],
) -> None:
    assert (await down_client.get("/health")).status_code == 200
    assert_unavailable(await down_client.get("/ready"))
    assert_unavailable(await down_client.post("/auth/register/", json=REGISTRATION))
    login = {"username": "someone", "password": "longenough1"}
    assert_unavailable(await down_client.post("/auth/token/", json=login))
    token = bearer(forge(1))
    assert_unavailable(await down_client.get("/auth/me/", headers=token))
    assert_unavailable(await down_client.get("/api/mentoring/", headers=token))


async def test_bad_credentials_are_refused_before_the_database_is_asked(
    down_client: AsyncTestClient[Any],
) -> None:
    assert_error(await down_client.get("/auth/me/"), 401)
    assert_error(
        await down_client.get("/auth/me/", headers=bearer(forge(1, token_type="refresh"))), 401
    )
    assert_error(await down_client.post("/auth/register/", json=[]), 400)


@pytest.mark.allows_5xx
async def test_an_unexpected_error_is_logged_and_answered_as_a_json_500(
    response_log: ResponseLog, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(wired(RuntimeError("the disk is on fire")))
    with caplog.at_level(logging.ERROR, logger="mentorat.http"):
        async for client in open_client(app, response_log):
            response = await client.post("/auth/register/", json=REGISTRATION)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"detail": "Internal server error."}
    assert "the disk is on fire" not in response.text
    assert any("the disk is on fire" in str(r.exc_info) for r in caplog.records if r.exc_info)
