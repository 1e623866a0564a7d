"""`/metrics` of a real two-worker `mentorat serve`: whichever worker answers a scrape, the
counts are every worker's, added up (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.support import Server, server_env

pytestmark = pytest.mark.e2e
REQUESTS = 40


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
    for scrape in range(5):
        text = httpx.get(f"{server.base}/metrics", timeout=10).text
        assert count(text, "/health") == REQUESTS
        # The earlier scrapes, whichever worker answered them.
        assert count(text, "/metrics") == scrape
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
    assert count(httpx.get(f"{server.base}/metrics", timeout=10).text, "/health") == REQUESTS
    assert server.stop() == 0
    assert not made.exists()


def test_metrics_off_serves_no_metrics(make_server: type[Server], workdir: Path) -> None:
    server = make_server(workdir, server_env(workdir, MENTORAT_METRICS="off"), workers=2).start()
    assert httpx.get(f"{server.base}/metrics", timeout=10).status_code == 404
    assert server.stop() == 0
