"""Request ids (taken, generated, echoed, logged) and what the log lines of a request hold."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from mentorat import bootstrap
from mentorat.adapters.batches import FLUSH_SECONDS
from mentorat.adapters.http.access import RequestIds
from mentorat.adapters.http.app import create_app
from mentorat.logs import JsonFormatter, RequestIdFilter
from tests.http.support import PASSWORD, Api, Person, ResponseLog, logging_to, open_client

GENERATED = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What mentorat logs, at DEBUG, through the handler and format `mentorat serve` uses."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    with logging_to(handler, "mentorat", logging.DEBUG):
        yield out


def records(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def access_lines(out: io.StringIO) -> list[dict[str, Any]]:
    """The access lines of the requests so far, once the last of them is written (they are
    written together, within FLUSH_SECONDS)."""
    await asyncio.sleep(FLUSH_SECONDS * 2)
    return [r for r in records(out) if r["logger"] == "mentorat.access"]


@pytest.mark.parametrize("given", ["abc", "Edge-7f3a.1:2_x", "a" * 128])
async def test_a_well_formed_request_id_is_echoed(client: AsyncTestClient[Any], given: str) -> None:
    response = await client.get("/health", headers={"X-Request-ID": given})
    assert response.headers["x-request-id"] == given


async def test_a_request_without_an_id_gets_a_fresh_one(client: AsyncTestClient[Any]) -> None:
    first = (await client.get("/health")).headers["x-request-id"]
    second = (await client.get("/health")).headers["x-request-id"]
    assert GENERATED.match(first)
    assert GENERATED.match(second)
    assert first != second


@pytest.mark.parametrize("given", ["", "a" * 129, "two words", "caf\u00e9", "a/b", "<script>"])
async def test_a_malformed_request_id_is_replaced_not_refused(
    client: AsyncTestClient[Any], given: str
) -> None:
    response = await client.get("/health", headers={"X-Request-ID": given.encode()})
    assert response.status_code == 200
    assert GENERATED.match(response.headers["x-request-id"])


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no/such/path", 404),
        ("DELETE", "/health", 405),
        ("GET", "/auth/me/", 401),
        ("POST", "/auth/token/", 400),
    ],
)
async def test_error_answers_carry_the_request_id_too(
    client: AsyncTestClient[Any], method: str, path: str, status: int
) -> None:
    response = await client.request(method, path, headers={"X-Request-ID": "err-1"})
    assert response.status_code == status
    assert response.headers["x-request-id"] == "err-1"


async def test_the_access_line_has_the_route_template_the_user_and_the_request_id(
    api: Api, mentee: Person, log_lines: io.StringIO
) -> None:
    response = await api.client.get(
        "/auth/me/", headers={**mentee.auth, "X-Request-ID": "access-1"}
    )
    assert response.status_code == 200
    [line] = [r for r in await access_lines(log_lines) if r["request_id"] == "access-1"]
    assert line["method"] == "GET"
    assert line["route"] == "/auth/me"
    assert line["status"] == 200
    assert line["user_id"] == mentee.id
    assert isinstance(line["duration_ms"], float)
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$", line["time"])


async def test_the_access_line_names_the_route_not_the_ids_in_the_path(
    api: Api, mentee: Person, log_lines: io.StringIO
) -> None:
    await api.client.get("/api/mentoring/chat/987654/messages/", headers=mentee.auth)
    [line] = await access_lines(log_lines)
    assert line["route"] == "/api/mentoring/chat/{mentoring_id}/messages"
    assert "987654" not in json.dumps(line)
    assert line["status"] == 404


class BrokenHasher:
    """A password hasher whose every call fails: a bug for the last-resort handler to log."""

    async def hash(self, password: str) -> str:
        raise RuntimeError("the disk is on fire")

    async def verify(self, password_hash: str, password: str) -> bool:
        raise RuntimeError("the disk is on fire")

    async def burn(self, password: str) -> None:
        raise RuntimeError("the disk is on fire")


async def test_a_line_logged_while_serving_a_request_carries_its_id(
    response_log: ResponseLog, log_lines: io.StringIO
) -> None:
    app = RequestIds(create_app(bootstrap.in_memory(hasher=BrokenHasher())))
    async for client in open_client(app, response_log):
        response = await client.post(
            "/auth/register/",
            json={"username": "someone", "password": "whatever-1", "email": "s@example.com"},
            headers={"X-Request-ID": "boom-1"},
        )
        assert response.status_code == 500
    response_log.server_errors.clear()
    [error] = [r for r in records(log_lines) if r["level"] == "ERROR"]
    assert error["request_id"] == "boom-1"
    assert "RuntimeError" in error["exc"]
    assert "whatever-1" not in log_lines.getvalue()


async def test_no_log_line_holds_a_password_a_token_or_a_message(
    api: Api, log_lines: io.StringIO
) -> None:
    mentee = await api.person("mentee")
    mentor = await api.person("mentor", mentor=True)
    mentoring = await api.accepted(mentee, mentor)
    text = "Le secret du jardin est sous la troisieme pierre"
    assert (await api.post(mentee, mentoring["id"], text)).status_code == 201
    read = await api.client.get(
        f"/api/mentoring/chat/{mentoring['id']}/messages/", headers=mentee.auth
    )
    assert text in read.text
    refreshed = await api.client.post("/auth/token/refresh/", json={"refresh": mentee.refresh})
    assert refreshed.status_code == 200
    wrong = await api.client.post(
        "/auth/token/", json={"username": mentee.username, "password": "not-the-password-9"}
    )
    assert wrong.status_code == 401
    bad_token = await api.client.get("/auth/me/", headers={"Authorization": "Bearer not.a.jwt"})
    assert bad_token.status_code == 401

    assert len(await access_lines(log_lines)) >= 8
    logged = log_lines.getvalue()
    for secret in (
        PASSWORD,
        "not-the-password-9",
        mentee.access,
        mentee.refresh,
        mentor.access,
        refreshed.json()["access"],
        text,
        "not.a.jwt",
        "Bearer",
    ):
        assert secret not in logged
    assert "eyJ" not in logged  # no JWT at all
    assert "authorization" not in logged.lower()
