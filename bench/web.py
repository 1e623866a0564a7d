"""The web pages' cost: server time per page (median) and each page's weight with its assets.

    .venv/bin/python -m bench.web              # SQLite file, the demo data, a 10,000-message chat
    .venv/bin/python -m bench.web --quick      # 200 messages, fewer rounds: checks that it runs

Requests go through Litestar's in-process test client (no socket), so a time is the app's
own work for the page (session check, use cases, template) plus the client's small share: an
upper bound of the server's render time. Weights are gzip level 6 (what a proxy sends).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import re
import statistics
import tempfile
import time
from pathlib import Path

from litestar.testing import AsyncTestClient

from mentorat.adapters.web import STATIC
from mentorat.application.post_message import PostMessageCommand
from mentorat.bootstrap import http_app, open_system, seed_demo, upgrade_database
from mentorat.domain.events import MentoringId
from mentorat.domain.users import UserId
from mentorat.settings import Settings

PAGES = (
    "/login",
    "/",
    "/profile",
    "/mentors",
    "/mentors?q=python&available=on",
    "/suggestions",
    "/requests",
    "/mentorings/1",
    "/mentorings/1/messages?after={last}",
)
ASSET = re.compile(r'(?:src|href)="(/static/[^"?]+)')


def _gzip(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


async def measure(directory: Path, messages: int, rounds: int) -> list[tuple[str, float, int]]:
    settings = Settings(
        database_url=f"sqlite:///{directory / 'web.db'}",
        secret_key="k" * 32,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
    )
    upgrade_database(settings)
    system = open_system(settings)
    try:
        await seed_demo(system)
        mentorat = system.mentorat
        for i in range(messages):
            sender = UserId(1 if i % 2 else 2)
            await mentorat.post_message(PostMessageCommand(MentoringId(1), sender, f"message {i}"))
        async with AsyncTestClient(http_app(system).app) as client:
            login = await client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
            assert token
            await client.post(
                "/login",
                data={"csrf_token": token.group(1), "username": "owner", "password": "Pass123!@"},
            )
            chat = await client.get("/mentorings/1")
            last = max(int(i) for i in re.findall(r'id="m-(\d+)"', chat.text))
            results = []
            for template in PAGES:
                path = template.format(last=last)
                times = []
                for _ in range(rounds):
                    start = time.perf_counter()
                    answer = await client.get(path)
                    times.append(time.perf_counter() - start)
                    assert answer.status_code == 200, (path, answer.status_code)
                body = answer.content
                assets = sorted(set(ASSET.findall(answer.text)))
                weight = _gzip(body) + sum(
                    _gzip((STATIC / a.removeprefix("/static/")).read_bytes()) for a in assets
                )
                results.append((path, statistics.median(times) * 1000, weight))
            return results
    finally:
        await system.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    messages, rounds = (200, 20) if args.quick else (10_000, 200)
    with tempfile.TemporaryDirectory() as directory:
        results = asyncio.run(measure(Path(directory), messages, rounds))
    print(f"{'page':<40} {'median ms':>10} {'KB gzip (with assets)':>22}")
    for path, ms, weight in results:
        print(f"{path:<40} {ms:>10.2f} {weight / 1024:>22.1f}")


if __name__ == "__main__":
    main()
