"""Scenarios 2, 3 and 4: simultaneous responses, duplicate requests and idempotent replays.

Each runs against two workers, on PostgreSQL and on SQLite, so that the racing requests are
served by different processes with their own connection pools.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import (
    PERIOD,
    Api,
    Client,
    Recorder,
    Server,
    bearer,
    report,
    server_env,
    sized,
)

pytestmark = pytest.mark.e2e

BACKENDS = [pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"]


@pytest.fixture(scope="module", params=BACKENDS)
def race_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, str]]:
    """Two workers on the backend named by the parameter; shared by the tests of a backend."""
    backend: str = request.param
    directory: Path = tmp_path_factory.mktemp(f"races-{backend}")
    if backend == "postgresql":
        url: str = request.getfixturevalue("migrated_postgres")
    else:
        url = f"sqlite:///{directory / 'mentorat.db'}"
    server = Server(directory, server_env(url), workers=2)
    server.start()
    try:
        yield server, backend
        server.assert_steady()
    finally:
        try:
            assert server.stop(timeout=20) == 0
        finally:
            server.kill()
    assert server.logged_errors() == []


async def warm(clients: list[Client]) -> None:
    """Open every client's connection first, so that the race starts at the same moment."""
    outs = await asyncio.gather(*(c.call("warm-up", "GET", "/health") for c in clients))
    assert all(o.status == 200 for o in outs)


def closing(clients: list[Client]) -> Any:
    return asyncio.gather(*(c.http.aclose() for c in clients))


# --- 2. Double accept ---------------------------------------------------------------------------

ACCEPT_ROUNDS = sized(20, 100)
ACCEPTERS = 10


@pytest.mark.timeout(sized(120, 600))
async def test_of_ten_simultaneous_accepts_of_one_request_exactly_one_succeeds_each_round(
    race_server: tuple[Server, str],
) -> None:
    server, backend = race_server
    api = Api(server.base)
    mentor = await api.person("mentor", mentor=True)
    mentees = await api.people("mentee", ACCEPT_ROUNDS)
    recorder = Recorder()
    clients = [Client(server.base, recorder, token=mentor.access) for _ in range(ACCEPTERS)]
    winners: dict[int, dict[str, Any]] = {}
    try:
        await warm(clients)
        for mentee in mentees:
            made = await api.request(mentee, mentor)
            path = f"/api/mentoring/requests/{made['id']}/respond/"
            outs = await asyncio.gather(
                *(c.call("accept", "PATCH", path, json_body={"status": "active"}) for c in clients)
            )
            assert [o.failure for o in outs] == [None] * ACCEPTERS
            statuses = Counter(o.status for o in outs)
            assert statuses == {200: 1, 409: ACCEPTERS - 1}, (backend, statuses)
            (winner,) = [o.body for o in outs if o.status == 200]
            assert winner["Status"] == "active"
            assert all(o.body["detail"] for o in outs if o.status == 409)
            # The mentor completes it, so that their capacity (3 by default) never runs out
            # over the rounds: every round races on an accept that the mentor has room for.
            done = await clients[0].call(
                "complete", "POST", f"/api/mentoring/{made['id']}/complete/"
            )
            assert done.status == 200, done.body
            assert {**winner, "Status": "completed"} == {
                **done.body,
                "Updated_At": winner["Updated_At"],
            }
            winners[made["id"]] = done.body
    finally:
        await closing(clients)

    async with Client(server.base, Recorder(), token=mentor.access) as http:
        listed = await http.call("list", "GET", "/api/mentorship/demande/?role=mentor")
    stored = {m["id"]: m for m in listed.body}
    assert stored == winners, "the stored state is the one the single 200 described"
    report(
        f"2 double accept ({backend})",
        rounds=ACCEPT_ROUNDS,
        concurrent_accepts=ACCEPTERS,
        workers=2,
        **recorder.summary("accept"),
    )


