"""Scenarios 5, 6 and 7: the database stops, loses its connections, or has none to spare.

The service must answer 503 with Retry-After (never 500, never a hang), within its configured
bounds, and come back by itself once the database does.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest

from .harness import (
    CONNECT_TIMEOUT,
    LATENCY_BOUND,
    POOL_TIMEOUT,
    STATEMENT_TIMEOUT,
    TRANSACTION_TIMEOUT,
    Api,
    Client,
    Cluster,
    Outcome,
    Pairing,
    Recorder,
    Server,
    StartServer,
    bounded,
    outage_server,
    pairings,
    pg_fetch,
    report,
    sized,
    until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

OK_OR_UNAVAILABLE = {"200", "201", "503"}


def chat_path(chat: Pairing) -> str:
    return f"/api/mentoring/chat/{chat.id}/messages/"


async def chatter(
    http: Client, chat: Pairing, i: int, stop: asyncio.Event, *, pause: float = 0.0
) -> None:
    """Post (three times out of four) and read a chat until told to stop; back off on a 503."""
    n = 0
    while not stop.is_set():
        if n % 4 == 3:
            out = await http.call("read", "GET", chat_path(chat) + "?limit=20")
        else:
            text = f"client {i} message {n}"
            out = await http.call("post", "POST", chat_path(chat), json_body={"message": text})
        n += 1
        if out.status == 503:
            await asyncio.sleep(0.2)
        elif pause:
            await asyncio.sleep(pause)


def assert_only_ok_or_unavailable(recorder: Recorder) -> None:
    assert recorder.failures() == [], [(o.label, o.failure) for o in recorder.failures()[:5]]
    statuses = recorder.statuses()
    assert set(statuses) <= OK_OR_UNAVAILABLE, statuses
    unavailable = recorder.where(status=503)
    assert all(o.headers is not None and o.headers.get("retry-after") for o in unavailable)
    assert all(o.body.get("detail") for o in unavailable)


async def assert_every_201_persisted(url: str, recorder: Recorder) -> int:
    created = {o.body["id"]: o.body["message"] for o in recorder.where(label="post", status=201)}
    rows = await pg_fetch(url, "SELECT id, body FROM messages WHERE id = ANY(%s)", (list(created),))
    assert dict(rows) == created, "every 201 is stored, with its text"
    return len(created)


# --- 5. PostgreSQL stopped (or frozen) under load --------------------------------------------

OUTAGE_SECONDS = 5.0
OUTAGE_CLIENTS = 20
# Long enough that a request waiting for the frozen database outlives every configured bound.
FREEZE_SECONDS = 8.0


@dataclass
class Marks:
    """Moments of an outage on the recorder's clock, set by the code that causes it."""

    recorder: Recorder
    at: dict[str, float] = field(default_factory=dict)

    def went_away(self) -> None:
        self.at["down"] = self.recorder.now()

    def returning(self) -> None:
        self.at["returning"] = self.recorder.now()


@dataclass
class OutageRun:
    """What the clients saw around an outage, on the recorder's clock."""

    recorder: Recorder
    down: float  # the database no longer answers
    returning: float  # the database is being brought back
    back: float  # the database answers again
    ready: Outcome  # the first /ready 200 that started after `back`

    def ready_during_outage(self) -> list[Outcome]:
        """The /ready probes sent while the database was surely away."""
        away = self.recorder.where(label="ready")
        return [o for o in away if self.down <= o.started and o.ended < self.returning]

    def max_latency_around_outage(self) -> float:
        around = (
            o
            for o in self.recorder.outcomes
            if o.started <= self.back + 1 and o.ended >= self.down - 1
        )
        return max((o.elapsed for o in around), default=0.0)


