"""The event stream's benchmark (issue 13): 1,000 open streams over 2 workers on PostgreSQL.

    .venv/bin/python -m bench.run --streams --write   # 1,000 streams, into docs/performance.md
    .venv/bin/python -m bench.run --streams --quick   # 20 streams, 2 s runs: checks it all runs

Its own database (`mentorat_bench_streams`), seeded like the main one but smaller (3,000
users, 6,000 mentorings, 30,000 messages). Two servers, `mentorat serve --workers 1` each, on
two ports of the same database: two worker processes, each with its own LISTEN connection
(two servers rather than one `--workers 2`, so that a client knows which worker it talks to).

The streams: one per subscriber, 1,000 distinct users, each the mentee of an active mentoring
whose mentor (the poster) has no stream; subscriber i streams from server i % 2. Tokens are
minted up front with the servers' key (the claims `/auth/token/` gives). The client is one
asyncio process on raw sockets (HTTP/1.1, the chunked SSE body scanned for `message_posted`
frames); its CPU time is measured.

Each round starts servers twice, fresh each time: once for the baseline, once for the
streams. Odd rounds measure the baseline first, even rounds last, so that neither always runs
on the database as the other left it.

1. baseline, on fresh servers on which no stream ever opens (so no outbox reader or listener
   starts): the post workload (W3 of bench/run.py: `bench` posts into mentoring 2) with wrk on
   both servers at once (`-c{connections/2}` each), plus the probe posts;
2. on the other fresh servers, one stream per server opened and closed (each worker's reader
   and listener start), then the same post workload and probes again, no stream open (what
   the readers alone cost);
3. the servers' RSS read, the streams opened, 2 s idle, the RSS read again: memory per stream;
4. the same post workload and probes, the streams open;
5. the probes alone, the streams open (the latency when the post workload does not hold the
   cores: wrk drives W3 as fast as the servers answer, so they run at 100% CPU in 1-4).

The probes: `--probe-rate` posts a second, each by a poster into the chat of its subscriber,
on the server the subscriber does *not* stream from, each over a new connection. The
latency of a probe is from its 201's arrival (and from its sending) to the arrival of the
`message_posted` frame with its message id at the subscriber. The W3 events go to `bench`
and the mentor of mentoring 2, who have no stream: the streams carry only the probes' events,
and every post still wakes both workers' readers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import procstat
from bench.dataset import Dataset, seed_mentorat
from bench.run import (
    MENTORAT_ENV,
    PASSWORD,
    ROOT,
    SECRET,
    Workload,
    free_port,
    machine,
    mentorat_command,
    pg_url,
    recreate_database,
    run_wrk,
    start,
    stop,
    wait_http,
    write_report,
)

MARKERS = ("<!-- BEGIN STREAMS RESULTS -->", "<!-- END STREAMS RESULTS -->")
TARGETS = {"p99_ms": 100.0, "kib_per_stream": 20.0, "throughput_drop": 0.15}
FRAME = re.compile(rb"event: message_posted\ndata: ([^\n]*)\n")
PROBE_TEXT = "Probe: did the event reach the other worker?"
# How long after a round the client waits for the last probes' events: three of the servers'
# 5 s polls, so that an event whose wake-up was lost still comes (and counts as late, not lost).
EVENT_WAIT = 15.0
LATE_MS = 1000.0  # an event later than this after its 201 came by a poll, not a wake-up


@dataclass(frozen=True)
class Pair:
    """A subscriber (streams from `server`), a poster, and their active mentoring."""

    subscriber: int
    poster: int
    mentoring: int
    server: int


@dataclass
class RoundResult:
    base_rps: float
    reader_rps: float
    streams_rps: float
    base_non_2xx: int
    reader_non_2xx: int
    streams_non_2xx: int
    rss_before_mib: float
    rss_after_mib: float
    streams: int
    opened: int
    kib_per_stream: float
    from_201_ms: list[float] = field(default_factory=list)
    from_sent_ms: list[float] = field(default_factory=list)
    quiet_from_201_ms: list[float] = field(default_factory=list)
    w3_p99_ms: float = 0.0
    probes: int = 0
    probe_errors: int = 0
    lost: int = 0
    late: int = 0
    dropped: int = 0
    client_cpu_s: float = 0.0
    client_wall_s: float = 0.0


def pick_pairs(url: str, count: int) -> list[Pair]:
    """`count` active mentorings with distinct mentees who are nobody's poster, and mentors
    who are nobody's subscriber; neither `bench` (user 1) nor mentoring 1 or 2's people."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT id, mentor_id, mentee_id FROM mentorings WHERE status = 'active' ORDER BY id"
        ).fetchall()
    excluded = {1}
    for mid, mentor, mentee in rows:
        if mid in (1, 2):
            excluded |= {mentor, mentee}
    subscribers: set[int] = set()
    posters: set[int] = set()
    pairs: list[Pair] = []
    for mid, mentor, mentee in rows:
        if mid in (1, 2) or mentor in excluded or mentee in excluded:
            continue
        if mentee in subscribers or mentee in posters or mentor in subscribers:
            continue
        pairs.append(Pair(mentee, mentor, mid, len(pairs) % 2))
        subscribers.add(mentee)
        posters.add(mentor)
        if len(pairs) == count:
            return pairs
    raise RuntimeError(f"only {len(pairs)} usable mentorings for {count} streams: seed more")