RACE_ROUNDS = sized(10, 50)


@pytest.mark.timeout(sized(120, 600))
async def test_when_accepts_and_refusals_race_one_wins_and_the_state_is_the_winners(
    race_server: tuple[Server, str],
) -> None:
    server, backend = race_server
    api = Api(server.base)
    mentor = await api.person("mentor", mentor=True)
    mentees = await api.people("mentee", RACE_ROUNDS)
    recorder = Recorder()
    actions = ["active", "rejected", "active", "inactive", "active", "rejected"] * 2
    clients = [Client(server.base, recorder, token=mentor.access) for _ in actions]
    winners: dict[int, str] = {}
    shuffle = random.Random(6).shuffle  # who fires first changes from round to round
    try:
        await warm(clients)
        for mentee in mentees:
            shuffle(actions)
            made = await api.request(mentee, mentor)
            path = f"/api/mentoring/requests/{made['id']}/respond/"
            outs = await asyncio.gather(
                *(
                    c.call("respond", "PATCH", path, json_body={"status": action})
                    for c, action in zip(clients, actions, strict=True)
                )
            )
            statuses = Counter(o.status for o in outs)
            assert statuses == {200: 1, 409: len(actions) - 1}, (backend, statuses)
            ((action, body),) = [(a, o.body) for a, o in zip(actions, outs, strict=True) if o.ok]
            expected = "active" if action == "active" else "rejected"
            assert body["Status"] == expected, "the 200 describes what its caller asked for"
            winners[made["id"]] = expected
    finally:
        await closing(clients)

    async with Client(server.base, Recorder(), token=mentor.access) as http:
        listed = await http.call("list", "GET", "/api/mentorship/demande/?role=mentor")
    assert {m["id"]: m["Status"] for m in listed.body} == winners
    report(
        f"2 accept versus refuse ({backend})",
        rounds=RACE_ROUNDS,
        concurrent_responses=len(actions),
        wins=dict(Counter(winners.values())),
        **recorder.summary("respond"),
    )


# --- 3. Duplicate request race --------------------------------------------------------------

DUPLICATE_ROUNDS = sized(5, 20)
DUPLICATES = 20


@pytest.mark.timeout(sized(120, 600))
async def test_of_twenty_simultaneous_requests_for_one_pair_one_is_created_and_nineteen_conflict(
    race_server: tuple[Server, str],
) -> None:
    server, backend = race_server
    api = Api(server.base)
    mentor = await api.person("mentor", mentor=True)
    mentees = await api.people("mentee", DUPLICATE_ROUNDS)
    recorder = Recorder()
    clients = [Client(server.base, recorder) for _ in range(DUPLICATES)]
    try:
        await warm(clients)
        for mentee in mentees:
            for c in clients:
                c.token = mentee.access
            body = {"mentor_id": mentor.id, "mentee_id": mentee.id, **PERIOD}
            outs = await asyncio.gather(
                *(
                    c.call("request", "POST", "/api/mentorship/demande/", json_body=body)
                    for c in clients
                )
            )
            statuses = Counter(o.status for o in outs)
            assert statuses == {201: 1, 409: DUPLICATES - 1}, (backend, statuses)
            (created,) = [o.body for o in outs if o.status == 201]
            async with Client(server.base, Recorder(), token=mentee.access) as http:
                listed = await http.call("list", "GET", "/api/mentorship/demande/")
            assert listed.body == [created], "one mentoring is stored for the pair"
    finally:
        await closing(clients)
    report(
        f"3 duplicate request race ({backend})",
        rounds=DUPLICATE_ROUNDS,
        concurrent_requests=DUPLICATES,
        **recorder.summary("request"),
    )


# --- 4. Idempotent replay -------------------------------------------------------------------

REPLAYS = 20
REPLAY_ROUNDS = sized(5, 20)


