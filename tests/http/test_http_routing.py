"""Paths with and without their slash, unknown paths and methods, health, OpenAPI, CORS."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from mentorat.bootstrap import System, http_app
from tests.http.support import LISTED_MENTORING_KEYS, Api, Person, assert_error

GET_PATHS = [
    "/auth/me/",
    "/api/mentorship/demande/",
    "/api/mentoring/",
    "/api/mentorship/progress/",
    "/api/mentoring/chat/{id}/messages/",
    "/health/",
    "/ready/",
]


@pytest.fixture
async def pair(api: Api) -> tuple[Person, Person, dict[str, Any]]:
    mentee = await api.person("mentee")
    mentor = await api.person("mentor", mentor=True)
    return mentee, mentor, await api.accepted(mentee, mentor)


@pytest.mark.parametrize("path", GET_PATHS)
async def test_every_get_path_answers_the_same_with_and_without_its_trailing_slash(
    api: Api, pair: tuple[Person, Person, dict[str, Any]], path: str
) -> None:
    mentee, _, mentoring = pair
    with_slash = path.format(id=mentoring["id"])
    without = with_slash.rstrip("/")
    a = await api.client.get(with_slash, headers=mentee.auth, follow_redirects=False)
    b = await api.client.get(without, headers=mentee.auth, follow_redirects=False)
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json()


async def test_every_write_path_works_without_its_trailing_slash(api: Api) -> None:
    client = api.client
    body = {"username": "noslash", "password": "longenough1", "email": "n@example.com"}
    registered = await client.post("/auth/register", json=body, follow_redirects=False)
    assert registered.status_code == 201
    login = await client.post(
        "/auth/token", json={"username": "noslash", "password": "longenough1"}
    )
    assert login.status_code == 200
    refresh = await client.post("/auth/token/refresh", json={"refresh": login.json()["refresh"]})
    assert refresh.status_code == 200
    mentee = Person(registered.json()["id"], "noslash", login.json()["access"], "")
    mentor = await api.person("mentor", mentor=True)
    created = await client.post(
        "/api/mentorship/demande",
        json={"mentor_id": mentor.id, "Start_Date": "2025-01-01", "End_Date": "2025-02-01"},
        headers=mentee.auth,
        follow_redirects=False,
    )
    assert created.status_code == 201
    answered = await client.patch(
        f"/api/mentoring/requests/{created.json()['id']}/respond",
        json={"status": "active"},
        headers=mentor.auth,
        follow_redirects=False,
    )
    assert answered.status_code == 200
    posted = await client.post(
        f"/api/mentoring/chat/{created.json()['id']}/messages",
        json={"message": "sans slash"},
        headers=mentee.auth,
        follow_redirects=False,
    )
    assert posted.status_code == 201


@pytest.mark.parametrize(
    "path", ["/nope", "/api/", "/api/mentorship/", "/auth/", "/api/mentoring/chat/"]
)
async def test_an_unknown_path_is_a_json_404(client: AsyncTestClient[Any], path: str) -> None:
    response = await client.get(path)
    assert_error(response, 404)
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/auth/me/", {"GET", "PATCH", "DELETE"}),
        ("PUT", "/api/mentorship/demande/", {"GET", "POST"}),
        ("GET", "/auth/token/", {"POST"}),
        ("POST", "/api/mentoring/", {"GET"}),
        ("GET", "/api/mentoring/requests/1/respond/", {"PATCH"}),
        ("DELETE", "/api/mentoring/chat/1/messages/", {"GET", "POST"}),
        ("POST", "/health", {"GET"}),
    ],
)
async def test_a_wrong_method_is_a_405_with_an_allow_header(
    client: AsyncTestClient[Any], method: str, path: str, allowed: set[str]
) -> None:
    response = await client.request(method, path)
    assert_error(response, 405)
    assert allowed <= {m.strip() for m in response.headers["allow"].split(",")}


@pytest.mark.parametrize("path", ["/auth/me/", "/api/mentoring/chat/1/messages/"])
async def test_options_answers_without_credentials(client: AsyncTestClient[Any], path: str) -> None:
    response = await client.options(path)
    assert response.status_code == 204
    assert "GET" in response.headers["allow"]


async def test_health_and_ready_answer_200_without_credentials(
    client: AsyncTestClient[Any],
) -> None:
    health = await client.get("/health")
    ready = await client.get("/ready")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


async def test_the_openapi_document_describes_every_endpoint_schema_and_error(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    operations = {
        (path, method): op for path, item in doc["paths"].items() for method, op in item.items()
    }
    expected = {
        ("/auth/register", "post"): {201, 400, 409, 413, 415},
        ("/auth/token", "post"): {200, 400, 401, 429},
        ("/auth/token/refresh", "post"): {200, 400, 401},
        ("/auth/me", "get"): {200, 401},
        ("/api/mentorship/demande", "post"): {201, 400, 401, 403, 409, 413, 415},
        ("/api/mentorship/demande", "get"): {200, 400, 401},
        ("/api/mentoring/requests/{request_id}/respond", "patch"): {200, 400, 401, 403, 404, 409},
        ("/api/mentoring", "get"): {200, 401},
        ("/api/mentorship/progress", "get"): {200, 401},
        ("/api/mentoring/chat/{mentoring_id}/messages", "get"): {200, 400, 401, 404},
        ("/api/mentoring/chat/{mentoring_id}/messages", "post"): {201, 400, 401, 404, 409},
        ("/health", "get"): {200},
        ("/ready", "get"): {200, 503},
    }
    assert set(expected) <= set(operations)
    for key, statuses in expected.items():
        documented = {int(code) for code in operations[key]["responses"]}
        assert statuses <= documented, (key, documented)
        for code, answer in operations[key]["responses"].items():
            assert "application/json" in answer.get("content", {}), (key, code)
        if key[1] in ("post", "patch"):
            assert operations[key]["requestBody"]["required"] is True
    public = ("/health", "/ready", "/auth/register", "/auth/token", "/auth/token/refresh")
    protected = [key for key in expected if key[0] not in public]
    for key in protected:
        assert operations[key]["security"] == [{"BearerAuth": []}], key
    scheme = doc["components"]["securitySchemes"]["BearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    schemas = doc["components"]["schemas"]
    assert set(schemas["MentoringOut"]["properties"]) == LISTED_MENTORING_KEYS
    assert set(schemas["ErrorOut"]["required"]) == {"detail"}
    assert "password" not in schemas["UserOut"]["properties"]


async def test_interactive_docs_are_served_under_schema(client: AsyncTestClient[Any]) -> None:
    for path in ("/schema", "/schema/swagger"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("settings_overrides", [{"cors_origins": ("https://app.example",)}])
async def test_cors_answers_the_configured_origins_only(client: AsyncTestClient[Any]) -> None:
    allowed = await client.get("/health", headers={"Origin": "https://app.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    other = await client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = await client.options(
        "/api/mentorship/demande/",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert "POST" in preflight.headers["access-control-allow-methods"]


async def test_without_configured_origins_no_cors_header_is_sent(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.get("/health", headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in response.headers


ORIGIN = "https://app.example"


@pytest.mark.parametrize("settings_overrides", [{"cors_origins": (ORIGIN,)}])
async def test_a_preflight_for_every_documented_header_is_allowed(
    client: AsyncTestClient[Any],
) -> None:
    preflight = await client.options(
        "/api/mentoring/chat/1/messages/",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": (
                "authorization, content-type, idempotency-key, last-event-id, x-request-id"
            ),
        },
    )
    assert preflight.status_code == 204, preflight.text
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    allowed = {
        h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")
    }
    assert {
        "authorization",
        "content-type",
        "idempotency-key",
        "last-event-id",
        "x-request-id",
    } <= allowed
    methods = {m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")}
    assert methods == {"GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"}
    simple = await client.get("/health", headers={"Origin": ORIGIN})
    exposed = {
        h.strip().lower() for h in simple.headers["access-control-expose-headers"].split(",")
    }
    assert exposed == {"link", "retry-after", "www-authenticate", "x-request-id"}


@pytest.mark.parametrize("settings_overrides", [{"cors_origins": (ORIGIN,)}])
@pytest.mark.parametrize(
    ("origin", "method", "headers", "detail", "fields"),
    [
        (
            ORIGIN,
            "POST",
            "x-secret",
            "CORS preflight refused: Access-Control-Request-Headers not allowed.",
            ["Access-Control-Request-Headers"],
        ),
        (
            "https://evil.example",
            "POST",
            "idempotency-key",
            "CORS preflight refused: Origin not allowed.",
            ["Origin"],
        ),
        (
            "https://evil.example",
            "TRACE",
            "x-secret",
            "CORS preflight refused: Access-Control-Request-Method, Origin, "
            "Access-Control-Request-Headers not allowed.",
            ["Access-Control-Request-Method", "Origin", "Access-Control-Request-Headers"],
        ),
    ],
)
async def test_a_refused_preflight_answers_json_naming_what_was_refused(
    client: AsyncTestClient[Any],
    origin: str,
    method: str,
    headers: str,
    detail: str,
    fields: list[str],
) -> None:
    refused = await client.options(
        "/api/mentorship/demande/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )
    assert_error(refused, 400)
    assert refused.json() == {
        "detail": detail,
        "errors": [
            {"field": f, "message": f"{f}: not allowed by this server's CORS policy."}
            for f in fields
        ],
    }
    assert int(refused.headers["content-length"]) == len(refused.content)


def concrete(path: str) -> str:
    """A route's path with each `{name:type}` parameter given the value 1."""
    return re.sub(r"\{[^}]+\}", "1", path)


async def test_options_lists_every_method_of_every_path_with_and_without_its_slash(
    client: AsyncTestClient[Any], system: System
) -> None:
    # The routes of the Litestar app inside the request-id wrapper the client speaks to.
    routes = [r for r in http_app(system).app.routes if isinstance(r, HTTPRoute)]
    assert any(r.path == "/api/mentoring/chat/{mentoring_id:str}/messages" for r in routes)
    for route in routes:
        expected = sorted(route.methods)
        assert "OPTIONS" in expected
        for path in {concrete(route.path), concrete(route.path) + "/"}:
            if path.startswith("/schema/1"):
                continue  # the docs' catch-all path, not an API path
            response = await client.options(path)
            assert response.status_code == 204, (path, response.text)
            assert [m.strip() for m in response.headers["allow"].split(",")] == expected, path


async def test_the_chat_and_demande_paths_allow_get_and_post(client: AsyncTestClient[Any]) -> None:
    for path in ("/api/mentoring/chat/7/messages/", "/api/mentorship/demande/"):
        assert (await client.options(path)).headers["allow"] == "GET, OPTIONS, POST"
