"""/api/admin/: accounts, statistics and the audit trail, for staff only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mentorat.adapters.memory.services import ManualClock
from tests.http.support import PASSWORD, TIMESTAMP, Api, Person, assert_error, links

WIRINGS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
pytestmark = pytest.mark.parametrize("wiring", WIRINGS)
STAFF_ONLY = {"detail": "You do not have permission to perform this action.", "code": "staff_only"}
ACCOUNT_KEYS = {
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "is_mentor",
    "phone_number",
    "is_verified",
    "is_active",
    "is_staff",
    "must_change_password",
    "joined_at",
    "password_changed_at",
}
# Every administration route, and paths that are none: a non-administrator cannot tell apart.
PROBES = [
    ("GET", "/api/admin/users/"),
    ("GET", "/api/admin/users"),
    ("POST", "/api/admin/users/1/verify/"),
    ("POST", "/api/admin/users/1/unverify/"),
    ("POST", "/api/admin/users/1/deactivate/"),
    ("POST", "/api/admin/users/1/reactivate/"),
    ("POST", "/api/admin/users/1/password/"),
    ("GET", "/api/admin/stats/"),
    ("GET", "/api/admin/audit/"),
    ("GET", "/api/admin/no-such-thing/"),
    ("POST", "/api/admin/users/1/erase/"),
    ("GET", "/api/admin/users/1/export/"),
    ("GET", "/api/admin/users/1/"),
    ("POST", "/api/admin/users/1/promote/"),
]


@pytest.fixture
async def admin(api: Api) -> Person:
    person = await api.person("admin")
    await api.system.mentorat.promote_user(person.username)
    return person


async def again(api: Api, who: Person) -> Person:
    """`who` logged in anew (after the clock moved past their tokens' life)."""
    response = await api.client.post(
        "/auth/token/", json={"username": who.username, "password": who.password}
    )
    pair = response.json()
    return Person(who.id, who.username, pair["access"], pair["refresh"])


async def call(api: Api, method: str, path: str, who: Person | None, **kwargs: Any) -> Any:
    headers = {} if who is None else who.auth
    return await api.client.request(method, path, headers=headers, **kwargs)


@pytest.mark.parametrize(("method", "path"), PROBES)
async def test_a_non_administrator_gets_the_same_403_on_every_admin_path(
    api: Api, mentee: Person, method: str, path: str
) -> None:
    response = await call(api, method, path, mentee, json={"password": "x"})
    assert_error(response, 403)
    assert response.json() == STAFF_ONLY
    anonymous = await call(api, method, path, None, json={"password": "x"})
    assert_error(anonymous, 401)


@pytest.mark.parametrize(
    ("method", "path"), [("PUT", "/api/admin/stats/"), ("DELETE", "/api/admin/users/")]
)
async def test_a_method_an_admin_route_does_not_take_tells_nobody_that_the_route_exists(
    api: Api, mentee: Person, admin: Person, method: str, path: str
) -> None:
    """No 405: it would tell a non-administrator which administration paths exist."""
    assert_error(await call(api, method, path, None), 401)
    refused = await call(api, method, path, mentee)
    assert_error(refused, 403)
    assert refused.json() == STAFF_ONLY
    assert (await call(api, method, path, admin)).json() == STAFF_ONLY


async def test_an_administrator_meets_a_404_on_a_path_that_is_no_route(
    api: Api, admin: Person
) -> None:
    assert_error(await call(api, "GET", "/api/admin/no-such-thing/", admin), 404)


async def test_administrators_page_through_accounts_and_search_them(
    api: Api, admin: Person
) -> None:
    people = [await api.person(f"p{n}", first_name="Zebulon") for n in range(3)]
    first = await call(api, "GET", "/api/admin/users/?limit=2", admin)
    assert first.status_code == 200
    body = first.json()
    assert [u["id"] for u in body] == [admin.id, people[0].id]
    assert set(body[0]) == ACCOUNT_KEYS
    assert body[0]["is_staff"] is True
    assert TIMESTAMP.match(body[0]["joined_at"])
    assert body[0]["password_changed_at"] is None
    following = links(first)["next"]
    assert f"after={people[0].id}" in following
    second = await api.client.get(following, headers=admin.auth)
    assert [u["id"] for u in second.json()] == [people[1].id, people[2].id]
    assert "next" not in links(second)
    found = await call(api, "GET", "/api/admin/users/?search=zEBUL", admin)
    assert [u["id"] for u in found.json()] == [p.id for p in people]
    by_name = await call(api, "GET", f"/api/admin/users/?search={people[1].username}", admin)
    assert [u["id"] for u in by_name.json()] == [people[1].id]
    nothing = await call(api, "GET", "/api/admin/users/?search=%25", admin)
    assert nothing.json() == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=201", "limit"), ("limit=x", "limit"), ("after=-1", "after")],
)
async def test_a_bad_page_of_accounts_is_a_400(
    api: Api, admin: Person, query: str, field: str
) -> None:
    assert_error(await call(api, "GET", f"/api/admin/users/?{query}", admin), 400, field=field)


