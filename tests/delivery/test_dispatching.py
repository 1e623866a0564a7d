"""The dispatchers where they run: inside the served app, and as `mentorat webhook dispatch`
processes, two at once on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

import pytest
from litestar.testing import AsyncTestClient

from mentorat.bootstrap import http_app, open_system
from tests.conftest import SECRET, settings_for
from tests.delivery.support import (
    Behaviour,
    Inbox,
    Receiver,
    a_pair,
    accept,
    add,
    eventually,
    post,
)


async def test_the_served_app_delivers_webhooks_and_mail_while_it_serves(
    sqlite_url: str, receiver: Receiver, inbox: Inbox, smtp_port: int
) -> None:
    settings = settings_for(
        sqlite_url,
        webhook_poll_seconds=0.02,
        smtp_url=f"smtp://127.0.0.1:{smtp_port}",
        mail_from="noreply@example.org",
    )
    system = open_system(settings)
    await add(system, receiver.url)
    assert system.mail_queue is not None
    now = system.clock.now()
    await system.mail_queue.take("set-up", now, now)  # the mailer starts from here
    app = http_app(system, close_system=True, dispatch=True)
    async with AsyncTestClient(app=app.app) as client:
        assert (await client.get("/health")).status_code == 200
        pair = await a_pair(system)
        await eventually(lambda: len(receiver.received) == 1, "the request's webhook")
        await eventually(lambda: len(inbox.to(pair.mentor.email)) == 1, "the mentor's mail")
    assert json.loads(receiver.received[0].body)["type"] == "mentoring_requested"


@pytest.mark.postgres
async def test_two_dispatch_processes_on_postgresql_deliver_each_event_exactly_once(
    pg_url: str, receiver: Receiver
) -> None:
    receiver.behaviour = Behaviour(fail=lambda n: n % 4 == 0, delay=0.01)
    system = open_system(settings_for(pg_url))
    try:
        for path in ("/a", "/b"):
            await add(system, f"{receiver.url}{path}")
        env = dict(
            os.environ,
            MENTORAT_DATABASE_URL=pg_url,
            MENTORAT_SECRET_KEY=SECRET,
            MENTORAT_WEBHOOK_POLL_SECONDS="0.05",
            MENTORAT_WEBHOOK_BACKOFF_BASE_SECONDS="0.01",
            MENTORAT_WEBHOOK_BACKOFF_CAP_SECONDS="0.05",
        )
        command = [sys.executable, "-m", "mentorat.cli", "webhook", "dispatch"]
        processes = [await asyncio.create_subprocess_exec(*command, env=env) for _ in range(2)]
        try:
            pair = await a_pair(system)
            await accept(system, pair)
            await post(system, pair, 8)
            await post(system, pair, 8, by_mentor=False)
            await eventually(
                lambda: all(len(receiver.at(p)) >= 18 for p in ("/a", "/b")),
                "18 events at each endpoint",
            )
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            statuses = [await asyncio.wait_for(process.wait(), 30) for process in processes]
        assert statuses == [0, 0]
        ids = [json.loads(d.body)["id"] for d in receiver.at("/a")]
        assert len(ids) == 18
        assert ids == sorted(set(ids))
        assert [json.loads(d.body)["id"] for d in receiver.at("/b")] == ids
    finally:
        await system.aclose()
