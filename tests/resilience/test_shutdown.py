"""Scenario 8: SIGTERM in the middle of a write storm loses no acknowledged write."""

from __future__ import annotations

import asyncio

import pytest

from .harness import (
    CONNECT,
    NO_RESPONSE,
    Api,
    Client,
    Recorder,
    StartServer,
    bounded,
    pairings,
    pg_fetch,
    report,
    until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

CLIENTS = 30
GRACE = 10
# Time to notice the exit on top of the grace period: polling, interpreter teardown.
EXIT_MARGIN = 5


@pytest.mark.timeout(120)
async def test_sigterm_during_a_write_storm_keeps_every_201_and_exits_0_within_the_grace_period(
    private_postgres: str, start_server: StartServer
) -> None:
    server = start_server(private_postgres, workers=2, graceful_timeout=GRACE)
    api = Api(server.base)
    chats = await pairings(api, 10)
    recorder = Recorder()
    ended: list[tuple[int | None, float]] = []
    signalled: list[float] = []

    async def client(i: int) -> None:
        chat = chats[i % len(chats)]
        path = f"/api/mentoring/chat/{chat.id}/messages/"
        async with Client(server.base, recorder, token=chat.participant(i).access) as http:
            n = 0
            # Until the server is gone: a refused connection means it no longer accepts.
            while True:
                text = f"client {i} message {n}"
                out = await http.call("post", "POST", path, json_body={"message": text})
                n += 1
                if out.failure == CONNECT:
                    return

    async def terminate() -> None:
        async def storming() -> bool:
            return len(recorder.where(status=201)) >= 300

        await until(storming, within=30)
        server.assert_steady()
        signalled.append(recorder.now())
        ended.append(await server.terminate(GRACE + EXIT_MARGIN))

    storm = asyncio.gather(terminate(), *(client(i) for i in range(CLIENTS)))
    await bounded(storm, wall=90)

    ((status, seconds),) = ended
    assert status == 0, f"exit status {status} after {seconds:.1f} s:\n{server.output()[-3000:]}"
    assert seconds <= GRACE + EXIT_MARGIN
    failures = recorder.statuses()
    complete = [o for o in recorder.outcomes if o.failure is None]
    assert {o.status for o in complete} == {201}, failures
    assert set(failures) <= {"201", CONNECT, NO_RESPONSE}, "no truncated or non-JSON response"

    (sigterm,) = signalled
    drained = [o for o in complete if o.started < sigterm < o.ended]
    assert drained, "some requests were in flight at SIGTERM, and were answered"
    created = {o.body["id"]: o.body["message"] for o in complete}
    ids = [chat.id for chat in chats]
    rows = await pg_fetch(
        private_postgres, "SELECT id, body FROM messages WHERE mentoring_id = ANY(%s)", (ids,)
    )
    stored = dict(rows)
    assert {k: stored.get(k) for k in created} == created, "every 201 is persisted"
    unacknowledged = len(stored) - len(created)
    # A request whose connection closed before any answer may or may not have been written.
    assert 0 <= unacknowledged <= failures[NO_RESPONSE]

    async def pools_closed() -> bool:
        left = await pg_fetch(
            private_postgres,
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = 'mentorat' AND datname = current_database()",
        )
        return left == [(0,)]

    # The server has exited: PostgreSQL ends its backends as it notices the closed sockets,
    # which takes a moment more on a loaded machine.
    await until(pools_closed, within=10)
    assert server.logged_errors() == []
    report(
        "8 SIGTERM during a write storm",
        clients=CLIENTS,
        workers=2,
        graceful_timeout=GRACE,
        exit_status=status,
        exit_seconds=round(seconds, 2),
        in_flight_at_sigterm_answered=len(drained),
        acknowledged_201=len(created),
        stored=len(stored),
        written_without_answer=unacknowledged,
        **recorder.summary(),
    )
