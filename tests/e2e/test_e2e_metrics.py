"""`/metrics` of a real two-worker `mentorat serve`: whichever worker answers a scrape, the
counts are every worker's, added up (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from mentorat.adapters.batches import FLUSH_SECONDS
from tests.e2e.support import Server, server_env

pytestmark = pytest.mark.e2e
REQUESTS = 40
# How long a scrape may lag the other worker's counts on a busy machine (a flush is due
# FLUSH_SECONDS after a request).
SETTLE_SECONDS = 5.0


def count(text: str, route: str, status: str = "200") -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "mentorat_http_requests_total" and sample.labels == {
                "method": "GET",
                "route": route,
                "status": status,
            }:
                return sample.value
    return 0


def spread_requests(base: str) -> None:
    # A new connection each: the kernel spreads connections, not requests, over the workers.
    for _ in range(REQUESTS):
        assert httpx.get(f"{base}/health", timeout=10).status_code == 200


class Scraper:
    """Scrapes /metrics and remembers how many times it has (each scrape is counted too)."""

    def __init__(self, base: str) -> None:
        self.base, self.done = base, 0

    def settled(self) -> str:
        """The first scrape that shows every /health request and every earlier scrape: a
        worker writes out its counts within FLUSH_SECONDS, so the other worker's may show a
        moment late, but never more than happened."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            text = httpx.get(f"{self.base}/metrics", timeout=10).text
            earlier, self.done = self.done, self.done + 1
            assert count(text, "/health") <= REQUESTS
            assert count(text, "/metrics") <= earlier
            if count(text, "/health") == REQUESTS and count(text, "/metrics") == earlier:
                return text
            if time.monotonic() > deadline:
                return text
            time.sleep(FLUSH_SECONDS / 2)


def test_every_scrape_adds_up_both_workers(
    make_server: type[Server], workdir: Path, tmp_path: Path
) -> None:
    directory = tmp_path / "metrics"
    stale = directory / "counter_1.db"
    directory.mkdir()
    stale.write_bytes(b"left by an earlier run")
    env = server_env(workdir, PROMETHEUS_MULTIPROC_DIR=str(directory))
    server = make_server(workdir, env, workers=2).start()
    assert not stale.exists()  # an earlier run's counts are not added to this one's
    spread_requests(server.base)
    scraper = Scraper(server.base)
    for _ in range(5):
        text = scraper.settled()
        assert count(text, "/health") == REQUESTS
        # The earlier scrapes, whichever worker answered them.
        assert count(text, "/metrics") == scraper.done - 1
    pids = {re.sub(r"\D", "", path.stem) for path in directory.glob("counter_*.db")}
    assert len(pids) == 2, pids  # both workers counted
    assert server.stop() == 0


def test_without_a_directory_serve_makes_one_and_removes_it(
    make_server: type[Server], workdir: Path, tmp_path: Path
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    server = make_server(workdir, server_env(workdir, TMPDIR=str(temp)), workers=2).start()
    [made] = temp.glob("mentorat-metrics-*")
    spread_requests(server.base)
    assert count(Scraper(server.base).settled(), "/health") == REQUESTS
    assert server.stop() == 0
    assert not made.exists()


def test_metrics_off_serves_no_metrics(make_server: type[Server], workdir: Path) -> None:
    server = make_server(workdir, server_env(workdir, MENTORAT_METRICS="off"), workers=2).start()
    assert httpx.get(f"{server.base}/metrics", timeout=10).status_code == 404
    assert server.stop() == 0
