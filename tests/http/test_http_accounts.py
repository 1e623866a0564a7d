"""Passwords and sessions: changing one's password, logging out, verifying a token, temporary
passwords set by an administrator, usernames under NFKC, the registration bound."""

from __future__ import annotations

from typing import Any

import pytest

from mentorat.adapters.memory.services import ManualClock
from tests.http.support import PASSWORD, Api, Person, assert_error, unique

WIRINGS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
pytestmark = pytest.mark.parametrize("wiring", WIRINGS)
NEW_PASSWORD = "a-new-password-2"
TOKEN_NOT_VALID = "token_not_valid"


async def change(api: Api, who: Person, current: str, new: str) -> Any:
    return await api.client.post(
        "/auth/me/password/",
        json={"current_password": current, "new_password": new},
        headers=who.auth,
    )


async def login(api: Api, username: str, password: str) -> Any:
    return await api.client.post("/auth/token/", json={"username": username, "password": password})


def assert_token_refused(response: Any, detail: str | None = None) -> None:
    assert_error(response, 401)
    assert response.json()["code"] == TOKEN_NOT_VALID
    if detail is not None:
        assert response.json()["detail"] == detail


# --- changing one's password ------------------------------------------------------------------


async def test_a_changed_password_answers_new_tokens_and_retires_the_old_ones(
    api: Api, clock: ManualClock
) -> None:
    person = await api.person()
    clock.advance(seconds=1)  # tokens carry their issue time in whole seconds
    response = await change(api, person, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 200, response.text
    pair = response.json()
    assert set(pair) == {"refresh", "access"}
    old_refresh = await api.client.post("/auth/token/refresh/", json={"refresh": person.refresh})
    assert_token_refused(old_refresh, "Token was issued before the password changed")
    assert_token_refused(await api.client.get("/auth/me/", headers=person.auth))
    fresh = {"Authorization": f"Bearer {pair['access']}"}
    assert (await api.client.get("/auth/me/", headers=fresh)).status_code == 200
    refreshed = await api.client.post("/auth/token/refresh/", json={"refresh": pair["refresh"]})
    assert refreshed.status_code == 200
    assert_error(await login(api, person.username, PASSWORD), 401)
    assert (await login(api, person.username, NEW_PASSWORD)).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"current_password": "wrong-one-1", "new_password": NEW_PASSWORD}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "short"}, "new_password"),
        ({"current_password": PASSWORD, "new_password": "12345678901"}, "new_password"),
        ({"current_password": PASSWORD, "new_password": PASSWORD}, "new_password"),
        ({"current_password": PASSWORD}, "new_password"),
        ({"new_password": NEW_PASSWORD}, "current_password"),
        ({"current_password": PASSWORD, "new_password": 12345678}, "new_password"),
    ],
    ids=["wrong current", "short", "numeric", "same", "no new", "no current", "not text"],
)
async def test_a_bad_password_change_is_a_400_naming_the_field_and_changes_nothing(
    api: Api, body: dict[str, Any], field: str
) -> None:
    person = await api.person()
    response = await api.client.post("/auth/me/password/", json=body, headers=person.auth)
    assert_error(response, 400, field=field)
    assert (await login(api, person.username, PASSWORD)).status_code == 200
    assert (await api.client.get("/auth/me/", headers=person.auth)).status_code == 200


async def test_a_wrong_current_password_names_it_in_words(api: Api) -> None:
    person = await api.person()
    response = await change(api, person, "wrong-one-1", NEW_PASSWORD)
    assert response.json() == {
        "detail": "Your current password was entered incorrectly.",
        "errors": [
            {
                "field": "current_password",
                "message": "Your current password was entered incorrectly.",
            }
        ],
    }


async def test_wrong_current_passwords_count_as_failed_logins(api: Api) -> None:
    person = await api.person()
    for _ in range(10):
        assert_error(await change(api, person, "wrong-one-1", NEW_PASSWORD), 400)
    throttled = await change(api, person, PASSWORD, NEW_PASSWORD)
    assert_error(throttled, 429)
    assert int(throttled.headers["retry-after"]) > 0


