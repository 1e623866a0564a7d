"""`/metrics`: requests by route template, method and status, latency, logins, replays.

Through the test client, on the memory and SQLite wirings (one process: the counts live in the
app's own registry; tests/e2e/test_e2e_metrics.py adds up two workers).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from mentorat.domain.users import UserId
from tests.http.support import Api, Person

CHAT = "/api/mentoring/chat/{mentoring_id}/messages"


async def scrape(api: Api) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """{(sample name, labels): value} of one GET /metrics."""
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    assert response.headers["cache-control"] == "no-store"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests(method: str, route: str, status: int) -> tuple[str, frozenset[tuple[str, str]]]:
    labels = {"method": method, "route": route, "status": str(status)}
    return "mentorat_http_requests_total", frozenset(labels.items())


async def test_requests_are_counted_by_route_template_never_by_path(
    api: Api, mentee: Person, mentor: Person
) -> None:
    first = await api.accepted(mentee, mentor)
    second = await api.accepted(await api.person("other"), mentor)
    for mentoring in (first, second, first):
        assert (await api.post(mentor, mentoring["id"], "hello")).status_code == 201
    await api.client.get("/nowhere/42")
    metrics = await scrape(api)
    assert metrics[requests("POST", CHAT, 201)] == 3
    assert metrics[requests("GET", "(no route)", 404)] == 1
    # The latency histogram counts the same requests, by method and route.
    latency = ("mentorat_http_request_duration_seconds_count", {"method": "POST", "route": CHAT})
    assert metrics[latency[0], frozenset(latency[1].items())] == 3
    labels = {value for _, pairs in metrics for _, value in pairs}
    for mentoring in (first, second):
        assert not any(str(mentoring["id"]) in value.split("/") for value in labels), labels
    assert not any(mentee.username in value for value in labels)


async def test_failed_and_throttled_logins_are_counted(api: Api, mentee: Person) -> None:
    wrong = {"username": mentee.username, "password": "not the password"}
    statuses = [(await api.client.post("/auth/token/", json=wrong)).status_code for _ in range(12)]
    assert statuses == [401] * 10 + [429] * 2
    metrics = await scrape(api)
    assert metrics["mentorat_login_failures_total", frozenset()] == 10
    assert metrics["mentorat_login_throttled_total", frozenset()] == 2
    assert metrics[requests("POST", "/auth/token", 429)] == 2


async def test_idempotent_replays_are_counted(api: Api, mentee: Person, mentor: Person) -> None:
    mentoring = await api.accepted(mentee, mentor)
    headers = {**mentee.auth, "Idempotency-Key": "once"}
    path = f"/api/mentoring/chat/{mentoring['id']}/messages/"
    for _ in range(3):
        response = await api.client.post(path, json={"message": "hi"}, headers=headers)
        assert response.status_code == 201
    assert (await scrape(api))["mentorat_idempotent_replays_total", frozenset()] == 2


async def test_an_unknown_method_is_counted_as_other(api: Api) -> None:
    await api.client.request("BREW", "/health")
    metrics = await scrape(api)
    assert any(
        name == "mentorat_http_requests_total" and ("method", "other") in labels
        for name, labels in metrics
    )
    assert not any(("method", "BREW") in labels for _, labels in metrics)


@pytest.mark.parametrize("wiring", ["sqlite"])
async def test_the_pool_gauge_is_back_to_zero_between_requests(api: Api, mentee: Person) -> None:
    assert (await api.client.get("/auth/me/", headers=mentee.auth)).status_code == 200
    metrics = await scrape(api)
    assert metrics["mentorat_db_connections_in_use", frozenset()] == 0
    assert metrics["mentorat_db_pool_waits_total", frozenset()] == 0


@pytest.mark.parametrize("settings_overrides", [{"metrics": False}])
async def test_with_metrics_off_there_is_no_metrics_route(
    api: Api, settings_overrides: dict[str, Any]
) -> None:
    assert api.system.metrics is None
    assert (await api.client.get("/metrics")).status_code == 404


async def test_open_event_streams_and_the_outbox_lag_are_measured(
    api: Api, mentee: Person, mentor: Person
) -> None:
    mentoring = await api.accepted(mentee, mentor)
    stream = api.system.mentorat.follow_events(UserId(mentee.id))
    assert await anext(stream) is None  # following: the stream is open
    metrics = await scrape(api)
    assert metrics["mentorat_event_streams_open", frozenset()] == 1
    handed_before = metrics["mentorat_outbox_lag_seconds_count", frozenset()]

    assert (await api.post(mentor, mentoring["id"], "hello")).status_code == 201
    event = await asyncio.wait_for(anext(stream), timeout=30)
    assert event is not None
    assert event.name == "message_posted"
    metrics = await scrape(api)
    assert metrics["mentorat_outbox_lag_seconds_count", frozenset()] > handed_before

    await stream.aclose()
    assert (await scrape(api))["mentorat_event_streams_open", frozenset()] == 0
