"""Schemathesis against a real server: no documented operation answers 5xx or off its schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks as sc

from tests.e2e.support import Server, server_env

pytestmark = pytest.mark.e2e

CHECKS = [
    sc.not_a_server_error,
    sc.status_code_conformance,
    sc.content_type_conformance,
    sc.response_schema_conformance,
    sc.response_headers_conformance,
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory: Path = tmp_path_factory.mktemp("schemathesis")
    server = Server(directory, server_env(directory)).start()
    yield server
    assert server.stop() == 0
    assert "unhandled error" not in server.output()


@pytest.fixture(scope="module")
def token(served: Server) -> str:
    """A mentee with an accepted mentoring (id 1) and a few messages, so reads find data."""
    base = served.base
    for name, mentor in (("sch_mentor", True), ("sch_mentee", False)):
        body = {"username": name, "password": "longenough1", "email": f"{name}@example.com"}
        httpx.post(f"{base}/auth/register/", json={**body, "is_mentor": mentor})

    def access(name: str) -> str:
        login = httpx.post(
            f"{base}/auth/token/", json={"username": name, "password": "longenough1"}
        )
        value: str = login.json()["access"]
        return value

    mentee, mentor = access("sch_mentee"), access("sch_mentor")
    request = httpx.post(
        f"{base}/api/mentorship/demande/",
        json={"mentor_id": 1, "Start_Date": "2025-01-01", "End_Date": "2025-12-31"},
        headers={"Authorization": f"Bearer {mentee}"},
    )
    assert request.status_code == 201, request.text
    httpx.patch(
        f"{base}/api/mentoring/requests/1/respond/",
        json={"status": "active"},
        headers={"Authorization": f"Bearer {mentor}"},
    )
    for n in range(3):
        httpx.post(
            f"{base}/api/mentoring/chat/1/messages/",
            json={"message": f"seed {n}"},
            headers={"Authorization": f"Bearer {mentee}"},
        )
    return mentee


OPERATIONS = [
    ("/health", "GET"),
    ("/ready", "GET"),
    ("/auth/register", "POST"),
    ("/auth/token", "POST"),
    ("/auth/token/refresh", "POST"),
    ("/auth/me", "GET"),
    ("/api/mentorship/demande", "POST"),
    ("/api/mentorship/demande", "GET"),
    ("/api/mentoring/requests/{request_id}/respond", "PATCH"),
    ("/api/mentoring", "GET"),
    ("/api/mentorship/progress", "GET"),
    ("/api/mentoring/chat/{mentoring_id}/messages", "GET"),
    ("/api/mentoring/chat/{mentoring_id}/messages", "POST"),
    ("/api/mentoring/chat/{mentoring_id}/read", "POST"),
    ("/api/mentoring/{mentoring_id}/goals", "GET"),
    ("/api/mentoring/{mentoring_id}/goals", "POST"),
    ("/api/mentoring/{mentoring_id}/goals/{goal_id}", "PATCH"),
    ("/api/mentoring/{mentoring_id}/goals/{goal_id}", "DELETE"),
    ("/api/mentoring/{mentoring_id}/goals/order", "PUT"),
    ("/api/mentorship/demande/{request_id}/withdraw", "POST"),
    ("/api/mentoring/{mentoring_id}/cancel", "POST"),
    ("/api/mentoring/{mentoring_id}/complete", "POST"),
    ("/auth/me", "PATCH"),
    ("/api/mentors", "GET"),
    ("/api/mentors/suggested", "GET"),
    ("/auth/token/verify", "POST"),
    ("/auth/logout", "POST"),
    ("/auth/me/password", "POST"),
    ("/auth/me/export", "GET"),
    ("/auth/me", "DELETE"),
    # As the fuzzing mentee is no administrator, these answer 403 (or 401, 400 first).
    ("/api/admin/users", "GET"),
    ("/api/admin/users/{user_id}/verify", "POST"),
    ("/api/admin/users/{user_id}/unverify", "POST"),
    ("/api/admin/users/{user_id}/deactivate", "POST"),
    ("/api/admin/users/{user_id}/reactivate", "POST"),
    ("/api/admin/users/{user_id}/password", "POST"),
    ("/api/admin/users/{user_id}/export", "GET"),
    ("/api/admin/users/{user_id}/erase", "POST"),
    ("/api/admin/stats", "GET"),
    ("/api/admin/audit", "GET"),
]
# Documented, not fuzzed: a stream answers and never ends (tests/e2e/test_e2e_events.py).
STREAMS = [("/api/events", "GET")]


@pytest.fixture(scope="module")
def api_schema(served: Server) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{served.base}/schema/openapi.json")


def test_the_fuzzed_operations_are_every_operation_the_document_has(
    api_schema: schemathesis.BaseSchema,
) -> None:
    documented = {
        (op.path, op.method.upper())
        for op in (result.ok() for result in api_schema.get_all_operations())
        if not op.path.startswith("/schema")
    }
    assert documented == set(OPERATIONS) | set(STREAMS)


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_no_operation_answers_a_server_error_or_a_response_its_schema_does_not_allow(
    api_schema: schemathesis.BaseSchema, token: str, path: str, method: str
) -> None:
    # Hypothesis drives schemathesis' strategy directly: its pytest loader does not yet run on
    # this pytest version. 30 examples per operation keep the whole run well under a minute.
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {token}"}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def exchange(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    exchange()
