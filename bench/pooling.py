"""How many database connections mentorat's workers use under load, directly and through a
PgBouncer in transaction pooling mode: the figures of docs/scaling.md.

    .venv/bin/python -m bench.pooling            # on the database of `bench.run --quick`

For each path to the database it starts `mentorat serve --workers 2`, loads it with wrk (one
workload, `--connections` clients) and, while wrk runs, samples `/metrics` (connections checked
out of the workers' pools, summed; checkouts that waited) and `pg_stat_activity` (server
connections open to the database, and those running a statement). It prints one line each.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import urllib.request
from pathlib import Path

import psycopg
from prometheus_client.parser import text_string_to_metric_families
from tests.pgbouncer import PgBouncer

from bench.run import (
    MENTORAT_ENV,
    ROOT,
    Workload,
    free_port,
    login,
    mentorat_command,
    pg_url,
    run_wrk,
    start,
    stop,
    wait_http,
)

WORKLOAD = Workload("W1", "GET /api/mentoring/ (20 items)", "GET", "/api/mentoring/")


def scrape(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    wanted = {"mentorat_db_connections_in_use", "mentorat_db_pool_waits_total"}
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name in wanted
    }


def backends(database: str) -> tuple[int, int]:
    """(server connections open to `database`, those running a statement right now)."""
    with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def measure(
    name: str, url: str, database: str, extra: dict[str, str], args: argparse.Namespace
) -> None:
    port = free_port()
    env = {**MENTORAT_ENV, "MENTORAT_DATABASE_URL": url, **extra}
    with tempfile.TemporaryDirectory() as logs:
        proc = start(mentorat_command(ROOT, port, 2), env, Path(logs) / "mentorat.log")
        try:
            wait_http(port, "/health")
            token = login(port)
            run_wrk(port, WORKLOAD, token, 2, args.connections)  # warm-up
            samples: list[tuple[float, int, int]] = []
            done = threading.Event()

            def sample() -> None:
                while not done.wait(0.2):
                    open_, active = backends(database)
                    samples.append((scrape(port)["mentorat_db_connections_in_use"], open_, active))

            waits_before = scrape(port)["mentorat_db_pool_waits_total"]
            sampler = threading.Thread(target=sample)
            sampler.start()
            stats = run_wrk(port, WORKLOAD, token, args.duration, args.connections)
            done.set()
            sampler.join()
            waits = scrape(port)["mentorat_db_pool_waits_total"] - waits_before
        finally:
            stop(proc)
    rate = stats["requests"] / (stats["duration_us"] / 1e6)
    in_use = statistics.mean(s[0] for s in samples)
    print(
        f"{name}: {rate:,.0f} req/s with {args.connections} clients; checked out "
        f"mean {in_use:.1f} max {max(s[0] for s in samples):.0f} of 2 x {args.pool}; "
        f"{rate / max(in_use, 0.01):,.0f} req/s per checked-out connection; "
        f"server connections open mean {statistics.mean(s[1] for s in samples):.1f} "
        f"max {max(s[1] for s in samples)}, running a statement mean "
        f"{statistics.mean(s[2] for s in samples):.1f}; pool waits {waits:.0f}; "
        f"non-2xx {stats['non_2xx']}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database", default="mentorat_bench_quick")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--pool", type=int, default=10, help="MENTORAT_DB_POOL_SIZE per worker")
    args = ap.parse_args()
    pool = {"MENTORAT_DB_POOL_SIZE": str(args.pool)}
    measure("direct", pg_url(args.database), args.database, pool, args)
    bouncer = PgBouncer(pg_url(args.database)).start()
    try:
        pooled = {
            **pool,
            "MENTORAT_DB_TRANSACTION_POOLING": "on",
            "MENTORAT_DB_PREPARED_STATEMENTS": "on" if bouncer.prepared_statements else "off",
        }
        measure("pgbouncer", bouncer.url(args.database), args.database, pooled, args)
    finally:
        bouncer.stop()


if __name__ == "__main__":
    main()