async def test_changing_a_password_needs_an_access_token(api: Api) -> None:
    response = await api.client.post(
        "/auth/me/password/", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert_error(response, 401)


# --- logging out ------------------------------------------------------------------------------


async def test_logging_out_spends_the_refresh_token(api: Api) -> None:
    person = await api.person()
    response = await api.client.post("/auth/logout/", json={"refresh": person.refresh})
    assert response.status_code == 200
    assert response.json() == {}
    again = await api.client.post("/auth/token/refresh/", json={"refresh": person.refresh})
    assert_token_refused(again, "Token is blacklisted")
    twice = await api.client.post("/auth/logout/", json={"refresh": person.refresh})
    assert_token_refused(twice, "Token is blacklisted")
    # The access token lives out its short life; a new login works.
    assert (await api.client.get("/auth/me/", headers=person.auth)).status_code == 200
    assert (await login(api, person.username, PASSWORD)).status_code == 200


async def test_logging_out_with_an_access_token_or_garbage_is_a_401(api: Api) -> None:
    person = await api.person()
    wrong_type = await api.client.post("/auth/logout/", json={"refresh": person.access})
    assert_token_refused(wrong_type, "Token has wrong type")
    assert_token_refused(await api.client.post("/auth/logout/", json={"refresh": "garbage"}))
    assert_error(await api.client.post("/auth/logout/", json={}), 400, field="refresh")


# --- verifying a token ------------------------------------------------------------------------


async def test_a_good_token_of_either_type_verifies_as_an_empty_object(api: Api) -> None:
    person = await api.person()
    for token in (person.access, person.refresh):
        response = await api.client.post("/auth/token/verify/", json={"token": token})
        assert response.status_code == 200
        assert response.json() == {}


async def test_a_token_that_would_be_refused_does_not_verify(api: Api, clock: ManualClock) -> None:
    person = await api.person()
    other = await api.person("other")
    verify = "/auth/token/verify/"
    assert_token_refused(await api.client.post(verify, json={"token": "not.a.token"}))
    assert_error(await api.client.post(verify, json={}), 400, field="token")
    assert_error(await api.client.post(verify, json={"token": 7}), 400, field="token")
    await api.client.post("/auth/logout/", json={"refresh": person.refresh})
    spent = await api.client.post(verify, json={"token": person.refresh})
    assert_token_refused(spent, "Token is blacklisted")
    clock.advance(seconds=1)
    assert (await change(api, other, PASSWORD, NEW_PASSWORD)).status_code == 200
    retired = await api.client.post(verify, json={"token": other.access})
    assert_token_refused(retired, "Token was issued before the password changed")
    clock.advance(minutes=6)
    expired = await api.client.post(verify, json={"token": person.access})
    assert_token_refused(expired, "Token is expired")


# --- temporary passwords ----------------------------------------------------------------------


async def test_a_temporary_password_must_be_changed_before_anything_else(
    api: Api, clock: ManualClock
) -> None:
    person = await api.person()
    clock.advance(seconds=1)
    await api.system.mentorat.set_temporary_password(person.username, "temporary-pass-1")
    assert_token_refused(await api.client.get("/auth/me/", headers=person.auth))
    response = await login(api, person.username, "temporary-pass-1")
    assert response.status_code == 200
    pair = response.json()
    assert pair["password_change_required"] is True
    held = {"Authorization": f"Bearer {pair['access']}"}
    refused = await api.client.get("/api/mentoring/", headers=held)
    assert_error(refused, 403)
    assert refused.json()["code"] == "password_change_required"
    assert (await api.client.get("/auth/me/", headers=held)).status_code == 200
    changed = await api.client.post(
        "/auth/me/password/",
        json={"current_password": "temporary-pass-1", "new_password": NEW_PASSWORD},
        headers=held,
    )
    assert changed.status_code == 200, changed.text
    assert "password_change_required" not in changed.json()
    fresh = {"Authorization": f"Bearer {changed.json()['access']}"}
    assert (await api.client.get("/api/mentoring/", headers=fresh)).status_code == 200
    after = await login(api, person.username, NEW_PASSWORD)
    assert "password_change_required" not in after.json()


# --- usernames --------------------------------------------------------------------------------


async def test_usernames_are_one_name_under_nfkc_and_case_folding(api: Api) -> None:
    name = unique("claire")
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name.upper())
    body = {"username": wide, "password": PASSWORD, "email": "c@example.com"}
    created = await api.client.post("/auth/register/", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["username"] == name.upper()
    taken = await api.client.post("/auth/register/", json={**body, "username": name})
    assert_error(taken, 409)
    assert (await login(api, name, PASSWORD)).status_code == 200
    assert (await login(api, wide, PASSWORD)).status_code == 200


@pytest.mark.parametrize("username", ["clаire", "pαul", "Иван_smith"], ids=["cy", "gr", "mixed"])
async def test_a_username_mixing_latin_with_cyrillic_or_greek_is_a_400(
    api: Api, username: str
) -> None:
    body = {"username": username, "password": PASSWORD, "email": "c@example.com"}
    response = await api.client.post("/auth/register/", json=body)
    assert_error(response, 400, field="username")


async def test_a_username_in_one_script_is_welcome(api: Api) -> None:
    for name in ("Иван", "Παύλος", "Zoë"):
        body = {"username": name, "password": PASSWORD, "email": "c@example.com"}
        assert (await api.client.post("/auth/register/", json=body)).status_code == 201


# --- the registration bound -------------------------------------------------------------------


@pytest.mark.parametrize("settings_overrides", [{"registration_max_per_address": 2}])
async def test_registrations_past_the_bound_of_an_address_are_a_429(
    api: Api, clock: ManualClock
) -> None:
    await api.person("a")
    await api.person("b")
    body = {"username": unique("c"), "password": PASSWORD, "email": "c@example.com"}
    refused = await api.client.post("/auth/register/", json=body)
    assert_error(refused, 429)
    assert refused.json()["detail"] == (
        "Too many accounts registered from this address. Try later."
    )
    wait = int(refused.headers["retry-after"])
    assert 0 < wait <= 3600
    clock.advance(seconds=wait)
    assert (await api.client.post("/auth/register/", json=body)).status_code == 201
