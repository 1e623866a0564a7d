"""The API reference pages render in a real browser that can reach nothing but the server.

Every request the page makes to a host other than 127.0.0.1 is refused and recorded, and the
test fails if there was one: the pages must not even try (Redoc's CDN logo is stopped by the
pages' content policy before it becomes a request).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.support import Server

pytestmark = pytest.mark.e2e


def offline_page(browser: Browser) -> tuple[Page, list[str]]:
    """A page whose every request to a host other than 127.0.0.1 is refused and recorded."""
    page = browser.new_page()
    refused: list[str] = []

    def only_loopback(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort("internetdisconnected")

    page.route("**/*", only_loopback)
    return page, refused


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
def test_swagger_ui_lists_the_operations_without_a_network(
    browser: Browser, server: Server, path: str
) -> None:
    page, refused = offline_page(browser)
    page.goto(server.base + path)
    # Swagger UI shows each operation as its method and path, grouped by tag.
    operation = page.locator(".opblock-summary-path").get_by_text("/api/mentoring", exact=True)
    expect(operation).to_be_visible(timeout=30_000)
    expect(page.locator(".opblock-tag", has_text="chat").first).to_be_visible()
    assert refused == []


def test_redoc_lists_the_operations_without_a_network(browser: Browser, server: Server) -> None:
    page, refused = offline_page(browser)
    page.goto(server.base + "/schema/redoc")
    # Redoc's side menu lists the tags; each operation's panel shows its method and path.
    menu = page.locator(".menu-content")
    expect(menu.get_by_text("mentorings", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("/api/mentoring", exact=True)).to_be_attached(timeout=30_000)
    assert refused == []
