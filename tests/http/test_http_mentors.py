"""The directory, suggestions and capacity over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.http.support import Api, Person, assert_error

CARD_KEYS = {
    "id",
    "username",
    "first_name",
    "last_name",
    "is_verified",
    "bio",
    "skills",
    "languages",
    "timezone",
    "accepting_requests",
    "capacity",
    "active_mentees",
    "places_left",
    "median_answer_seconds",
}


async def a_mentor(api: Api, name: str = "mentor", **profile: Any) -> Person:
    mentor = await api.person(name, mentor=True, phone_number="+33 6 00 00 00 00")
    response = await api.client.patch("/auth/me/", json=profile, headers=mentor.auth)
    assert response.status_code == 200, response.text
    return mentor


def tag() -> str:
    """A skill no other test's mentor has, so that shared databases do not mix tests."""
    return f"t{uuid.uuid4().hex[:10]}"


async def test_a_card_shows_what_a_stranger_may_see_and_no_contact(api: Api) -> None:
    skill = tag()
    mentor = await a_mentor(api, skills=[skill], bio="Développeuse", languages=["fr"])
    stranger = await api.person("stranger")
    response = await api.client.get(f"/api/mentors/?skill={skill}", headers=stranger.auth)
    assert response.status_code == 200
    [card] = response.json()
    assert set(card) == CARD_KEYS
    assert (card["id"], card["skills"], card["places_left"]) == (mentor.id, [skill], 3)
    assert "Link" not in response.headers


async def test_a_search_ignores_accents_and_case_and_ranks_skills_first(api: Api) -> None:
    skill = tag()
    in_bio = await a_mentor(api, skills=[skill], bio=f"Je suis développeuse et {skill}-friendly")
    in_skills = await a_mentor(api, skills=[skill, "developpeuse"])
    caller = await api.person("caller")
    response = await api.client.get(
        "/api/mentors/", params={"q": f"DEVELOPPEUSE {skill}"}, headers=caller.auth
    )
    assert [c["id"] for c in response.json()] == [in_skills.id, in_bio.id]


async def test_filters_and_cursor_pages_with_link_headers(api: Api) -> None:
    skill = tag()
    mentors = [await a_mentor(api, f"m{i}", skills=[skill], languages=["es"]) for i in range(5)]
    caller = await api.person("caller")
    url: str | None = f"/api/mentors/?skill={skill}&language=ES&available=true&limit=2"
    seen: list[int] = []
    while url is not None:
        response = await api.client.get(url, headers=caller.auth)
        assert response.status_code == 200, response.text
        seen += [c["id"] for c in response.json()]
        link = response.headers.get("Link")
        url = None if link is None else link.split(";")[0].strip("<>")
        if url is not None:
            assert 'rel="next"' in link
            assert f"skill={skill}" in url
    assert seen == [m.id for m in mentors]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=x", "limit"),
        ("available=maybe", "available"),
        ("cursor=abc", "cursor"),
        ("language=xx", "language"),
        ("skill=a_b", "skill"),
        ("q=a+b+c+d+e+f+g+h+i", "q"),
        ("q=" + "x" * 201, "q"),
    ],
)
async def test_bad_directory_queries_are_a_400_naming_the_parameter(
    api: Api, query: str, field: str
) -> None:
    caller = await api.person("caller")
    response = await api.client.get(f"/api/mentors/?{query}", headers=caller.auth)
    assert_error(response, 400, field=field)


@pytest.mark.parametrize("path", ["/api/mentors/", "/api/mentors/suggested/"])
async def test_finding_mentors_needs_a_token(api: Api, path: str) -> None:
    assert_error(await api.client.get(path), 401)


async def test_suggestions_come_with_a_score_and_reasons(api: Api) -> None:
    wanted = [tag(), tag(), tag(), tag()]
    good = await a_mentor(
        api, skills=wanted[:3], languages=["fr"], timezone="Europe/Paris", capacity=2
    )
    mentee = await api.person("mentee")
    await api.client.patch(
        "/auth/me/",
        json={"wanted_skills": wanted, "languages": ["fr"], "timezone": "Europe/Berlin"},
        headers=mentee.auth,
    )
    response = await api.client.get("/api/mentors/suggested/", headers=mentee.auth)
    assert response.status_code == 200, response.text
    first = response.json()[0]
    assert first["mentor"]["id"] == good.id
    assert first["score"] == 37 + 15 + 15 + 7
    assert [r["code"] for r in first["reasons"]] == ["skills", "language", "timezone", "places"]
    assert first["reasons"][0]["text"].startswith("3 of 4 wanted skills")


