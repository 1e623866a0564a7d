"""The access log holds its lines a moment and hands them on together (`AccessLog`): within
`flush_seconds` in an event loop, at once outside one, and when the worker stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from litestar.testing import AsyncTestClient

from mentorat.adapters.http.access import AccessLog
from mentorat.bootstrap import System, http_app
from mentorat.logs import ACCESS_ENTRIES, AccessEntry, RequestIdFilter, request_id
from tests.http.support import logging_to


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def entries(self) -> list[AccessEntry]:
        return [e for r in self.records for e in getattr(r, ACCESS_ENTRIES)]


@pytest.fixture
def kept() -> Iterator[Kept]:
    handler = Kept()
    with logging_to(handler, "mentorat.access", logging.INFO):
        yield handler


def add(access: AccessLog, rid: str) -> None:
    access.add(rid, "GET", "/health", 200, 0.0005, None)


async def test_lines_are_handed_on_together_within_the_flush_interval(kept: Kept) -> None:
    access = AccessLog(flush_seconds=0.05)
    for rid in ("a", "b", "c"):
        add(access, rid)
    assert kept.records == []
    await asyncio.sleep(0.2)
    assert len(kept.records) == 1
    assert [e.request_id for e in kept.entries()] == ["a", "b", "c"]
    assert {(e.route, e.status, e.duration_ms) for e in kept.entries()} == {("/health", 200, 0.5)}


async def test_the_record_of_many_requests_carries_no_single_requests_id(kept: Kept) -> None:
    token = request_id.set("the-request-that-filled-the-batch")
    try:
        access = AccessLog(flush_seconds=0.05)
        add(access, "a")
        access.flush()
    finally:
        request_id.reset(token)
    [record] = kept.records
    assert record.request_id is None


def test_outside_an_event_loop_a_line_is_handed_on_at_once(kept: Kept) -> None:
    add(AccessLog(flush_seconds=3600), "a")
    assert [e.request_id for e in kept.entries()] == ["a"]


async def test_a_stopping_app_writes_the_lines_still_waiting(system: System, kept: Kept) -> None:
    app = http_app(system)
    async with AsyncTestClient(app) as client:
        for rid in ("one", "two"):
            response = await client.get("/health", headers={"X-Request-ID": rid})
            assert response.status_code == 200
    # Well before the quarter of a second the lines could otherwise wait.
    assert [(e.request_id, e.route, e.status) for e in kept.entries()] == [
        ("one", "/health", 200),
        ("two", "/health", 200),
    ]


async def test_with_the_access_log_off_no_line_is_made(system: System, kept: Kept) -> None:
    logging.getLogger("mentorat.access").setLevel(logging.WARNING)
    app = http_app(system)
    async with AsyncTestClient(app) as client:
        assert (await client.get("/health")).status_code == 200
        app.access.flush()
    assert kept.records == []
