"""The main flows end to end through the API, on every wiring including PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from tests.http.support import MENTORING_KEYS, PASSWORD, Api, assert_error, links

WIRINGS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("wiring", WIRINGS)
async def test_a_mentee_and_a_mentor_go_from_request_to_chat_to_progress(api: Api) -> None:
    mentee = await api.person("mentee")
    mentor = await api.person("mentor", mentor=True)
    stranger = await api.person("stranger")

    mentoring = await api.request(mentee, mentor)
    assert mentoring["Status"] == "pending"
    received = await api.client.get("/api/mentorship/demande/?role=mentor", headers=mentor.auth)
    assert [m["id"] for m in received.json()] == [mentoring["id"]]

    assert_error(await api.respond(mentee, mentoring, "active"), 403)
    assert_error(await api.respond(stranger, mentoring, "active"), 404)
    accepted = await api.respond(mentor, mentoring, "active")
    assert accepted.status_code == 200
    assert set(accepted.json()) == MENTORING_KEYS
    assert accepted.json()["Status"] == "active"
    assert_error(await api.respond(mentor, mentoring, "rejected"), 409)

    for n in range(7):
        who = mentee if n % 2 == 0 else mentor
        assert (await api.post(who, mentoring["id"], f" message {n} ")).status_code == 201
    chat = f"/api/mentoring/chat/{mentoring['id']}/messages/"
    page = await api.client.get(chat, params={"limit": 5}, headers=mentor.auth)
    assert [m["message"] for m in page.json()] == [f"message {n}" for n in range(2, 7)]
    assert [m["sender_id"] for m in page.json()][:2] == [str(mentee.id), str(mentor.id)]
    older = await api.client.get(links(page)["prev"], headers=mentor.auth)
    assert [m["message"] for m in older.json()] == ["message 0", "message 1"]
    assert set(links(older)) == {"next"}
    assert_error(await api.client.get(chat, headers=stranger.auth), 404)

    for who in (mentee, mentor):
        listed = await api.client.get("/api/mentoring/", headers=who.auth)
        assert [m["id"] for m in listed.json()] == [mentoring["id"]]
        progress = await api.client.get("/api/mentorship/progress/", headers=who.auth)
        row = progress.json()[0]
        assert row["mentee_info"]["id"] == mentee.id
        assert row["mentor_info"] == {
            "id": mentor.id,
            "username": mentor.username,
            "phone_number": "Non disponible",
            "is_verified": False,
        }
        assert row["progress"]["message_count"] == 7
    assert (await api.client.get("/api/mentorship/progress/", headers=stranger.auth)).json() == []

    login = await api.client.post(
        "/auth/token/", json={"username": mentee.username.upper(), "password": PASSWORD}
    )
    refreshed = await api.client.post(
        "/auth/token/refresh/", json={"refresh": login.json()["refresh"]}
    )
    me = await api.client.get(
        "/auth/me/", headers={"Authorization": f"Bearer {refreshed.json()['access']}"}
    )
    assert me.json()["id"] == mentee.id


@pytest.mark.parametrize("wiring", WIRINGS)
async def test_simultaneous_answers_and_duplicate_requests_resolve_to_one_winner(api: Api) -> None:
    mentee = await api.person("mentee")
    mentor = await api.person("mentor", mentor=True)
    mentoring = await api.request(mentee, mentor)
    answers = await asyncio.gather(
        *(api.respond(mentor, mentoring, s) for s in ("active", "rejected", "inactive", "active"))
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]

    other = await api.person("mentor2", mentor=True)
    body = {"mentor_id": other.id, "Start_Date": "2025-01-01", "End_Date": "2025-03-01"}
    twins = await asyncio.gather(
        *(
            api.client.post("/api/mentorship/demande/", json=body, headers=mentee.auth)
            for _ in range(3)
        )
    )
    assert sorted(t.status_code for t in twins) == [201, 409, 409]
