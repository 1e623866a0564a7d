"""Requests whose headers are too many or too large are refused with a JSON 431, before the
app, whatever the route (the server in front of mentorat parses them, mentorat bounds them)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from litestar.testing import AsyncTestClient
from litestar.types import Message, Receive, Scope, Send

from mentorat.adapters.http.access import (
    MAX_HEADER_BYTES,
    MAX_HEADERS,
    MAX_HEADERS_BYTES,
    RequestIds,
)
from tests.http.support import Person


@pytest.fixture
def wiring() -> str:
    return "memory"


def assert_refused(response: Any) -> None:
    assert response.status_code == 431
    assert response.headers["content-type"] == "application/json"
    assert "too large" in response.json()["detail"]
    assert response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Authorization": "Bearer " + "x" * 1_000_000}, id="a 1 MB header"),
        pytest.param({f"x-h{n}": "1" for n in range(5000)}, id="5,000 headers"),
        pytest.param({f"x-h{n}": "1" for n in range(MAX_HEADERS)}, id="one header too many"),
        pytest.param({"x-big": "v" * (MAX_HEADER_BYTES - 4)}, id="one byte over per header"),
        pytest.param(
            {f"x-h{n}": "v" * (MAX_HEADER_BYTES - 10) for n in range(5)}, id="too large in all"
        ),
    ],
)
async def test_too_many_or_too_large_headers_are_a_json_431(
    client: AsyncTestClient[Any], headers: dict[str, str]
) -> None:
    assert_refused(await client.get("/health", headers=headers))


async def test_headers_well_within_the_limits_are_served(
    client: AsyncTestClient[Any], mentee: Person
) -> None:
    headers = {f"x-h{n}": "1" for n in range(MAX_HEADERS - 20)}
    headers["x-big"] = "v" * (MAX_HEADER_BYTES - 100)
    response = await client.get("/auth/me/", headers={**headers, **mentee.auth})
    assert response.status_code == 200, response.text


async def status_of(headers: list[tuple[bytes, bytes]]) -> int:
    """The status `RequestIds` answers a request with exactly these headers (an app behind
    it answers 204)."""
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers}
    await RequestIds(app)(cast(Scope, scope), receive, send)
    return int(sent[0]["status"])


def fields(count: int, size: int = 4) -> list[tuple[bytes, bytes]]:
    """`count` headers of `size` bytes each (name and value)."""
    return [(f"x{n:03d}".encode(), b"v" * (size - 4)) for n in range(count)]


async def test_the_limits_are_exact() -> None:
    assert await status_of(fields(MAX_HEADERS)) == 204
    assert await status_of(fields(MAX_HEADERS + 1)) == 431
    assert await status_of(fields(1, MAX_HEADER_BYTES)) == 204
    assert await status_of(fields(1, MAX_HEADER_BYTES + 1)) == 431
    in_all = MAX_HEADERS_BYTES // MAX_HEADER_BYTES
    assert await status_of(fields(in_all, MAX_HEADER_BYTES)) == 204
    assert await status_of([*fields(in_all, MAX_HEADER_BYTES), (b"y", b"")]) == 431