async def run_outage(
    server: Server, chats: list[Pairing], outage: Callable[[Marks], Awaitable[None]]
) -> OutageRun:
    """Load for 2 s, then `outage(marks)`, then 5 s more of load.

    `outage` calls `marks.went_away()` once the database no longer answers and
    `marks.returning()` just before bringing it back, and returns once it answers again.
    """
    recorder = Recorder()
    stop = asyncio.Event()
    found: list[Outcome] = []

    async def client(i: int) -> None:
        chat = chats[i % len(chats)]
        async with Client(server.base, recorder, token=chat.participant(i).access) as http:
            await chatter(http, chat, i, stop, pause=0.01)

    async def prober() -> None:
        async with Client(server.base, recorder) as http:
            while not stop.is_set():
                await http.call("ready", "GET", "/ready")
                await asyncio.sleep(0.1)

    marks = Marks(recorder)

    async def ready_again() -> bool:
        ready = recorder.where(label="ready", status=200)
        found[:] = [o for o in ready if o.started >= marks.at["back"]]
        return bool(found)

    async def fault() -> None:
        await asyncio.sleep(2)
        await outage(marks)
        marks.at["back"] = recorder.now()
        await until(ready_again, within=15)
        await asyncio.sleep(5)  # the load goes on against the database that came back
        stop.set()

    clients = (client(i) for i in range(OUTAGE_CLIENTS))
    await bounded(asyncio.gather(fault(), prober(), *clients), wall=120)
    first = min(found, key=lambda o: o.ended)
    at = marks.at
    return OutageRun(recorder, at["down"], at["returning"], at["back"], first)


async def assert_recovered_from(
    run: OutageRun, server: Server, processes: list[int], url: str
) -> tuple[float, int]:
    """The checks after any outage: (seconds until /ready said 200, 201s found stored)."""
    recorder = run.recorder
    assert_only_ok_or_unavailable(recorder)
    during = run.ready_during_outage()
    assert during, "/ready was probed while the database was away"
    assert all(o.status == 503 for o in during), "/ready is 503 while the database is away"
    recovery = run.ready.ended - run.back
    assert recovery <= 5, f"/ready took {recovery:.1f} s to see the database again"
    after = [o for o in recorder.outcomes if o.started >= run.ready.ended + 1.0]
    assert after, "load went on after the recovery"
    assert all(o.ok for o in after), recorder.statuses()
    assert server.alive()
    assert server.pids() == processes, "recovered without a restart"
    assert recorder.where(status=503), "the outage was seen by the clients"
    assert server.logged_errors() == []
    return recovery, await assert_every_201_persisted(url, recorder)


def outage_figures(run: OutageRun) -> dict[str, Any]:
    first_write = min(
        (o.ended for o in run.recorder.where(label="post", status=201) if o.started >= run.back),
        default=None,
    )
    return {
        "clients": OUTAGE_CLIENTS,
        "workers": 2,
        "pool_connect_statement_transaction_timeouts_s": [
            POOL_TIMEOUT,
            CONNECT_TIMEOUT,
            STATEMENT_TIMEOUT,
            TRANSACTION_TIMEOUT,
        ],
        "latency_bound_s": LATENCY_BOUND,
        "away_s": round(run.back - run.down, 2),
        "ready_probes_while_away": dict(Counter(o.status for o in run.ready_during_outage())),
        "ready_200_after_return_s": round(run.ready.ended - run.back, 2),
        "first_201_after_return_s": (
            None if first_write is None else round(first_write - run.back, 2)
        ),
        "max_latency_around_outage_ms": round(1000 * run.max_latency_around_outage(), 1),
        **run.recorder.summary(),
    }


async def outage_scenario(
    name: str, url: str, start_server: StartServer, outage: Callable[[Marks], Awaitable[None]]
) -> None:
    """Scenarios 5 and 5b: load through `outage`, then the checks every outage must pass."""
    server = outage_server(start_server, url)
    processes = server.pids()
    chats = await pairings(Api(server.base), 5)
    run = await run_outage(server, chats, outage)
    report(name, **outage_figures(run))

    slowest = run.recorder.max_latency()
    assert slowest <= LATENCY_BOUND, f"an answer took {slowest:.1f} s (bound {LATENCY_BOUND} s)"
    await assert_recovered_from(run, server, processes, url)


