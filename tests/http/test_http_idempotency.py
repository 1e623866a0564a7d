"""Idempotency-Key on the two POSTs that create things, and refresh-token rotation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from http_helpers import Api, Person, assert_error


@pytest.fixture
async def mentee(api: Api) -> Person:
    return await api.person("mentee")


@pytest.fixture
async def mentor(api: Api) -> Person:
    return await api.person("mentor", mentor=True)


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
