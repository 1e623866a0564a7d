"""Accounts and tokens: register, log in, refresh, me, and every way a token can be wrong."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.http.support import (
    PASSWORD,
    PROFILE_KEYS,
    SECRET,
    USER_KEYS,
    Api,
    assert_error,
    bearer,
    forge,
    unique,
)

WRONG_LOGIN = {"detail": "No active account found with the given credentials"}


def registration(username: str, **extra: Any) -> dict[str, Any]:
    return {"username": username, "password": PASSWORD, "email": f"{username}@example.com", **extra}


async def test_registering_answers_201_with_the_user_object_and_no_password(
    client: AsyncTestClient[Any],
) -> None:
    name = unique("ada")
    response = await client.post(
        "/auth/register/",
        json=registration(name, first_name="Ada", last_name="Lovelace", phone_number="+33 6 12"),
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == USER_KEYS
    assert body["username"] == name
    assert body["first_name"] == "Ada"
    assert body["last_name"] == "Lovelace"
    assert body["phone_number"] == "+33 6 12"
    assert body["is_mentor"] is False
    assert body["is_verified"] is False
    assert isinstance(body["id"], int)
    assert PASSWORD not in response.text


async def test_a_registration_cannot_verify_itself_and_unknown_fields_are_ignored(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.post(
        "/auth/register/",
        json=registration(unique("eve"), is_verified=True, id=999999, is_staff=True),
    )
    assert response.status_code == 201
    assert response.json()["is_verified"] is False
    assert response.json()["id"] != 999999


async def test_a_username_taken_in_another_case_is_a_409(client: AsyncTestClient[Any]) -> None:
    name = unique("Grace")
    assert (await client.post("/auth/register/", json=registration(name))).status_code == 201
    assert_error(await client.post("/auth/register/", json=registration(name.upper())), 409)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "short1"}, "password"),
        ({"password": "1234567890"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"username": "has space"}, "username"),
        ({"username": "x" * 151}, "username"),
        ({"username": ""}, "username"),
        ({"phone_number": "call me"}, "phone_number"),
    ],
)
async def test_a_registration_breaking_a_rule_is_a_400_naming_the_field(
    client: AsyncTestClient[Any], change: dict[str, Any], field: str
) -> None:
    body = registration(unique("bad")) | change
    assert_error(await client.post("/auth/register/", json=body), 400, field=field)


async def test_logging_in_returns_a_refresh_and_an_access_token(api: Api) -> None:
    person = await api.person()
    response = await api.client.post(
        "/auth/token/", json={"username": person.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert set(response.json()) == {"refresh", "access"}


async def test_a_login_ignores_the_case_of_the_username(api: Api) -> None:
    person = await api.person("Case")
    response = await api.client.post(
        "/auth/token/", json={"username": person.username.lower(), "password": PASSWORD}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["wrong password", "unknown user"])
async def test_a_wrong_login_is_a_401_with_simplejwts_exact_message(api: Api, who: str) -> None:
    person = await api.person()
    username = person.username if who == "wrong password" else unique("nobody")
    response = await api.client.post(
        "/auth/token/", json={"username": username, "password": "not-the-password"}
    )
    assert_error(response, 401)
    assert response.json()["detail"] == WRONG_LOGIN["detail"]


async def test_a_deactivated_user_can_neither_log_in_nor_use_a_token_it_already_has(
    api: Api,
) -> None:
    person = await api.person()
    await api.system.mentorat.deactivate_user(person.username)
    login = await api.client.post(
        "/auth/token/", json={"username": person.username, "password": PASSWORD}
    )
    assert_error(login, 401)
    assert login.json()["detail"] == WRONG_LOGIN["detail"]
    assert_error(await api.client.get("/auth/me/", headers=person.auth), 401)
    refresh = await api.client.post("/auth/token/refresh/", json={"refresh": person.refresh})
    assert_error(refresh, 401)


async def test_a_refresh_token_buys_a_new_access_token_that_works(api: Api) -> None:
    person = await api.person()
    response = await api.client.post("/auth/token/refresh/", json={"refresh": person.refresh})
    assert response.status_code == 200
    assert set(response.json()) == {"access"}
    me = await api.client.get("/auth/me/", headers=bearer(response.json()["access"]))
    assert me.status_code == 200
    assert me.json()["id"] == person.id


@pytest.mark.parametrize("token", ["access", "garbage"])
async def test_refreshing_with_anything_but_a_refresh_token_is_a_401(api: Api, token: str) -> None:
    person = await api.person()
    value = person.access if token == "access" else "not.a.token"
    assert_error(await api.client.post("/auth/token/refresh/", json={"refresh": value}), 401)


async def test_me_returns_the_callers_user_object(api: Api) -> None:
    person = await api.person("me", mentor=True)
    response = await api.client.get("/auth/me/", headers=person.auth)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == USER_KEYS | PROFILE_KEYS
    assert (body["id"], body["username"], body["is_mentor"]) == (person.id, person.username, True)


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a b", "bearer"],
)
async def test_missing_or_malformed_credentials_are_a_401_with_www_authenticate(
    client: AsyncTestClient[Any], header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    assert_error(await client.get("/auth/me/", headers=headers), 401)


async def test_the_bearer_scheme_is_case_insensitive(api: Api) -> None:
    person = await api.person()
    response = await api.client.get(
        "/auth/me/", headers={"Authorization": f"bearer {person.access}"}
    )
    assert response.status_code == 200


def _bad_tokens(user_id: int) -> dict[str, str]:
    return {
        "refresh token used as access": forge(user_id, token_type="refresh"),
        "alg none": forge(user_id, key="", algorithm="none"),
        "HS512": forge(user_id, algorithm="HS512"),
        "bad signature": forge(user_id, key="another-signing-key-0123456789abcdefghijk"),
        "expired": forge(user_id, exp=1_600_000_000),
        "no token_type": forge(user_id, drop=("token_type",)),
        "no exp": forge(user_id, drop=("exp",)),
        "no iat": forge(user_id, drop=("iat",)),
        "no jti": forge(user_id, drop=("jti",)),
        "no user_id": forge(user_id, drop=("user_id",)),
        "unknown user": forge(user_id + 10_000),
        "user_id beyond 64 bits": forge(2**70),
        "user_id not digits": forge(f"{user_id}abc"),
        "user_id a boolean": forge(True),
        "user_id zero": forge(0),
        "tampered payload": _tampered(forge(user_id)),
        "not a JWT": "abc.def.ghi",
        "two dots only": "..",
    }


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    return ".".join([header, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB"), signature])


BAD_TOKEN_KINDS = list(_bad_tokens(1))


@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
async def test_a_bad_access_token_is_a_401_with_www_authenticate(api: Api, kind: str) -> None:
    person = await api.person()
    token = _bad_tokens(person.id)[kind]
    assert_error(await api.client.get("/auth/me/", headers=bearer(token)), 401)


@pytest.mark.parametrize("user_id", ["int", "digit string"])
async def test_an_access_token_minted_elsewhere_with_the_shared_key_is_accepted(
    api: Api, user_id: str
) -> None:
    person = await api.person()
    token = forge(person.id if user_id == "int" else str(person.id), key=SECRET)
    response = await api.client.get("/auth/me/", headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["id"] == person.id


@pytest.mark.parametrize(
    "body",
    [{}, {"username": "x"}, {"password": "x"}, {"username": 1, "password": "x"}, []],
)
async def test_a_login_without_a_username_and_a_password_string_is_a_400(
    client: AsyncTestClient[Any], body: Any
) -> None:
    assert_error(await client.post("/auth/token/", json=body), 400)