async def test_administrators_verify_deactivate_and_reactivate_accounts(
    api: Api, admin: Person, mentor: Person
) -> None:
    base = f"/api/admin/users/{mentor.id}"
    verified = await call(api, "POST", f"{base}/verify/", admin)
    assert verified.status_code == 200
    assert set(verified.json()) == ACCOUNT_KEYS
    assert verified.json()["is_verified"] is True
    assert (await call(api, "POST", f"{base}/unverify/", admin)).json()["is_verified"] is False
    assert (await call(api, "POST", f"{base}/deactivate/", admin)).json()["is_active"] is False
    assert_error(await api.client.get("/auth/me/", headers=mentor.auth), 401)
    assert (await call(api, "POST", f"{base}/reactivate/", admin)).json()["is_active"] is True
    assert (await api.client.get("/auth/me/", headers=mentor.auth)).status_code == 200


@pytest.mark.parametrize("user_id", ["999999", "0", "abc", "99999999999999999999"])
async def test_an_unknown_account_is_a_404(api: Api, admin: Person, user_id: str) -> None:
    response = await call(api, "POST", f"/api/admin/users/{user_id}/verify/", admin)
    assert_error(response, 404)


async def test_administrators_set_a_temporary_password(
    api: Api, admin: Person, mentee: Person, clock: ManualClock
) -> None:
    clock.advance(seconds=1)
    path = f"/api/admin/users/{mentee.id}/password/"
    response = await call(api, "POST", path, admin, json={"password": "temporary-pass-1"})
    assert response.status_code == 200, response.text
    assert response.json()["must_change_password"] is True
    assert TIMESTAMP.match(response.json()["password_changed_at"])
    assert_error(await api.client.get("/auth/me/", headers=mentee.auth), 401)
    login = await api.client.post(
        "/auth/token/", json={"username": mentee.username, "password": "temporary-pass-1"}
    )
    assert login.json()["password_change_required"] is True
    weak = await call(api, "POST", path, admin, json={"password": "short"})
    assert_error(weak, 400, field="password")
    assert_error(await call(api, "POST", path, admin, json={}), 400, field="password")


async def test_programme_statistics_count_people_mentorings_and_messages(
    api: Api, admin: Person, mentee: Person, mentor: Person
) -> None:
    accepted = await api.accepted(mentee, mentor)
    await api.post(mentee, accepted["id"], "hello")
    other = await api.person("other")
    refused = await api.request(other, mentor)
    await api.respond(mentor, refused, "rejected")
    await api.request(other, await api.person("m2", mentor=True))
    response = await call(api, "GET", "/api/admin/stats/", admin)
    assert response.status_code == 200
    stats = response.json()
    assert set(stats) == {
        "users",
        "mentorings",
        "requests_answered",
        "median_answer_seconds",
        "acceptance_rate",
        "messages_per_day",
        "mentors_at_capacity",
        "requests_about_to_expire",
        "generated_at",
    }
    assert stats["users"] == {
        "total": 5,
        "mentors": 2,
        "mentees": 3,
        "staff": 1,
        "active": 5,
        "inactive": 0,
        "verified_mentors": 0,
    }
    assert stats["mentorings"] == {
        "pending": 1,
        "active": 1,
        "rejected": 1,
        "cancelled": 0,
        "completed": 0,
        "expired": 0,
    }
    assert stats["requests_answered"] == 2
    assert stats["acceptance_rate"] == 0.5
    assert stats["median_answer_seconds"] >= 0
    days = stats["messages_per_day"]
    assert len(days) == 30
    assert days[-1] == {"date": stats["generated_at"][:10], "count": 1}
    assert sum(d["count"] for d in days) == 1
    assert stats["mentors_at_capacity"] == 0
    assert stats["requests_about_to_expire"] == 0


