"""Two `mentorat serve` workers on PostgreSQL through a real PgBouncer in transaction pooling
mode (tests/pgbouncer.py): a whole conversation, each request on a new connection so that both
workers serve, each worker's statements run on whichever server connection PgBouncer gives,
and an event stream that hears every message at once (its LISTEN goes past the pooler)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.support import Server, event_stream, server_env
from tests.pgbouncer import PgBouncer

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
MESSAGES = 30


def test_two_workers_hold_a_conversation_through_pgbouncer(
    make_server: type[Server],
    workdir: Path,
    pgbouncer: PgBouncer,
    pgbouncer_url: str,
    pg_url: str,
) -> None:
    pooled = pgbouncer.settings()
    env = server_env(
        workdir,
        MENTORAT_DATABASE_URL=pgbouncer_url,
        MENTORAT_SECRET_KEY="a-test-signing-key-of-at-least-32-bytes",
        MENTORAT_DB_TRANSACTION_POOLING="on",
        MENTORAT_DB_PREPARED_STATEMENTS="on" if pooled["db_prepared_statements"] else "off",
        MENTORAT_DB_POOL_SIZE="4",
        MENTORAT_DB_LISTEN_URL=pg_url,
        # Polls a minute apart: the stream below hears the messages through notifications.
        MENTORAT_EVENT_POLL_SECONDS="60",
    )
    # `mentorat serve` migrates through PgBouncer too: its lock is a transaction's.
    server = make_server(workdir, env, workers=2).start()
    base = server.base

    def login(name: str, *, mentor: bool = False) -> tuple[int, dict[str, str]]:
        body = {"username": name, "password": "longenough1", "email": f"{name}@example.com"}
        created = httpx.post(f"{base}/auth/register/", json={**body, "is_mentor": mentor})
        assert created.status_code == 201, created.text
        token = httpx.post(f"{base}/auth/token/", json=body)
        assert token.status_code == 200, token.text
        return created.json()["id"], {"Authorization": f"Bearer {token.json()['access']}"}

    _, mentee = login("ada")
    mentor_id, mentor = login("grace", mentor=True)
    asked = httpx.post(
        f"{base}/api/mentorship/demande/",
        json={"mentor_id": mentor_id, "Start_Date": "2025-01-01", "End_Date": "2025-12-31"},
        headers=mentee,
    )
    assert asked.status_code == 201, asked.text
    mentoring = asked.json()["id"]
    accepted = httpx.patch(
        f"{base}/api/mentoring/requests/{mentoring}/respond/",
        json={"status": "active"},
        headers=mentor,
    )
    assert accepted.status_code == 200, accepted.text
    chat = f"{base}/api/mentoring/chat/{mentoring}/messages/"
    with event_stream(base, mentee["Authorization"].removeprefix("Bearer ")) as stream:
        for n in range(MESSAGES):
            author = mentee if n % 2 else mentor
            posted = httpx.post(chat, json={"message": f"message {n}"}, headers=author)
            assert posted.status_code == 201, posted.text
            # Reads between writes: the same statements again and again, on many connections.
            assert httpx.get(f"{base}/api/mentoring/", headers=mentee).status_code == 200
        posted_at = time.monotonic()
        heard: list[str] = []
        while len(heard) < MESSAGES:
            event = stream.next()
            if event["event"] == "message_posted":
                heard.append(event["data"]["message"]["message"])
        assert time.monotonic() - posted_at < 10
    assert heard == [f"message {n}" for n in range(MESSAGES)]
    page = httpx.get(chat, params={"limit": MESSAGES}, headers=mentee)
    assert page.status_code == 200, page.text
    texts = sorted(int(m["message"].split()[1]) for m in page.json())
    assert texts == list(range(MESSAGES))
    assert httpx.get(f"{base}/ready").status_code == 200
    assert server.stop() == 0
    assert "ERROR" not in server.output(), server.output()