def mint_tokens(users: set[int]) -> dict[int, str]:
    """Access tokens as `/auth/token/` gives them, valid for two hours."""
    from mentorat.adapters.auth.jwt_tokens import JwtTokens
    from mentorat.domain.users import UserId

    tokens = JwtTokens(SECRET, access_lifetime=timedelta(hours=2))
    now = datetime.now(UTC)
    return {u: tokens.issue(UserId(u), now).access for u in sorted(users)}


class Client:
    """The streams and the probes, in one asyncio loop on a thread of its own."""

    def __init__(self, ports: list[int], pairs: list[Pair], tokens: dict[int, str]) -> None:
        self.ports, self.pairs, self.tokens = ports, pairs, tokens
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.streams: list[asyncio.Task[None]] = []
        self.open_count = 0
        self.dropped = 0
        self.arrivals: dict[int, float] = {}  # message id -> when its event arrived
        self.subscriber_of: dict[int, int] = {}  # message id -> the subscriber it was for
        self.wrong = 0  # events at a stream that was not the probe's subscriber
        self.probe_errors = 0

    def call(self, coro: object, timeout: float = 600) -> object:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    async def _stream(self, pair: Pair, opened: asyncio.Event) -> None:
        port = self.ports[pair.server]
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
        try:
            writer.write(
                f"GET /api/events/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Authorization: Bearer {self.tokens[pair.subscriber]}\r\n"
                "Accept: text/event-stream\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"stream refused: {head[:80]!r}")
            buf = b""
            while b"stream open" not in buf:
                chunk = await reader.read(65536)
                if not chunk:
                    raise RuntimeError("stream ended before it opened")
                buf += chunk
            self.open_count += 1
            opened.set()
            while True:
                chunk = await reader.read(65536)
                now = time.perf_counter()
                if not chunk:
                    return
                buf += chunk
                last = 0
                for m in FRAME.finditer(buf):
                    message_id = int(json.loads(m.group(1))["message"]["id"])
                    self.arrivals.setdefault(message_id, now)
                    if self.subscriber_of.get(message_id, pair.subscriber) != pair.subscriber:
                        self.wrong += 1
                    last = m.end()
                if b": dropped" in buf:
                    self.dropped += 1
                buf = buf[last:] if last else buf[-4096:]
        finally:
            writer.close()

    async def _open_all(self, pairs: list[Pair], concurrency: int = 50) -> int:
        gate = asyncio.Semaphore(concurrency)

        async def one(pair: Pair) -> None:
            async with gate:
                opened = asyncio.Event()
                task = asyncio.ensure_future(self._stream(pair, opened))
                self.streams.append(task)
                waiter = asyncio.ensure_future(opened.wait())
                await asyncio.wait({task, waiter}, timeout=30, return_when="FIRST_COMPLETED")
                waiter.cancel()

        await asyncio.gather(*(one(p) for p in pairs))
        return self.open_count

    def open_streams(self, pairs: list[Pair]) -> int:
        return int(self.call(self._open_all(pairs)))  # type: ignore[call-overload]

    async def _close_all(self) -> None:
        for task in self.streams:
            task.cancel()
        await asyncio.gather(*self.streams, return_exceptions=True)
        self.streams, self.open_count = [], 0

    def close_streams(self) -> None:
        self.call(self._close_all())

    async def _post(self, pair: Pair) -> tuple[float, float, int]:
        """(sent, 201 arrived, message id): posted on the server the subscriber is not on."""
        port = self.ports[1 - pair.server]
        body = json.dumps({"message": PROBE_TEXT}).encode()
        sent = time.perf_counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(
                f"POST /api/mentoring/chat/{pair.mentoring}/messages/ HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {self.tokens[pair.poster]}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + body
            )
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
            answer = await reader.readexactly(length)
            arrived = time.perf_counter()
        finally:
            writer.close()
        if not head.startswith(b"HTTP/1.1 201"):
            raise RuntimeError(f"probe refused: {head[:80]!r} {answer[:200]!r}")
        return sent, arrived, int(json.loads(answer)["id"])

    async def _probe(
        self, seconds: float, rate: float, order: list[Pair]
    ) -> list[tuple[float, float, int]]:
        done: list[tuple[float, float, int]] = []
        errors: list[BaseException] = []

        async def one(pair: Pair) -> None:
            try:
                result = await self._post(pair)
            except Exception as error:  # counted, reported
                errors.append(error)
                return
            self.subscriber_of[result[2]] = pair.subscriber
            done.append(result)

        tasks = []
        t0 = time.perf_counter()
        for n in range(int(seconds * rate)):
            delay = t0 + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(one(order[n % len(order)])))
        await asyncio.gather(*tasks)
        self.probe_errors = len(errors)
        if errors:
            print(f"bench: {len(errors)} probe(s) failed, first: {errors[0]!r}", flush=True)
        return done

    def probe(
        self, seconds: float, rate: float, order: list[Pair]
    ) -> list[tuple[float, float, int]]:
        return list(self.call(self._probe(seconds, rate, order)))  # type: ignore[call-overload]

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def rss_total_mib(procs: list[subprocess.Popen[bytes]]) -> float:
    return sum(s.rss_bytes for p in procs for s in procstat.sample_tree(p.pid).values()) / 2**20


