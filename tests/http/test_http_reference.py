"""The API reference pages use this package's copies of their viewers, never a CDN, and those
copies are the files SOURCES.md names (tests/browser renders the pages in a real browser)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from mentorat.adapters.http.reference import ASSETS_PATH, REDOC, SWAGGER_UI, assets_directory


@pytest.fixture
def wiring() -> str:
    """The pages do not touch the database: the memory system is enough."""
    return "memory"


PAGES = ["/schema", "/schema/swagger", "/schema/redoc"]
# Where a page loads a script, a style sheet or an icon from.
LOADED = re.compile(rb"""(?:<script[^>]*\bsrc|<link[^>]*\bhref|<img[^>]*\bsrc)=["']([^"']+)["']""")


def vendored() -> dict[str, str]:
    """SOURCES.md's checksums: {path under static/: sha256}."""
    sources = (assets_directory().parent / "SOURCES.md").read_text()
    found = re.findall(r"^([0-9a-f]{64})  static/(\S+)$", sources, flags=re.MULTILINE)
    return {path: digest for digest, path in found}


def test_the_vendored_files_are_those_sources_md_lists() -> None:
    listed = vendored()
    on_disk = {
        str(path.relative_to(assets_directory()))
        for path in assets_directory().rglob("*")
        if path.is_file()
    }
    assert on_disk == set(listed)
    for path, digest in listed.items():
        assert hashlib.sha256((assets_directory() / path).read_bytes()).hexdigest() == digest, path
    # Each package's licence travels with it.
    assert {SWAGGER_UI + "/LICENSE", SWAGGER_UI + "/NOTICE", REDOC + "/LICENSE"} <= on_disk


@pytest.mark.parametrize("path", PAGES)
async def test_a_reference_page_loads_everything_from_this_server(
    client: AsyncTestClient[Any], path: str
) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    loaded = LOADED.findall(page.content)
    assert loaded, page.text[:500]
    for url in loaded:
        assert url.startswith(ASSETS_PATH.encode() + b"/"), url
        asset = await client.get(url.decode())
        assert asset.status_code == 200, url
        assert "max-age=31536000" in asset.headers["cache-control"]
    # Without JavaScript, the page says where the document is instead of staying blank.
    assert b"<noscript>" in page.content
    assert b"/schema/openapi.json" in page.content
    # Nothing else may be fetched either: the policy allows this server only.
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "http" not in policy


async def test_only_the_vendored_files_are_served(client: AsyncTestClient[Any]) -> None:
    for path in ["/schema/assets/../__init__.py", "/schema/assets/SOURCES.md", ASSETS_PATH + "/"]:
        assert (await client.get(path)).status_code == 404, path
    # The API's own answers carry no page policy.
    assert "content-security-policy" not in (await client.get("/health")).headers
