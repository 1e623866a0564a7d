"""Withdraw, cancel and complete over HTTP; expired requests; paged lists with a Link header."""

from __future__ import annotations

from typing import Any

import pytest

from mentorat.adapters.memory.services import ManualClock
from tests.http.support import MENTORING_KEYS, PASSWORD, Api, Person, assert_error, links

DEMANDE = "/api/mentorship/demande/"


def withdraw(mentoring: dict[str, Any]) -> str:
    return f"/api/mentorship/demande/{mentoring['id']}/withdraw/"


def cancel(mentoring: dict[str, Any]) -> str:
    return f"/api/mentoring/{mentoring['id']}/cancel/"


def complete(mentoring: dict[str, Any]) -> str:
    return f"/api/mentoring/{mentoring['id']}/complete/"


async def later(api: Api, clock: ManualClock, *people: Person, **delta: int) -> list[Person]:
    """Move the clock, and log `people` in again: their access tokens have expired."""
    clock.advance(**delta)
    again = []
    for person in people:
        tokens = await api.client.post(
            "/auth/token/", json={"username": person.username, "password": PASSWORD}
        )
        assert tokens.status_code == 200, tokens.text
        pair = tokens.json()
        again.append(Person(person.id, person.username, pair["access"], pair["refresh"]))
    return again


# --- withdraw --------------------------------------------------------------------------------


