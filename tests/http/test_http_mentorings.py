"""Requests, responses, accepted mentorings and progress, as the contract words them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from mentorat.adapters.memory.services import ManualClock
from tests.http.support import (
    DATE,
    LISTED_MENTORING_KEYS,
    MENTORING_KEYS,
    TIMESTAMP,
    Api,
    Person,
    assert_error,
)

DEMANDE = "/api/mentorship/demande/"


def respond_path(mentoring: dict[str, Any]) -> str:
    return f"/api/mentoring/requests/{mentoring['id']}/respond/"


async def test_a_request_is_a_201_pending_mentoring_with_the_contracts_exact_keys(
    api: Api, mentee: Person, mentor: Person
) -> None:
    response = await api.client.post(
        DEMANDE,
        json={"mentor_id": mentor.id, "Start_Date": "2025-01-01", "End_Date": "2025-12-31"},
        headers=mentee.auth,
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == MENTORING_KEYS
    assert body["Status"] == "pending"
    assert (body["mentor_id"], body["mentee_id"]) == (mentor.id, mentee.id)
    assert (body["Start_Date"], body["End_Date"]) == ("2025-01-01", "2025-12-31")
    assert TIMESTAMP.match(body["Created_At"]), body["Created_At"]
    assert TIMESTAMP.match(body["Updated_At"]), body["Updated_At"]
    assert isinstance(body["id"], int)


async def test_timestamps_keep_six_microsecond_digits_even_when_they_are_zero(
    api: Api, mentee: Person, mentor: Person, clock: ManualClock
) -> None:
    clock.set(datetime(2025, 4, 11, 12, 58, 43, tzinfo=UTC))
    body = await api.request(mentee, mentor)
    assert body["Created_At"] == "2025-04-11T12:58:43.000000Z"
    assert body["Updated_At"] == "2025-04-11T12:58:43.000000Z"
    clock.set(datetime(2025, 4, 11, 12, 58, 44, 959579, tzinfo=UTC))
    answered = await api.respond(mentor, body, "active")
    assert answered.json()["Updated_At"] == "2025-04-11T12:58:44.959579Z"
    assert answered.json()["Created_At"] == "2025-04-11T12:58:43.000000Z"


async def test_the_mentee_id_may_be_given_when_it_is_the_callers_own(
    api: Api, mentee: Person, mentor: Person
) -> None:
    response = await api.client.post(
        DEMANDE,
        json={
            "mentor_id": mentor.id,
            "mentee_id": mentee.id,
            "Start_Date": "2025-01-01",
            "End_Date": "2025-01-01",
        },
        headers=mentee.auth,
    )
    assert response.status_code == 201
    assert response.json()["mentee_id"] == mentee.id


async def test_requesting_for_someone_else_is_a_403(
    api: Api, mentee: Person, mentor: Person
) -> None:
    other = await api.person("other")
    response = await api.client.post(
        DEMANDE,
        json={
            "mentor_id": mentor.id,
            "mentee_id": other.id,
            "Start_Date": "2025-01-01",
            "End_Date": "2025-12-31",
        },
        headers=mentee.auth,
    )
    assert_error(response, 403)


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("end before start", "End_Date"),
        ("mentor is not a mentor", "mentor_id"),
        ("mentor does not exist", "mentor_id"),
        ("mentor is the caller", "mentor_id"),
        ("mentor is deactivated", "mentor_id"),
    ],
)
async def test_a_request_breaking_a_rule_is_a_400(
    api: Api, mentee: Person, mentor: Person, case: str, field: str
) -> None:
    caller, mentor_id, start, end = mentee, mentor.id, "2025-01-01", "2025-12-31"
    if case == "end before start":
        start, end = "2025-06-01", "2025-05-31"
    elif case == "mentor is not a mentor":
        mentor_id = (await api.person("plain")).id
    elif case == "mentor does not exist":
        mentor_id = mentor.id + 100_000
    elif case == "mentor is the caller":
        caller = mentor
    elif case == "mentor is deactivated":
        await api.system.mentorat.deactivate_user(mentor.username)
    response = await api.client.post(
        DEMANDE,
        json={"mentor_id": mentor_id, "Start_Date": start, "End_Date": end},
        headers=caller.auth,
    )
    assert_error(response, 400, field=field)


async def test_a_second_open_request_for_the_same_pair_is_a_409(
    api: Api, mentee: Person, mentor: Person
) -> None:
    first = await api.request(mentee, mentor)
    response = await api.client.post(
        DEMANDE,
        json={"mentor_id": mentor.id, "Start_Date": "2026-01-01", "End_Date": "2026-12-31"},
        headers=mentee.auth,
    )
    assert_error(response, 409)
    await api.respond(mentor, first, "active")
    again = await api.client.post(
        DEMANDE,
        json={"mentor_id": mentor.id, "Start_Date": "2026-01-01", "End_Date": "2026-12-31"},
        headers=mentee.auth,
    )
    assert_error(again, 409)


async def test_after_a_rejection_the_pair_may_ask_again(
    api: Api, mentee: Person, mentor: Person
) -> None:
    first = await api.request(mentee, mentor)
    assert (await api.respond(mentor, first, "rejected")).status_code == 200
    second = await api.request(mentee, mentor)
    assert second["id"] != first["id"]


async def test_the_request_list_holds_sent_and_received_requests_in_every_status_by_id(
    api: Api, mentee: Person, mentor: Person
) -> None:
    other_mentor = await api.person("mentor2", mentor=True)
    asked = await api.request(mentee, mentor)
    refused = await api.request(mentee, other_mentor)
    await api.respond(other_mentor, refused, "rejected")
    # The mentee is also a mentor to someone: requests received count too.
    third = await api.person("third")
    received = await api.request(third, other_mentor)
    response = await api.client.get(DEMANDE, headers=other_mentor.auth)
    assert response.status_code == 200
    assert [m["id"] for m in response.json()] == [refused["id"], received["id"]]
    mine = await api.client.get(DEMANDE, headers=mentee.auth)
    assert [(m["id"], m["Status"]) for m in mine.json()] == [
        (asked["id"], "pending"),
        (refused["id"], "rejected"),
    ]
    assert all(set(m) == MENTORING_KEYS for m in mine.json())


async def test_the_request_list_filters_by_status_and_by_role(
    api: Api, mentee: Person, mentor: Person
) -> None:
    # `mentor` both mentors `mentee` and is mentee of `senior`.
    senior = await api.person("senior", mentor=True)
    as_mentor = await api.request(mentee, mentor)
    as_mentee = await api.request(mentor, senior)
    await api.respond(senior, as_mentee, "active")

    async def ids(query: str) -> list[int]:
        response = await api.client.get(DEMANDE + query, headers=mentor.auth)
        assert response.status_code == 200, response.text
        return [m["id"] for m in response.json()]

    assert await ids("") == [as_mentor["id"], as_mentee["id"]]
    assert await ids("?role=mentor") == [as_mentor["id"]]
    assert await ids("?role=mentee") == [as_mentee["id"]]
    assert await ids("?status=pending") == [as_mentor["id"]]
    assert await ids("?status=active") == [as_mentee["id"]]
    assert await ids("?status=active&role=mentor") == []
    assert await ids("?status=rejected") == []
    assert await ids("?status=&role=") == [as_mentor["id"], as_mentee["id"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?status=bogus", "status"),
        ("?status=Pending", "status"),
        ("?status=inactive", "status"),
        ("?role=admin", "role"),
        ("?role=MENTOR", "role"),
    ],
)
async def test_an_unknown_status_or_role_filter_is_a_400(
    api: Api, mentee: Person, query: str, field: str
) -> None:
    assert_error(await api.client.get(DEMANDE + query, headers=mentee.auth), 400, field=field)


@pytest.mark.parametrize(
    ("answer", "status"), [("active", "active"), ("rejected", "rejected"), ("inactive", "rejected")]
)
async def test_the_mentor_answers_a_pending_request(
    api: Api, mentee: Person, mentor: Person, answer: str, status: str
) -> None:
    mentoring = await api.request(mentee, mentor)
    response = await api.respond(mentor, mentoring, answer)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == MENTORING_KEYS
    assert (body["id"], body["Status"]) == (mentoring["id"], status)


@pytest.mark.parametrize(
    "answer", ["accepted", "pending", "cancelled", "completed", "", "ACTIVE", 1, None]
)
async def test_any_other_answer_is_a_400(
    api: Api, mentee: Person, mentor: Person, answer: Any
) -> None:
    mentoring = await api.request(mentee, mentor)
    response = await api.client.patch(
        respond_path(mentoring), json={"status": answer}, headers=mentor.auth
    )
    assert_error(response, 400, field="status")


async def test_the_mentee_answering_its_own_request_is_a_403(
    api: Api, mentee: Person, mentor: Person
) -> None:
    mentoring = await api.request(mentee, mentor)
    assert_error(await api.respond(mentee, mentoring, "active"), 403)


async def test_a_stranger_answering_is_a_404_like_a_missing_request(
    api: Api, mentee: Person, mentor: Person
) -> None:
    mentoring = await api.request(mentee, mentor)
    stranger = await api.person("stranger", mentor=True)
    stranger_answer = await api.respond(stranger, mentoring, "active")
    missing_answer = await api.respond(stranger, {"id": mentoring["id"] + 100_000}, "active")
    assert_error(stranger_answer, 404)
    assert_error(missing_answer, 404)
    assert stranger_answer.json() == missing_answer.json()


async def test_answering_a_request_that_is_no_longer_pending_is_a_409(
    api: Api, mentee: Person, mentor: Person
) -> None:
    mentoring = await api.request(mentee, mentor)
    assert (await api.respond(mentor, mentoring, "active")).status_code == 200
    assert_error(await api.respond(mentor, mentoring, "rejected"), 409)
    assert_error(await api.respond(mentor, mentoring, "active"), 409)


async def test_of_two_simultaneous_answers_exactly_one_wins_and_the_other_is_a_409(
    api: Api, mentee: Person, mentor: Person
) -> None:
    mentoring = await api.request(mentee, mentor)
    answers = await asyncio.gather(
        api.respond(mentor, mentoring, "active"), api.respond(mentor, mentoring, "inactive")
    )
    assert sorted(a.status_code for a in answers) == [200, 409]


async def test_the_accepted_list_holds_only_mentorings_that_were_accepted(
    api: Api, mentee: Person, mentor: Person
) -> None:
    other = await api.person("mentor2", mentor=True)
    third = await api.person("mentor3", mentor=True)
    accepted = await api.accepted(mentee, mentor)
    await api.request(mentee, other)  # stays pending
    refused = await api.request(mentee, third)
    await api.respond(third, refused, "rejected")
    for who in (mentee, mentor):
        response = await api.client.get("/api/mentoring/", headers=who.auth)
        assert response.status_code == 200
        assert [m["id"] for m in response.json()] == [accepted["id"]]
        assert set(response.json()[0]) == LISTED_MENTORING_KEYS
    none = await api.client.get("/api/mentoring/", headers=third.auth)
    assert none.json() == []


async def test_progress_shows_both_people_and_how_far_the_mentoring_has_come(
    api: Api, mentee: Person, clock: ManualClock
) -> None:
    mentor = await api.person("mentor", mentor=True, phone_number="+33 6 11 22 33 44")
    bare_mentor = await api.person("bare", mentor=True)
    await api.system.mentorat.verify_user(mentor.username)
    clock.set(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    first = await api.accepted(mentee, mentor)
    second = await api.accepted(mentee, bare_mentor)
    await api.post(mentee, first["id"], "hello")
    response = await api.client.get("/api/mentorship/progress/", headers=mentee.auth)
    assert response.status_code == 200
    rows = response.json()
    assert [r["id"] for r in rows] == [first["id"], second["id"]]
    row = rows[0]
    assert {
        "id",
        "mentee_info",
        "mentor_info",
        "Start_Date",
        "End_Date",
        "Status",
        "Created_At",
        "Updated_At",
    } <= set(row)
    assert row["mentee_info"] == {
        "id": mentee.id,
        "username": mentee.username,
        "email": f"{mentee.username}@example.com",
        "first_name": "",
        "last_name": "",
    }
    assert row["mentor_info"] == {
        "id": mentor.id,
        "username": mentor.username,
        "phone_number": "+33 6 11 22 33 44",
        "is_verified": True,
    }
    assert rows[1]["mentor_info"]["phone_number"] == "Non disponible"
    assert rows[1]["mentor_info"]["is_verified"] is False
    assert (row["Status"], row["Start_Date"], row["End_Date"]) == (
        "active",
        "2025-01-01",
        "2025-12-31",
    )
    assert DATE.match(row["Start_Date"])
    assert TIMESTAMP.match(row["Created_At"])
    assert row["progress"] == {
        "total_days": 365,
        "elapsed_days": 59 + 1,
        "percent_elapsed": 16.4,
        "message_count": 1,
        "last_activity_at": "2025-03-01T09:00:00.000000Z",
        "goal_count": 0,
        "goals_done": 0,
        "percent_done": None,
    }
    as_mentor = await api.client.get("/api/mentorship/progress/", headers=mentor.auth)
    assert [r["id"] for r in as_mentor.json()] == [first["id"]]


async def test_progress_leaves_out_requests_that_were_never_accepted(
    api: Api, mentee: Person, mentor: Person
) -> None:
    await api.request(mentee, mentor)
    response = await api.client.get("/api/mentorship/progress/", headers=mentee.auth)
    assert response.json() == []
