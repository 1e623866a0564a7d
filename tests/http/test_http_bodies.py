"""Request bodies and path ids: strict JSON, no coercion, size and type limits, no 500 ever."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from tests.http.support import Api, Person, assert_error

JSON = {"Content-Type": "application/json"}
GOOD_REQUEST = {"mentor_id": 1, "Start_Date": "2025-01-01", "End_Date": "2025-12-31"}


def request_body(mentor: Person, **change: Any) -> dict[str, Any]:
    return {**GOOD_REQUEST, "mentor_id": mentor.id, **change}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mentor_id": "5"}, "mentor_id"),
        ({"mentor_id": True}, "mentor_id"),
        ({"mentor_id": 5.0}, "mentor_id"),
        ({"mentor_id": None}, "mentor_id"),
        ({"mentor_id": [5]}, "mentor_id"),
        ({"mentor_id": 0}, "mentor_id"),
        ({"mentor_id": -3}, "mentor_id"),
        ({"mentor_id": 2**63}, "mentor_id"),
        ({"mentor_id": 10**30}, "mentor_id"),
        ({"mentee_id": "1"}, "mentee_id"),
        ({"Start_Date": "2025-02-30"}, "Start_Date"),
        ({"Start_Date": "2025-1-1"}, "Start_Date"),
        ({"Start_Date": "01/01/2025"}, "Start_Date"),
        ({"Start_Date": 20250101}, "Start_Date"),
        ({"End_Date": "2025-13-01"}, "End_Date"),
        ({"End_Date": "2025-12-31T00:00:00"}, "End_Date"),
        ({"End_Date": None}, "End_Date"),
    ],
)
async def test_a_wrong_type_or_an_unreal_date_is_a_400_naming_the_field(
    api: Api, mentee: Person, mentor: Person, change: dict[str, Any], field: str
) -> None:
    response = await api.client.post(
        "/api/mentorship/demande/", json=request_body(mentor, **change), headers=mentee.auth
    )
    assert_error(response, 400, field=field)


@pytest.mark.parametrize("missing", ["mentor_id", "Start_Date", "End_Date"])
async def test_a_missing_field_is_a_400_naming_it(
    api: Api, mentee: Person, mentor: Person, missing: str
) -> None:
    body = request_body(mentor)
    del body[missing]
    response = await api.client.post("/api/mentorship/demande/", json=body, headers=mentee.auth)
    assert_error(response, 400, field=missing)


USER = {"username": "u", "password": "longenough1", "email": "a@b.co"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/auth/register/", {**USER, "username": 5}),
        ("/auth/register/", {**USER, "password": 12345678}),
        ("/auth/register/", {**USER, "email": ["a@b.co"]}),
        ("/auth/register/", {**USER, "is_mentor": "true"}),
        ("/auth/register/", {**USER, "is_mentor": 1}),
        ("/auth/register/", {**USER, "first_name": None}),
        ("/auth/register/", {**USER, "phone_number": 612345678}),
        ("/auth/token/", {"username": "u", "password": None}),
        ("/auth/token/refresh/", {"refresh": 1}),
    ],
)
async def test_no_value_is_coerced_into_the_type_a_field_wants(
    client: AsyncTestClient[Any], path: str, body: dict[str, Any]
) -> None:
    assert_error(await client.post(path, json=body), 400)


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"username": "u",}',
        b'{"a": 1} trailing',
        b"[1, 2]",
        b'"a string"',
        b"42",
        b"null",
        b"true",
        b'{"username": "\\ud800"}',
        '{"username": "caf\xe9"}'.encode("latin-1"),
        b"\xff\xfe{",
    ],
)
async def test_a_body_that_is_not_one_json_object_is_a_400(
    client: AsyncTestClient[Any], raw: bytes
) -> None:
    response = await client.post("/auth/register/", content=raw, headers=JSON)
    assert_error(response, 400)


async def test_an_empty_body_is_a_400(client: AsyncTestClient[Any]) -> None:
    assert_error(await client.post("/auth/register/", content=b"", headers=JSON), 400, field="body")


@pytest.mark.parametrize("depth", [64, 5_000, 30_000])
async def test_deeply_nested_json_is_a_400_never_a_500(
    client: AsyncTestClient[Any], depth: int
) -> None:
    nested = b"[" * depth + b"]" * depth
    for raw in (
        b'{"username": ' + nested + b', "password": "longenough1", "email": "a@b.co"}',
        b'{"extra": ' + nested + b', "username": "u", "password": "p", "email": "e"}',
        nested,
    ):
        response = await client.post("/auth/register/", content=raw, headers=JSON)
        assert response.status_code in (400, 413), response.text
        assert "detail" in response.json()


async def test_a_nul_character_in_a_string_is_a_400(client: AsyncTestClient[Any]) -> None:
    raw = b'{"username": "nul", "password": "longenough1", "email": "a@b.co", "first_name": '
    raw += b'"a\\u0000b"}'
    assert_error(
        await client.post("/auth/register/", content=raw, headers=JSON), 400, field="first_name"
    )


async def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(
    client: AsyncTestClient[Any],
) -> None:
    raw = b'{"username": "slash", "password": "longenough1", "email": "a@b.co", "first_name": '
    raw += b'"a\\\\u0000b"}'
    response = await client.post("/auth/register/", content=raw, headers=JSON)
    assert response.status_code == 201
    assert response.json()["first_name"] == "a\\u0000b"


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/json; charset=latin-1",
        "json",
    ],
)
async def test_a_body_that_is_not_sent_as_json_is_a_415(
    client: AsyncTestClient[Any], content_type: str | None
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    raw = b'{"username": "u", "password": "longenough1", "email": "a@b.co"}'
    response = await client.post("/auth/register/", content=raw, headers=headers)
    assert response.status_code == 415, response.text
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/vnd.api+json",
    ],
)
async def test_json_media_types_with_or_without_utf8_charset_are_accepted(
    client: AsyncTestClient[Any], content_type: str
) -> None:
    raw = b'{"username": "ct_%d", "password": "longenough1", "email": "a@b.co"}' % len(content_type)
    response = await client.post(
        "/auth/register/", content=raw, headers={"Content-Type": content_type}
    )
    assert response.status_code == 201, response.text


async def test_a_body_over_64_kib_is_a_413(client: AsyncTestClient[Any]) -> None:
    raw = b'{"username": "' + b"a" * (64 * 1024) + b'"}'
    response = await client.post("/auth/register/", content=raw, headers=JSON)
    assert_error(response, 413)


async def test_a_chunked_body_over_64_kib_without_content_length_is_a_413_while_reading(
    client: AsyncTestClient[Any],
) -> None:
    # The test client reads a whole body before sending it, so speak ASGI directly: 40 chunks
    # of 4 KiB, no Content-Length, as a server hands over a chunked upload.
    pending = [{"type": "http.request", "body": b"a" * 4096, "more_body": True} for _ in range(40)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/auth/register/",
        "raw_path": b"/auth/register/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {},
    }
    await client.app(scope, receive, send)  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert msgspec.json.decode(body)["detail"]
    assert len(pending) > 20, "the body was read to its end instead of being cut at 64 KiB"


async def test_a_body_of_exactly_64_kib_is_read(client: AsyncTestClient[Any]) -> None:
    head = b'{"username": "big_body", "password": "longenough1", "email": "a@b.co", "pad": "'
    raw = head + b"x" * (64 * 1024 - len(head) - 2) + b'"}'
    assert len(raw) == 64 * 1024
    response = await client.post("/auth/register/", content=raw, headers=JSON)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "raw_id",
    [
        "abc",
        "0",
        "-1",
        "1.5",
        "1e3",
        "99999999999999999999999",
        "9223372036854775808",
        "１",
        "1_0",
        "%201",
    ],
)
async def test_an_id_in_a_path_that_is_not_a_positive_64_bit_integer_is_a_404(
    api: Api, mentee: Person, raw_id: str
) -> None:
    chat = f"/api/mentoring/chat/{raw_id}/messages/"
    respond = f"/api/mentoring/requests/{raw_id}/respond/"
    assert_error(await api.client.get(chat, headers=mentee.auth), 404)
    assert_error(await api.client.post(chat, json={"message": "hi"}, headers=mentee.auth), 404)
    assert_error(
        await api.client.patch(respond, json={"status": "active"}, headers=mentee.auth), 404
    )


async def test_the_largest_64_bit_id_is_simply_not_found(api: Api, mentee: Person) -> None:
    path = f"/api/mentoring/chat/{2**63 - 1}/messages/"
    assert_error(await api.client.get(path, headers=mentee.auth), 404)


UNSTORABLE = "Null characters and unpaired surrogates are not allowed in this field."


def invalid_field(response: Any, field: str) -> None:
    assert_error(response, 400, field=field)
    assert response.json() == {
        "detail": UNSTORABLE,
        "errors": [{"field": field, "message": UNSTORABLE}],
    }


@pytest.mark.parametrize(
    "raw",
    [
        rb'{"message": "\ud800"}',
        rb'{"message": "a \uDC00 b"}',
        rb'{"message": "\ud83d\ud83d"}',
        rb'{"message": "ok \ud83d"}',
    ],
)
async def test_a_lone_surrogate_in_a_message_is_a_400_naming_message(
    api: Api, mentee: Person, mentor: Person, raw: bytes
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    response = await api.client.post(
        f"/api/mentoring/chat/{mentoring['id']}/messages/",
        content=raw,
        headers={**mentee.auth, **JSON},
    )
    invalid_field(response, "message")


@pytest.mark.parametrize(
    ("path", "raw", "field"),
    [
        ("/auth/register/", rb'{"username": "a\udfff", "password": "p", "email": "e"}', "username"),
        ("/auth/token/", rb'{"username": "\ud800", "password": "p"}', "username"),
        ("/auth/token/", rb'{"username": "u", "password": "\ud800"}', "password"),
        ("/auth/token/refresh/", rb'{"refresh": "\udc00"}', "refresh"),
    ],
)
async def test_a_lone_surrogate_in_any_string_field_is_a_400_naming_it(
    api: Api, path: str, raw: bytes, field: str
) -> None:
    invalid_field(await api.client.post(path, content=raw, headers=JSON), field)


async def test_a_lone_surrogate_in_a_list_names_its_place(api: Api, mentee: Person) -> None:
    raw = rb'{"bio": "ok", "skills": ["python", "\ud800"]}'
    response = await api.client.patch("/auth/me/", content=raw, headers={**mentee.auth, **JSON})
    invalid_field(response, "skills[1]")


@pytest.mark.parametrize(
    "raw",
    [rb'{"\ud800": 1, "message": "hi"}', rb'"\ud800"', rb'{"message": "\ud800"'],
)
async def test_a_lone_surrogate_elsewhere_or_in_broken_json_names_the_body(
    api: Api, mentee: Person, mentor: Person, raw: bytes
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    response = await api.client.post(
        f"/api/mentoring/chat/{mentoring['id']}/messages/",
        content=raw,
        headers={**mentee.auth, **JSON},
    )
    assert_error(response, 400, field="body")
