"""Webhooks against a real receiver on 127.0.0.1 that fails and is slow: every event once per
endpoint, in order, signed; one delivery per event whatever the number of dispatchers; dead
letters and their replay. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from mentorat.adapters.memory.services import ManualClock
from mentorat.adapters.webhooks.httpx_sender import HttpxWebhookSender
from mentorat.application.deliver_webhooks import SIGNATURE_HEADER, DeliverWebhooks
from mentorat.application.deliveries import Backoff
from mentorat.application.manage_webhooks import ListFailedDeliveries, ReplayFailedDelivery
from mentorat.application.ports import Clock, NewEvent, WebhookSender
from mentorat.bootstrap import System, open_system
from mentorat.cli import main
from mentorat.domain.errors import InvalidInput
from mentorat.domain.events import MentoringId
from mentorat.domain.users import UserId
from tests.conftest import SECRET, settings_for
from tests.delivery.support import (
    Behaviour,
    Delivery,
    Receiver,
    a_pair,
    accept,
    add,
    documented_check,
    eventually,
    post,
    store,
)

FAST = Backoff(timedelta(milliseconds=10), timedelta(milliseconds=50), timedelta(hours=1))


def dispatcher(
    system: System, sender: WebhookSender, clock: Clock | None = None, backoff: Backoff = FAST
) -> DeliverWebhooks:
    return DeliverWebhooks(
        system.mentorat.uow,
        store(system),
        sender,
        clock or system.clock,
        backoff,
        lease=timedelta(seconds=30),
    )


async def running(*dispatchers: DeliverWebhooks) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(d.run(poll_seconds=0.02)) for d in dispatchers]


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


def bodies(deliveries: list[Delivery]) -> list[dict[str, object]]:
    return [json.loads(d.body) for d in deliveries]


async def test_each_event_reaches_a_failing_slow_receiver_once_per_endpoint_in_order_signed(
    system: System, receiver: Receiver
) -> None:
    # The first three requests fail, every request takes 50 ms.
    receiver.behaviour = Behaviour(fail=lambda n: n <= 3, delay=0.05)
    _, secret_all = await add(system, f"{receiver.url}/all")
    _, secret_chat = await add(system, f"{receiver.url}/chat", ["message_posted"])
    pair = await a_pair(system)
    await accept(system, pair)
    await post(system, pair, 5)
    sender = HttpxWebhookSender(timeout=5)
    tasks = await running(dispatcher(system, sender))
    try:
        await eventually(
            lambda: len(receiver.at("/all")) >= 7 and len(receiver.at("/chat")) >= 5,
            "every event at both endpoints",
        )
    finally:
        await stop(tasks)
        await sender.aclose()

    everything_got = bodies(receiver.at("/all"))
    assert [b["type"] for b in everything_got] == [
        "mentoring_requested",
        "mentoring_accepted",
        *["message_posted"] * 5,
    ]
    ids = [b["id"] for b in everything_got]
    assert ids == sorted(set(ids))  # in order, none twice
    chat_got = bodies(receiver.at("/chat"))
    assert [b["id"] for b in chat_got] == ids[2:]
    assert [b["data"]["message"]["message"] for b in chat_got] == [  # type: ignore[index]
        f"message {n}" for n in range(5)
    ]
    assert everything_got[1]["data"]["mentoring"]["Status"] == "active"  # type: ignore[index]
    verify = documented_check()
    for delivery, secret in [(d, secret_all) for d in receiver.at("/all")] + [
        (d, secret_chat) for d in receiver.at("/chat")
    ]:
        assert delivery.headers["Content-Type"] == "application/json"
        assert verify(secret, delivery.headers[SIGNATURE_HEADER], delivery.body)


async def test_a_forged_or_replayed_delivery_fails_the_documented_check(
    system: System, receiver: Receiver
) -> None:
    _, secret = await add(system, receiver.url)
    await a_pair(system)
    sender = HttpxWebhookSender(timeout=5)
    try:
        assert await dispatcher(system, sender).run_once() == 1
    finally:
        await sender.aclose()
    [delivery] = receiver.received
    header = delivery.headers[SIGNATURE_HEADER]
    t = int(header.split(",")[0].removeprefix("t="))
    verify = documented_check()
    assert verify(secret, header, delivery.body, now=t + 1)
    forged = delivery.body.replace(b'"mentoring_requested"', b'"mentoring_accepted"')
    assert not verify(secret, header, forged, now=t + 1)
    assert not verify(secret, header.replace("v1=", "v1=0"), delivery.body, now=t + 1)
    assert not verify("whsec_not_the_secret", header, delivery.body, now=t + 1)
    assert not verify(secret, header, delivery.body, now=t + 6 * 60)  # replayed later


async def test_two_dispatchers_at_once_deliver_each_event_exactly_once(
    system: System, receiver: Receiver
) -> None:
    # Every third request fails; each takes 20 ms.
    receiver.behaviour = Behaviour(fail=lambda n: n % 3 == 0, delay=0.02)
    paths = [f"/{n}" for n in range(3)]
    for path in paths:
        await add(system, f"{receiver.url}{path}")
    pair = await a_pair(system)
    await accept(system, pair)
    senders = [HttpxWebhookSender(timeout=5), HttpxWebhookSender(timeout=5)]
    tasks = await running(*(dispatcher(system, s) for s in senders))
    try:
        await post(system, pair, 10)  # while they run
        await eventually(
            lambda: all(len(receiver.at(path)) >= 12 for path in paths),
            "12 events at each endpoint",
        )
        # A little more time: a second delivery of anything would show now.
        await post(system, pair, 1)
        await eventually(
            lambda: all(len(receiver.at(path)) >= 13 for path in paths), "the last one too"
        )
    finally:
        await stop(tasks)
        for sender in senders:
            await sender.aclose()
    expected = [b["id"] for b in bodies(receiver.at(paths[0]))]
    assert len(expected) == 13
    assert expected == sorted(set(expected))
    for path in paths:
        assert [b["id"] for b in bodies(receiver.at(path))] == expected


async def test_an_event_given_up_is_a_dead_letter_the_endpoint_moves_on_and_replay_sends_it(
    system: System, receiver: Receiver
) -> None:
    receiver.behaviour = Behaviour(fail=lambda n: True)
    await add(system, receiver.url)
    pair = await a_pair(system)
    await accept(system, pair)
    clock = ManualClock(datetime.now(UTC))
    give_up = Backoff(timedelta(seconds=1), timedelta(seconds=2), timedelta(minutes=1))
    sender = HttpxWebhookSender(timeout=5)
    webhooks = dispatcher(system, sender, clock, give_up)
    try:
        assert await webhooks.run_once() == 0
        [(_, progress)] = await store(system).all()
        assert progress.attempts == 1
        assert progress.last_error == "answered 500"
        assert await ListFailedDeliveries(store(system))() == []
        clock.advance(minutes=2)  # past the give-up time: both events are given up
        await webhooks.run_once()
        clock.advance(seconds=5)
        await webhooks.run_once()
        failed = await ListFailedDeliveries(store(system))()
        assert [f.event.name for f in failed] == ["mentoring_accepted", "mentoring_requested"]
        assert receiver.received == []

        receiver.behaviour = Behaviour()
        replayed = await ReplayFailedDelivery(store(system), sender, clock)(failed[1].id)
        assert replayed.event.name == "mentoring_requested"
        [delivery] = receiver.received
        assert json.loads(delivery.body)["type"] == "mentoring_requested"
        assert [f.id for f in await ListFailedDeliveries(store(system))()] == [failed[0].id]

        # Delivered again: the endpoint is no longer failing, new events go at once.
        await post(system, pair, 1)
        assert await webhooks.run_once() == 1
        [(_, progress)] = await store(system).all()
        assert progress.failing_since is None
        assert progress.attempts == 0
    finally:
        await sender.aclose()


async def test_an_endpoint_asks_only_for_known_events_at_an_http_url(system: System) -> None:
    with pytest.raises(InvalidInput):
        await add(system, "ftp://example.org/hook")
    with pytest.raises(InvalidInput):
        await add(system, "https://example.org/hook", ["message_sent"])


@pytest.mark.usefixtures("sqlite_url")
def test_the_command_line_adds_lists_and_removes_webhooks(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MENTORAT_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MENTORAT_SECRET_KEY", SECRET)
    assert main(["webhook", "add", "https://example.org/in", "--events", "message_posted"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["secret"].startswith("whsec_")
    assert added["events"] == ["message_posted"]
    assert main(["webhook", "list"]) == 0
    [listed] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert listed["id"] == added["id"]
    assert added["secret"] not in json.dumps(listed)
    assert main(["webhook", "failed"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["webhook", "remove", str(added["id"])]) == 0
    assert main(["webhook", "remove", str(added["id"])]) == 1
    assert main(["webhook", "replay", "99"]) == 1
    assert main(["webhook", "add", "https://example.org/in", "--events", "nope"]) == 1


async def test_no_answer_within_the_timeout_is_a_failure_tried_again(
    system: System, receiver: Receiver
) -> None:
    # The first request gets its answer (an error) only after 2 s; the sender waits 0.3 s.
    receiver.behaviour = Behaviour(fail=lambda n: n == 1, stall=lambda n: 2.0 if n == 1 else 0)
    await add(system, receiver.url)
    await a_pair(system)
    clock = ManualClock(datetime.now(UTC))
    sender = HttpxWebhookSender(timeout=0.3)
    webhooks = dispatcher(system, sender, clock)
    try:
        assert await webhooks.run_once() == 0
        [(_, progress)] = await store(system).all()
        assert progress.last_error == "no answer within 0.3 s"
        clock.advance(seconds=1)
        assert await webhooks.run_once() == 1
    finally:
        await sender.aclose()
    assert [json.loads(d.body)["type"] for d in receiver.received] == ["mentoring_requested"]


@pytest.mark.parametrize("action", ["add", "list", "remove", "failed", "replay", "dispatch"])
def test_every_webhook_command_has_help(action: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["webhook", action, "--help"])
    assert exit_.value.code == 0
    assert "usage: mentorat webhook" in capsys.readouterr().out


@pytest.mark.postgres
async def test_an_event_committed_late_below_a_delivered_one_is_not_skipped(
    pg_url: str, receiver: Receiver
) -> None:
    system = open_system(settings_for(pg_url))
    sender = HttpxWebhookSender(timeout=5)
    try:
        await add(system, receiver.url)
        uow = system.mentorat.uow
        now = datetime.now(UTC)
        late = NewEvent("message_posted", MentoringId(1), (UserId(1),), now, '{"n":"late"}')
        early = NewEvent("message_posted", MentoringId(1), (UserId(1),), now, '{"n":"early"}')
        webhooks = dispatcher(system, sender)
        async with uow() as slow:
            await slow.outbox.add([late])  # draws the smaller id, commits last
            async with uow() as fast:
                await fast.outbox.add([early])
                await fast.commit()
            assert await webhooks.run_once() == 0  # the smaller id may still come
            await slow.commit()
        delivered = 0
        for _ in range(200):
            delivered += await webhooks.run_once()
            if delivered == 2:
                break
            await asyncio.sleep(0.01)
    finally:
        await sender.aclose()
        await system.aclose()
    got = bodies(receiver.received)
    assert [b["data"] for b in got] == [{"n": "late"}, {"n": "early"}]
    assert got[0]["id"] < got[1]["id"]  # type: ignore[operator]
