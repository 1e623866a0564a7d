"""Run the benchmark: mentorat beside the DRF reference and the ceilings, on one PostgreSQL.

    .venv/bin/python -m bench.run --write   # full dataset, results into docs/performance.md
    .venv/bin/python -m bench.run --quick   # tiny dataset, one short round: checks it all runs
    .venv/bin/python -m bench.run --directory [--quick]   # the directory's (bench/directory.py)
    .venv/bin/python -m bench.run --streams [--quick]   # the event stream's (bench/streams.py)

Each round runs every workload against every target in turn (alternating, so drift hits all
alike; each round starts with the next target, so none always runs first), with wrk -t1 -c32
after a warm-up. Medians over rounds go into docs/performance.md
between the BEGIN/END markers, with the machine, the command and the date.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench import procstat
from bench.dataset import Dataset, seed_mentorat

ROOT = Path(__file__).resolve().parent.parent
PEER = ROOT.parent / "shared" / "peers" / "drf"
LUA = Path(__file__).resolve().parent / "wrk" / "workload.lua"
PERF_DOC = ROOT / "docs" / "performance.md"
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-pass-2025"
# The target of `--baseline`: mentorat as an earlier commit serves the same database.
BEFORE = "mentorat-before"
SECRET = "bench-secret-key-not-for-production-0123456789abcdef"


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    method: str
    path: str
    body: str | None = None


def workloads(ds: Dataset) -> list[Workload]:
    chat = f"/api/mentoring/chat/{ds.hot_mentoring_id}/messages/"
    return [
        Workload("W1", "GET /api/mentoring/ (20 items)", "GET", "/api/mentoring/"),
        Workload("W2", "chat, newest 50 of the hot chat", "GET", chat),
        Workload(
            "W3",
            "POST chat message",
            "POST",
            f"/api/mentoring/chat/{ds.post_mentoring_id}/messages/",
            json.dumps({"message": "Benchmark message: how is the project going this week?"}),
        ),
        Workload(
            "W4", "GET /api/mentorship/progress/ (20 items)", "GET", "/api/mentorship/progress/"
        ),
        Workload("W5", "GET /auth/me/", "GET", "/auth/me/"),
    ]


@dataclass
class Target:
    name: str
    port: int
    proc: subprocess.Popen[bytes] | None = None
    needs_token: bool = True
    workloads: tuple[str, ...] = ("W1", "W2", "W3", "W4", "W5")


@dataclass
class Result:
    target: str
    workload: str
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    server_cpu_ms_per_req: float
    pg_cpu_ms_per_req: float
    worker_cpu_split: list[float] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_url(dbname: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + dbname


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def wait_http(port: int, path: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise RuntimeError(f"nothing answered on port {port}{path} within {timeout:.0f}s")


def login(port: int) -> str:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/auth/token/",
        data=json.dumps({"username": "bench", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return str(json.load(r)["access"])


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=ROOT,
    )


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_wrk(
    port: int, wl: Workload, token: str | None, seconds: int, connections: int
) -> dict[str, int]:
    env = {**os.environ, "BENCH_METHOD": wl.method, "BENCH_TOKEN": token or ""}
    if wl.body:
        env["BENCH_BODY"] = wl.body
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}{wl.path}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("{")][-1]
    return dict(json.loads(line))


def measure(target: Target, wl: Workload, seconds: int, warmup: int, connections: int) -> Result:
    assert target.proc is not None
    token = login(target.port) if target.needs_token else None
    if warmup:
        run_wrk(target.port, wl, token, warmup, connections)
    before, pg_before = procstat.sample_tree(target.proc.pid), procstat.postgres_cpu()
    stats = run_wrk(target.port, wl, token, seconds, connections)
    after, pg_after = procstat.sample_tree(target.proc.pid), procstat.postgres_cpu()
    split = sorted(
        (after[p].cpu_seconds - before[p].cpu_seconds for p in after if p in before),
        reverse=True,
    )
    requests = max(stats["requests"], 1)
    return Result(
        target=target.name,
        workload=wl.name,
        rps=stats["requests"] / (stats["duration_us"] / 1e6),
        p50_ms=stats["p50_us"] / 1000,
        p99_ms=stats["p99_us"] / 1000,
        non_2xx=stats["non_2xx"],
        errors=stats["connect_errors"]
        + stats["read_errors"]
        + stats["write_errors"]
        + stats["timeouts"],
        server_cpu_ms_per_req=1000 * sum(split) / requests,
        pg_cpu_ms_per_req=1000 * procstat.cpu_delta(pg_before, pg_after) / requests,
        worker_cpu_split=[round(s, 2) for s in split if s > 0.05],
    )


def rss_mib(proc: subprocess.Popen[bytes]) -> list[float]:
    samples = procstat.sample_tree(proc.pid)
    return sorted((s.rss_bytes / 2**20 for s in samples.values()), reverse=True)


def ceiling_command(app: str, port: int, workers: int) -> list[str]:
    """A ceiling app of bench/ceiling.py, served as `mentorat serve` serves mentorat."""
    options = f"ServerOptions('127.0.0.1', {port}, {workers}, 'warning', app='bench.ceiling:{app}')"
    return [
        str(ROOT / ".venv/bin/python"),
        "-c",
        f"from mentorat.adapters.http.server import ServerOptions, serve; serve({options})",
    ]


def mentorat_command(
    checkout: Path, port: int, workers: int, *, access_log: bool = False
) -> list[str]:
    """`mentorat serve` of a checkout with its own .venv (this one, or a baseline's)."""
    return [
        str(checkout / ".venv/bin/mentorat"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-migrate",
        *(["--access-log"] if access_log else []),
    ]


MENTORAT_ENV = {
    "MENTORAT_SECRET_KEY": SECRET,
    "MENTORAT_LOG_LEVEL": "WARNING",
    "MENTORAT_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000000",
}


@contextlib.contextmanager
def targets(args: argparse.Namespace, ds: Dataset, logs: Path) -> Iterator[list[Target]]:
    started: list[Target] = []
    try:
        env = {**MENTORAT_ENV, "MENTORAT_DATABASE_URL": ds.url}
        mentorat = Target("mentorat", free_port())
        mentorat.proc = start(
            mentorat_command(ROOT, mentorat.port, args.workers, access_log=args.access_log),
            env,
            logs / "mentorat.log",
        )
        started.append(mentorat)
        if args.baseline:
            before = Target(BEFORE, free_port())
            only_before = dict(item.split("=", 1) for item in args.baseline_env)
            before.proc = start(
                mentorat_command(Path(args.baseline), before.port, args.workers),
                {**env, **only_before},
                logs / "mentorat-before.log",
            )
            started.append(before)
        if not args.no_peer:
            peer = Target("drf", free_port())
            peer.proc = start(
                ["bash", str(PEER / "run.sh"), str(peer.port), args.peer_url],
                {"JWT_SIGNING_KEY": SECRET, "LOGIN_THROTTLE_RATE": "100000/min"},
                logs / "drf.log",
            )
            started.append(peer)
        bare = Target("ceiling-bare", free_port(), needs_token=False, workloads=("W2",))
        bare.proc = start(
            ceiling_command("bare_app", bare.port, args.workers), {}, logs / "ceiling-bare.log"
        )
        started.append(bare)
        raw = Target("ceiling-psycopg", free_port(), needs_token=False, workloads=("W2",))
        raw.proc = start(
            ceiling_command("psycopg_app", raw.port, args.workers),
            {"BENCH_DATABASE_URL": ds.url, "BENCH_HOT_MENTORING": str(ds.hot_mentoring_id)},
            logs / "ceiling-psycopg.log",
        )
        started.append(raw)
        for t in started:
            wait_http(t.port, "/health" if t.needs_token else "/ceiling/messages", 600)
        yield started
    finally:
        for t in started:
            stop(t.proc)


def ceiling_path(t: Target, wl: Workload) -> Workload:
    if t.needs_token:
        return wl
    return Workload(wl.name, wl.title, "GET", "/ceiling/messages")


def seed_peer(args: argparse.Namespace, ds: Dataset) -> None:
    venv = Path(os.environ.get("PEER_VENV", "/tmp/mentorat-drf-peer-venv"))
    subprocess.run(
        [
            str(venv / "bin/python"),
            str(PEER / "seed.py"),
            "--users",
            str(ds.users),
            "--mentorings",
            str(ds.mentorings),
            "--messages",
            str(ds.messages),
            "--hot-messages",
            str(ds.hot_messages),
        ],
        env={
            **os.environ,
            "DATABASE_URL": args.peer_url,
            "DJANGO_SETTINGS_MODULE": "mentorat.settings",
        },
        check=True,
        cwd=PEER,
        capture_output=True,
    )


def summarize(results: list[Result]) -> dict[tuple[str, str], dict[str, float]]:
    groups: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        groups.setdefault((r.target, r.workload), []).append(r)
    return {
        key: {
            "rps": statistics.median(r.rps for r in rs),
            "p50_ms": statistics.median(r.p50_ms for r in rs),
            "p99_ms": statistics.median(r.p99_ms for r in rs),
            "cpu_ms": statistics.median(r.server_cpu_ms_per_req for r in rs),
            "pg_cpu_ms": statistics.median(r.pg_cpu_ms_per_req for r in rs),
            "non_2xx": sum(r.non_2xx for r in rs),
            "errors": sum(r.errors for r in rs),
            "rounds": len(rs),
        }
        for key, rs in groups.items()
    }


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} vCPU ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}"


