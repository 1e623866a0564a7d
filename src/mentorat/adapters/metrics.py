"""Prometheus metrics: what the HTTP edge, the use cases and the database pool count.

One `PrometheusMetrics` per worker. It is the application's `Tally`, the SQL adapter's
`PoolWatcher` and the HTTP adapter's `RequestObserver`; `exposition` renders `/metrics`.

Several workers (`mentorat serve --workers N`) each count in files of their own under
`PROMETHEUS_MULTIPROC_DIR` (prometheus-client's multiprocess mode, chosen when that variable is
set as the process starts), and whichever worker answers a scrape adds up every worker's files.
Without the variable, the counts live in this process, in a registry of its own.

No label ever names a user, a mentoring or any other id: routes are templates, and the method
is one of a fixed few (the counts are bounded whatever clients send).

A request is not written to prometheus-client's values as it ends: it joins a list in memory
(adapters/batches.py), which is written out at most `FLUSH_SECONDS` later (or once it holds
`FLUSH_BATCH`), each route's count with one increment. Written one by one, three memory-mapped
values per request cost 15-20 µs in a busy worker, 4% of the cheapest request; written
together, a few µs. So a scrape shows another worker's requests up to `FLUSH_SECONDS` late; its
own worker's, at once.
"""

from __future__ import annotations

import os
import time
from collections import Counter as Tally
from typing import Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from mentorat.adapters.batches import FLUSH_BATCH, FLUSH_SECONDS, Batches
from mentorat.application.ports import Occurrence

MULTIPROCESS_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"
# From 1 ms (a cached read) to 10 s (a request that waited out the database's timeouts).
LATENCY_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
# The outbox reader hands an event on within milliseconds when woken, within its poll (5 s by
# default) when a wake-up is lost, and later only when the database is away.
LAG_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The shortest time between two writes of the pool gauge (but see `connections_in_use`).
GAUGE_INTERVAL: Final = 0.05


class PrometheusMetrics:
    """Every metric of one worker. Counting a request costs an append to a list (see the
    module's docstring); `flush` writes out what waits, and `exposition` flushes first."""

    def __init__(
        self,
        *,
        gauge_interval: float = GAUGE_INTERVAL,
        flush_seconds: float = FLUSH_SECONDS,
        registry: CollectorRegistry | None = None,
    ) -> None:
        """`gauge_interval`: the shortest time between two writes of the pool gauge;
        `flush_seconds`: the longest a request's count waits before it is written out;
        `registry`: where the metrics register outside multiprocess mode (a new one when
        None)."""
        self.multiprocess = bool(os.environ.get(MULTIPROCESS_ENV))
        self._gauge_interval = gauge_interval
        self._waiting = Batches(self._write, seconds=flush_seconds, size=FLUSH_BATCH)
        # In multiprocess mode the values live in files and a scrape reads them all: the
        # metrics need no registry. Otherwise they register in this worker's own (not in
        # prometheus-client's global one, which would tie them to the import of a module).
        if self.multiprocess:
            self._registry = None
        else:
            self._registry = registry if registry is not None else CollectorRegistry()
        registry = self._registry
        self._requests = Counter(
            "mentorat_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self._latency = Histogram(
            "mentorat_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by method and route.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._occurrences = {
            Occurrence.LOGIN_FAILED: Counter(
                "mentorat_login_failures",
                "Logins refused for a wrong name or password, or an inactive account.",
                registry=registry,
            ),
            Occurrence.LOGIN_THROTTLED: Counter(
                "mentorat_login_throttled",
                "Logins refused without a check: too many recent failures (429).",
                registry=registry,
            ),
            Occurrence.IDEMPOTENT_REPLAY: Counter(
                "mentorat_idempotent_replays",
                "Writes answered from an earlier request with the same Idempotency-Key.",
                registry=registry,
            ),
        }
        self._in_use = Gauge(
            "mentorat_db_connections_in_use",
            "Database connections checked out of the workers' pools (summed over workers).",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self._streams = Gauge(
            "mentorat_event_streams_open",
            "Event streams open (GET /api/events/ and the web app's chats), summed over workers.",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self._outbox_lag = Histogram(
            "mentorat_outbox_lag_seconds",
            "Time from the change that recorded an event to its reader handing it to the streams.",
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self._pool_waits = Counter(
            "mentorat_db_pool_waits",
            "Checkouts that found every connection of their worker's pool in use and waited.",
            registry=registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._next_in_use = 0.0

    # --- the HTTP adapter's RequestObserver ---------------------------------------------------

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self._waiting.add((method, route, status, seconds))

    def flush(self) -> None:
        """Write out the requests counted since the last flush."""
        self._waiting.flush()

    def _write(self, waiting: list[tuple[str, str, int, float]]) -> None:
        counts: Tally[tuple[str, str, int]] = Tally()
        for method, route, status, seconds in waiting:
            key = (method if method in METHODS else "other", route, status)
            counts[key] += 1
            self._children_of(key)[1].observe(seconds)
        for key, count in counts.items():
            self._children_of(key)[0].inc(count)

    def _children_of(self, key: tuple[str, str, int]) -> tuple[Counter, Histogram]:
        children = self._children.get(key)
        if children is None:
            method, route, status = key
            children = self._children[key] = (
                self._requests.labels(method, route, str(status)),
                self._latency.labels(method, route),
            )
        return children

    # --- the application's Tally -------------------------------------------------------------

    def add(self, occurrence: Occurrence) -> None:
        self._occurrences[occurrence].inc()

    def streams_opened(self, change: int) -> None:
        self._streams.inc(change)

    def event_handed(self, delay_seconds: float) -> None:
        self._outbox_lag.observe(delay_seconds)

    # --- the SQL adapter's PoolWatcher -------------------------------------------------------

    def connections_in_use(self, count: int) -> None:
        # Told twice per checkout, and a write costs as much as the rest of a request's
        # counting (in multiprocess mode, a memory-mapped file): written at most every
        # `gauge_interval`, and whenever the pool is back to none in use, so that an idle
        # worker never shows a busy pool.
        now = time.monotonic()
        if count == 0 or now >= self._next_in_use:
            self._next_in_use = now + self._gauge_interval
            self._in_use.set(count)

    def pool_exhausted(self) -> None:
        self._pool_waits.inc()

    # --- /metrics -----------------------------------------------------------------------------

    def exposition(self) -> tuple[bytes, str]:
        """The text of a scrape, every worker's counts added up, and its content type."""
        self.flush()
        if self._registry is not None:
            return generate_latest(self._registry), CONTENT_TYPE_LATEST
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