@pytest.mark.timeout(180)
async def test_a_five_second_postgresql_outage_gives_only_503s_and_recovers_without_a_restart(
    cluster: Cluster, cluster_database: str, start_server: StartServer
) -> None:
    async def stop_for_five_seconds(marks: Marks) -> None:
        await asyncio.to_thread(cluster.stop, "fast")
        marks.went_away()
        await asyncio.sleep(OUTAGE_SECONDS)
        marks.returning()
        await asyncio.to_thread(cluster.start)

    await outage_scenario(
        "5 PostgreSQL stopped under load", cluster_database, start_server, stop_for_five_seconds
    )


@pytest.mark.timeout(180)
async def test_a_frozen_postgresql_gives_503s_within_the_bound_instead_of_hanging_requests(
    cluster: Cluster, cluster_database: str, start_server: StartServer
) -> None:
    async def freeze(marks: Marks) -> None:
        with cluster.frozen():
            marks.went_away()
            await asyncio.sleep(FREEZE_SECONDS)
            marks.returning()

    await outage_scenario("5b PostgreSQL frozen under load", cluster_database, start_server, freeze)


# --- 6. Backends terminated under load ------------------------------------------------------

KILL_ROUNDS = sized(3, 10)
KILL_CLIENTS = 20
# A backend dies a moment after pg_terminate_backend returns; a request that started within
# this long of a kill may still have been holding the connection.
KILL_GRACE = 0.5
TERMINATE = """
    SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))
    FROM pg_stat_activity
    WHERE application_name = 'mentorat' AND datname = current_database()
      AND pid <> pg_backend_pid()
"""


@pytest.mark.timeout(sized(120, 300))
async def test_terminated_backends_fail_at_most_the_requests_in_flight_and_the_next_succeed(
    private_postgres: str, start_server: StartServer
) -> None:
    server = start_server(private_postgres, workers=2)
    api = Api(server.base)
    chats = await pairings(api, 5)
    recorder = Recorder()
    stop = asyncio.Event()
    kills: list[tuple[float, float, int]] = []  # (started, ended, backends terminated)

    async def client(i: int) -> None:
        chat = chats[i % len(chats)]
        async with Client(server.base, recorder, token=chat.participant(i).access) as http:
            await chatter(http, chat, i, stop)

    async def killer() -> None:
        async with await psycopg.AsyncConnection.connect(
            private_postgres, autocommit=True
        ) as admin:
            for _ in range(KILL_ROUNDS):
                await asyncio.sleep(1.5)
                started = recorder.now()
                row = await (await admin.execute(TERMINATE)).fetchone()
                assert row is not None
                kills.append((started, recorder.now(), int(row[0])))
        await asyncio.sleep(2)
        stop.set()

    await bounded(
        asyncio.gather(killer(), *(client(i) for i in range(KILL_CLIENTS))), wall=sized(90, 240)
    )

    server.assert_steady()
    assert_only_ok_or_unavailable(recorder)
    killed = sum(n for _, _, n in kills)
    assert killed > 0, "there were backends to terminate"
    failed = recorder.where(status=503)
    assert len(failed) <= killed, f"{len(failed)} failures for {killed} terminated backends"

    def in_flight(o: Outcome) -> bool:
        return any(o.started <= end + KILL_GRACE and o.ended >= start for start, end, _ in kills)

    assert all(in_flight(o) for o in failed), "only requests in flight at a kill fail"
    assert all(o.ok for o in recorder.outcomes if not in_flight(o)), "the others succeed"
    last_kill = kills[-1][1]
    assert any(o.ok for o in recorder.outcomes if o.started > last_kill + KILL_GRACE)
    persisted = await assert_every_201_persisted(private_postgres, recorder)
    assert server.logged_errors() == []
    report(
        "6 backends terminated under load",
        clients=KILL_CLIENTS,
        workers=2,
        kill_rounds=KILL_ROUNDS,
        backends_terminated=killed,
        failed_503=len(failed),
        persisted_201=persisted,
        **recorder.summary(),
    )


