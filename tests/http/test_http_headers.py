"""Headers on every answer: hardening for a JSON API, and no caching of tokens or of the caller."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from tests.http.support import PASSWORD, Api, Person, assert_error

HARDENING = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def hardened(response: httpx.Response) -> None:
    for name, value in HARDENING.items():
        assert response.headers.get_list(name) == [value], (name, response.headers)


def not_stored(response: httpx.Response) -> None:
    assert response.headers.get_list("cache-control") == ["no-store"]
    assert response.headers["pragma"] == "no-cache"


async def test_every_kind_of_answer_is_hardened(api: Api, mentee: Person) -> None:
    client = api.client
    answers = [
        await client.get("/health"),
        await client.get("/api/mentoring/", headers=mentee.auth),
        await client.get("/api/mentoring/"),  # 401
        await client.get("/nowhere"),  # 404 from the router
        await client.delete("/api/mentorship/demande/", headers=mentee.auth),  # 405
        await client.post(
            "/auth/token/", content=b"{", headers={"Content-Type": "application/json"}
        ),
        await client.options("/api/mentorship/demande/"),
        await client.get("/schema/openapi.json"),
    ]
    assert [r.status_code for r in answers] == [200, 200, 401, 404, 405, 400, 204, 200]
    for response in answers:
        hardened(response)
    assert "cache-control" not in answers[1].headers


async def test_token_answers_and_me_are_never_stored(api: Api, mentee: Person) -> None:
    client = api.client
    login = await client.post(
        "/auth/token/", json={"username": mentee.username, "password": PASSWORD}
    )
    assert login.status_code == 200
    refreshed = await client.post("/auth/token/refresh", json={"refresh": mentee.refresh})
    assert refreshed.status_code == 200
    me = await client.get("/auth/me/", headers=mentee.auth)
    assert me.status_code == 200
    wrong = await client.post("/auth/token", json={"username": mentee.username, "password": "x"})
    assert_error(wrong, 401)
    for response in (login, refreshed, me, wrong):
        not_stored(response)
        hardened(response)


@pytest.mark.parametrize("path", ["/auth/me/", "/auth/token/refresh/"])
async def test_refusals_on_credential_paths_are_not_stored_either(
    client: AsyncTestClient[Any], path: str
) -> None:
    response = (
        await client.get(path)
        if path == "/auth/me/"
        else await client.post(path, json={"refresh": "not a token"})
    )
    assert_error(response, 401)
    not_stored(response)