@pytest.mark.timeout(sized(120, 600))
async def test_twenty_simultaneous_posts_with_one_idempotency_key_store_one_message(
    race_server: tuple[Server, str],
) -> None:
    server, backend = race_server
    api = Api(server.base)
    mentor = await api.person("mentor", mentor=True)
    mentee = await api.person("mentee")
    chat = await api.mentoring(mentee, mentor)
    path = f"/api/mentoring/chat/{chat}/messages/"
    recorder = Recorder()
    clients = [Client(server.base, recorder, token=mentee.access) for _ in range(REPLAYS)]
    firsts: list[dict[str, Any]] = []
    retries: Counter[int | None] = Counter()
    try:
        await warm(clients)
        for round_ in range(REPLAY_ROUNDS):
            key = {"Idempotency-Key": str(uuid.uuid4())}
            body = {"message": f"sent once, however often it is retried ({round_})"}
            outs = await asyncio.gather(
                *(c.call("replay", "POST", path, json_body=body, headers=key) for c in clients)
            )
            assert [o.failure for o in outs] == [None] * REPLAYS
            statuses = Counter(o.status for o in outs)
            assert set(statuses) <= {201, 409}, statuses
            assert statuses[201] >= 1, statuses
            first = next(o.body for o in outs if o.status == 201)
            assert all(o.body == first for o in outs if o.status == 201), "identical replies"
            assert all(o.body["detail"] for o in outs if o.status == 409), "409: still running"

            retry = await clients[0].call("retry", "POST", path, json_body=body, headers=key)
            retries[retry.status] += 1
            assert (retry.status, retry.body) == (201, first), "a later retry: the first reply"
            firsts.append(first)
    finally:
        await closing(clients)

    stored = await api.messages(mentor, chat)
    assert stored == firsts, "one message stored per key, exactly the one the 201s described"
    report(
        f"4 idempotent replay ({backend})",
        rounds=REPLAY_ROUNDS,
        concurrent_posts_per_key=REPLAYS,
        statuses=dict(recorder.statuses("replay")),
        stored=len(stored),
        later_retries=dict(retries),
    )


@pytest.mark.timeout(120)
async def test_an_idempotency_key_is_bound_to_its_body_and_scoped_to_its_caller(
    race_server: tuple[Server, str],
) -> None:
    server, _ = race_server
    api = Api(server.base)
    mentor = await api.person("mentor", mentor=True)
    mentee = await api.person("mentee")
    chat = await api.mentoring(mentee, mentor)
    path = f"/api/mentoring/chat/{chat}/messages/"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    async with Client(server.base, Recorder()) as http:
        first = await http.call(
            "post", "POST", path, json_body={"message": "hello"}, headers=key | bearer(mentee)
        )
        assert first.status == 201
        other_body = await http.call(
            "post", "POST", path, json_body={"message": "bye"}, headers=key | bearer(mentee)
        )
        assert other_body.status == 422, "the same key with another body is refused"
        other_caller = await http.call(
            "post", "POST", path, json_body={"message": "hello"}, headers=key | bearer(mentor)
        )
        assert other_caller.status == 201, "keys are scoped to the caller"
        assert other_caller.body["id"] != first.body["id"]

        reused = await http.call(
            "request",
            "POST",
            "/api/mentorship/demande/",
            json_body={"mentor_id": mentor.id, **PERIOD},
            headers=key | bearer(mentee),
        )
        assert reused.status == 422, "a key names one request, not one per endpoint"

        another = await api.person("mentor", mentor=True)
        wanted = {"mentor_id": another.id, **PERIOD}
        fresh = {"Idempotency-Key": str(uuid.uuid4())}
        replies = [
            await http.call(
                "request",
                "POST",
                "/api/mentorship/demande/",
                json_body=wanted,
                headers=fresh | bearer(mentee),
            )
            for _ in range(2)
        ]
    assert [r.status for r in replies] == [201, 201], "a replayed request is not a duplicate"
    assert replies[0].body == replies[1].body