async def test_a_mentor_one_already_asked_is_not_suggested_again(api: Api) -> None:
    wanted = tag()
    mentor = await a_mentor(api, skills=[wanted])
    mentee = await api.person("mentee")
    await api.client.patch("/auth/me/", json={"wanted_skills": [wanted]}, headers=mentee.auth)
    before = (await api.client.get("/api/mentors/suggested/", headers=mentee.auth)).json()
    assert before[0]["mentor"]["id"] == mentor.id
    await api.request(mentee, mentor)
    after = (await api.client.get("/api/mentors/suggested/", headers=mentee.auth)).json()
    assert mentor.id not in [s["mentor"]["id"] for s in after]


async def test_suggestions_limit_is_checked(api: Api) -> None:
    caller = await api.person("caller")
    response = await api.client.get("/api/mentors/suggested/?limit=11", headers=caller.auth)
    assert_error(response, 400, field="limit")


async def test_accepting_past_the_capacity_is_a_409_with_its_code(api: Api) -> None:
    mentor = await a_mentor(api, capacity=1)
    first, second = await api.person("a"), await api.person("b")
    await api.accepted(first, mentor)
    waiting = await api.request(second, mentor)
    response = await api.respond(mentor, waiting, "active")
    assert_error(response, 409)
    assert response.json()["code"] == "mentor_at_capacity"
    me = (await api.client.get("/auth/me/", headers=mentor.auth)).json()
    assert (me["active_mentees"], me["places_left"]) == (1, 0)
    # Refusing needs no place.
    assert (await api.respond(mentor, waiting, "rejected")).status_code == 200


async def test_a_mentor_not_accepting_requests_gets_none(api: Api) -> None:
    mentor = await a_mentor(api, accepting_requests=False)
    mentee = await api.person("mentee")
    response = await api.client.post(
        "/api/mentorship/demande/",
        json={"mentor_id": mentor.id, "Start_Date": "2025-01-01", "End_Date": "2025-02-01"},
        headers=mentee.auth,
    )
    assert_error(response, 409)
    assert response.json()["code"] == "mentor_not_accepting"


async def test_simultaneous_accepts_for_the_last_place_let_exactly_one_through(api: Api) -> None:
    mentor = await a_mentor(api, capacity=1)
    requests = [await api.request(await api.person(f"e{i}"), mentor) for i in range(4)]
    responses = await asyncio.gather(*(api.respond(mentor, r, "active") for r in requests))
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]


@pytest.mark.parametrize("ending", ["complete", "cancel"])
async def test_an_ended_mentoring_gives_its_place_back(api: Api, ending: str) -> None:
    mentor = await a_mentor(api, capacity=1)
    first, second = await api.person("a"), await api.person("b")
    active = await api.accepted(first, mentor)
    waiting = await api.request(second, mentor)
    ended = await api.client.post(f"/api/mentoring/{active['id']}/{ending}/", headers=first.auth)
    assert ended.status_code == 200, ended.text
    assert (await api.respond(mentor, waiting, "active")).status_code == 200
    me = (await api.client.get("/auth/me/", headers=mentor.auth)).json()
    assert (me["active_mentees"], me["places_left"]) == (1, 0)


@pytest.mark.parametrize("path", ["/api/mentors/", "/api/mentors/suggested/"])
async def test_the_directory_answers_the_same_without_its_trailing_slash(
    api: Api, path: str
) -> None:
    await a_mentor(api, skills=[tag()])
    caller = await api.person("caller")
    a = await api.client.get(path, headers=caller.auth, follow_redirects=False)
    b = await api.client.get(path.rstrip("/"), headers=caller.auth, follow_redirects=False)
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json()


async def test_patching_me_works_without_the_trailing_slash(api: Api) -> None:
    person = await api.person("p")
    response = await api.client.patch(
        "/auth/me", json={"bio": "sans slash"}, headers=person.auth, follow_redirects=False
    )
    assert response.status_code == 200
    assert response.json()["bio"] == "sans slash"