# --- 7. Pool exhaustion ----------------------------------------------------------------------

TINY_POOL_TIMEOUT = 1.0
EXCESS = 20
# Scheduling on top of the pool's timeout: the suite runs on two processes over two cores.
EXHAUSTION_MARGIN = 2.5
WAITING_FOR_LOCK = """
    SELECT count(*) FROM pg_stat_activity
    WHERE application_name = 'mentorat' AND datname = current_database()
      AND wait_event_type = 'Lock'
"""


@pytest.mark.timeout(120)
async def test_with_its_only_connection_held_excess_requests_get_503_within_the_pool_timeout(
    private_postgres: str, start_server: StartServer
) -> None:
    server = start_server(
        private_postgres,
        workers=1,
        MENTORAT_DB_POOL_SIZE="1",
        MENTORAT_DB_MAX_OVERFLOW="0",
        MENTORAT_DB_POOL_TIMEOUT=str(TINY_POOL_TIMEOUT),
    )
    api = Api(server.base)
    held, other = await pairings(api, 2)
    recorder = Recorder()
    lock_holder = await psycopg.AsyncConnection.connect(private_postgres)
    try:
        # A transaction of someone else's holds the mentoring's row: the next post to it takes
        # the server's only connection and waits on that lock.
        await lock_holder.execute("SELECT id FROM mentorings WHERE id = %s FOR UPDATE", (held.id,))
        blocked_client = Client(server.base, recorder, token=held.mentee.access)
        blocked = asyncio.create_task(
            blocked_client.call(
                "blocked", "POST", chat_path(held), json_body={"message": "waits for the lock"}
            )
        )

        async def waiting() -> bool:
            rows = await pg_fetch(private_postgres, WAITING_FOR_LOCK)
            return bool(rows[0][0])

        await until(waiting, within=10)

        async def excess(i: int) -> Outcome:
            async with Client(server.base, recorder, token=other.participant(i).access) as http:
                if i % 2:
                    return await http.call("excess", "GET", "/api/mentoring/")
                body = {"message": f"excess {i}"}
                return await http.call("excess", "POST", chat_path(other), json_body=body)

        async with Client(server.base, recorder) as probe:
            outs, health = await bounded(
                asyncio.gather(
                    asyncio.gather(*(excess(i) for i in range(EXCESS))),
                    probe.call("health", "GET", "/health"),
                ),
                wall=30,
            )
        assert not blocked.done(), "the held request is still waiting"
    finally:
        await lock_holder.rollback()
        await lock_holder.close()
    done = await bounded(blocked, wall=15)
    await blocked_client.http.aclose()

    server.assert_steady()
    assert [o.status for o in outs] == [503] * EXCESS, recorder.statuses("excess")
    assert all(o.failure is None and o.headers and o.headers.get("retry-after") for o in outs)
    slowest = max(o.elapsed for o in outs)
    assert slowest <= TINY_POOL_TIMEOUT + EXHAUSTION_MARGIN, f"{slowest:.2f} s: not a quick 503"
    assert health.status == 200, "liveness does not need the database"
    assert done.status == 201, "the request holding the connection completes once unblocked"

    async def after(i: int) -> Outcome:
        async with Client(server.base, recorder, token=other.participant(i).access) as http:
            return await http.call("after", "POST", chat_path(other), json_body={"message": "ok"})

    recovered = [await after(i) for i in range(5)]
    recovered += await asyncio.gather(*(after(i) for i in range(5)))
    assert all(o.status == 201 for o in recovered), recorder.statuses("after")
    assert server.logged_errors() == []
    fastest = min(o.elapsed for o in outs)
    report(
        "7 pool exhaustion",
        pool="size 1, overflow 0, timeout 1 s, 1 worker",
        excess_requests=EXCESS,
        excess_statuses=dict(recorder.statuses("excess")),
        excess_latency_ms=[round(1000 * fastest), round(1000 * slowest)],
        held_request_ms=round(1000 * done.elapsed),
        statuses_after_release=dict(recorder.statuses("after")),
    )