def report(
    args: argparse.Namespace,
    ds: Dataset,
    results: list[Result],
    rss: dict[str, list[float]],
    flat: dict[str, float],
) -> str:
    med = summarize(results)
    wls = {w.name: w for w in workloads(ds)}
    lines = [
        f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"Command: `{' '.join(['.venv/bin/python -m bench.run', *sys.argv[1:]])}`.",
        f"Dataset: {ds.users:,} users, {ds.mentorings:,} mentorings, {ds.messages:,} messages, "
        f"hot chat {ds.hot_messages:,}. wrk -t1 -c{args.connections}, {args.duration}s runs "
        f"after {args.warmup}s warm-up, medians of {args.rounds} round(s), targets alternating. "
        f"mentorat: `mentorat serve --workers {args.workers}`; DRF: `run.sh` (gunicorn, "
        "2 sync workers). Server, PostgreSQL and wrk share the cores.",
        "",
        "| workload | mentorat req/s | DRF req/s | ratio | mentorat p99 ms | DRF p99 ms "
        "| p99 ratio | mentorat CPU ms/req | DRF CPU ms/req | PG CPU ms/req (mentorat) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, wl in wls.items():
        m = med.get(("mentorat", name))
        d = med.get(("drf", name))
        if m is None:
            continue
        ratio = f"{m['rps'] / d['rps']:.1f}x" if d else "-"
        p99r = f"{m['p99_ms'] / d['p99_ms']:.2f}" if d else "-"
        lines.append(
            f"| {name} {wl.title} | {m['rps']:,.0f} | {d['rps']:,.0f} | {ratio} | "
            f"{m['p99_ms']:.1f} | {d['p99_ms']:.1f} | {p99r} | {m['cpu_ms']:.2f} | "
            f"{d['cpu_ms']:.2f} | {m['pg_cpu_ms']:.2f} |"
            if d
            else f"| {name} {wl.title} | {m['rps']:,.0f} | - | - | {m['p99_ms']:.1f} | - | - | "
            f"{m['cpu_ms']:.2f} | - | {m['pg_cpu_ms']:.2f} |"
        )
    lines.append("")
    if any(key[0] == BEFORE for key in med):
        lines.extend(side_by_side(med, wls, results))
    bare, raw = med.get(("ceiling-bare", "W2")), med.get(("ceiling-psycopg", "W2"))
    w2 = med.get(("mentorat", "W2"))
    if bare and raw and w2:
        lines.append(
            f"Ceilings, same run: bare Litestar + msgspec {bare['rps']:,.0f} req/s; raw psycopg "
            f"{raw['rps']:,.0f} req/s. mentorat W2 is {100 * w2['rps'] / raw['rps']:.0f}% of the "
            "raw psycopg ceiling."
        )
    if flat:
        small, big = flat.get("small_rps"), flat.get("big_rps")
        if small and big:
            lines.append(
                f"Chat page in history size: W2 on a {int(flat['small_n']):,}-message chat "
                f"{small:,.0f} req/s, on a {int(flat['big_n']):,}-message chat {big:,.0f} req/s "
                f"({100 * (big - small) / small:+.1f}%)."
            )
    for name, values in rss.items():
        lines.append(f"RSS after the run, {name}: " + ", ".join(f"{v:.0f} MiB" for v in values))
    splits = [
        f"{r.target} {r.workload}: {r.worker_cpu_split}"
        for r in results
        if len(r.worker_cpu_split) > 0
    ]
    bad = [s for s in splits if "mentorat" in s]
    lines.append("")
    lines.append(
        "Per-process CPU seconds of each mentorat run (one list per run; an even split means "
        "both workers served): " + "; ".join(bad[:10]) + ("; ..." if len(bad) > 10 else "")
    )
    errors = {k: v for k, v in med.items() if v["non_2xx"] or v["errors"]}
    if errors:
        lines.append("")
        lines.append(
            "Non-2xx answers or socket errors: "
            + "; ".join(
                f"{k[0]} {k[1]}: {int(v['non_2xx'])} non-2xx, {int(v['errors'])} errors"
                for k, v in errors.items()
            )
        )
    return "\n".join(lines) + "\n"


def side_by_side(
    med: dict[tuple[str, str], dict[str, float]],
    wls: dict[str, Workload],
    results: list[Result],
) -> list[str]:
    """mentorat beside its `--baseline`, same run, same database, targets alternating.

    Besides the ratio of the medians, each round's own ratio: the two ran minutes apart at
    most, so a host whose speed drifts over the run moves both alike, and their median is the
    steadier figure when rounds disagree."""
    lines = [
        "mentorat beside the baseline (`--baseline`), same run and database:",
        "",
        "| workload | before req/s | after req/s | after/before | each round's after/before "
        "(median) | before p99 ms | after p99 ms | p99 after/before | before CPU ms/req "
        "| after CPU ms/req |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name, wl in wls.items():
        new, old = med.get(("mentorat", name)), med.get((BEFORE, name))
        if new is None or old is None:
            continue
        rounds = [
            a.rps / b.rps
            for a, b in zip(
                (r for r in results if (r.target, r.workload) == ("mentorat", name)),
                (r for r in results if (r.target, r.workload) == (BEFORE, name)),
                strict=False,
            )
            if b.rps
        ]
        by_round = ", ".join(f"{x:.2f}" for x in rounds)
        middle = f"{statistics.median(rounds):.2f}" if rounds else "-"
        lines.append(
            f"| {name} {wl.title} | {old['rps']:,.0f} | {new['rps']:,.0f} | "
            f"{new['rps'] / old['rps']:.2f} | {by_round} (**{middle}**) | "
            f"{old['p99_ms']:.1f} | {new['p99_ms']:.1f} | "
            f"{new['p99_ms'] / old['p99_ms']:.2f} | {old['cpu_ms']:.2f} | {new['cpu_ms']:.2f} |"
        )
    lines.append("")
    return lines


def write_report(
    text: str,
    markers: tuple[str, str] = ("<!-- BEGIN BENCH RESULTS -->", "<!-- END BENCH RESULTS -->"),
) -> None:
    begin, end = markers
    doc = PERF_DOC.read_text() if PERF_DOC.exists() else f"# Performance\n\n{begin}\n{end}\n"
    if begin not in doc:
        doc += f"\n{begin}\n{end}\n"
    head, rest = doc.split(begin, 1)
    _, tail = rest.split(end, 1)
    PERF_DOC.write_text(f"{head}{begin}\n{text}{end}{tail}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="tiny dataset, 1 short round, no peer")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-peer", action="store_true", help="do not run the DRF reference")
    ap.add_argument("--skip-seed", action="store_true", help="reuse the databases of the last run")
    ap.add_argument(
        "--flat",
        type=int,
        default=0,
        help="also measure W2 on a chat of this many messages (flatness check)",
    )
    ap.add_argument("--only", default="", help="comma-separated workloads, e.g. W2,W3")
    ap.add_argument(
        "--baseline",
        default="",
        help="a checkout of an earlier commit, with its own .venv, served beside this one on "
        "the same database (side-by-side table)",
    )
    ap.add_argument(
        "--baseline-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a variable set for the baseline only, e.g. `--baseline . --baseline-env "
        "MENTORAT_METRICS=off` measures this checkout with and without metrics",
    )
    ap.add_argument(
        "--access-log",
        action="store_true",
        help="serve this checkout (not the baseline) with `--access-log`: a JSON line per "
        "request, with its request id, into bench/results/mentorat.log",
    )
    ap.add_argument("--write", action="store_true", help="write the table into docs/performance.md")
    ap.add_argument(
        "--directory",
        action="store_true",
        help="the directory's benchmark instead (search and suggestions on 10,000 mentors and "
        "100,000 mentees, its own database and ceiling; no peer): bench/directory.py",
    )
    ap.add_argument(
        "--streams",
        action="store_true",
        help="the event stream's benchmark instead (1,000 open streams over two workers while "
        "the post workload runs: latency to the other worker, memory per stream, throughput "
        "with and without streams; its own database, no peer): bench/streams.py",
    )
    ap.add_argument("--stream-count", type=int, default=1000, help="streams to open (--streams)")
    ap.add_argument(
        "--probe-rate", type=float, default=25.0, help="probe posts a second (--streams)"
    )
    args = ap.parse_args(argv)
    if args.streams:
        if shutil.which("wrk") is None:
            print("bench: wrk is not installed (apt-get install wrk)", file=sys.stderr)
            return 2
        if args.quick:
            args.rounds, args.duration, args.warmup, args.probe_rate = 1, 2, 0, 10.0
        from bench import streams

        return streams.run(args)
    if args.directory:
        if shutil.which("wrk") is None:
            print("bench: wrk is not installed (apt-get install wrk)", file=sys.stderr)
            return 2
        if args.quick:
            args.rounds, args.duration, args.warmup = 1, 1, 0
        from bench import directory

        return directory.run(args)
    if args.quick:
        args.rounds, args.duration, args.warmup, args.no_peer = 1, 1, 0, True
        ds = Dataset(users=60, mentorings=120, messages=3000, hot_messages=1000)
    else:
        ds = Dataset()
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    # --quick gets its own database, so CI never drops the full dataset of a benchmark run.
    mentorat_db = "mentorat_bench_quick" if args.quick else "mentorat_bench"
    ds.url = pg_url(mentorat_db)
    args.peer_url = pg_url("drf_bench")
    logs = ROOT / "bench" / "results"
    logs.mkdir(parents=True, exist_ok=True)

    t0 = time.monotonic()
    if not args.skip_seed:
        recreate_database(mentorat_db)
        info = seed_mentorat(ds, PASSWORD, flat_messages=args.flat)
        print(f"bench: seeded mentorat in {info['seconds']:.1f}s", flush=True)
        if not args.no_peer:
            recreate_database("drf_bench")
    only = {w for w in args.only.split(",") if w}
    results: list[Result] = []
    rss: dict[str, list[float]] = {}
    flat: dict[str, float] = {}
    with targets(args, ds, logs) as running:
        if not args.no_peer and not args.skip_seed:
            seed_peer(args, ds)
            print("bench: seeded DRF", flush=True)
        for round_no in range(1, args.rounds + 1):
            # Each round starts with the next target: none always runs first (on caches the
            # previous one warmed, or a table the previous one grew).
            turn = (round_no - 1) % len(running)
            in_turn = running[turn:] + running[:turn]
            for wl in workloads(ds):
                if only and wl.name not in only:
                    continue
                for t in in_turn:
                    if wl.name not in t.workloads:
                        continue
                    r = measure(
                        t, ceiling_path(t, wl), args.duration, args.warmup, args.connections
                    )
                    results.append(r)
                    print(
                        f"bench: round {round_no} {wl.name} {t.name}: {r.rps:,.0f} req/s "
                        f"p99 {r.p99_ms:.1f} ms cpu {r.server_cpu_ms_per_req:.2f} ms/req "
                        f"split {r.worker_cpu_split} non-2xx {r.non_2xx}",
                        flush=True,
                    )
        if args.flat and ds.flat_mentoring_id:
            m = running[0]
            small = Workload(
                "W2s", "small chat", "GET", f"/api/mentoring/chat/{ds.post_mentoring_id}/messages/"
            )
            big = Workload(
                "W2b", "huge chat", "GET", f"/api/mentoring/chat/{ds.flat_mentoring_id}/messages/"
            )
            flat = {
                "small_rps": statistics.median(
                    measure(m, small, args.duration, args.warmup, args.connections).rps
                    for _ in range(args.rounds)
                ),
                "big_rps": statistics.median(
                    measure(m, big, args.duration, args.warmup, args.connections).rps
                    for _ in range(args.rounds)
                ),
                "small_n": ds.post_messages,
                "big_n": args.flat,
            }
        for t in running:
            if t.proc is not None and t.name in ("mentorat", BEFORE, "drf"):
                rss[t.name] = rss_mib(t.proc)
    text = report(args, ds, results, rss, flat)
    print(text)
    if args.write:
        write_report(text)
    failures = [r for r in results if r.errors or r.non_2xx]
    print(f"bench: done in {time.monotonic() - t0:.0f}s", flush=True)
    if args.quick and failures:
        print(f"bench: {len(failures)} run(s) had errors", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
