"""The directory's benchmark (issue 12): search and suggestions on many mentors.

    .venv/bin/python -m bench.run --directory --write   # 10,000 mentors, 100,000 mentees
    .venv/bin/python -m bench.run --directory --quick   # tiny dataset, one short round

Its own database (`mentorat_bench_directory`): mentors and mentees with profiles, few
mentorings and messages. The workloads, all as user 1 `bench` (a mentor who also wants four
skills):

- W6  `GET /api/mentors/?q=kubernetes&available=true`: one skill word, which about one mentor
  in nine has (the skills come from a pool of 25);
- W6f the same words with a language filter, `&language=fr`;
- W6b two skill words, `?q=kubernetes+leadership&available=true`, which about one mentor in
  eighty has: a narrower search, as most are;
- W7  `GET /api/mentors/suggested/`: the best ten of the mentors with most of bench's wanted
  skills.

The ceiling of W6 (`bench.ceiling:directory_app`) runs on a raw psycopg pool the statement and
values mentorat itself sent for that search, captured here by running the search in-process:
the statement from the database's observers, the values from psycopg's `execute` as the
runner called it. Before measuring, both servers must return the same mentors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

from bench.run import (
    MENTORAT_ENV,
    ROOT,
    Result,
    Target,
    Workload,
    ceiling_command,
    free_port,
    login,
    machine,
    measure,
    mentorat_command,
    pg_url,
    recreate_database,
    rss_mib,
    start,
    stop,
    summarize,
    wait_http,
    write_report,
)

SEARCH = {"q": "kubernetes", "available": "true"}
MARKERS = ("<!-- BEGIN DIRECTORY RESULTS -->", "<!-- END DIRECTORY RESULTS -->")


@dataclass(frozen=True)
class DirectoryDataset:
    users: int = 110_000
    mentors: int = 10_000
    mentorings: int = 2_000
    messages: int = 20_000
    hot_messages: int = 2_000


@dataclass(frozen=True)
class CapturedSearch:
    """The statement and values mentorat sent for SEARCH, and the mentors it found."""

    sql: str
    params: dict[str, Any]
    ids: list[int]


def workloads() -> list[Workload]:
    query = "&".join(f"{k}={v}" for k, v in SEARCH.items())
    return [
        Workload("W6", f"search `?{query}`", "GET", f"/api/mentors/?{query}"),
        Workload(
            "W6f", f"search `?{query}&language=fr`", "GET", f"/api/mentors/?{query}&language=fr"
        ),
        Workload(
            "W6b",
            "search `?q=kubernetes+leadership&available=true`",
            "GET",
            "/api/mentors/?q=kubernetes+leadership&available=true",
        ),
        Workload("W7", "suggestions `/api/mentors/suggested/`", "GET", "/api/mentors/suggested/"),
    ]


def seed(url: str, ds: DirectoryDataset) -> float:
    from mentorat.bootstrap import seed_bulk
    from mentorat.settings import Settings

    started = time.perf_counter()
    settings = Settings(database_url=url, secret_key="bench", argon2_time_cost=1)
    asyncio.run(
        seed_bulk(
            settings,
            users=ds.users,
            mentors=ds.mentors,
            mentorings=ds.mentorings,
            messages=ds.messages,
            hot_messages=ds.hot_messages,
        )
    )
    return time.perf_counter() - started


def capture_search(url: str) -> CapturedSearch:
    """Run SEARCH through mentorat's use case, recording what its runner sent to psycopg."""
    import psycopg

    from mentorat.adapters.sql.uow import SqlUnitOfWork
    from mentorat.bootstrap import open_system
    from mentorat.domain.directory import DirectoryQuery
    from mentorat.settings import Settings

    statements: list[str] = []
    sent: list[tuple[str, dict[str, Any]]] = []
    execute = psycopg.AsyncConnection.execute

    async def spy(self: Any, query: Any, params: Any = None, **options: Any) -> Any:
        sent.append((str(query), dict(params or {})))
        return await execute(self, query, params, **options)

    async def run() -> CapturedSearch:
        system = open_system(
            Settings(database_url=url, secret_key=MENTORAT_ENV["MENTORAT_SECRET_KEY"])
        )
        try:
            uow = system.mentorat.uow
            assert isinstance(uow, SqlUnitOfWork)
            uow.database.observers.append(statements.append)
            query = DirectoryQuery.build(q=SEARCH["q"], available=SEARCH["available"] == "true")
            with mock.patch.object(psycopg.AsyncConnection, "execute", spy):
                page = await system.mentorat.search_mentors(query)
        finally:
            await system.aclose()
        [sql] = statements
        [params] = [values for text, values in sent if text == sql]
        return CapturedSearch(sql, params, [int(card.user_id) for card in page.cards])

    return asyncio.run(run())


