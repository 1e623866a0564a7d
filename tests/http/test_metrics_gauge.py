"""The pool gauge of `adapters.metrics`: written at most every `gauge_interval` while the pool
is busy, and always when it is back to none in use."""

from __future__ import annotations

import pytest

from mentorat.adapters.metrics import MULTIPROCESS_ENV, PrometheusMetrics


@pytest.fixture(autouse=True)
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROCESS_ENV, raising=False)


def in_use(metrics: PrometheusMetrics) -> float:
    text, _ = metrics.exposition()
    for line in text.decode().splitlines():
        if line.startswith("mentorat_db_connections_in_use "):
            return float(line.split()[1])
    raise AssertionError(text)


def test_a_busy_pool_is_written_at_most_once_an_interval() -> None:
    metrics = PrometheusMetrics(gauge_interval=3600)
    metrics.connections_in_use(1)
    for count in (2, 3, 4, 3):
        metrics.connections_in_use(count)
    assert in_use(metrics) == 1


def test_a_pool_back_to_none_in_use_is_written_at_once() -> None:
    metrics = PrometheusMetrics(gauge_interval=3600)
    for count in (1, 2, 1, 0):
        metrics.connections_in_use(count)
    assert in_use(metrics) == 0


def test_without_an_interval_every_change_is_written() -> None:
    metrics = PrometheusMetrics(gauge_interval=0)
    for count in (1, 2, 3):
        metrics.connections_in_use(count)
        assert in_use(metrics) == count
