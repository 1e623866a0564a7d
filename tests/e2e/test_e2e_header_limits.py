"""A real `mentorat serve` refuses oversized headers with a JSON 431, and stays up for the
next client (docs/operations.md says what only a reverse proxy bounds)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.support import Server, server_env

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Authorization": "Bearer " + "x" * 1_000_000}, id="a 1 MB header"),
        pytest.param({f"x-h{n}": "1" for n in range(5000)}, id="5,000 headers"),
    ],
)
def test_oversized_headers_get_a_json_431_from_the_real_server(
    make_server: type[Server], workdir: Path, headers: dict[str, str]
) -> None:
    server = make_server(workdir, server_env(workdir)).start()
    refused = httpx.get(f"{server.base}/health", headers=headers, timeout=30)
    assert refused.status_code == 431
    assert refused.headers["content-type"] == "application/json"
    assert "too large" in refused.json()["detail"]
    assert httpx.get(f"{server.base}/health", timeout=10).status_code == 200
    assert server.stop() == 0
