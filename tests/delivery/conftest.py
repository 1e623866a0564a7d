"""Fixtures of the delivery tests: a system on each database, a webhook receiver and an SMTP
server on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from mentorat.bootstrap import System, open_system
from tests.conftest import settings_for
from tests.delivery.support import Inbox, Receiver, start_receiver, start_smtp


@pytest.fixture
async def system(db_url: str) -> AsyncIterator[System]:
    system = open_system(settings_for(db_url))
    try:
        yield system
    finally:
        await system.aclose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver, server = start_receiver()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def smtp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    inbox, controller = start_smtp(smtp_port)
    try:
        yield inbox
    finally:
        controller.stop()
