"""Helpers for the HTTP tests: people with tokens, mentorings, forged tokens, header parsing."""

from __future__ import annotations

import itertools
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from litestar.testing import AsyncTestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from mentorat.bootstrap import System

# The HTTP systems' signing key (see conftest's `settings`): longer than tests.conftest.SECRET
# because the tests also forge HS512 tokens with it, which PyJWT warns about below 64 bytes.
SECRET = "test-signing-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789abcdefghij"
PASSWORD = "correct-horse-1"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
USER_KEYS = {
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "is_mentor",
    "phone_number",
    "is_verified",
}
# What GET /auth/me/ adds to the user object (an addition to the contract).
PROFILE_KEYS = {
    "bio",
    "skills",
    "wanted_skills",
    "languages",
    "timezone",
    "capacity",
    "accepting_requests",
    "active_mentees",
    "places_left",
    "email_notifications",
}
MENTORING_KEYS = {
    "id",
    "mentor_id",
    "mentee_id",
    "Status",
    "Start_Date",
    "End_Date",
    "Created_At",
    "Updated_At",
    # An addition to the contract's mentoring object: why it was cancelled, or null.
    "end_reason",
}
# The items of `GET /api/mentoring/` also say how many messages the caller has not read.
LISTED_MENTORING_KEYS = MENTORING_KEYS | {"unread"}
_names = itertools.count(1)


def unique(name: str) -> str:
    """A username no other test uses, even on a shared PostgreSQL database."""
    return f"{name}_{next(_names)}_{uuid.uuid4().hex[:6]}"


@dataclass
class Person:
    id: int
    username: str
    access: str
    refresh: str
    password: str = PASSWORD

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


class Api:
    """Shortcuts through the HTTP API itself (never around it), for the setup of a test."""

    def __init__(self, client: AsyncTestClient[Any], system: System) -> None:
        self.client, self.system = client, system

    async def person(self, name: str = "user", *, mentor: bool = False, **extra: Any) -> Person:
        username = unique(name)
        body = {
            "username": username,
            "password": PASSWORD,
            "email": f"{username}@example.com",
            "is_mentor": mentor,
            **extra,
        }
        created = await self.client.post("/auth/register/", json=body)
        assert created.status_code == 201, created.text
        tokens = await self.client.post(
            "/auth/token/", json={"username": username, "password": PASSWORD}
        )
        assert tokens.status_code == 200, tokens.text
        pair = tokens.json()
        return Person(created.json()["id"], username, pair["access"], pair["refresh"])

    async def request(
        self,
        mentee: Person,
        mentor: Person,
        start: str = "2025-01-01",
        end: str = "2025-12-31",
    ) -> dict[str, Any]:
        response = await self.client.post(
            "/api/mentorship/demande/",
            json={"mentor_id": mentor.id, "Start_Date": start, "End_Date": end},
            headers=mentee.auth,
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def respond(
        self, mentor: Person, mentoring: dict[str, Any], status: str
    ) -> httpx.Response:
        return await self.client.patch(
            f"/api/mentoring/requests/{mentoring['id']}/respond/",
            json={"status": status},
            headers=mentor.auth,
        )

    async def accepted(self, mentee: Person, mentor: Person) -> dict[str, Any]:
        mentoring = await self.request(mentee, mentor)
        response = await self.respond(mentor, mentoring, "active")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def post(self, who: Person, mentoring_id: int, text: str) -> httpx.Response:
        return await self.client.post(
            f"/api/mentoring/chat/{mentoring_id}/messages/",
            json={"message": text},
            headers=who.auth,
        )


class ResponseLog:
    def __init__(self) -> None:
        self.server_errors: list[str] = []

    async def __call__(self, response: httpx.Response) -> None:
        if response.status_code >= 500:
            await response.aread()
            self.server_errors.append(
                f"{response.request.method} {response.request.url} -> "
                f"{response.status_code} {response.text[:200]}"
            )


class FromPeer:
    """An ASGI app as reached from `host` (the test client's own peer is not an address)."""

    def __init__(self, app: ASGIApp, host: str) -> None:
        self.app, self.host = app, host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["client"] = (self.host, 40000)
        await self.app(scope, receive, send)


async def open_client(app: Any, log: ResponseLog) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app) as client:
        client.event_hooks["response"].append(log)
        yield client


def forge(
    user_id: object,
    *,
    key: str = SECRET,
    algorithm: str = "HS256",
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """A token as any SimpleJWT-compatible issuer would mint it, with what a test changes."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "token_type": "access",
        "exp": now + 300,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "user_id": user_id,
        **claims,
    }
    for name in drop:
        del payload[name]
    return jwt.encode(payload, key, algorithm=algorithm)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def links(response: httpx.Response) -> dict[str, str]:
    """The Link header as {rel: url} (RFC 8288), empty when there is none."""
    found: dict[str, str] = {}
    for part in response.headers.get("link", "").split(","):
        match = re.match(r'\s*<([^>]*)>\s*;\s*rel="([^"]+)"', part)
        if match:
            found[match[2]] = match[1]
    return found


def assert_error(response: httpx.Response, status: int, *, field: str | None = None) -> None:
    """`status`, a JSON body with a `detail` string, and for 400 the `errors` list."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict), body
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if status == 400:
        errors = body["errors"]
        assert errors, body
        assert all(set(e) == {"field", "message"} for e in errors), errors
        if field is not None:
            assert field in [e["field"] for e in errors], errors
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


@contextmanager
def logging_to(handler: logging.Handler, logger_name: str, level: int) -> Iterator[None]:
    """`handler` on the logger `logger_name`, at `level`, for as long as the block runs."""
    logger = logging.getLogger(logger_name)
    before = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(before)
