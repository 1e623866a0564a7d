"""Fixtures of the end-to-end tests: a temp directory and servers that are always stopped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import Server


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def make_server(workdir: Path) -> Iterator[type[Server]]:
    """Start servers with `make_server(directory, env)`; any still running is stopped after."""
    started: list[Server] = []

    class Tracked(Server):
        def start(self) -> Server:
            started.append(self)
            return super().start()

    yield Tracked
    for server in started:
        if server.process is not None and server.process.poll() is None:
            server.stop()
