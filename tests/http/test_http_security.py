"""A third user, C, learns nothing about the mentoring of A and B and can change nothing in it."""

from __future__ import annotations

from typing import Any

import pytest

from mentorat import bootstrap
from mentorat.adapters.http.app import create_app
from mentorat.adapters.http.auth import require_caller
from mentorat.adapters.http.controllers import (
    admin,
    auth,
    chat,
    events,
    goals,
    health,
    mentorings,
    mentors,
)
from tests.http.support import Api, Person, assert_error, bearer, forge


@pytest.fixture
async def setting(api: Api) -> tuple[Person, Person, Person, dict[str, Any], dict[str, Any]]:
    a = await api.person("a_mentee")
    b = await api.person("b_mentor", mentor=True)
    c = await api.person("c_stranger", mentor=True)
    accepted = await api.accepted(a, b)
    await api.post(a, accepted["id"], "private words")
    pending = await api.request(await api.person("d_mentee"), b)
    return a, b, c, accepted, pending


async def test_c_cannot_read_the_chat_of_a_and_b(api: Api, setting: Any) -> None:
    _, _, c, accepted, _ = setting
    response = await api.client.get(
        f"/api/mentoring/chat/{accepted['id']}/messages/", headers=c.auth
    )
    assert_error(response, 404)
    assert "private words" not in response.text


async def test_c_cannot_post_in_the_chat_of_a_and_b(api: Api, setting: Any) -> None:
    a, _, c, accepted, _ = setting
    assert_error(await api.post(c, accepted["id"], "intrusion"), 404)
    listed = await api.client.get(f"/api/mentoring/chat/{accepted['id']}/messages/", headers=a.auth)
    assert [m["message"] for m in listed.json()] == ["private words"]


async def test_c_cannot_respond_to_a_request_made_to_b(api: Api, setting: Any) -> None:
    _, b, c, _, pending = setting
    for answer in ("active", "rejected"):
        assert_error(await api.respond(c, pending, answer), 404)
    still = await api.client.get("/api/mentorship/demande/?status=pending", headers=b.auth)
    assert pending["id"] in [m["id"] for m in still.json()]


async def test_c_sees_no_progress_no_mentoring_and_no_request_of_a_and_b(
    api: Api, setting: Any
) -> None:
    c = setting[2]
    for path in ("/api/mentorship/progress/", "/api/mentoring/", "/api/mentorship/demande/"):
        response = await api.client.get(path, headers=c.auth)
        assert response.status_code == 200
        assert response.json() == [], path


async def test_a_token_signed_with_another_key_cannot_reach_any_protected_path(
    api: Api, setting: Any
) -> None:
    a, _, _, accepted, _ = setting
    forged = bearer(forge(a.id, key="someone-elses-key-0123456789abcdefghijklmnop"))
    for method, path in [
        ("GET", "/auth/me/"),
        ("GET", "/api/mentorship/demande/"),
        ("GET", "/api/mentoring/"),
        ("GET", "/api/mentorship/progress/"),
        ("GET", f"/api/mentoring/chat/{accepted['id']}/messages/"),
    ]:
        assert_error(await api.client.request(method, path, headers=forged), 401)
    request = {"mentor_id": 1, "Start_Date": "2025-01-01", "End_Date": "2025-01-02"}
    for method, path, body in [
        ("POST", "/api/mentorship/demande/", request),
        ("PATCH", f"/api/mentoring/requests/{accepted['id']}/respond/", {"status": "active"}),
        ("POST", f"/api/mentoring/chat/{accepted['id']}/messages/", {"message": "x"}),
    ]:
        assert_error(await api.client.request(method, path, json=body, headers=forged), 401)


async def test_an_anonymous_request_is_a_401_before_its_body_is_even_read(api: Api) -> None:
    response = await api.client.post(
        "/api/mentorship/demande/", content=b"{broken", headers={"Content-Type": "text/plain"}
    )
    assert_error(response, 401)


def test_every_route_but_the_public_ones_authenticates_its_caller() -> None:
    # Litestar runs only the nearest layer's before_request: a handler that set its own would
    # silently skip authentication.
    app = create_app(bootstrap.in_memory(secret_key="k" * 40))
    public = {h.handler_name for h in [*auth.PUBLIC, *health.PUBLIC]}
    checked = 0
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.handler_name in public or route.path.startswith("/schema"):
                continue
            if "OPTIONS" in handler.http_methods and len(handler.http_methods) == 1:
                continue  # Litestar's automatic 204 with Allow
            hooks = [o.before_request for o in handler.ownership_layers if o.before_request]
            # Administration authenticates through require_staff, which calls require_caller.
            administration = route.path.startswith("/api/admin/")
            expected = admin.require_staff if administration else require_caller
            assert hooks == [expected], route.path
            checked += 1
    assert (
        checked
        == len(
            [
                *auth.PROTECTED,
                *mentorings.PROTECTED,
                *chat.PROTECTED,
                *mentors.PROTECTED,
                *goals.PROTECTED,
                *events.PROTECTED,
                *admin.ROUTES,
            ]
        )
        + len(admin.no_such_admin_route.paths)
        - 1
    )  # the catch-all holds several paths
