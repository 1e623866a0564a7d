"""The chat: posting, paging with limit/before/after and the Link header, who may see it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.http.support import TIMESTAMP, Api, Person, assert_error, links


@pytest.fixture
async def mentoring(api: Api, mentee: Person, mentor: Person) -> dict[str, Any]:
    return await api.accepted(mentee, mentor)


def chat(mentoring: dict[str, Any]) -> str:
    return f"/api/mentoring/chat/{mentoring['id']}/messages/"


async def fill(api: Api, who: Person, mentoring: dict[str, Any], count: int) -> list[int]:
    ids = []
    for n in range(count):
        response = await api.post(who, mentoring["id"], f"message {n}")
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def test_posting_answers_201_with_the_full_message_and_a_string_sender_id(
    api: Api, mentee: Person, mentoring: dict[str, Any]
) -> None:
    response = await api.post(mentee, mentoring["id"], "  Bonjour !\n ")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "sender_id", "message", "created_at"}
    assert body["sender_id"] == str(mentee.id)
    assert body["message"] == "Bonjour !"
    assert TIMESTAMP.match(body["created_at"])
    listed = await api.client.get(chat(mentoring), headers=mentee.auth)
    assert listed.json() == [body]


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "x" * 4001, " " + "y" * 4001 + " "])
async def test_an_empty_or_too_long_message_is_a_400(
    api: Api, mentee: Person, mentoring: dict[str, Any], text: str
) -> None:
    assert_error(await api.post(mentee, mentoring["id"], text), 400, field="message")


async def test_a_message_of_4000_characters_after_stripping_is_accepted(
    api: Api, mentee: Person, mentoring: dict[str, Any]
) -> None:
    response = await api.post(mentee, mentoring["id"], "  " + "z" * 4000 + "  ")
    assert response.status_code == 201
    assert response.json()["message"] == "z" * 4000


@pytest.mark.parametrize("body", [{}, {"message": 5}, {"message": None}, {"text": "hi"}])
async def test_a_message_body_without_a_message_string_is_a_400(
    api: Api, mentee: Person, mentoring: dict[str, Any], body: dict[str, Any]
) -> None:
    response = await api.client.post(chat(mentoring), json=body, headers=mentee.auth)
    assert_error(response, 400, field="message")


async def test_both_participants_may_post_while_the_request_is_pending(
    api: Api, mentee: Person, mentor: Person
) -> None:
    pending = await api.request(mentee, mentor)
    assert (await api.post(mentee, pending["id"], "hello")).status_code == 201
    assert (await api.post(mentor, pending["id"], "hi")).status_code == 201


async def test_posting_in_a_closed_mentoring_is_a_409(
    api: Api, mentee: Person, mentor: Person
) -> None:
    refused = await api.request(mentee, mentor)
    await api.respond(mentor, refused, "rejected")
    assert_error(await api.post(mentee, refused["id"], "why?"), 409)
    assert_error(await api.post(mentor, refused["id"], "because"), 409)
    readable = await api.client.get(chat(refused), headers=mentee.auth)
    assert readable.status_code == 200


async def test_without_paging_the_newest_50_come_oldest_first_with_only_a_prev_link(
    api: Api, mentee: Person, mentoring: dict[str, Any]
) -> None:
    ids = await fill(api, mentee, mentoring, 55)
    response = await api.client.get(chat(mentoring), headers=mentee.auth)
    assert response.status_code == 200
    assert [m["id"] for m in response.json()] == ids[-50:]
    found = links(response)
    assert set(found) == {"prev"}
    query = parse_qs(urlsplit(found["prev"]).query)
    assert query == {"limit": ["50"], "before": [str(ids[5])]}


async def test_a_chat_that_fits_in_one_page_has_no_link_header(
    api: Api, mentee: Person, mentoring: dict[str, Any]
) -> None:
    empty = await api.client.get(chat(mentoring), headers=mentee.auth)
    assert empty.json() == []
    assert "link" not in empty.headers
    await fill(api, mentee, mentoring, 3)
    response = await api.client.get(chat(mentoring), headers=mentee.auth)
    assert len(response.json()) == 3
    assert "link" not in response.headers


async def test_before_and_after_return_the_limit_messages_next_to_an_id(
    api: Api, mentee: Person, mentoring: dict[str, Any]
) -> None:
    ids = await fill(api, mentee, mentoring, 10)
    before = await api.client.get(
        chat(mentoring), params={"limit": 3, "before": ids[5]}, headers=mentee.auth
    )
    assert [m["id"] for m in before.json()] == ids[2:5]
    assert set(links(before)) == {"prev", "next"}
    after = await api.client.get(
        chat(mentoring), params={"limit": 3, "after": ids[5]}, headers=mentee.auth
    )
    assert [m["id"] for m in after.json()] == ids[6:9]
    assert set(links(after)) == {"prev", "next"}
    last = await api.client.get(
        chat(mentoring), params={"limit": 3, "after": ids[6]}, headers=mentee.auth
    )
    assert [m["id"] for m in last.json()] == ids[7:10]
    assert set(links(last)) == {"prev"}
    first = await api.client.get(
        chat(mentoring), params={"limit": 3, "after": 0}, headers=mentee.auth
    )
    assert [m["id"] for m in first.json()] == ids[0:3]
    assert set(links(first)) == {"next"}


async def test_following_the_links_walks_the_whole_chat_both_ways_without_a_gap(
    api: Api, mentee: Person, mentoring: dict[str, Any]
) -> None:
    ids = await fill(api, mentee, mentoring, 23)
    seen: list[int] = []
    url: str | None = f"{chat(mentoring)}?limit=5"
    while url is not None:
        page = await api.client.get(url, headers=mentee.auth)
        assert isinstance(page.json(), list)
        seen = [m["id"] for m in page.json()] + seen
        url = links(page).get("prev")
    assert seen == ids
    forward: list[int] = []
    url = f"{chat(mentoring)}?limit=4&after=0"
    while url is not None:
        page = await api.client.get(url, headers=mentee.auth)
        forward += [m["id"] for m in page.json()]
        url = links(page).get("next")
    assert forward == ids


async def test_polling_with_after_sees_every_new_message_once(
    api: Api, mentee: Person, mentor: Person, mentoring: dict[str, Any]
) -> None:
    ids = await fill(api, mentee, mentoring, 2)
    polled = await api.client.get(chat(mentoring), params={"after": ids[-1]}, headers=mentor.auth)
    assert polled.json() == []
    new = await api.post(mentor, mentoring["id"], "new one")
    again = await api.client.get(chat(mentoring), params={"after": ids[-1]}, headers=mentee.auth)
    assert [m["id"] for m in again.json()] == [new.json()["id"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=1.5", "limit"),
        ("limit=1e2", "limit"),
        ("limit=" + "9" * 5000, "limit"),
        ("before=0", "before"),
        ("before=x", "before"),
        ("before=99999999999999999999999", "before"),
        ("after=-1", "after"),
        ("after=1.0", "after"),
        ("after=99999999999999999999999", "after"),
        ("before=5&after=2", "before"),
    ],
)
async def test_a_bad_paging_parameter_is_a_400(
    api: Api, mentee: Person, mentoring: dict[str, Any], query: str, field: str
) -> None:
    response = await api.client.get(f"{chat(mentoring)}?{query}", headers=mentee.auth)
    assert_error(response, 400, field=field)


@pytest.mark.parametrize("limit", [1, 200])
async def test_limit_accepts_1_to_200(
    api: Api, mentee: Person, mentoring: dict[str, Any], limit: int
) -> None:
    await fill(api, mentee, mentoring, 2)
    response = await api.client.get(chat(mentoring), params={"limit": limit}, headers=mentee.auth)
    assert response.status_code == 200
    assert len(response.json()) == min(limit, 2)


async def test_someone_outside_the_mentoring_gets_a_404_reading_or_posting(
    api: Api, mentee: Person, mentoring: dict[str, Any]
) -> None:
    await fill(api, mentee, mentoring, 1)
    stranger = await api.person("stranger")
    missing = {"id": mentoring["id"] + 100_000}
    for target in (mentoring, missing):
        assert_error(await api.client.get(chat(target), headers=stranger.auth), 404)
        assert_error(await api.post(stranger, target["id"], "let me in"), 404)
    hidden = await api.client.get(chat(mentoring), headers=stranger.auth)
    absent = await api.client.get(chat(missing), headers=stranger.auth)
    assert hidden.json() == absent.json()


async def test_links_are_absolute_and_keep_the_scheme_a_trusted_proxy_reports(
    api: Api, mentee: Person, mentoring: dict[str, Any]
) -> None:
    await fill(api, mentee, mentoring, 3)
    plain = await api.client.get(
        chat(mentoring), params={"limit": 1}, headers={**mentee.auth, "X-Forwarded-Proto": "https"}
    )
    assert links(plain)["prev"].startswith(f"http://testserver.local{chat(mentoring)}?limit=1&")


@pytest.mark.parametrize("peer", ["10.0.0.2"])
@pytest.mark.parametrize("settings_overrides", [{"trusted_proxies": ("10.0.0.0/8",)}])
async def test_behind_a_trusted_proxy_links_use_the_forwarded_scheme(
    api: Api, mentee: Person, mentoring: dict[str, Any]
) -> None:
    await fill(api, mentee, mentoring, 3)
    page = await api.client.get(
        chat(mentoring), params={"limit": 1}, headers={**mentee.auth, "X-Forwarded-Proto": "https"}
    )
    assert links(page)["prev"].startswith(f"https://testserver.local{chat(mentoring)}?limit=1&")


@pytest.mark.parametrize("peer", ["10.0.0.2"])
@pytest.mark.parametrize("settings_overrides", [{"trusted_proxies": ("10.0.0.0/8",)}])
async def test_through_two_proxies_links_use_the_scheme_the_client_reached_the_first_with(
    api: Api, mentee: Person, mentoring: dict[str, Any]
) -> None:
    await fill(api, mentee, mentoring, 3)
    forwarded = {"X-Forwarded-For": "203.0.113.7, 10.0.0.3", "X-Forwarded-Proto": "https, http"}
    page = await api.client.get(
        chat(mentoring), params={"limit": 1}, headers={**mentee.auth, **forwarded}
    )
    assert links(page)["prev"].startswith(f"https://testserver.local{chat(mentoring)}?limit=1&")