async def test_the_audit_trail_says_who_did_what_to_whom_and_holds_no_secret(
    api: Api, admin: Person, mentee: Person
) -> None:
    await api.client.post(
        "/auth/token/", json={"username": mentee.username, "password": "wrong-password"}
    )
    await call(api, "POST", f"/api/admin/users/{mentee.id}/verify/", admin)
    await call(
        api,
        "POST",
        f"/api/admin/users/{mentee.id}/password/",
        admin,
        json={"password": "temporary-pass-1"},
    )
    response = await call(api, "GET", "/api/admin/audit/", admin)
    assert response.status_code == 200
    entries = response.json()
    assert [(e["action"], e["actor_id"], e["subject_id"]) for e in entries] == [
        ("user_promoted", None, admin.id),
        ("login_failed", None, mentee.id),
        ("user_verified", admin.id, mentee.id),
        ("temporary_password_set", admin.id, mentee.id),
    ]
    assert set(entries[0]) == {"id", "action", "at", "actor_id", "subject_id", "address", "detail"}
    assert entries[2]["address"]
    text = json.dumps(entries)
    for secret in ("temporary-pass-1", "wrong-password", PASSWORD, mentee.access, admin.access):
        assert secret not in text
    only = await call(api, "GET", "/api/admin/audit/?action=user_verified", admin)
    assert [e["action"] for e in only.json()] == ["user_verified"]
    about = await call(api, "GET", f"/api/admin/audit/?user={admin.id}", admin)
    assert [e["action"] for e in about.json()] == ["user_promoted"]
    paged = await call(api, "GET", "/api/admin/audit/?limit=3", admin)
    assert len(paged.json()) == 3
    rest = await api.client.get(links(paged)["next"], headers=admin.auth)
    assert [e["action"] for e in rest.json()] == ["temporary_password_set"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("action=nope", "action"), ("limit=0", "limit"), ("limit=501", "limit"), ("user=x", "user")],
)
async def test_a_bad_audit_query_is_a_400(api: Api, admin: Person, query: str, field: str) -> None:
    assert_error(await call(api, "GET", f"/api/admin/audit/?{query}", admin), 400, field=field)


async def test_statistics_count_full_mentors_and_requests_about_to_expire(
    api: Api, admin: Person, mentee: Person, mentor: Person, clock: ManualClock
) -> None:
    edited = await api.client.patch("/auth/me/", json={"capacity": 1}, headers=mentor.auth)
    assert edited.status_code == 200, edited.text
    await api.accepted(mentee, mentor)
    await api.request(await api.person("late"), await api.person("m2", mentor=True))
    clock.advance(days=13)  # requests wait 14 days: this one expires within 48 hours
    admin = await again(api, admin)  # its access token expired meanwhile
    stats = (await call(api, "GET", "/api/admin/stats/", admin)).json()
    assert stats["mentors_at_capacity"] == 1
    assert stats["requests_about_to_expire"] == 1
    clock.advance(days=1, seconds=1)
    admin = await again(api, admin)
    stats = (await call(api, "GET", "/api/admin/stats/", admin)).json()
    assert stats["requests_about_to_expire"] == 0
    assert stats["mentorings"]["expired"] == 1
    assert stats["mentorings"]["pending"] == 0


async def test_administrators_export_and_erase_anyone(
    api: Api, admin: Person, mentee: Person
) -> None:
    exported = await call(api, "GET", f"/api/admin/users/{mentee.id}/export/", admin)
    assert exported.status_code == 200
    assert exported.json()["account"]["username"] == mentee.username
    erased = await call(api, "POST", f"/api/admin/users/{mentee.id}/erase/", admin)
    assert erased.status_code == 204
    assert_error(await api.client.get("/auth/me/", headers=mentee.auth), 401)
    again = await call(api, "POST", f"/api/admin/users/{mentee.id}/erase/", admin)
    assert again.status_code == 204  # nothing more to erase
    after = (await call(api, "GET", f"/api/admin/users/{mentee.id}/export/", admin)).json()
    assert after["account"]["email"] == ""
    assert after["account"]["is_active"] is False
    audit = (await call(api, "GET", f"/api/admin/audit/?user={mentee.id}", admin)).json()
    assert [(e["action"], e["actor_id"]) for e in audit] == [
        ("data_exported", admin.id),
        ("user_erased", admin.id),
        ("user_erased", admin.id),
        ("data_exported", admin.id),
    ]
    assert_error(await call(api, "GET", "/api/admin/users/999999/export/", admin), 404)
    assert_error(await call(api, "POST", "/api/admin/users/999999/erase/", admin), 404)
