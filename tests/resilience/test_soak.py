"""Scenario 10 (long version only): half an hour of mixed load; memory and open files stay flat.

Runs only with MENTORAT_LONG_RESILIENCE=1; MENTORAT_SOAK_SECONDS shortens or lengthens it
(default 1800).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

import pytest

from mentorat.settings import Settings

from .harness import (
    PASSWORD,
    PERIOD,
    Api,
    Client,
    Person,
    ProcSample,
    Recorder,
    StartServer,
    bounded,
    long_mode,
    pairings,
    pg_fetch,
    report,
    sample_processes,
    watch_loop_lag,
)

# Connections one worker may hold: the default pool and its overflow.
POOL_LIMIT = Settings().db_pool_size + Settings().db_max_overflow
SOAK_SECONDS = int(os.environ.get("MENTORAT_SOAK_SECONDS", "1800"))
SAMPLE_EVERY = min(10.0, SOAK_SECONDS / 20)
# After warm-up (caches, pools, allocator arenas filled), memory may still move a little.
RSS_SLACK = 1.10
RSS_SLACK_BYTES = 24 * 1024 * 1024
FD_SLACK = 8

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.skipif(not long_mode(), reason="the soak runs with MENTORAT_LONG_RESILIENCE=1"),
]


@pytest.mark.timeout(SOAK_SECONDS + 600)
async def test_half_an_hour_of_mixed_load_keeps_memory_and_open_files_flat(
    private_postgres: str, start_server: StartServer
) -> None:
    server = start_server(private_postgres, workers=2)
    api = Api(server.base)
    chats = await pairings(api, 10)
    askers = await api.people("asker", 2)
    busy = await api.people("busy", 2, mentor=True)
    recorder = Recorder(keep_outcomes=False)
    samples: list[ProcSample] = []
    connections: list[int] = []
    deadline = time.monotonic() + SOAK_SECONDS

    async def chatter(i: int) -> None:
        chat = chats[i % len(chats)]
        path = f"/api/mentoring/chat/{chat.id}/messages/"
        async with Client(server.base, recorder, token=chat.participant(i).access) as http:
            n = 0
            while time.monotonic() < deadline:
                posted = await http.call("post", "POST", path, json_body={"message": f"soak {n}"})
                if n % 3 == 0 and posted.ok:
                    before = posted.body["id"]
                    await http.call("read", "GET", f"{path}?before={before}&limit=50")
                    await http.call("read", "GET", f"{path}?after={max(0, before - 10)}")
                n += 1

    async def asker(mentee: Person, mentor: Person) -> None:
        async with (
            Client(server.base, recorder, token=mentee.access) as ask,
            Client(server.base, recorder, token=mentor.access) as answer,
        ):
            body = {"mentor_id": mentor.id, **PERIOD}
            while time.monotonic() < deadline:
                made = await ask.call("request", "POST", "/api/mentorship/demande/", json_body=body)
                if made.status == 201:
                    path = f"/api/mentoring/requests/{made.body['id']}/respond/"
                    await answer.call("respond", "PATCH", path, json_body={"status": "rejected"})

    async def browser() -> None:
        person = chats[0].mentee
        async with Client(server.base, recorder, token=person.access) as http:
            while time.monotonic() < deadline:
                for path in ("/api/mentoring/", "/api/mentorship/progress/", "/auth/me/"):
                    await http.call("browse", "GET", path)
                await http.call("browse", "GET", "/api/mentorship/demande/?status=active")
                await http.call("ready", "GET", "/ready")
                login = {"username": person.username, "password": PASSWORD}
                await http.call("login", "POST", "/auth/token/", json_body=login)
                await asyncio.sleep(0.2)

    async def sampler() -> None:
        while time.monotonic() < deadline:
            samples.append(sample_processes(server.pids()))
            rows = await pg_fetch(
                private_postgres,
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE application_name = 'mentorat' AND datname = current_database()",
            )
            connections.append(int(rows[0][0]))
            await asyncio.sleep(SAMPLE_EVERY)

    _, client_lag, *_ = await bounded(
        asyncio.gather(
            sampler(),
            watch_loop_lag(lambda: time.monotonic() >= deadline),
            browser(),
            *(chatter(i) for i in range(8)),
            *(asker(e, m) for e, m in zip(askers, busy, strict=True)),
        ),
        wall=SOAK_SECONDS + 300,
    )

    # The first tenth warms up; the second is the baseline; the last quarter must match it.
    tenth = max(1, len(samples) // 10)
    baseline = samples[tenth : 2 * tenth]
    final = samples[-max(1, len(samples) // 4) :]
    base_rss = statistics.median(s.rss_bytes for s in baseline)
    final_rss = statistics.median(s.rss_bytes for s in final)
    base_fds = max(s.open_fds for s in baseline)
    final_fds = max(s.open_fds for s in final)
    mib = 1024 * 1024
    latencies = recorder.latencies()
    report(
        "10 soak",
        seconds=SOAK_SECONDS,
        workers=2,
        clients=12,
        samples=len(samples),
        rss_mib_start=round(samples[0].rss_bytes / mib, 1),
        rss_mib_baseline=round(base_rss / mib, 1),
        rss_mib_final=round(final_rss / mib, 1),
        rss_mib_max=round(max(s.rss_bytes for s in samples) / mib, 1),
        fds_baseline=base_fds,
        fds_final=final_fds,
        fds_max=max(s.open_fds for s in samples),
        pg_connections_max=max(connections),
        throughput_rps=round(len(latencies) / SOAK_SECONDS),
        slower_than_1s=len([seconds for seconds in latencies if seconds > 1]),
        client_loop_lag_max_ms=round(1000 * client_lag),
        failures=[
            {
                "label": o.label,
                "at_s": round(o.started, 1),
                "after_ms": round(1000 * o.elapsed),
                "failure": o.failure,
            }
            for o in recorder.failures()[:10]
        ],
        **recorder.summary(),
    )
    server.assert_steady()
    assert recorder.failures() == []
    statuses = recorder.statuses()
    assert not [s for s in statuses if s.startswith("5")], statuses
    assert set(statuses) <= {"200", "201", "409"}, statuses
    assert server.logged_errors() == []
    assert final_rss <= base_rss * RSS_SLACK + RSS_SLACK_BYTES, "memory grows under load"
    assert final_fds <= base_fds + FD_SLACK, "open files grow under load"
    assert max(connections) <= 2 * POOL_LIMIT, "each worker keeps to its pool"