def get_json(port: int, path: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.load(r)


def check_same_answers(mentorat: Target, ceiling: Target, captured: CapturedSearch) -> None:
    """Both servers list the mentors the captured search found, in its order."""
    wl = workloads()[0]
    theirs = [card["id"] for card in get_json(mentorat.port, wl.path, login(mentorat.port))]
    ours = [card["id"] for card in get_json(ceiling.port, "/ceiling/mentors")]
    if not theirs == ours == captured.ids:
        raise RuntimeError(f"the ceiling answers otherwise: {theirs} / {ours} / {captured.ids}")


@contextlib.contextmanager
def servers(
    args: argparse.Namespace, url: str, captured: CapturedSearch, logs: Path
) -> Iterator[tuple[Target, Target]]:
    mentorat = Target("mentorat", free_port(), workloads=("W6", "W6f", "W6b", "W7"))
    ceiling = Target("ceiling-psycopg", free_port(), needs_token=False, workloads=("W6",))
    try:
        mentorat.proc = start(
            mentorat_command(ROOT, mentorat.port, args.workers),
            {**MENTORAT_ENV, "MENTORAT_DATABASE_URL": url},
            logs / "mentorat-directory.log",
        )
        ceiling.proc = start(
            ceiling_command("directory_app", ceiling.port, args.workers),
            {
                "BENCH_DATABASE_URL": url,
                "BENCH_DIRECTORY_SQL": captured.sql,
                "BENCH_DIRECTORY_PARAMS": json.dumps(captured.params),
            },
            logs / "ceiling-directory.log",
        )
        wait_http(mentorat.port, "/health", 600)
        wait_http(ceiling.port, "/ceiling/mentors", 600)
        yield mentorat, ceiling
    finally:
        stop(mentorat.proc)
        stop(ceiling.proc)


def report(
    args: argparse.Namespace,
    ds: DirectoryDataset,
    results: list[Result],
    rss: list[float],
    seconds: float,
) -> str:
    med = summarize(results)
    lines = [
        f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"Command: `{' '.join(['.venv/bin/python -m bench.run', *sys.argv[1:]])}`.",
        f"Dataset: {ds.users:,} users of whom {ds.mentors:,} mentors, {ds.mentorings:,} "
        f"mentorings, {ds.messages:,} messages (seeded in {seconds:.0f}s). "
        f"wrk -t1 -c{args.connections}, {args.duration}s runs after {args.warmup}s warm-up, "
        f"medians of {args.rounds} round(s), targets alternating. mentorat: `mentorat serve "
        f"--workers {args.workers}`, as `bench`; ceiling: `bench.ceiling:directory_app` on the "
        "same server. Server, PostgreSQL and wrk share the cores.",
        "",
        "| workload | req/s | p50 ms | p99 ms | CPU ms/req | PG CPU ms/req | ceiling req/s "
        "| ceiling p99 ms | of the ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for wl in workloads():
        m = med.get(("mentorat", wl.name))
        c = med.get(("ceiling-psycopg", wl.name))
        if m is None:
            continue
        ceiling = (
            f"{c['rps']:,.0f} | {c['p99_ms']:.1f} | {100 * m['rps'] / c['rps']:.0f}%"
            if c
            else "- | - | -"
        )
        lines.append(
            f"| {wl.name} {wl.title} | {m['rps']:,.0f} | {m['p50_ms']:.1f} | {m['p99_ms']:.1f} "
            f"| {m['cpu_ms']:.2f} | {m['pg_cpu_ms']:.2f} | {ceiling} |"
        )
    c = med.get(("ceiling-psycopg", "W6"))
    if c:
        lines += [
            "",
            f"Ceiling W6: p50 {c['p50_ms']:.1f} ms, server CPU {c['cpu_ms']:.2f} ms/req, "
            f"PG CPU {c['pg_cpu_ms']:.2f} ms/req.",
        ]
    lines.append("RSS after the run, mentorat: " + ", ".join(f"{v:.0f} MiB" for v in rss))
    splits = [f"{r.target} {r.workload}: {r.worker_cpu_split}" for r in results]
    lines.append(
        "Per-process CPU seconds of each run (an even split means both workers served): "
        + "; ".join(splits)
    )
    errors = {k: v for k, v in med.items() if v["non_2xx"] or v["errors"]}
    if errors:
        lines.append(
            "Non-2xx answers or socket errors: "
            + "; ".join(
                f"{k[0]} {k[1]}: {int(v['non_2xx'])} non-2xx, {int(v['errors'])} errors"
                for k, v in errors.items()
            )
        )
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """`bench.run --directory`: seed (unless --skip-seed), serve, check, measure, report."""
    if args.quick:
        ds = DirectoryDataset(users=600, mentors=60, mentorings=40, messages=200, hot_messages=20)
        name = "mentorat_bench_directory_quick"
    else:
        ds = DirectoryDataset()
        name = "mentorat_bench_directory"
    url = pg_url(name)
    logs = ROOT / "bench" / "results"
    logs.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    seconds = 0.0
    if not args.skip_seed:
        recreate_database(name)
        seconds = seed(url, ds)
        print(f"bench: seeded the directory in {seconds:.1f}s", flush=True)
    captured = capture_search(url)
    only = {w for w in args.only.split(",") if w}
    results: list[Result] = []
    with servers(args, url, captured, logs) as (mentorat, ceiling):
        check_same_answers(mentorat, ceiling, captured)
        for round_no in range(1, args.rounds + 1):
            for wl in workloads():
                if only and wl.name not in only:
                    continue
                for t in (mentorat, ceiling):
                    if wl.name not in t.workloads:
                        continue
                    path = (
                        wl
                        if t.needs_token
                        else Workload(wl.name, wl.title, "GET", "/ceiling/mentors")
                    )
                    r = measure(t, path, args.duration, args.warmup, args.connections)
                    results.append(r)
                    print(
                        f"bench: round {round_no} {wl.name} {t.name}: {r.rps:,.0f} req/s "
                        f"p50 {r.p50_ms:.1f} p99 {r.p99_ms:.1f} ms cpu "
                        f"{r.server_cpu_ms_per_req:.2f} ms/req pg {r.pg_cpu_ms_per_req:.2f} "
                        f"split {r.worker_cpu_split} non-2xx {r.non_2xx}",
                        flush=True,
                    )
        assert mentorat.proc is not None
        rss = rss_mib(mentorat.proc)
    text = report(args, ds, results, rss, seconds)
    print(text)
    if args.write:
        write_report(text, MARKERS)
    print(f"bench: directory done in {time.monotonic() - t0:.0f}s", flush=True)
    failures = [r for r in results if r.errors or r.non_2xx]
    if args.quick and failures:
        print(f"bench: {len(failures)} run(s) had errors", file=sys.stderr)
        return 1
    return 0
