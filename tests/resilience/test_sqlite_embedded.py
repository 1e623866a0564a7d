"""Scenario 9: embedded SQLite with twenty concurrent writers across two workers."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import pytest

from .harness import (
    PERIOD,
    Api,
    Client,
    Person,
    Recorder,
    StartServer,
    bounded,
    pairings,
    report,
    sized,
    sqlite_fetch,
)

pytestmark = pytest.mark.e2e

WRITERS = 20
CHATTERS, REQUESTERS, RESPONDERS = 10, 5, 5
SECONDS = sized(10, 30)


@pytest.mark.timeout(SECONDS + 90)
async def test_twenty_concurrent_writers_on_embedded_sqlite_get_no_500_and_lose_nothing(
    sqlite_url: str, tmp_path: Path, start_server: StartServer
) -> None:
    server = start_server(sqlite_url, workers=2)
    database = tmp_path / "mentorat.db"
    api = Api(server.base)
    chats = await pairings(api, 5)
    # Each requester asks its own mentor again and again; the mentor refuses, freeing the pair.
    mentors = await api.people("busy", RESPONDERS, mentor=True)
    requesters = await api.people("asker", REQUESTERS)
    recorder = Recorder()
    deadline = time.monotonic() + SECONDS

    async def chatter(i: int) -> None:
        chat = chats[i % len(chats)]
        path = f"/api/mentoring/chat/{chat.id}/messages/"
        async with Client(server.base, recorder, token=chat.participant(i).access) as http:
            n = 0
            while time.monotonic() < deadline:
                body = {"message": f"writer {i} message {n}"}
                await http.call("message", "POST", path, json_body=body)
                n += 1

    async def requester(mentee: Person, mentor: Person) -> None:
        body = {"mentor_id": mentor.id, **PERIOD}
        async with Client(server.base, recorder, token=mentee.access) as http:
            while time.monotonic() < deadline:
                await http.call("request", "POST", "/api/mentorship/demande/", json_body=body)

    async def responder(mentor: Person) -> None:
        async with Client(server.base, recorder, token=mentor.access) as http:
            while time.monotonic() < deadline:
                pending = await http.call(
                    "pending", "GET", "/api/mentorship/demande/?role=mentor&status=pending"
                )
                for mentoring in pending.body or []:
                    path = f"/api/mentoring/requests/{mentoring['id']}/respond/"
                    await http.call("respond", "PATCH", path, json_body={"status": "rejected"})

    await bounded(
        asyncio.gather(
            *(chatter(i) for i in range(CHATTERS)),
            *(requester(e, m) for e, m in zip(requesters, mentors, strict=True)),
            *(responder(m) for m in mentors),
        ),
        wall=SECONDS + 60,
    )

    server.assert_steady()
    assert recorder.failures() == []
    statuses = recorder.statuses()
    assert not [s for s in statuses if s.startswith("5")], statuses
    assert set(recorder.statuses("message")) == {"201"}
    assert set(recorder.statuses("request")) <= {"201", "409"}, "409: still pending"
    assert set(recorder.statuses("respond")) <= {"200"}
    assert server.logged_errors() == []
    assert server.stop() == 0

    created = {o.body["id"]: o.body["message"] for o in recorder.where(label="message")}
    chat_ids = [chat.id for chat in chats]
    marks = ",".join("?" * len(chat_ids))
    rows = sqlite_fetch(
        database, f"SELECT id, body FROM messages WHERE mentoring_id IN ({marks})", chat_ids
    )
    assert dict(rows) == created, "every 201 message is stored once, and nothing else"
    counters = dict(
        sqlite_fetch(
            database, f"SELECT id, message_count FROM mentorings WHERE id IN ({marks})", chat_ids
        )
    )
    per_chat = Counter(
        mentoring_id
        for (mentoring_id,) in sqlite_fetch(
            database, f"SELECT mentoring_id FROM messages WHERE mentoring_id IN ({marks})", chat_ids
        )
    )
    assert counters == {chat_id: per_chat[chat_id] for chat_id in chat_ids}

    requested = {o.body["id"] for o in recorder.where(label="request", status=201)}
    refused = {o.body["id"] for o in recorder.where(label="respond", status=200)}
    mentor_ids = [m.id for m in mentors]
    marks = ",".join("?" * len(mentor_ids))
    stored = dict(
        sqlite_fetch(
            database, f"SELECT id, status FROM mentorings WHERE mentor_id IN ({marks})", mentor_ids
        )
    )
    assert set(stored) == requested, "every 201 request is stored, and nothing else"
    assert {i for i, status in stored.items() if status == "rejected"} == refused
    assert {i for i, status in stored.items() if status == "pending"} == requested - refused
    report(
        "9 SQLite embedded writers",
        writers=WRITERS,
        mix=f"{CHATTERS} posting messages, {REQUESTERS} requesting, {RESPONDERS} refusing",
        workers=2,
        seconds=SECONDS,
        messages_201=len(created),
        requests_201=len(requested),
        responses_200=len(refused),
        **recorder.summary(),
    )
