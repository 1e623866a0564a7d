"""The resilience harness: real `mentorat serve` processes, a bounded load generator, probes.

Everything here talks to 127.0.0.1 only. A `Server` is one `mentorat serve` subprocess on a
free port; a `Recorder` keeps every request's outcome (status, latency, whether the response
arrived whole and was JSON); `Api` creates people and mentorings through the API itself;
`Cluster` is a throwaway PostgreSQL cluster that a test may stop and start at will.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from array import array
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

MENTORAT = str(Path(sys.executable).with_name("mentorat"))
SECRET = "resilience-signing-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
PASSWORD = "correct-horse-1"
PERIOD = {"Start_Date": "2025-01-01", "End_Date": "2025-12-31"}
FAST_ARGON2 = {
    "MENTORAT_ARGON2_TIME_COST": "1",
    "MENTORAT_ARGON2_MEMORY_KIB": "1024",
    "MENTORAT_ARGON2_PARALLELISM": "1",
}
LOCALHOST = "127.0.0.1"
_names = itertools.count(1)


def is_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def long_mode() -> bool:
    """MENTORAT_LONG_RESILIENCE=1 runs the full-size scenarios and the soak."""
    return os.environ.get("MENTORAT_LONG_RESILIENCE", "").lower() in ("1", "true", "yes")


def sized(short: int, full: int) -> int:
    return full if long_mode() else short


def unique(name: str) -> str:
    """A username no other test (or earlier run on a shared database) uses."""
    return f"{name}{next(_names)}_{uuid.uuid4().hex[:8]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        port: int = sock.getsockname()[1]
        return port


def report(scenario: str, **figures: Any) -> None:
    """Print the measured figures, and append them to $MENTORAT_RESILIENCE_REPORT if set."""
    line = json.dumps({"scenario": scenario, **figures}, default=str, sort_keys=False)
    print(f"\n[resilience] {line}")
    target = os.environ.get("MENTORAT_RESILIENCE_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(line + "\n")


# --- the server process ------------------------------------------------------------------------


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORAT_")}
    env.update(FAST_ARGON2)
    env.update(
        MENTORAT_DATABASE_URL=database_url,
        MENTORAT_SECRET_KEY=SECRET,
        # Long enough for the soak: a load test is not about token expiry.
        MENTORAT_ACCESS_TOKEN_LIFETIME="7200",
        # INFO keeps the supervisor's lines (a worker replaced, a stop) for post-mortems.
        MENTORAT_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found.extend(int(c) for c in f.read().split())
    return found


def _is_spawned_worker(pid: int) -> bool:
    """The server's workers are `multiprocessing` spawns (its resource tracker is not a worker)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"spawn_main" in f.read()
    except OSError:
        return False


