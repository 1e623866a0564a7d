"""Requests counted by `adapters.metrics` wait in memory and are written out together: within
`flush_seconds` in an event loop, at once outside one, at once when `FLUSH_BATCH` wait, and
before every scrape."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from mentorat.adapters.batches import FLUSH_BATCH
from mentorat.adapters.metrics import MULTIPROCESS_ENV, PrometheusMetrics

ROUTE = "/api/mentoring/"


@pytest.fixture(autouse=True)
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROCESS_ENV, raising=False)


def written(registry: CollectorRegistry, status: int = 200) -> float:
    """The request count as written (what another worker's scrape would read)."""
    prefix = f'mentorat_http_requests_total{{method="GET",route="{ROUTE}",status="{status}"}} '
    for line in generate_latest(registry).decode().splitlines():
        if line.startswith(prefix):
            return float(line.removeprefix(prefix))
    return 0


def latency_count(registry: CollectorRegistry) -> float:
    prefix = f'mentorat_http_request_duration_seconds_count{{method="GET",route="{ROUTE}"}} '
    for line in generate_latest(registry).decode().splitlines():
        if line.startswith(prefix):
            return float(line.removeprefix(prefix))
    return 0


async def test_requests_are_written_out_together_within_the_flush_interval() -> None:
    registry = CollectorRegistry()
    metrics = PrometheusMetrics(flush_seconds=0.05, registry=registry)
    for _ in range(3):
        metrics.observe_request("GET", ROUTE, 200, 0.002)
    metrics.observe_request("GET", ROUTE, 404, 0.001)
    assert written(registry) == 0
    await asyncio.sleep(0.2)
    assert (written(registry), written(registry, 404), latency_count(registry)) == (3, 1, 4)


async def test_a_scrape_shows_its_own_workers_requests_at_once() -> None:
    metrics = PrometheusMetrics(flush_seconds=3600)
    metrics.observe_request("GET", ROUTE, 200, 0.002)
    text, _ = metrics.exposition()
    assert f'mentorat_http_requests_total{{method="GET",route="{ROUTE}",status="200"}} 1.0' in (
        text.decode()
    )


async def test_a_full_batch_is_written_at_once() -> None:
    registry = CollectorRegistry()
    metrics = PrometheusMetrics(flush_seconds=3600, registry=registry)
    for _ in range(FLUSH_BATCH):
        metrics.observe_request("GET", ROUTE, 200, 0.002)
    assert written(registry) == FLUSH_BATCH


def test_outside_an_event_loop_a_request_is_written_at_once() -> None:
    registry = CollectorRegistry()
    metrics = PrometheusMetrics(flush_seconds=3600, registry=registry)
    metrics.observe_request("GET", ROUTE, 200, 0.002)
    assert written(registry) == 1


def test_a_flush_due_in_a_loop_that_ended_is_taken_up_by_the_next_loop() -> None:
    registry = CollectorRegistry()
    metrics = PrometheusMetrics(flush_seconds=0.05, registry=registry)

    async def count_one() -> None:
        metrics.observe_request("GET", ROUTE, 200, 0.002)

    async def count_one_and_wait() -> None:
        await count_one()
        await asyncio.sleep(0.2)

    asyncio.run(count_one())  # its loop ends before the flush is due
    assert written(registry) == 0
    asyncio.run(count_one_and_wait())
    assert written(registry) == 2


def test_an_unknown_method_is_written_as_other() -> None:
    registry = CollectorRegistry()
    metrics = PrometheusMetrics(registry=registry)
    metrics.observe_request("BREW", ROUTE, 405, 0.001)
    assert 'method="other"' in generate_latest(registry).decode()
