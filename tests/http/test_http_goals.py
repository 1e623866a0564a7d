"""Goals over HTTP: every route and status with exact bodies, and goal counts on progress."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from mentorat.adapters.memory.services import ManualClock
from mentorat.application.end_mentoring import EndCommand
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Ending
from mentorat.domain.users import UserId
from tests.http.support import Api, Person, assert_error

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
WIRE_NOW = "2025-03-01T09:00:00.000000Z"
GOAL_KEYS = {
    "id",
    "mentoring_id",
    "title",
    "due_date",
    "done",
    "position",
    "created_at",
    "updated_at",
}
NO_MENTORING = {"detail": "No mentoring matches the given id."}
NO_GOAL = {"detail": "No goal matches the given id in this mentoring."}


@pytest.fixture
async def mentoring(api: Api, mentee: Person, mentor: Person, clock: ManualClock) -> int:
    clock.set(NOW)
    accepted = await api.accepted(mentee, mentor)
    return int(accepted["id"])


def goals_path(mentoring_id: int | str) -> str:
    return f"/api/mentoring/{mentoring_id}/goals/"


def goal_path(mentoring_id: int | str, goal_id: int | str) -> str:
    return f"/api/mentoring/{mentoring_id}/goals/{goal_id}/"


def order_path(mentoring_id: int | str) -> str:
    return f"/api/mentoring/{mentoring_id}/goals/order/"


def invalid(field: str, message: str) -> dict[str, Any]:
    return {"detail": message, "errors": [{"field": field, "message": message}]}


def closed(status: str) -> dict[str, str]:
    return {
        "detail": f"Goals can only be changed while the mentoring is active; this one is {status}."
    }


async def add(api: Api, who: Person, mentoring_id: int, title: str, **body: Any) -> dict[str, Any]:
    response = await api.client.post(
        goals_path(mentoring_id), json={"title": title, **body}, headers=who.auth
    )
    assert response.status_code == 201, response.text
    added: dict[str, Any] = response.json()
    return added


async def titles(api: Api, who: Person, mentoring_id: int) -> list[tuple[str, int]]:
    response = await api.client.get(goals_path(mentoring_id), headers=who.auth)
    assert response.status_code == 200, response.text
    return [(g["title"], g["position"]) for g in response.json()]


def every_route(mentoring_id: int | str, goal_id: int | str) -> list[tuple[str, str, Any]]:
    """(method, path, body) of each goal route, with a body each would accept."""
    return [
        ("GET", goals_path(mentoring_id), None),
        ("POST", goals_path(mentoring_id), {"title": "t"}),
        ("PATCH", goal_path(mentoring_id, goal_id), {"done": True}),
        ("DELETE", goal_path(mentoring_id, goal_id), None),
        ("PUT", order_path(mentoring_id), {"ids": [goal_id]}),
    ]


async def call(api: Api, method: str, path: str, body: Any, who: Person | None) -> httpx.Response:
    headers = who.auth if who is not None else {}
    return await api.client.request(method, path, json=body, headers=headers)


# --- the happy paths ---------------------------------------------------------------------------


async def test_a_participant_adds_a_goal_and_gets_201_with_the_whole_goal(
    api: Api, mentee: Person, mentor: Person, mentoring: int
) -> None:
    response = await api.client.post(
        goals_path(mentoring),
        json={"title": "  Read « Clean Code »  ", "due_date": "2025-04-30"},
        headers=mentee.auth,
    )
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "mentoring_id": mentoring,
        "title": "Read « Clean Code »",
        "due_date": "2025-04-30",
        "done": False,
        "position": 1,
        "created_at": WIRE_NOW,
        "updated_at": WIRE_NOW,
    }
    assert isinstance(body["id"], int)
    second = await add(api, mentor, mentoring, "No date")
    assert (second["due_date"], second["position"]) == (None, 2)
    with_null = await add(api, mentor, mentoring, "Null date", due_date=None)
    assert (with_null["due_date"], with_null["position"]) == (None, 3)
    for who in (mentee, mentor):
        listed = await api.client.get(goals_path(mentoring), headers=who.auth)
        assert listed.status_code == 200
        assert listed.json() == [body, second, with_null]


async def test_a_mentoring_without_goals_lists_an_empty_array(
    api: Api, mentee: Person, mentoring: int
) -> None:
    response = await api.client.get(goals_path(mentoring), headers=mentee.auth)
    assert (response.status_code, response.json()) == (200, [])


async def test_a_patch_changes_only_the_keys_it_sends(
    api: Api, mentee: Person, mentor: Person, mentoring: int, clock: ManualClock
) -> None:
    goal = await add(api, mentee, mentoring, "Draft", due_date="2025-04-30")
    clock.advance(hours=1)
    path = goal_path(mentoring, goal["id"])
    ticked = await api.client.patch(path, json={"done": True}, headers=mentor.auth)
    assert ticked.status_code == 200
    later = "2025-03-01T10:00:00.000000Z"
    assert ticked.json() == {**goal, "done": True, "updated_at": later}
    renamed = await api.client.patch(
        path, json={"title": " Final ", "due_date": None}, headers=mentee.auth
    )
    expected = {**goal, "title": "Final", "due_date": None, "done": True, "updated_at": later}
    assert renamed.json() == expected
    nothing = await api.client.patch(path, json={}, headers=mentee.auth)
    assert (nothing.status_code, nothing.json()) == (200, renamed.json())
    untick = await api.client.patch(path, json={"done": False}, headers=mentee.auth)
    assert untick.json()["done"] is False
    listed = await api.client.get(goals_path(mentoring), headers=mentee.auth)
    assert listed.json() == [untick.json()]


async def test_delete_answers_204_and_the_later_goals_move_up(
    api: Api, mentee: Person, mentor: Person, mentoring: int
) -> None:
    a, b, c = [await add(api, mentee, mentoring, t) for t in ("a", "b", "c")]
    response = await api.client.delete(goal_path(mentoring, b["id"]), headers=mentor.auth)
    assert response.status_code == 204
    assert response.content == b""
    assert await titles(api, mentee, mentoring) == [("a", 1), ("c", 2)]
    again = await api.client.delete(goal_path(mentoring, b["id"]), headers=mentor.auth)
    assert (again.status_code, again.json()) == (404, NO_GOAL)
    assert (a["position"], c["position"]) == (1, 3)  # as they were added


async def test_a_reorder_answers_the_goals_in_their_new_order(
    api: Api, mentee: Person, mentor: Person, mentoring: int
) -> None:
    a, b, c = [await add(api, mentee, mentoring, t) for t in ("a", "b", "c")]
    response = await api.client.put(
        order_path(mentoring), json={"ids": [c["id"], a["id"], b["id"]]}, headers=mentor.auth
    )
    assert response.status_code == 200
    assert response.json() == [
        {**c, "position": 1},
        {**a, "position": 2},
        {**b, "position": 3},
    ]
    listed = await api.client.get(goals_path(mentoring), headers=mentee.auth)
    assert listed.json() == response.json()


async def test_an_empty_order_reorders_a_mentoring_without_goals(
    api: Api, mentee: Person, mentoring: int
) -> None:
    response = await api.client.put(order_path(mentoring), json={"ids": []}, headers=mentee.auth)
    assert (response.status_code, response.json()) == (200, [])


async def test_every_goal_path_answers_the_same_without_its_trailing_slash(
    api: Api, mentee: Person, mentoring: int
) -> None:
    client, auth = api.client, mentee.auth
    one = await client.post(goals_path(mentoring).rstrip("/"), json={"title": "a"}, headers=auth)
    two = await client.post(goals_path(mentoring), json={"title": "b"}, headers=auth)
    assert one.status_code == two.status_code == 201
    with_slash = await client.get(goals_path(mentoring), headers=auth)
    without = await client.get(goals_path(mentoring).rstrip("/"), headers=auth)
    assert with_slash.status_code == without.status_code == 200
    assert with_slash.json() == without.json()
    patched = await client.patch(
        goal_path(mentoring, one.json()["id"]).rstrip("/"), json={"done": True}, headers=auth
    )
    assert patched.status_code == 200
    ids = [two.json()["id"], one.json()["id"]]
    ordered = await client.put(order_path(mentoring).rstrip("/"), json={"ids": ids}, headers=auth)
    assert [g["id"] for g in ordered.json()] == ids
    deleted = await client.delete(goal_path(mentoring, one.json()["id"]).rstrip("/"), headers=auth)
    assert deleted.status_code == 204
    for goal in (one.json(), two.json(), patched.json(), *without.json(), *ordered.json()):
        assert set(goal) == GOAL_KEYS


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/api/mentoring/1/goals/order/", {"PUT"}),
        ("DELETE", "/api/mentoring/1/goals/order", {"PUT"}),
        ("GET", "/api/mentoring/1/goals/1/", {"PATCH", "DELETE"}),
        ("PUT", "/api/mentoring/1/goals/", {"GET", "POST"}),
    ],
)
async def test_a_method_a_goal_path_does_not_have_is_a_405_with_an_allow_header(
    api: Api, mentee: Person, method: str, path: str, allowed: set[str]
) -> None:
    response = await api.client.request(method, path, headers=mentee.auth)
    assert_error(response, 405)
    assert allowed <= {m.strip() for m in response.headers["allow"].split(",")}


# --- 401, 404 ----------------------------------------------------------------------------------


async def test_every_goal_route_wants_credentials(api: Api, mentee: Person, mentoring: int) -> None:
    goal = await add(api, mentee, mentoring, "mine")
    for method, path, body in every_route(mentoring, goal["id"]):
        response = await call(api, method, path, body, None)
        assert_error(response, 401)
        assert response.json() == {
            "detail": "Authentication credentials were not provided.",
            "code": "not_authenticated",
        }
    assert await titles(api, mentee, mentoring) == [("mine", 1)]


async def test_a_stranger_gets_404_on_every_route_and_changes_nothing(
    api: Api, mentee: Person, mentoring: int
) -> None:
    stranger = await api.person("stranger")
    goal = await add(api, mentee, mentoring, "mine")
    for method, path, body in every_route(mentoring, goal["id"]):
        response = await call(api, method, path, body, stranger)
        assert (response.status_code, response.json()) == (404, NO_MENTORING), (method, path)
    assert await titles(api, mentee, mentoring) == [("mine", 1)]


@pytest.mark.parametrize("mentoring_id", ["999999", "0", "abc", "-1", "1.5", "9" * 30])
async def test_an_unknown_or_malformed_mentoring_id_is_404_on_every_route(
    api: Api, mentee: Person, mentoring: int, mentoring_id: str
) -> None:
    for method, path, body in every_route(mentoring_id, 1):
        response = await call(api, method, path, body, mentee)
        assert (response.status_code, response.json()) == (404, NO_MENTORING), (method, path)


async def test_a_goal_of_another_mentoring_or_an_unknown_goal_is_404(
    api: Api, mentee: Person, mentoring: int
) -> None:
    other_mentor = await api.person("other", mentor=True)
    other = (await api.accepted(mentee, other_mentor))["id"]
    elsewhere = await add(api, mentee, other, "elsewhere")
    for goal_id in (elsewhere["id"], 999999, "0", "abc", "9" * 30):
        path = goal_path(mentoring, goal_id)
        edited = await api.client.patch(path, json={"done": True}, headers=mentee.auth)
        assert (edited.status_code, edited.json()) == (404, NO_GOAL)
        deleted = await api.client.delete(path, headers=mentee.auth)
        assert (deleted.status_code, deleted.json()) == (404, NO_GOAL)
    assert await titles(api, mentee, other) == [("elsewhere", 1)]


# --- 400 ---------------------------------------------------------------------------------------


ADD_REFUSALS = [
    ({}, invalid("title", "title: This field is required.")),
    ({"title": ""}, invalid("title", "This field may not be blank.")),
    ({"title": " \n\t "}, invalid("title", "This field may not be blank.")),
    ({"title": "x" * 201}, invalid("title", "Ensure this field has no more than 200 characters.")),
    ({"title": 5}, invalid("title", "title: Expected `str`, got `int`")),
    ({"title": None}, invalid("title", "title: Expected `str`, got `null`")),
    (
        {"title": "nul\u0000"},
        invalid("title", "Null characters and unpaired surrogates are not allowed in this field."),
    ),
    (
        {"title": "t", "due_date": "2025-02-30"},
        invalid("due_date", "due_date: Invalid RFC3339 encoded date"),
    ),
    (
        {"title": "t", "due_date": "01/03/2025"},
        invalid("due_date", "due_date: Invalid RFC3339 encoded date"),
    ),
    (
        {"title": "t", "due_date": 20250301},
        invalid("due_date", "due_date: Expected `date | null`, got `int`"),
    ),
]


@pytest.mark.parametrize(("body", "expected"), ADD_REFUSALS)
async def test_a_bad_new_goal_is_a_400_naming_the_field(
    api: Api, mentee: Person, mentoring: int, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = await api.client.post(goals_path(mentoring), json=body, headers=mentee.auth)
    assert_error(response, 400)
    assert response.json() == expected
    assert await titles(api, mentee, mentoring) == []


async def test_a_title_of_200_characters_after_stripping_is_accepted(
    api: Api, mentee: Person, mentoring: int
) -> None:
    goal = await add(api, mentee, mentoring, "  " + "é" * 200 + "  ")
    assert goal["title"] == "é" * 200


EDIT_REFUSALS = [
    ({"title": ""}, invalid("title", "This field may not be blank.")),
    ({"title": "y" * 201}, invalid("title", "Ensure this field has no more than 200 characters.")),
    ({"title": None}, invalid("title", "title: Expected `str`, got `null`")),
    ({"done": "yes"}, invalid("done", "done: Expected `bool`, got `str`")),
    ({"done": 1}, invalid("done", "done: Expected `bool`, got `int`")),
    ({"done": None}, invalid("done", "done: Expected `bool`, got `null`")),
    ({"due_date": "tomorrow"}, invalid("due_date", "due_date: Invalid RFC3339 encoded date")),
    (
        {"done": True, "due_date": "2025-13-01"},
        invalid("due_date", "due_date: Invalid RFC3339 encoded date"),
    ),
]


@pytest.mark.parametrize(("body", "expected"), EDIT_REFUSALS)
async def test_a_bad_edit_is_a_400_naming_the_field_and_changes_nothing(
    api: Api, mentee: Person, mentoring: int, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    goal = await add(api, mentee, mentoring, "kept")
    response = await api.client.patch(
        goal_path(mentoring, goal["id"]), json=body, headers=mentee.auth
    )
    assert_error(response, 400)
    assert response.json() == expected
    listed = await api.client.get(goals_path(mentoring), headers=mentee.auth)
    assert listed.json() == [goal]


async def test_a_bad_order_is_a_400_naming_ids_and_changes_nothing(
    api: Api, mentee: Person, mentoring: int
) -> None:
    other_mentor = await api.person("other", mentor=True)
    other = (await api.accepted(mentee, other_mentor))["id"]
    elsewhere = (await add(api, mentee, other, "elsewhere"))["id"]
    a, b = [(await add(api, mentee, mentoring, t))["id"] for t in ("a", "b")]
    refusals = [
        ({"ids": [b]}, invalid("ids", "ids must list every goal of the mentoring.")),
        ({"ids": [b, a, a]}, invalid("ids", "ids must not repeat a goal.")),
        (
            {"ids": [b, a, elsewhere]},
            invalid("ids", f"{elsewhere} is not the id of a goal of this mentoring."),
        ),
        ({"ids": [b, 999999]}, invalid("ids", "999999 is not the id of a goal of this mentoring.")),
        ({}, invalid("ids", "ids: This field is required.")),
        ({"ids": None}, invalid("ids", "ids: Expected `array`, got `null`")),
        ({"ids": str(a)}, invalid("ids", "ids: Expected `array`, got `str`")),
        ({"ids": [b, str(a)]}, invalid("ids[1]", "ids[1]: Expected `int`, got `str`")),
        ({"ids": [0, a]}, invalid("ids[0]", "ids[0]: Expected `int` >= 1")),
    ]
    for body, expected in refusals:
        response = await api.client.put(order_path(mentoring), json=body, headers=mentee.auth)
        assert_error(response, 400)
        assert response.json() == expected, body
    assert await titles(api, mentee, mentoring) == [("a", 1), ("b", 2)]


# --- 409 ---------------------------------------------------------------------------------------


async def test_goals_of_a_pending_mentoring_cannot_be_added_yet(
    api: Api, mentee: Person, mentor: Person
) -> None:
    pending = (await api.request(mentee, mentor))["id"]
    response = await api.client.post(
        goals_path(pending), json={"title": "early"}, headers=mentee.auth
    )
    assert_error(response, 409)
    assert response.json() == closed("pending")
    listed = await api.client.get(goals_path(pending), headers=mentor.auth)
    assert (listed.status_code, listed.json()) == (200, [])


@pytest.mark.parametrize("ending", [Ending.CANCELLED, Ending.COMPLETED])
async def test_goals_of_an_ended_mentoring_are_read_only_with_409(
    api: Api, mentee: Person, mentor: Person, mentoring: int, ending: Ending
) -> None:
    goal = await add(api, mentee, mentoring, "kept")
    await api.system.mentorat.end_mentoring(
        EndCommand(MentoringId(mentoring), UserId(mentor.id), ending)
    )
    for method, path, body in every_route(mentoring, goal["id"])[1:]:
        response = await call(api, method, path, body, mentee)
        assert_error(response, 409)
        assert response.json() == closed(ending.value), (method, path)
    listed = await api.client.get(goals_path(mentoring), headers=mentor.auth)
    assert (listed.status_code, listed.json()) == (200, [goal])


async def test_the_101st_goal_is_a_409(api: Api, mentee: Person, mentoring: int) -> None:
    for n in range(100):
        await add(api, mentee, mentoring, f"goal {n}")
    response = await api.client.post(
        goals_path(mentoring), json={"title": "one too many"}, headers=mentee.auth
    )
    assert_error(response, 409)
    assert response.json() == {
        "detail": "A mentoring has at most 100 goals; delete one to add another."
    }


# --- Idempotency-Key ---------------------------------------------------------------------------


async def test_a_retried_post_with_its_key_answers_the_same_goal_and_adds_it_once(
    api: Api, mentee: Person, mentoring: int, clock: ManualClock
) -> None:
    headers = {**mentee.auth, "Idempotency-Key": "goal-42"}
    body = {"title": "Once", "due_date": "2025-05-01"}
    first = await api.client.post(goals_path(mentoring), json=body, headers=headers)
    clock.advance(seconds=5)
    again = await api.client.post(goals_path(mentoring).rstrip("/"), json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert await titles(api, mentee, mentoring) == [("Once", 1)]
    other = await api.client.post(
        goals_path(mentoring), json={**body, "title": "Other"}, headers=headers
    )
    assert_error(other, 422)
    assert other.json() == {
        "detail": "This Idempotency-Key was already used with a different request; "
        "use a new key for a new request."
    }
    bad_key = await api.client.post(
        goals_path(mentoring), json=body, headers={**mentee.auth, "Idempotency-Key": ""}
    )
    assert_error(bad_key, 400, field="Idempotency-Key")
    assert await titles(api, mentee, mentoring) == [("Once", 1)]


# --- progress ----------------------------------------------------------------------------------


async def test_progress_counts_the_goals_and_the_share_done(
    api: Api, mentee: Person, mentor: Person, mentoring: int, clock: ManualClock
) -> None:
    goals = [await add(api, mentee, mentoring, t) for t in ("a", "b", "c")]
    for goal in goals[:2]:
        ticked = await api.client.patch(
            goal_path(mentoring, goal["id"]), json={"done": True}, headers=mentor.auth
        )
        assert ticked.status_code == 200
    for who in (mentee, mentor):
        rows = (await api.client.get("/api/mentorship/progress/", headers=who.auth)).json()
        figures = rows[0]["progress"]
        assert (figures["goal_count"], figures["goals_done"], figures["percent_done"]) == (
            3,
            2,
            66.7,
        )


async def test_the_openapi_document_describes_the_goal_routes(api: Api) -> None:
    doc = (await api.client.get("/schema/openapi.json")).json()
    operations = {
        (path, method): op for path, item in doc["paths"].items() for method, op in item.items()
    }
    expected = {
        ("/api/mentoring/{mentoring_id}/goals", "get"): {200, 401, 404},
        ("/api/mentoring/{mentoring_id}/goals", "post"): {201, 400, 401, 404, 409, 422},
        ("/api/mentoring/{mentoring_id}/goals/{goal_id}", "patch"): {200, 400, 401, 404, 409},
        ("/api/mentoring/{mentoring_id}/goals/{goal_id}", "delete"): {204, 401, 404, 409},
        ("/api/mentoring/{mentoring_id}/goals/order", "put"): {200, 400, 401, 404, 409},
    }
    for key, statuses in expected.items():
        documented = {int(code) for code in operations[key]["responses"]}
        assert statuses <= documented, (key, documented)
        assert operations[key]["security"] == [{"BearerAuth": []}], key
    schemas = doc["components"]["schemas"]
    assert set(schemas["GoalOut"]["properties"]) == GOAL_KEYS
    progress = set(schemas["ProgressFiguresOut"]["properties"])
    assert {"goal_count", "goals_done", "percent_done"} <= progress
