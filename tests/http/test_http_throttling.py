"""Failed logins are throttled per username and per client address; successes never count."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from mentorat.adapters.memory.services import ManualClock
from tests.http.support import PASSWORD, Api, assert_error, unique


async def login(
    client: AsyncTestClient[Any], username: str, password: str, forwarded_for: str | None = None
) -> httpx.Response:
    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    return await client.post(
        "/auth/token/", json={"username": username, "password": password}, headers=headers
    )


def assert_throttled(response: httpx.Response, window: int = 60) -> None:
    assert_error(response, 429)
    wait = int(response.headers["retry-after"])
    assert 0 < wait <= window


async def test_the_eleventh_login_after_ten_failures_for_a_username_is_a_429(api: Api) -> None:
    person = await api.person()
    for _ in range(10):
        assert_error(await login(api.client, person.username, "wrong-password"), 401)
    assert_throttled(await login(api.client, person.username, PASSWORD))
    assert_throttled(await login(api.client, person.username.upper(), "wrong-password"))
    other = await api.person("other")
    assert (await login(api.client, other.username, PASSWORD)).status_code == 200


async def test_successful_logins_do_not_count_as_failures(api: Api) -> None:
    person = await api.person()
    for _ in range(9):
        assert_error(await login(api.client, person.username, "wrong-password"), 401)
    for _ in range(15):
        assert (await login(api.client, person.username, PASSWORD)).status_code == 200
    assert_error(await login(api.client, person.username, "wrong-password"), 401)
    assert_throttled(await login(api.client, person.username, PASSWORD))


async def test_the_throttle_lifts_once_the_window_has_passed(api: Api, clock: ManualClock) -> None:
    person = await api.person()
    for _ in range(10):
        await login(api.client, person.username, "wrong-password")
    blocked = await login(api.client, person.username, PASSWORD)
    assert_throttled(blocked)
    clock.advance(seconds=int(blocked.headers["retry-after"]) + 1)
    assert (await login(api.client, person.username, PASSWORD)).status_code == 200


async def test_fifty_failures_from_one_address_block_it_for_every_username(api: Api) -> None:
    person = await api.person()
    for _ in range(50):
        assert_error(await login(api.client, unique("ghost"), "wrong-password"), 401)
    assert_throttled(await login(api.client, person.username, PASSWORD))


async def test_x_forwarded_for_is_ignored_unless_the_deployment_trusts_it(api: Api) -> None:
    for n in range(50):
        response = await login(api.client, unique("ghost"), "nope-nope", f"10.0.0.{n}")
        assert_error(response, 401)
    spoofed = await login(api.client, unique("ghost"), "nope-nope", "10.9.9.9")
    assert_throttled(spoofed)


PROXIED = {"trusted_proxies": ("10.0.0.0/8", "::1"), "login_max_failures_per_address": 3}


@pytest.mark.parametrize("peer", ["10.0.0.2"])
@pytest.mark.parametrize("settings_overrides", [PROXIED])
async def test_behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client(
    client: AsyncTestClient[Any],
) -> None:
    # The proxy appends the address it was reached from; the client wrote what lies left of it.
    for n in range(3):
        spoofed = f"198.51.100.{n}, 203.0.113.7"
        assert_error(await login(client, unique("ghost"), "nope-nope", spoofed), 401)
    for spoofed in ("203.0.113.7", "1.2.3.4, 203.0.113.7, 10.0.0.9", "garbage, 203.0.113.7"):
        assert_throttled(await login(client, unique("ghost"), "nope-nope", spoofed))
    other = await login(client, unique("ghost"), "nope-nope", "203.0.113.7, 198.51.100.2")
    assert_error(other, 401)


@pytest.mark.parametrize("peer", ["10.0.0.2"])
@pytest.mark.parametrize("settings_overrides", [PROXIED])
async def test_six_failed_logins_with_spoofed_prefixes_are_throttled_at_the_limit(
    client: AsyncTestClient[Any],
) -> None:
    statuses = [
        (
            await login(client, unique("ghost"), "nope-nope", f"10.{n}.{n}.{n}, 203.0.113.8")
        ).status_code
        for n in range(6)
    ]
    assert statuses == [401, 401, 401, 429, 429, 429]


@pytest.mark.parametrize("peer", ["192.0.2.50"])
@pytest.mark.parametrize("settings_overrides", [PROXIED])
async def test_an_untrusted_peers_forwarded_for_is_ignored(client: AsyncTestClient[Any]) -> None:
    for n in range(3):
        assert_error(await login(client, unique("ghost"), "nope-nope", f"203.0.113.{n}"), 401)
    # All from the peer itself, whatever the header says.
    assert_throttled(await login(client, unique("ghost"), "nope-nope", "203.0.113.99"))


@pytest.mark.parametrize("peer", ["10.0.0.2"])
@pytest.mark.parametrize("settings_overrides", [PROXIED])
async def test_a_trusted_peer_without_forwarded_for_is_the_client(
    client: AsyncTestClient[Any],
) -> None:
    for _ in range(3):
        assert_error(await login(client, unique("ghost"), "nope-nope"), 401)
    assert_throttled(await login(client, unique("ghost"), "nope-nope"))
    assert_error(await login(client, unique("ghost"), "nope-nope", "203.0.113.5"), 401)


@pytest.mark.parametrize(
    "settings_overrides",
    [{"login_max_failures_per_username": 3, "login_window_seconds": 600}],
)
async def test_the_limits_and_the_window_come_from_the_settings(
    api: Api, settings_overrides: dict[str, Any]
) -> None:
    person = await api.person()
    for _ in range(3):
        assert_error(await login(api.client, person.username, "wrong-password"), 401)
    assert_throttled(await login(api.client, person.username, PASSWORD), window=600)


WIRINGS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
NO_ACCOUNT = {
    "detail": "No active account found with the given credentials",
    "code": "no_active_account",
}


@pytest.mark.parametrize("wiring", WIRINGS)
@pytest.mark.parametrize(
    "username", ["u" * 151, "u" * 601, "é" * 5000, "nul\x00name"], ids=["151", "601", "5000", "nul"]
)
async def test_an_impossible_username_is_a_counted_401_like_a_wrong_one(
    api: Api, username: str
) -> None:
    """Longer than any username (or unstorable): no lookup, no 503 from a too-long throttle
    key, the same 401 as a wrong password, and counted by the throttle."""
    for _ in range(10):
        response = await login(api.client, username, PASSWORD)
        assert_error(response, 401)
        assert response.json() == NO_ACCOUNT
    assert_throttled(await login(api.client, username, PASSWORD))
    person = await api.person()
    assert (await login(api.client, person.username, PASSWORD)).status_code == 200
