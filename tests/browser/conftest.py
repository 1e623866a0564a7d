"""Fixtures of the browser tests: the system Chromium, driven by Playwright, and a real server.

Playwright's own browser download is not used: the tests launch the Chromium of the system's
packages (`apt-get install chromium`). Outside CI a machine without it skips these tests; under
CI=true it fails them (.ci/run installs it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.support import Server, server_env


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A real `mentorat serve` (one worker, SQLite), stopped after the test."""
    running = Server(tmp_path, server_env(tmp_path)).start()
    try:
        yield running
    finally:
        running.stop()
