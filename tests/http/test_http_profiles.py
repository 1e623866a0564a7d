"""GET and PATCH /auth/me/: one's details and profile, and every refusal by field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.http.support import PROFILE_KEYS, USER_KEYS, Api, assert_error


async def test_a_new_mentor_has_the_empty_profile_with_three_places(api: Api) -> None:
    mentor = await api.person("mentor", mentor=True)
    body = (await api.client.get("/auth/me/", headers=mentor.auth)).json()
    assert set(body) == USER_KEYS | PROFILE_KEYS
    assert {k: body[k] for k in PROFILE_KEYS} == {
        "bio": "",
        "skills": [],
        "wanted_skills": [],
        "languages": [],
        "timezone": None,
        "capacity": 3,
        "accepting_requests": True,
        "active_mentees": 0,
        "places_left": 3,
        "email_notifications": True,
    }


async def test_a_mentee_has_no_capacity_settings(api: Api) -> None:
    mentee = await api.person("mentee")
    body = (await api.client.get("/auth/me/", headers=mentee.auth)).json()
    assert (body["capacity"], body["accepting_requests"], body["places_left"]) == (None, None, None)


async def test_patch_changes_only_the_fields_sent_and_normalises_them(api: Api) -> None:
    mentor = await api.person("mentor", mentor=True, phone_number="+33 6 12 34 56 78")
    response = await api.client.patch(
        "/auth/me/",
        json={
            "first_name": "  Claire ",
            "bio": "Développeuse Python.",
            "skills": ["Python", " Machine   Learning ", "python", "C++"],
            "languages": ["FR", "en"],
            "timezone": "Europe/Paris",
            "capacity": 5,
        },
        headers=mentor.auth,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["first_name"] == "Claire"
    assert body["phone_number"] == "+33 6 12 34 56 78"
    assert body["skills"] == ["python", "machine learning", "c++"]
    assert body["languages"] == ["fr", "en"]
    assert (body["timezone"], body["capacity"], body["places_left"]) == ("Europe/Paris", 5, 5)
    again = (await api.client.get("/auth/me/", headers=mentor.auth)).json()
    assert again == body


async def test_null_clears_the_phone_number_and_the_timezone(api: Api) -> None:
    person = await api.person("p", phone_number="+33 6 12 34 56 78")
    await api.client.patch("/auth/me/", json={"timezone": "Asia/Tokyo"}, headers=person.auth)
    response = await api.client.patch(
        "/auth/me/", json={"phone_number": None, "timezone": None}, headers=person.auth
    )
    assert (response.json()["phone_number"], response.json()["timezone"]) == (None, None)


async def test_an_empty_patch_changes_nothing(api: Api) -> None:
    person = await api.person("p")
    before = (await api.client.get("/auth/me/", headers=person.auth)).json()
    response = await api.client.patch("/auth/me/", json={}, headers=person.auth)
    assert response.status_code == 200
    assert response.json() == before


BAD_VALUES: list[tuple[dict[str, Any], str]] = [
    ({"bio": "x" * 2001}, "bio"),
    ({"bio": 5}, "bio"),
    ({"skills": "python"}, "skills"),
    ({"skills": [""]}, "skills"),
    ({"skills": ["a" * 51]}, "skills"),
    ({"skills": ["c,d"]}, "skills"),
    ({"skills": ["under_score"]}, "skills"),
    ({"skills": [f"s{i}" for i in range(31)]}, "skills"),
    ({"wanted_skills": ["%"]}, "wanted_skills"),
    ({"languages": ["french"]}, "languages"),
    ({"languages": ["xx"]}, "languages"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"timezone": 1}, "timezone"),
    ({"capacity": -1}, "capacity"),
    ({"capacity": 51}, "capacity"),
    ({"capacity": "3"}, "capacity"),
    ({"accepting_requests": "yes"}, "accepting_requests"),
    ({"email": "not-an-email"}, "email"),
    ({"first_name": "x" * 151}, "first_name"),
    ({"phone_number": "call me"}, "phone_number"),
    ({"is_verified": True}, "is_verified"),
    ({"is_mentor": False}, "is_mentor"),
    ({"username": "someone"}, "username"),
    ({"password": "new-password-1"}, "password"),
    ({"bio": "nul\x00"}, "bio"),
]


@pytest.mark.parametrize(("body", "field"), BAD_VALUES)
async def test_every_bad_value_is_a_400_naming_its_field_and_nothing_changes(
    api: Api, body: dict[str, Any], field: str
) -> None:
    mentor = await api.person("mentor", mentor=True)
    before = (await api.client.get("/auth/me/", headers=mentor.auth)).json()
    response = await api.client.patch(
        "/auth/me/", json={"bio": "kept?", **body}, headers=mentor.auth
    )
    assert_error(response, 400, field=field)
    assert (await api.client.get("/auth/me/", headers=mentor.auth)).json() == before


@pytest.mark.parametrize("field", ["capacity", "accepting_requests"])
async def test_a_mentee_cannot_set_a_mentors_settings(api: Api, field: str) -> None:
    mentee = await api.person("mentee")
    value = 2 if field == "capacity" else False
    response = await api.client.patch("/auth/me/", json={field: value}, headers=mentee.auth)
    assert_error(response, 400, field=field)


async def test_patching_me_needs_a_token(api: Api) -> None:
    assert_error(await api.client.patch("/auth/me/", json={"bio": "x"}), 401)


async def test_a_body_that_is_not_an_object_is_a_400(api: Api) -> None:
    person = await api.person("p")
    response = await api.client.patch("/auth/me/", json=["bio"], headers=person.auth)
    assert_error(response, 400)


async def test_email_notifications_are_turned_off_and_on_by_patch(api: Api) -> None:
    mentee = await api.person("mentee")
    off = await api.client.patch(
        "/auth/me/", json={"email_notifications": False}, headers=mentee.auth
    )
    assert off.status_code == 200
    assert off.json()["email_notifications"] is False
    shown = (await api.client.get("/auth/me/", headers=mentee.auth)).json()
    assert shown["email_notifications"] is False
    again = await api.client.patch("/auth/me/", json={"bio": "hi"}, headers=mentee.auth)
    assert again.json()["email_notifications"] is False
    on = await api.client.patch(
        "/auth/me/", json={"email_notifications": True}, headers=mentee.auth
    )
    assert on.json()["email_notifications"] is True
    wrong = await api.client.patch(
        "/auth/me/", json={"email_notifications": "no"}, headers=mentee.auth
    )
    assert wrong.status_code == 400