async def test_the_mentee_withdraws_a_pending_request(
    api: Api, mentee: Person, mentor: Person
) -> None:
    request = await api.request(mentee, mentor)
    response = await api.client.post(withdraw(request), headers=mentee.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == MENTORING_KEYS
    assert (body["id"], body["Status"], body["end_reason"]) == (request["id"], "cancelled", None)


async def test_withdraw_refuses_the_mentor_a_stranger_and_a_second_time(
    api: Api, mentee: Person, mentor: Person
) -> None:
    request = await api.request(mentee, mentor)
    stranger = await api.person("stranger")
    assert_error(await api.client.post(withdraw(request), headers=mentor.auth), 403)
    assert_error(await api.client.post(withdraw(request), headers=stranger.auth), 404)
    assert (await api.client.post(withdraw(request), headers=mentee.auth)).status_code == 200
    again = await api.client.post(withdraw(request), headers=mentee.auth)
    assert_error(again, 409)
    assert again.json()["detail"] == "Cannot withdraw a mentoring that is cancelled."
    accepted = await api.accepted(mentee, mentor)
    assert_error(await api.client.post(withdraw(accepted), headers=mentee.auth), 409)
    missing = "/api/mentorship/demande/999999/withdraw/"
    assert_error(await api.client.post(missing, headers=mentee.auth), 404)
    assert_error(
        await api.client.post("/api/mentorship/demande/x/withdraw/", headers=mentee.auth), 404
    )
    assert_error(await api.client.post(withdraw(request)), 401)


# --- cancel ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mentee", "mentor"])
async def test_either_participant_cancels_an_active_mentoring_saying_why(
    api: Api, mentee: Person, mentor: Person, who: str
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    caller = mentee if who == "mentee" else mentor
    response = await api.client.post(
        cancel(mentoring), json={"reason": "  moving abroad \n"}, headers=caller.auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["Status"], body["end_reason"]) == ("cancelled", "moving abroad")
    # Both see the reason, in the mentoring object and in the progress object.
    for person in (mentee, mentor):
        [listed] = (await api.client.get("/api/mentoring/", headers=person.auth)).json()
        assert listed["end_reason"] == "moving abroad"
        [row] = (await api.client.get("/api/mentorship/progress/", headers=person.auth)).json()
        assert (row["Status"], row["end_reason"]) == ("cancelled", "moving abroad")


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"", {}),
        (b"", {"Content-Type": "application/json"}),
        (b"{}", {"Content-Type": "application/json"}),
        (b'{"reason": null}', {"Content-Type": "application/json"}),
        (b'{"reason": "   "}', {"Content-Type": "application/json"}),
        (b'{"other": 1}', {"Content-Type": "application/json"}),
    ],
)
async def test_a_cancel_without_a_reason_shows_null(
    api: Api, mentee: Person, mentor: Person, body: bytes, headers: dict[str, str]
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    response = await api.client.post(
        cancel(mentoring), content=body, headers={**mentee.auth, **headers}
    )
    assert response.status_code == 200, response.text
    assert (response.json()["Status"], response.json()["end_reason"]) == ("cancelled", None)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "field"),
    [
        ('{"reason": "' + "x" * 1001 + '"}', "application/json", 400, "reason"),
        ('{"reason": 5}', "application/json", 400, "reason"),
        ('{"reason": "nul\\u0000"}', "application/json", 400, "reason"),
        ('{"reason": "\\ud800"}', "application/json", 400, "reason"),
        ("[]", "application/json", 400, "body"),
        ("{not json", "application/json", 400, "body"),
        ('{"reason": "x"}', "text/plain", 415, "Content-Type"),
    ],
)
async def test_a_bad_cancel_body_is_refused_naming_the_field(
    api: Api,
    mentee: Person,
    mentor: Person,
    body: str,
    content_type: str,
    status: int,
    field: str,
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    response = await api.client.post(
        cancel(mentoring),
        content=body.encode(),
        headers={**mentee.auth, "Content-Type": content_type},
    )
    assert_error(response, status, field=field if status == 400 else None)
    assert response.json()["errors"][0]["field"] == field
    listed = (await api.client.get("/api/mentoring/", headers=mentee.auth)).json()
    assert listed[0]["Status"] == "active"


async def test_a_pending_request_is_withdrawn_not_cancelled_and_an_ended_one_is_409(
    api: Api, mentee: Person, mentor: Person
) -> None:
    request = await api.request(mentee, mentor)
    for person in (mentee, mentor):
        refused = await api.client.post(cancel(request), headers=person.auth)
        assert_error(refused, 409)
        assert "withdraw" in refused.json()["detail"]
    mentoring = await api.accepted(mentee, await api.person("m2", mentor=True))
    assert (await api.client.post(cancel(mentoring), headers=mentor.auth)).status_code == 404
    assert (await api.client.post(cancel(mentoring), headers=mentee.auth)).status_code == 200
    again = await api.client.post(cancel(mentoring), headers=mentee.auth)
    assert_error(again, 409)
    assert again.json()["detail"] == "Cannot cancel a mentoring that is cancelled."
    assert_error(await api.client.post(cancel(mentoring)), 401)


# --- complete --------------------------------------------------------------------------------


async def test_either_participant_completes_an_active_mentoring_once(
    api: Api, mentee: Person, mentor: Person
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    stranger = await api.person("stranger")
    assert_error(await api.client.post(complete(mentoring), headers=stranger.auth), 404)
    done = await api.client.post(complete(mentoring), json={}, headers=mentor.auth)
    assert done.status_code == 200, done.text
    assert (done.json()["Status"], done.json()["end_reason"]) == ("completed", None)
    assert_error(await api.client.post(complete(mentoring), headers=mentee.auth), 409)
    pending = await api.request(mentee, await api.person("m3", mentor=True))
    assert_error(await api.client.post(complete(pending), headers=mentee.auth), 409)
    assert_error(await api.client.post(complete(mentoring)), 401)
    bad = await api.client.post(
        complete(mentoring), content=b"x", headers={**mentee.auth, "Content-Type": "text/plain"}
    )
    assert_error(bad, 415)


async def test_a_transition_retried_with_its_idempotency_key_answers_as_the_first_did(
    api: Api, mentee: Person, mentor: Person
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    headers = {**mentee.auth, "Idempotency-Key": "end-1"}
    first = await api.client.post(cancel(mentoring), json={"reason": "done"}, headers=headers)
    retried = await api.client.post(cancel(mentoring), json={"reason": "done"}, headers=headers)
    assert first.status_code == retried.status_code == 200
    assert retried.json() == first.json()
    other = await api.client.post(cancel(mentoring), json={"reason": "else"}, headers=headers)
    assert_error(other, 422)
    without_key = await api.client.post(
        cancel(mentoring), json={"reason": "done"}, headers=mentee.auth
    )
    assert_error(without_key, 409)


# --- expiry ----------------------------------------------------------------------------------


async def test_a_request_left_unanswered_for_the_ttl_is_expired_everywhere(
    api: Api, mentee: Person, mentor: Person, clock: ManualClock
) -> None:
    request = await api.request(mentee, mentor)
    mentee, mentor = await later(api, clock, mentee, mentor, days=14)
    mine = (await api.client.get(DEMANDE, headers=mentee.auth)).json()
    assert [(m["id"], m["Status"]) for m in mine] == [(request["id"], "expired")]
    assert mine[0]["Updated_At"] == request["Updated_At"]
    pending = await api.client.get(DEMANDE, params={"status": "pending"}, headers=mentor.auth)
    assert pending.json() == []
    expired = await api.client.get(DEMANDE, params={"status": "expired"}, headers=mentor.auth)
    assert [m["id"] for m in expired.json()] == [request["id"]]

    answered = await api.respond(mentor, request, "active")
    assert_error(answered, 409)
    assert "expired" in answered.json()["detail"]
    assert_error(await api.client.post(withdraw(request), headers=mentee.auth), 409)
    posted = await api.post(mentee, request["id"], "still there?")
    assert_error(posted, 409)
    assert "expired" in posted.json()["detail"]

    # The pair may ask again: the old request's expiry is recorded on the way.
    again = await api.request(mentee, mentor)
    assert again["Status"] == "pending"
    statuses = (await api.client.get(DEMANDE, headers=mentee.auth)).json()
    assert [(m["id"], m["Status"]) for m in statuses] == [
        (request["id"], "expired"),
        (again["id"], "pending"),
    ]


async def test_a_request_one_microsecond_younger_than_the_ttl_is_still_pending(
    api: Api, mentee: Person, mentor: Person, clock: ManualClock
) -> None:
    request = await api.request(mentee, mentor)
    mentee, mentor = await later(api, clock, mentee, mentor, days=14, microseconds=-1)
    [listed] = (
        await api.client.get(DEMANDE, params={"status": "pending"}, headers=mentee.auth)
    ).json()
    assert listed["id"] == request["id"]
    assert (await api.respond(mentor, request, "active")).status_code == 200


# --- paging ----------------------------------------------------------------------------------


LISTS = ["/api/mentorship/demande/", "/api/mentoring/", "/api/mentorship/progress/"]


@pytest.mark.parametrize("path", LISTS)
async def test_lists_page_with_limit_and_after_and_link_to_the_next_page(
    api: Api, mentee: Person, path: str
) -> None:
    made = [await api.accepted(mentee, await api.person(f"m{i}", mentor=True)) for i in range(5)]
    ids = [m["id"] for m in made]
    whole = await api.client.get(path, headers=mentee.auth)
    assert [m["id"] for m in whole.json()] == ids
    assert "link" not in whole.headers

    seen: list[int] = []
    url: str | None = f"{path}?limit=2"
    pages = 0
    while url is not None:
        page = await api.client.get(url, headers=mentee.auth)
        assert page.status_code == 200, page.text
        assert len(page.json()) <= 2
        seen += [m["id"] for m in page.json()]
        url = links(page).get("next")
        pages += 1
    assert (seen, pages) == (ids, 3)

    first = await api.client.get(path, params={"limit": 2}, headers=mentee.auth)
    assert links(first) == {"next": f"http://testserver.local{path}?limit=2&after={ids[1]}"}
    last = await api.client.get(path, params={"limit": 5}, headers=mentee.auth)
    assert "link" not in last.headers
    after = await api.client.get(path, params={"after": ids[2]}, headers=mentee.auth)
    assert [m["id"] for m in after.json()] == ids[3:]
    assert "link" not in after.headers


async def test_the_next_link_keeps_the_filters(api: Api, mentee: Person) -> None:
    made = [await api.request(mentee, await api.person(f"m{i}", mentor=True)) for i in range(3)]
    page = await api.client.get(
        DEMANDE, params={"status": "pending", "role": "mentee", "limit": 1}, headers=mentee.auth
    )
    assert links(page) == {
        "next": f"http://testserver.local{DEMANDE}?limit=1&status=pending&role=mentee"
        f"&after={made[0]['id']}"
    }


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "two"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"after": "-1"}, "after"),
        ({"after": "x"}, "after"),
        ({"after": str(2**63)}, "after"),
    ],
)
async def test_bad_paging_is_a_400_naming_the_parameter(
    api: Api, mentee: Person, path: str, params: dict[str, str], field: str
) -> None:
    assert_error(await api.client.get(path, params=params, headers=mentee.auth), 400, field=field)


@pytest.mark.parametrize("path", LISTS)
async def test_lists_want_credentials(api: Api, path: str) -> None:
    assert_error(await api.client.get(path, params={"limit": 1}), 401)
