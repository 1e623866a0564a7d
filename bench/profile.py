"""Profile the hot path in-process: requests through the ASGI app, no server, no wrk.

    MENTORAT_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/mentorat_bench \
    MENTORAT_SECRET_KEY=bench-secret-key-not-for-production-0123456789abcdef \
    .venv/bin/python -m bench.profile W2 --requests 2000 [--pyinstrument] [--cprofile]

Uses the database `bench.run` seeded (user `bench`). Without a profiler flag it prints the
mean wall time per request, which is what a change should move.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from typing import Any

import httpx

from bench.run import PASSWORD

PATHS = {
    "W1": ("GET", "/api/mentoring/", None),
    "W2": ("GET", "/api/mentoring/chat/{hot}/messages/", None),
    "W3": (
        "POST",
        "/api/mentoring/chat/{post}/messages/",
        {"message": "Benchmark message: how is the project going this week?"},
    ),
    "W4": ("GET", "/api/mentorship/progress/", None),
    "W5": ("GET", "/auth/me/", None),
    # On the directory's database (`bench.run --directory` seeds mentorat_bench_directory).
    "W6": ("GET", "/api/mentors/?q=kubernetes&available=true", None),
    "W7": ("GET", "/api/mentors/suggested/", None),
}


async def run(workload: str, requests: int, concurrency: int, profiler: str) -> None:
    from mentorat.bootstrap import create_asgi_app

    app = create_asgi_app()
    logging.getLogger("mentorat.access").setLevel(logging.WARNING)  # no line per request
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        await app.on_startup_handler() if hasattr(app, "on_startup_handler") else None
        r = await client.post("/auth/token/", json={"username": "bench", "password": PASSWORD})
        token = r.json()["access"]
        method, path, body = PATHS[workload]
        path = path.format(hot=1, post=2)
        headers = {"Authorization": f"Bearer {token}"}

        async def one() -> None:
            resp = await client.request(method, path, headers=headers, json=body)
            assert resp.status_code < 300, (resp.status_code, resp.text)

        async def loop(n: int) -> None:
            for _ in range(n):
                await one()

        await asyncio.gather(*(loop(50) for _ in range(concurrency)))  # warm-up
        prof: Any = None
        if profiler == "pyinstrument":
            from pyinstrument import Profiler

            prof = Profiler(interval=0.0002, async_mode="disabled")
            prof.start()
        elif profiler == "cprofile":
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        started = time.perf_counter()
        await asyncio.gather(*(loop(requests // concurrency) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        if profiler == "pyinstrument":
            prof.stop()
            print(prof.output_text(unicode=True, color=False, show_all=False))
        elif profiler == "cprofile":
            import pstats

            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(35)
        print(
            json.dumps(
                {"workload": workload, "ms_per_request": round(1000 * elapsed / requests, 3)}
            )
        )
    for hook in app.app.on_shutdown:  # the Litestar app inside the request-id wrapper
        await hook()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("workload", choices=sorted(PATHS))
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=4)
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--pyinstrument", action="store_const", const="pyinstrument", dest="prof")
    group.add_argument("--cprofile", action="store_const", const="cprofile", dest="prof")
    args = ap.parse_args()
    import uvloop

    uvloop.run(run(args.workload, args.requests, args.concurrency, args.prof or ""))


if __name__ == "__main__":
    main()