def w3_parallel(
    ports: list[int], wl: Workload, token: str, seconds: int, connections: int
) -> tuple[float, int, float]:
    """W3 with one wrk per server at once; (requests a second summed, non-2xx + errors, the
    higher of the two wrk p99s in ms)."""
    results: list[dict[str, int]] = [{} for _ in ports]

    def run(i: int) -> None:
        results[i] = run_wrk(ports[i], wl, token, seconds, max(1, connections // len(ports)))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(ports))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rps = sum(r["requests"] / (r["duration_us"] / 1e6) for r in results)
    bad = sum(
        r["non_2xx"] + r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
        for r in results
    )
    return rps, bad, max(r["p99_us"] for r in results) / 1000


@contextlib.contextmanager
def servers(url: str, logs: Path, tag: str) -> Iterator[tuple[list[int], list]]:
    ports = [free_port(), free_port()]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for name, port in zip("AB", ports, strict=True):
            procs.append(
                start(
                    mentorat_command(ROOT, port, 1),
                    {**MENTORAT_ENV, "MENTORAT_DATABASE_URL": url},
                    logs / f"mentorat-streams-{name}-{tag}.log",
                )
            )
        for port in ports:
            wait_http(port, "/health", 120)
        yield ports, procs
    finally:
        for p in procs:
            stop(p)


def during(
    client: Client,
    ports: list[int],
    args: argparse.Namespace,
    wl: Workload,
    token: str,
    order: list[Pair],
) -> tuple[float, int, float, list[tuple[float, float, int]], float, float]:
    """W3 on both servers and the probes at once: (req/s, bad, probes, client CPU s, wall s)."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    fut = asyncio.run_coroutine_threadsafe(
        client._probe(args.duration, args.probe_rate, order), client.loop
    )
    rps, bad, p99 = w3_parallel(ports, wl, token, args.duration, args.connections)
    probes = list(fut.result(120))
    return rps, bad, p99, probes, time.process_time() - cpu0, time.perf_counter() - wall0


def describe_lost(url: str, message_id: int, subscriber: int | None) -> str:
    """What the outbox holds of a probe whose event never reached its stream."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT id, name, recipient_id, other_recipient_id, occurred_at FROM outbox_events"
            " WHERE name = 'message_posted' AND (payload::json->'message'->>'id')::bigint = %s",
            [message_id],
        ).fetchall()
    return f"message {message_id} for subscriber {subscriber}: outbox rows {rows}"


def baseline_session(
    args: argparse.Namespace,
    url: str,
    pairs: list[Pair],
    tokens: dict[int, str],
    wl: Workload,
    order: list[Pair],
    tag: str,
    logs: Path,
) -> tuple[float, int]:
    """W3 and the probes on fresh servers on which no stream ever opens (so no outbox reader
    or listener starts): (req/s, bad)."""
    with servers(url, logs, tag) as (ports, _):
        client = Client(ports, pairs, tokens)
        try:
            if args.warmup:
                w3_parallel(ports, wl, tokens[1], args.warmup, args.connections)
            rps, bad, _, _, _, _ = during(client, ports, args, wl, tokens[1], order)
        finally:
            client.stop()
    return rps, bad


def one_round(
    args: argparse.Namespace,
    url: str,
    pairs: list[Pair],
    tokens: dict[int, str],
    wl: Workload,
    round_no: int,
    logs: Path,
) -> RoundResult:
    """The baseline on fresh servers, and the streams on other fresh servers; odd rounds
    measure the baseline first, even rounds last, so that neither always runs on the database
    as the other left it (grown by a run of posts, perhaps being vacuumed)."""
    order = pairs[:]
    random.Random(round_no).shuffle(order)
    baseline_first = round_no % 2 == 1
    if baseline_first:
        base_rps, base_bad = baseline_session(
            args, url, pairs, tokens, wl, order, f"{round_no}-base", logs
        )
    with servers(url, logs, f"{round_no}-streams") as (ports, procs):
        client = Client(ports, pairs, tokens)
        try:
            if args.warmup:
                w3_parallel(ports, wl, tokens[1], args.warmup, args.connections)
            # Start each worker's reader and listener, then measure the readers alone.
            client.open_streams([pairs[0], pairs[1]])
            client.close_streams()
            time.sleep(1)
            reader_rps, reader_bad, _, _, _, _ = during(client, ports, args, wl, tokens[1], order)
            rss_before = rss_total_mib(procs)
            opened = client.open_streams(pairs)
            time.sleep(2)
            rss_after = rss_total_mib(procs)
            rps, bad, w3_p99, probes, cpu, wall = during(client, ports, args, wl, tokens[1], order)
            probe_errors = client.probe_errors
            # The same probes without the post workload: the latency when the cores are free.
            quiet = client.probe(args.duration, args.probe_rate, order)
            probe_errors += client.probe_errors
            deadline = time.monotonic() + EVENT_WAIT
            while time.monotonic() < deadline and any(
                p[2] not in client.arrivals for p in probes + quiet
            ):
                time.sleep(0.1)
            arrivals = dict(client.arrivals)
            client.close_streams()
        finally:
            client.stop()
    if not baseline_first:
        base_rps, base_bad = baseline_session(
            args, url, pairs, tokens, wl, order, f"{round_no}-base", logs
        )
    for _, _, m in probes + quiet:
        if m not in arrivals:
            print(f"bench: lost: {describe_lost(url, m, client.subscriber_of.get(m))}", flush=True)
    got = [(s, a, arrivals[m]) for s, a, m in probes if m in arrivals]
    calm = [1000 * (arrivals[m] - a) for s, a, m in quiet if m in arrivals]
    return RoundResult(
        base_rps=base_rps,
        reader_rps=reader_rps,
        streams_rps=rps,
        base_non_2xx=base_bad,
        w3_p99_ms=w3_p99,
        reader_non_2xx=reader_bad,
        streams_non_2xx=bad,
        rss_before_mib=rss_before,
        rss_after_mib=rss_after,
        streams=len(pairs),
        opened=opened,
        kib_per_stream=(rss_after - rss_before) * 1024 / max(opened, 1),
        from_201_ms=[1000 * (e - a) for s, a, e in got],
        from_sent_ms=[1000 * (e - s) for s, a, e in got],
        quiet_from_201_ms=calm,
        probes=len(probes) + len(quiet),
        probe_errors=probe_errors,
        lost=len(probes) - len(got) + len(quiet) - len(calm),
        late=sum(1 for ms in [1000 * (e - a) for s, a, e in got] + calm if ms > LATE_MS),
        dropped=client.dropped,
        client_cpu_s=cpu,
        client_wall_s=wall,
    )


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def report(args: argparse.Namespace, ds: Dataset, rounds: list[RoundResult], load: str) -> str:
    from_201 = [v for r in rounds for v in r.from_201_ms]
    from_sent = [v for r in rounds for v in r.from_sent_ms]
    quiet = [v for r in rounds for v in r.quiet_from_201_ms]
    p99 = pct(from_201, 99)
    kib = statistics.median(r.kib_per_stream for r in rounds)
    ratio = statistics.median(r.streams_rps / r.base_rps for r in rounds)
    reader_ratio = statistics.median(r.streams_rps / r.reader_rps for r in rounds)
    drop = 1 - ratio
    cpu = sum(r.client_cpu_s for r in rounds)
    wall = sum(r.client_wall_s for r in rounds)
    n = rounds[0].streams

    def met(ok: bool) -> str:
        return "yes" if ok else "**no**"

    lines = [
        f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, load average before "
        f"the run {load}.",
        f"Command: `{' '.join(['.venv/bin/python -m bench.run', *sys.argv[1:]])}`.",
        f"Dataset: {ds.users:,} users, {ds.mentorings:,} mentorings, {ds.messages:,} messages. "
        f"{n:,} streams of {n:,} distinct users, half on each of two `mentorat serve --workers 1` "
        f"(one PostgreSQL). Post workload W3 with wrk -t1 -c{args.connections // 2} on each "
        f"server at once, {args.duration}s after {args.warmup}s warm-up; probes "
        f"{args.probe_rate:g}/s across servers; {len(rounds)} round(s), each on two sets of "
        "fresh servers: the baseline (no stream ever) and the streams, the baseline first in "
        "odd rounds and last in even ones. Servers, PostgreSQL, wrk and the client share the "
        "cores.",
        "",
        "| target | goal | measured | met |",
        "|---|---:|---:|:---:|",
        f"| p99, POST's 201 to the event at a subscriber on the other worker | <= "
        f"{TARGETS['p99_ms']:.0f} ms | {p99:.1f} ms | {met(p99 <= TARGETS['p99_ms'])} |",
        f"| memory per idle stream | <= {TARGETS['kib_per_stream']:.0f} KiB | {kib:.1f} KiB | "
        f"{met(kib <= TARGETS['kib_per_stream'])} |",
        f"| post throughput with the streams open, against fresh servers with none | >= "
        f"{1 - TARGETS['throughput_drop']:.2f} | {ratio:.2f} | "
        f"{met(drop <= TARGETS['throughput_drop'])} |",
        f"| the same, against none open once the readers run | >= "
        f"{1 - TARGETS['throughput_drop']:.2f} | {reader_ratio:.2f} | "
        f"{met(reader_ratio >= 1 - TARGETS['throughput_drop'])} |",
        "",
        f"Latency while W3 runs, {len(from_201):,} probes: from the 201, p50 "
        f"{pct(from_201, 50):.1f} ms, "
        f"p99 {p99:.1f} ms, max {max(from_201, default=float('nan')):.1f} ms; from sending "
        f"the POST, p50 {pct(from_sent, 50):.1f} ms, p99 {pct(from_sent, 99):.1f} ms. The same "
        f"probes without the post workload ({len(quiet):,}): from the 201, p50 "
        f"{pct(quiet, 50):.1f} ms, p99 {pct(quiet, 99):.1f} ms, max "
        f"{max(quiet, default=float('nan')):.1f} ms. W3's own p99 (wrk, the higher of the two "
        f"servers) in the runs with the streams open: "
        f"{', '.join(f'{r.w3_p99_ms:.0f}' for r in rounds)} ms. "
        f"Late (more than {LATE_MS / 1000:.0f} s after the 201): {sum(r.late for r in rounds)}; "
        f"lost (no event within {EVENT_WAIT:.0f} s): {sum(r.lost for r in rounds)}; failed "
        f"probes: {sum(r.probe_errors for r in rounds)}; dropped streams: "
        f"{sum(r.dropped for r in rounds)}.",
        "",
        "| round | W3 req/s: fresh, no stream | readers running, no stream | streams open "
        "| ratio to fresh / to readers | RSS before / after MiB | streams open | KiB/stream "
        "| p50 / p99 ms from 201 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i, r in enumerate(rounds, 1):
        lines.append(
            f"| {i} | {r.base_rps:,.0f} | {r.reader_rps:,.0f} | {r.streams_rps:,.0f} "
            f"| {r.streams_rps / r.base_rps:.2f} / {r.streams_rps / r.reader_rps:.2f} "
            f"| {r.rss_before_mib:.1f} / {r.rss_after_mib:.1f} | {r.opened:,} "
            f"| {r.kib_per_stream:.1f} | {pct(r.from_201_ms, 50):.1f} / "
            f"{pct(r.from_201_ms, 99):.1f} |"
        )
    lines += [
        "",
        f"Client (one asyncio process holding the streams and sending the probes): "
        f"{cpu:.1f} s CPU over {wall:.0f} s of measured post runs ({100 * cpu / wall:.0f}% of "
        "one core).",
    ]
    bad = sum(r.base_non_2xx + r.reader_non_2xx + r.streams_non_2xx for r in rounds)
    if bad:
        lines.append(f"Non-2xx answers or socket errors in the W3 runs: {bad}.")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """`bench.run --streams`: seed (unless --skip-seed), then rounds on fresh servers."""
    if args.quick:
        ds = Dataset(users=200, mentorings=400, messages=2000, hot_messages=200)
        name, count = "mentorat_bench_streams_quick", min(args.stream_count, 20)
    else:
        ds = Dataset(users=3000, mentorings=6000, messages=30_000, hot_messages=3000)
        name, count = "mentorat_bench_streams", args.stream_count
    ds.url = pg_url(name)
    logs = ROOT / "bench" / "results"
    logs.mkdir(parents=True, exist_ok=True)
    load = "{:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())
    t0 = time.monotonic()
    if not args.skip_seed:
        recreate_database(name)
        info = seed_mentorat(ds, PASSWORD)
        print(f"bench: seeded the streams' database in {info['seconds']:.1f}s", flush=True)
    pairs = pick_pairs(ds.url, count)
    tokens = mint_tokens({1} | {p.subscriber for p in pairs} | {p.poster for p in pairs})
    wl = Workload(
        "W3",
        "POST chat message",
        "POST",
        f"/api/mentoring/chat/{ds.post_mentoring_id}/messages/",
        json.dumps({"message": "Benchmark message: how is the project going this week?"}),
    )
    rounds: list[RoundResult] = []
    for round_no in range(1, args.rounds + 1):
        r = one_round(args, ds.url, pairs, tokens, wl, round_no, logs)
        rounds.append(r)
        print(
            f"bench: streams round {round_no}: W3 {r.base_rps:,.0f} -> {r.streams_rps:,.0f} "
            f"req/s, {r.opened}/{r.streams} open, {r.kib_per_stream:.1f} KiB/stream, "
            f"p50/p99 {pct(r.from_201_ms, 50):.1f}/{pct(r.from_201_ms, 99):.1f} ms over "
            f"{len(r.from_201_ms)} probes, late {r.late}, lost {r.lost}, "
            f"client CPU {r.client_cpu_s:.1f}s",
            flush=True,
        )
    text = report(args, ds, rounds, load)
    print(text)
    if args.write:
        write_report(text, MARKERS)
    print(f"bench: streams done in {time.monotonic() - t0:.0f}s", flush=True)
    broken = [
        r
        for r in rounds
        if r.opened < r.streams or r.lost or r.probe_errors or r.dropped or not r.from_201_ms
    ]
    if args.quick and broken:
        print("bench: streams did not all open, or events were lost", file=sys.stderr)
        return 1
    return 0