def process_tree(pid: int) -> list[int]:
    """`pid` and all its live descendants."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        if Path(f"/proc/{p}").exists():
            pids.append(p)
            todo.extend(_children(p))
    return pids


@dataclass(frozen=True, slots=True)
class ProcSample:
    at: float
    rss_bytes: int
    open_fds: int


def sample_processes(pids: Iterable[int]) -> ProcSample:
    """Resident memory and open file descriptors summed over `pids`, read from /proc."""
    page = os.sysconf("SC_PAGE_SIZE")
    rss = fds = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/statm") as f:
                rss += int(f.read().split()[1]) * page
            fds += len(os.listdir(f"/proc/{pid}/fd"))
    return ProcSample(time.monotonic(), rss, fds)


class Server:
    """One `mentorat serve` process. Started and stopped from sync code (fixtures) or async."""

    def __init__(
        self,
        directory: Path,
        env: Mapping[str, str],
        *,
        workers: int = 2,
        graceful_timeout: int = 10,
    ) -> None:
        self.directory, self.env = directory, dict(env)
        self.workers, self.graceful_timeout = workers, graceful_timeout
        self.port = free_port()
        self.base = f"http://{LOCALHOST}:{self.port}"
        self.log = directory / f"serve-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.initial_workers: list[int] = []

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _spawn(self) -> None:
        command = [
            MENTORAT,
            "serve",
            "--host",
            LOCALHOST,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--graceful-timeout",
            str(self.graceful_timeout),
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.directory, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def start(self, timeout: float = 30) -> Server:
        """Start and wait until every worker is up and /ready answers 200."""
        self._spawn()
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"mentorat serve exited early:\n{self.output()}")
            if len(self.worker_pids()) >= (self.workers if self.workers > 1 else 0):
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{self.base}/ready", timeout=1).status_code == 200:
                        self.initial_workers = self.worker_pids()
                        return self
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"mentorat serve did not become ready:\n{self.output()}")

    def worker_pids(self) -> list[int]:
        """The worker processes (with one worker, uvicorn serves from the main process)."""
        if self.process is None:
            return []
        return [pid for pid in _children(self.pid) if _is_spawned_worker(pid)]

    def pids(self) -> list[int]:
        return [] if self.process is None else process_tree(self.pid)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def terminate(self, patience: float) -> tuple[int | None, float]:
        """SIGTERM, then wait up to `patience` s: (exit status, or None if still running; s)."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        while time.monotonic() - started < patience:
            status = self.process.poll()
            if status is not None:
                return status, time.monotonic() - started
            await asyncio.sleep(0.02)
        return None, time.monotonic() - started

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM and wait; kills what is left after `timeout`. Returns the exit status."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(f"mentorat serve ignored SIGTERM:\n{self.output()}") from None
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL this server and its workers, by their ids."""
        if self.process is None:
            return
        for pid in reversed(self.pids()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def assert_steady(self) -> None:
        """Still running on the workers it started with: no crash, no worker replaced."""
        assert self.alive(), f"mentorat serve exited:\n{self.tail()}"
        assert self.worker_pids() == self.initial_workers, f"a worker was replaced:\n{self.tail()}"

    def logged_errors(self) -> list[str]:
        """Lines of the server log that report an unhandled error (a bug, a 500)."""
        return [
            line
            for line in self.output().splitlines()
            if "unhandled error" in line or "Traceback" in line or "Exception in ASGI" in line
        ]


# --- recording requests --------------------------------------------------------------------------

CONNECT = "connect"  # never reached the server: refused or timed out while connecting
NO_RESPONSE = "no-response"  # sent, but the connection closed before any response
TRUNCATED = "truncated"  # a status line came, but the body did not arrive whole
INVALID_JSON = "invalid-json"  # the body arrived whole but is not JSON
TIMEOUT = "timeout"  # the client's own (generous) timeout


@dataclass(slots=True)
class Outcome:
    label: str
    method: str
    path: str
    started: float  # seconds since the recorder's origin
    elapsed: float
    status: int | None = None
    body: Any = None
    headers: httpx.Headers | None = None
    failure: str | None = None

    @property
    def ended(self) -> float:
        return self.started + self.elapsed

    @property
    def ok(self) -> bool:
        return self.failure is None and self.status is not None and 200 <= self.status < 300


@dataclass
class Recorder:
    """Every outcome of a run, with the clock they are measured on.

    With `keep_outcomes=False` (long runs) only the failures are kept whole; statuses and
    latencies are kept as counts and a flat array of floats. Millions of kept responses would
    make the load generator's own garbage collector stall it for seconds, long enough for the
    server to close idle keep-alive connections under a request being sent.
    """

    origin: float = field(default_factory=time.monotonic)
    keep_outcomes: bool = True
    outcomes: list[Outcome] = field(default_factory=list)
    _failures: list[Outcome] = field(default_factory=list)
    _statuses: dict[str, Counter[str]] = field(default_factory=dict)
    _latencies: dict[str, array[float]] = field(default_factory=dict)

    def now(self) -> float:
        return time.monotonic() - self.origin

    def add(self, outcome: Outcome) -> None:
        key = str(outcome.status) if outcome.failure is None else outcome.failure
        self._statuses.setdefault(outcome.label, Counter())[key] += 1
        self._latencies.setdefault(outcome.label, array("d")).append(outcome.elapsed)
        if outcome.failure is not None:
            self._failures.append(outcome)
        if self.keep_outcomes:
            self.outcomes.append(outcome)

    def where(self, *, label: str | None = None, status: int | None = None) -> list[Outcome]:
        assert self.keep_outcomes, "this recorder keeps counts, not outcomes"
        return [
            o
            for o in self.outcomes
            if (label is None or o.label == label) and (status is None or o.status == status)
        ]

    def statuses(self, label: str | None = None) -> Counter[str]:
        """Counts by status code, with transport failures under their own names."""
        total: Counter[str] = Counter()
        for name, counts in self._statuses.items():
            if label is None or name == label:
                total.update(counts)
        return total

    def failures(self) -> list[Outcome]:
        return list(self._failures)

    def latencies(self, label: str | None = None) -> list[float]:
        chosen = (a for name, a in self._latencies.items() if label is None or name == label)
        return sorted(itertools.chain.from_iterable(chosen))

    def max_latency(self, label: str | None = None) -> float:
        return max(self.latencies(label), default=0.0)

    def summary(self, label: str | None = None) -> dict[str, Any]:
        latencies = self.latencies(label)
        if not latencies:
            return {"requests": 0}
        return {
            "requests": len(latencies),
            "statuses": dict(sorted(self.statuses(label).items())),
            "p50_ms": round(1000 * statistics.median(latencies), 1),
            "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1),
            "max_ms": round(1000 * latencies[-1], 1),
        }


class Client:
    """One virtual client: its own connection(s), a token, and the run's recorder."""

    def __init__(
        self,
        base: str,
        recorder: Recorder,
        *,
        token: str | None = None,
        timeout: float = 60,
    ) -> None:
        self.recorder = recorder
        self.http = httpx.AsyncClient(
            base_url=base,
            timeout=timeout,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            trust_env=False,
        )
        self.token = token

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def call(
        self,
        label: str,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Outcome:
        """Send one request, read the whole response and record what happened."""
        sent = dict(headers or {})
        if self.token is not None:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        request = self.http.build_request(method, path, json=json_body, headers=sent)
        outcome = Outcome(label, method, path, self.recorder.now(), 0.0)
        started = time.monotonic()
        try:
            response = await self.http.send(request, stream=True)
        except httpx.ConnectError:
            outcome.failure = CONNECT
        except httpx.TimeoutException:
            outcome.failure = TIMEOUT
        except httpx.TransportError:
            outcome.failure = NO_RESPONSE
        else:
            outcome.status, outcome.headers = response.status_code, response.headers
            try:
                raw = await response.aread()
            except httpx.TransportError:
                outcome.failure = TRUNCATED
            else:
                try:
                    outcome.body = json.loads(raw)
                except ValueError:
                    outcome.failure = INVALID_JSON
            finally:
                await response.aclose()
        outcome.elapsed = time.monotonic() - started
        self.recorder.add(outcome)
        return outcome


async def run_clients(
    count: int, behaviour: Callable[[int], Awaitable[None]], *, wall: float
) -> None:
    """Run `behaviour(0..count-1)` concurrently; fail if the whole run outlives `wall` seconds."""
    try:
        async with asyncio.timeout(wall):
            await asyncio.gather(*(behaviour(i) for i in range(count)))
    except TimeoutError:
        raise AssertionError(f"the load did not finish within its {wall:.0f} s bound") from None


async def watch_loop_lag(until_: Callable[[], bool], every: float = 0.1) -> float:
    """The longest the load generator's own event loop was late, until `until_()` is true.

    A client-side stall looks like a slow server; this tells the two apart.
    """
    worst = 0.0
    while not until_():
        before = time.monotonic()
        await asyncio.sleep(every)
        worst = max(worst, time.monotonic() - before - every)
    return worst


async def bounded(work: Awaitable[Any], *, wall: float) -> Any:
    """Await `work`; fail if it outlives `wall` seconds (a scenario must never hang CI)."""
    try:
        async with asyncio.timeout(wall):
            return await work
    except TimeoutError:
        raise AssertionError(f"the scenario did not finish within its {wall:.0f} s bound") from None


async def until(
    probe: Callable[[], Awaitable[bool]], *, within: float, interval: float = 0.05
) -> float:
    """Poll `probe` until it is true; returns the seconds it took. Fails after `within` s."""
    started = time.monotonic()
    while True:
        if await probe():
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(interval)


# --- setting up people and mentorings through the API ----------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    username: str
    access: str


class Api:
    """Set-up through the HTTP API itself; every call must succeed."""

    def __init__(self, base: str) -> None:
        self.base = base

    @contextlib.asynccontextmanager
    async def _http(self) -> Any:
        async with httpx.AsyncClient(base_url=self.base, timeout=30, trust_env=False) as http:
            yield http

    async def person(self, name: str, *, mentor: bool = False) -> Person:
        username = unique(name)
        async with self._http() as http:
            body = {
                "username": username,
                "password": PASSWORD,
                "email": f"{username}@example.com",
                "is_mentor": mentor,
            }
            created = await http.post("/auth/register/", json=body)
            assert created.status_code == 201, created.text
            tokens = await http.post(
                "/auth/token/", json={"username": username, "password": PASSWORD}
            )
            assert tokens.status_code == 200, tokens.text
        return Person(created.json()["id"], username, tokens.json()["access"])

    async def people(self, name: str, count: int, *, mentor: bool = False) -> list[Person]:
        """`count` people, registered a few at a time."""
        found: list[Person] = []
        for start in range(0, count, 8):
            batch = range(start, min(count, start + 8))
            found += await asyncio.gather(*(self.person(name, mentor=mentor) for _ in batch))
        return found

    async def request(self, mentee: Person, mentor: Person) -> dict[str, Any]:
        async with self._http() as http:
            made = await http.post(
                "/api/mentorship/demande/",
                json={"mentor_id": mentor.id, **PERIOD},
                headers=bearer(mentee),
            )
        assert made.status_code == 201, made.text
        body: dict[str, Any] = made.json()
        return body

    async def respond(self, mentor: Person, mentoring_id: int, status: str) -> dict[str, Any]:
        async with self._http() as http:
            answered = await http.patch(
                f"/api/mentoring/requests/{mentoring_id}/respond/",
                json={"status": status},
                headers=bearer(mentor),
            )
        assert answered.status_code == 200, answered.text
        body: dict[str, Any] = answered.json()
        return body

    async def mentoring(self, mentee: Person, mentor: Person) -> int:
        """An accepted (active) mentoring between the two."""
        made = await self.request(mentee, mentor)
        await self.respond(mentor, made["id"], "active")
        return int(made["id"])

    async def messages(self, person: Person, mentoring_id: int) -> list[dict[str, Any]]:
        """The whole chat, oldest first, paged with ?after= as a polling client would."""
        found: list[dict[str, Any]] = []
        after = 0
        async with self._http() as http:
            while True:
                page = await http.get(
                    f"/api/mentoring/chat/{mentoring_id}/messages/",
                    params={"after": after, "limit": 200},
                    headers=bearer(person),
                )
                assert page.status_code == 200, page.text
                batch = page.json()
                found += batch
                if not batch:
                    return found
                after = batch[-1]["id"]


def bearer(person: Person) -> dict[str, str]:
    return {"Authorization": f"Bearer {person.access}"}


@dataclass(frozen=True, slots=True)
class Pairing:
    """An active mentoring and its two participants."""

    id: int
    mentor: Person
    mentee: Person

    def participant(self, i: int) -> Person:
        return self.mentor if i % 2 else self.mentee


async def pairings(api: Api, count: int) -> list[Pairing]:
    mentors = await api.people("mentor", count, mentor=True)
    mentees = await api.people("mentee", count)
    couples = list(zip(mentees, mentors, strict=True))
    ids = await asyncio.gather(*(api.mentoring(mentee, mentor) for mentee, mentor in couples))
    return [Pairing(i, m, e) for i, m, e in zip(ids, mentors, mentees, strict=True)]


# --- reading the database behind the server's back -------------------------------------------


async def pg_fetch(url: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    import psycopg

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cursor = await conn.execute(sql, params)
        return await cursor.fetchall()


def sqlite_fetch(path: Path, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
    import sqlite3

    with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
        return conn.execute(sql, params).fetchall()


# --- a throwaway PostgreSQL cluster ----------------------------------------------------------


def postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl live: $MENTORAT_PG_BINDIR, PATH, or the newest Debian layout."""
    configured = os.environ.get("MENTORAT_PG_BINDIR")
    if configured:
        return Path(configured)
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for candidate in reversed(versions):
        if (candidate / "pg_ctl").exists() and (candidate / "initdb").exists():
            return candidate
    return None


class Cluster:
    """A PostgreSQL cluster of our own in a temporary directory, on a free port.

    PostgreSQL refuses to run as root, so as root every command runs as the `postgres` user
    (the directory is given to it); otherwise as the current user.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        # Not under pytest's tmp_path: that is private to root, and the socket path must be short.
        self.root = Path(tempfile.mkdtemp(prefix="mentorat-pg-"))
        self.data = self.root / "data"
        self.logfile = self.root / "postgres.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self.running = False

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@{LOCALHOST}:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@{LOCALHOST}:{self.port}/{database}"

    def _run(self, *command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        done = subprocess.run(
            [*prefix, *command],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.root,
        )
        if done.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n"
                f"{self.log_text()}"
            )
        return done

    def init(self) -> Cluster:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses={LOCALHOST}"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.logfile),
            "-w",
            "-t",
            "60",
            "start",
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def processes(self) -> list[int]:
        """The postmaster and every process it forked."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        return process_tree(postmaster)

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """Stop every process of the cluster (SIGSTOP) for the block: a hung database host.

        Connections stay open and the kernel still completes TCP handshakes, but nothing
        answers, as when the database host or the network to it hangs.
        """
        stopped = self.processes()
        try:
            for pid in stopped:
                os.kill(pid, signal.SIGSTOP)
            yield
        finally:
            for pid in stopped:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    def log_text(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def destroy(self) -> None:
        if self.running:
            with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def throwaway_cluster(bindir: Path) -> Iterator[Cluster]:
    cluster = Cluster(bindir)
    try:
        cluster.init().start()
        yield cluster
    finally:
        cluster.destroy()


# `start_server(database_url, workers=2, graceful_timeout=10, **MENTORAT_env)` (conftest.py).
StartServer = Callable[..., Server]

# Bounds for the outage scenarios: a request waits at most for the pool's queue, then for a
# connection that is opened (connect timeout) or used (transaction timeout); 1 s of margin.
POOL_TIMEOUT = 2.0
CONNECT_TIMEOUT = 2.0
STATEMENT_TIMEOUT = 2.0
TRANSACTION_TIMEOUT = 3.0
LATENCY_BOUND = POOL_TIMEOUT + max(CONNECT_TIMEOUT, TRANSACTION_TIMEOUT) + 1.0


def outage_server(start_server: StartServer, url: str) -> Server:
    """Two workers with short database timeouts, for the scenarios that take the database away."""
    return start_server(
        url,
        workers=2,
        MENTORAT_DB_POOL_TIMEOUT=str(POOL_TIMEOUT),
        MENTORAT_DB_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
        MENTORAT_DB_STATEMENT_TIMEOUT=str(STATEMENT_TIMEOUT),
        MENTORAT_DB_TRANSACTION_TIMEOUT=str(TRANSACTION_TIMEOUT),
    )
