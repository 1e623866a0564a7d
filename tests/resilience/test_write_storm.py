"""Scenario 1: a chat write storm against two workers on PostgreSQL loses and doubles nothing."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime

import pytest

from .harness import (
    Api,
    Client,
    Recorder,
    StartServer,
    pairings,
    pg_fetch,
    report,
    run_clients,
    sized,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

CLIENTS = 50
MESSAGES_PER_CLIENT = sized(20, 200)
MENTORINGS = 10


@pytest.mark.timeout(sized(150, 1200))
async def test_a_chat_write_storm_stores_every_created_message_exactly_once_in_order(
    migrated_postgres: str, start_server: StartServer
) -> None:
    server = start_server(migrated_postgres, workers=2)
    api = Api(server.base)
    chats = await pairings(api, MENTORINGS)
    recorder = Recorder()
    sent: dict[int, str] = {}  # message id -> the text its 201 acknowledged
    per_client: dict[int, list[int]] = defaultdict(list)

    async def client(i: int) -> None:
        chat = chats[i % MENTORINGS]
        person = chat.participant(i // MENTORINGS)
        path = f"/api/mentoring/chat/{chat.id}/messages/"
        async with Client(server.base, recorder, token=person.access) as http:
            for n in range(MESSAGES_PER_CLIENT):
                text = f"storm client {i} message {n}"
                out = await http.call("post", "POST", path, json_body={"message": text})
                if out.status == 201 and out.failure is None:
                    assert out.body["message"] == text
                    assert out.body["sender_id"] == str(person.id)
                    sent[out.body["id"]] = text
                    per_client[i].append(out.body["id"])

    started = time.monotonic()
    await run_clients(CLIENTS, client, wall=sized(120, 1100))
    seconds = time.monotonic() - started

    server.assert_steady()
    statuses = recorder.statuses()
    assert recorder.failures() == [], "every response arrives whole and is JSON"
    assert not [s for s in statuses if s.startswith("5")], statuses
    assert statuses == {"201": CLIENTS * MESSAGES_PER_CLIENT}, statuses

    ids = [chat.id for chat in chats]
    rows = await pg_fetch(
        migrated_postgres,
        "SELECT id, mentoring_id, body, created_at FROM messages"
        " WHERE mentoring_id = ANY(%s) ORDER BY id",
        (ids,),
    )
    stored = {row[0]: row[2] for row in rows}
    assert len(rows) == len(sent), "stored count equals the count of 201s"
    assert stored == sent, "every 201 is stored once, with the text it acknowledged"
    assert len(set(stored.values())) == len(stored), "no text is stored twice"

    for i, created in per_client.items():
        assert created == sorted(created), f"client {i}: later messages got smaller ids"
    by_chat: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for message_id, chat_id, _, created_at in rows:
        by_chat[chat_id].append((message_id, created_at))
    for chat_id, messages in by_chat.items():
        times = [created_at for _, created_at in messages]
        assert times == sorted(times), f"mentoring {chat_id}: ids do not follow posting order"

    counters = dict(
        await pg_fetch(
            migrated_postgres, "SELECT id, message_count FROM mentorings WHERE id = ANY(%s)", (ids,)
        )
    )
    assert counters == {chat_id: len(by_chat[chat_id]) for chat_id in ids}

    for chat in chats:
        seen = [m["id"] for m in await api.messages(chat.mentee, chat.id)]
        assert seen == [message_id for message_id, _ in by_chat[chat.id]], "the API agrees"

    assert server.logged_errors() == []
    report(
        "1 chat write storm",
        clients=CLIENTS,
        messages_per_client=MESSAGES_PER_CLIENT,
        mentorings=MENTORINGS,
        workers=2,
        seconds=round(seconds, 2),
        throughput_rps=round(len(recorder.outcomes) / seconds),
        stored=len(rows),
        **recorder.summary(),
    )
