"""Idempotency-Key on the two POSTs that create things, and refresh-token rotation."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from typing import Any

import httpx
import pytest

from mentorat.adapters.memory.services import ManualClock
from mentorat.application.idempotency import DEFAULT_LEASE
from mentorat.settings import Settings
from tests.http.support import Api, Person, assert_error


def chat(mentoring_id: int) -> str:
    return f"/api/mentoring/chat/{mentoring_id}/messages/"


async def messages_in(api: Api, who: Person, mentoring_id: int) -> list[dict[str, Any]]:
    response = await api.client.get(chat(mentoring_id), headers=who.auth)
    assert response.status_code == 200
    body: list[dict[str, Any]] = response.json()
    return body


async def test_a_retried_post_with_the_same_key_answers_the_first_201_and_writes_once(
    api: Api, mentee: Person, mentor: Person
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    headers = {**mentee.auth, "Idempotency-Key": "post-1"}
    first = await api.client.post(chat(mentoring["id"]), json={"message": "hi"}, headers=headers)
    # The retry may drop the trailing slash: it is the same endpoint.
    again = await api.client.post(
        chat(mentoring["id"]).rstrip("/"), json={"message": "hi"}, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert [m["id"] for m in await messages_in(api, mentee, mentoring["id"])] == [
        first.json()["id"]
    ]


async def test_the_same_key_with_another_body_is_a_422(
    api: Api, mentee: Person, mentor: Person
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    headers = {**mentee.auth, "Idempotency-Key": "post-2"}
    first = await api.client.post(chat(mentoring["id"]), json={"message": "a"}, headers=headers)
    assert first.status_code == 201
    other = await api.client.post(chat(mentoring["id"]), json={"message": "b"}, headers=headers)
    assert_error(other, 422)
    assert len(await messages_in(api, mentee, mentoring["id"])) == 1


async def test_keys_belong_to_their_caller(api: Api, mentee: Person, mentor: Person) -> None:
    mentoring = await api.accepted(mentee, mentor)
    body = {"message": "same words"}
    for who in (mentee, mentor):
        response = await api.client.post(
            chat(mentoring["id"]), json=body, headers={**who.auth, "Idempotency-Key": "shared"}
        )
        assert response.status_code == 201
    assert len(await messages_in(api, mentee, mentoring["id"])) == 2


@pytest.mark.parametrize("key", [b"", b"x" * 256, "caf\u00e9".encode("latin-1")])
async def test_a_malformed_key_is_a_400_naming_the_header(
    api: Api, mentee: Person, mentor: Person, key: bytes
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    response = await api.client.post(
        chat(mentoring["id"]),
        json={"message": "hi"},
        headers=[*mentee.auth.items(), ("Idempotency-Key", key)],  # type: ignore[list-item]
    )
    assert_error(response, 400, field="Idempotency-Key")


async def test_a_failed_request_keeps_nothing_and_its_retry_runs_again(
    api: Api, mentee: Person, mentor: Person
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    headers = {**mentee.auth, "Idempotency-Key": "retry-after-400"}
    empty = await api.client.post(chat(mentoring["id"]), json={"message": "  "}, headers=headers)
    assert_error(empty, 400, field="message")
    again = await api.client.post(chat(mentoring["id"]), json={"message": "  "}, headers=headers)
    assert_error(again, 400, field="message")


async def test_a_retried_request_for_a_mentoring_answers_the_first_201_even_after_an_answer(
    api: Api, mentee: Person, mentor: Person
) -> None:
    body = {"mentor_id": mentor.id, "Start_Date": "2025-01-01", "End_Date": "2025-06-30"}
    headers = {**mentee.auth, "Idempotency-Key": "ask-once"}
    first = await api.client.post("/api/mentorship/demande/", json=body, headers=headers)
    assert first.status_code == 201
    assert (await api.respond(mentor, first.json(), "active")).status_code == 200
    again = await api.client.post("/api/mentorship/demande/", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    listed = await api.client.get("/api/mentorship/demande/", headers=mentee.auth)
    assert len(listed.json()) == 1


async def test_concurrent_posts_with_one_key_store_one_message(
    api: Api, mentee: Person, mentor: Person
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    headers = {**mentee.auth, "Idempotency-Key": "storm"}
    answers = await asyncio.gather(
        *(
            api.client.post(chat(mentoring["id"]), json={"message": "once"}, headers=headers)
            for _ in range(8)
        )
    )
    created = [a for a in answers if a.status_code == 201]
    assert created
    assert all(a.status_code in (201, 409) for a in answers)
    assert len({a.text for a in created}) == 1
    assert len(await messages_in(api, mentee, mentoring["id"])) == 1


def fingerprint(method: str, path: str, body: bytes) -> str:
    """As `mentorat.adapters.http.idempotency.idempotency_of` computes it."""
    return hashlib.sha256(f"{method} {path.rstrip('/')}\n".encode() + body).hexdigest()


async def hold_key(api: Api, who: Person, key: str, path: str, body: bytes, at: datetime) -> None:
    """`key` as a request still running (or one that died) holds it: claimed at `at`, neither
    completed nor given back."""
    async with api.system.mentorat.uow() as tx:
        digest = fingerprint("POST", path, body)
        assert await tx.idempotency.claim(who.id, key, digest, at, DEFAULT_LEASE) is None
        await tx.commit()


async def post_raw(api: Api, who: Person, path: str, body: bytes, key: str) -> httpx.Response:
    headers = {**who.auth, "Idempotency-Key": key, "Content-Type": "application/json"}
    return await api.client.post(path, content=body, headers=headers)


async def test_a_retry_while_the_first_request_holds_its_key_is_a_409_with_retry_after(
    api: Api, mentee: Person, mentor: Person, clock: ManualClock
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    path, body = chat(mentoring["id"]), b'{"message": "hi"}'
    await hold_key(api, mentee, "held", path, body, clock.now())
    held = await post_raw(api, mentee, path, body, "held")
    assert_error(held, 409)
    assert held.headers["retry-after"] == "1"
    assert await messages_in(api, mentee, mentoring["id"]) == []


@pytest.mark.parametrize("wiring", ["sqlite"])
@pytest.mark.parametrize("settings_overrides", [{"db_pool_timeout": 1.0}])
async def test_a_key_held_past_the_lease_the_settings_derive_is_taken_over(
    api: Api, mentee: Person, mentor: Person, clock: ManualClock, settings: Settings
) -> None:
    lease = settings.idempotency_lease
    assert lease != DEFAULT_LEASE
    mentoring = await api.accepted(mentee, mentor)
    path, body = chat(mentoring["id"]), b'{"message": "hi"}'
    await hold_key(api, mentee, "held", path, body, clock.now())
    clock.advance(seconds=lease.total_seconds() - 1)
    assert_error(await post_raw(api, mentee, path, body, "held"), 409)
    clock.advance(seconds=1)
    taken = await post_raw(api, mentee, path, body, "held")
    assert taken.status_code == 201
    again = await post_raw(api, mentee, path, body, "held")
    assert (again.status_code, again.json()) == (201, taken.json())
    assert [m["id"] for m in await messages_in(api, mentee, mentoring["id"])] == [
        taken.json()["id"]
    ]


async def test_refresh_answers_only_an_access_token_when_rotation_is_off(
    api: Api, mentee: Person
) -> None:
    for _ in range(2):
        response = await api.client.post("/auth/token/refresh/", json={"refresh": mentee.refresh})
        assert response.status_code == 200
        assert set(response.json()) == {"access"}


@pytest.mark.parametrize("settings_overrides", [{"rotate_refresh_tokens": True}])
async def test_with_rotation_a_refresh_token_works_once_and_its_successor_works(
    api: Api, mentee: Person
) -> None:
    first = await api.client.post("/auth/token/refresh/", json={"refresh": mentee.refresh})
    assert first.status_code == 200
    assert set(first.json()) == {"access", "refresh"}
    reused = await api.client.post("/auth/token/refresh/", json={"refresh": mentee.refresh})
    assert_error(reused, 401)
    successor = await api.client.post(
        "/auth/token/refresh/", json={"refresh": first.json()["refresh"]}
    )
    assert successor.status_code == 200
    me = await api.client.get(
        "/auth/me/", headers={"Authorization": f"Bearer {successor.json()['access']}"}
    )
    assert me.status_code == 200
