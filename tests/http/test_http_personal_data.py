"""Each person's data: exported as one document, erased so that no table holds it any more."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import pytest

from tests.http.support import PASSWORD, Api, Person, assert_error

WIRINGS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# What only the erased person's data holds: none of it may be left anywhere afterwards.
DETAILS = {
    "first_name": "Quintessa",
    "last_name": "Vandermolen",
    "phone_number": "+33 6 12 34 56 78",
}
BIO = "Loves xylophones and zeppelins"
SKILLS = ["origami", "kitesurfing"]
MESSAGE = "my secret plan involves pineapples"
ERASED = "[message deleted]"


async def a_person_with_a_history(api: Api, mentor: Person) -> tuple[Person, dict[str, Any]]:
    """A mentee with a full profile, an active mentoring with messages both ways and a goal,
    and a pending request to a second mentor."""
    person = await api.person("quintessa", **DETAILS)
    edited = await api.client.patch(
        "/auth/me/", json={"bio": BIO, "skills": SKILLS}, headers=person.auth
    )
    assert edited.status_code == 200, edited.text
    accepted = await api.accepted(person, mentor)
    assert (await api.post(person, accepted["id"], MESSAGE)).status_code == 201
    assert (await api.post(mentor, accepted["id"], "the mentor's answer")).status_code == 201
    goal = await api.client.post(
        f"/api/mentoring/{accepted['id']}/goals/",
        json={"title": "Fold a crane"},
        headers=person.auth,
    )
    assert goal.status_code == 201, goal.text
    await api.request(person, await api.person("second", mentor=True))
    return person, accepted


async def erase(api: Api, who: Person, password: str | None = PASSWORD) -> Any:
    body = {} if password is None else {"password": password}
    return await api.client.request("DELETE", "/auth/me/", json=body, headers=who.auth)


@pytest.mark.parametrize("wiring", WIRINGS)
async def test_the_export_holds_everything_about_the_caller_and_nothing_of_others(
    api: Api, mentor: Person
) -> None:
    person, accepted = await a_person_with_a_history(api, mentor)
    response = await api.client.get("/auth/me/export/", headers=person.auth)
    assert response.status_code == 200, response.text
    export = response.json()
    assert set(export) == {
        "exported_at",
        "profile",
        "account",
        "mentorings",
        "messages",
        "goals",
        "audit",
        "events",
    }
    # The outbox's events addressed to the person, oldest first, as the event stream sends them.
    assert [e["event"] for e in export["events"]] == [
        "mentoring_requested",
        "mentoring_accepted",
        "message_posted",
        "message_posted",
        "goal_added",
        "mentoring_requested",
    ]
    posted = [e["data"]["message"]["message"] for e in export["events"][2:4]]
    assert MESSAGE in posted
    assert export["profile"]["bio"] == BIO
    assert export["profile"]["skills"] == SKILLS
    assert export["account"]["phone_number"] == DETAILS["phone_number"]
    assert export["account"]["id"] == person.id
    assert [m["Status"] for m in export["mentorings"]] == ["active", "pending"]
    assert [m["message"] for m in export["messages"]] == [MESSAGE]
    assert export["messages"][0]["mentoring_id"] == accepted["id"]
    assert [g["title"] for g in export["goals"]] == ["Fold a crane"]
    assert PASSWORD not in response.text
    assert "argon2" not in response.text  # no hash either
    again = await api.client.get("/auth/me/export/", headers=person.auth)
    assert [e["action"] for e in again.json()["audit"]] == ["data_exported"]
    assert_error(await api.client.get("/auth/me/export/"), 401)


@pytest.mark.parametrize("wiring", WIRINGS)
async def test_erasure_needs_the_password(api: Api) -> None:
    person = await api.person()
    assert_error(await erase(api, person, "wrong-password"), 400, field="password")
    assert_error(await erase(api, person, None), 400, field="password")
    assert (await api.client.get("/auth/me/", headers=person.auth)).status_code == 200


@pytest.mark.parametrize("wiring", WIRINGS)
async def test_an_erased_person_is_gone_and_the_others_keep_the_shape_of_their_history(
    api: Api, mentor: Person
) -> None:
    person, accepted = await a_person_with_a_history(api, mentor)
    response = await erase(api, person)
    assert response.status_code == 204, response.text
    assert_error(await api.client.get("/auth/me/", headers=person.auth), 401)
    login = {"username": person.username, "password": PASSWORD}
    assert_error(await api.client.post("/auth/token/", json=login), 401)
    refresh = await api.client.post("/auth/token/refresh/", json={"refresh": person.refresh})
    assert_error(refresh, 401)
    chat = await api.client.get(
        f"/api/mentoring/chat/{accepted['id']}/messages/", headers=mentor.auth
    )
    assert [m["message"] for m in chat.json()] == [ERASED, "the mentor's answer"]
    assert chat.json()[0]["sender_id"] == str(person.id)
    requests = await api.client.get("/api/mentorship/demande/", headers=mentor.auth)
    assert [m["Status"] for m in requests.json()] == ["cancelled"]
    # The name is free again.
    again = await api.client.post(
        "/auth/register/",
        json={"username": person.username, "password": PASSWORD, "email": "new@example.com"},
    )
    assert again.status_code == 201


@pytest.mark.parametrize("wiring", DATABASES)
async def test_after_erasure_no_table_holds_the_person_s_details_or_words(
    api: Api, mentor: Person
) -> None:
    person, _ = await a_person_with_a_history(api, mentor)
    email = f"{person.username}@example.com"
    await api.client.post("/auth/token/", json={"username": person.username, "password": "no"})
    url = api.system.settings.database_url
    secrets = [email, person.username, BIO, MESSAGE, *DETAILS.values(), *SKILLS]
    before = dump(url).lower()
    assert all(s.lower() in before for s in secrets), "the dump finds what it looks for"
    assert (await erase(api, person)).status_code == 204
    after = dump(url).lower()
    found = [s for s in secrets if s.lower() in after]
    assert found == []
    words = [w for w in (*BIO.split(), *MESSAGE.split()) if len(w) > 5]
    assert [w for w in words if w.lower() in after] == []


def dump(url: str) -> str:
    """Every value of every column of every table, as text (blobs decoded as Latin-1)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        with sqlite3.connect(path) as conn:
            # The rows only: the schema names columns (a webhook's `secret`) that are no data.
            text = "\n".join(line for line in conn.iterdump() if line.startswith("INSERT"))
            tables = [
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            values = [
                value
                for table in tables
                for row in conn.execute(f'SELECT * FROM "{table}"')
                for value in row
            ]
        return text + "\n" + "\n".join(_text(v) for v in values)
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public'"
            " AND data_type IN ('text', 'character varying', 'character', 'bytea', 'tsvector',"
            " 'jsonb', 'json', 'ARRAY')"
        ).fetchall()
        values = [
            value
            for table, column in columns
            for (value,) in conn.execute(f'SELECT "{column}"::text FROM "{table}"').fetchall()
        ]
    return "\n".join(_text(v) for v in values)


def _text(value: object) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)
