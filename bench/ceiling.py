"""The ceilings a mentorat request is measured against, served by the same ASGI server.

`bare`: Litestar + msgspec returning 50 message objects with no database and no auth.
`psycopg`: the same endpoint reading the newest 50 rows of the hot chat with a raw psycopg 3
async pool: the database ceiling for the chat workload on this machine.
`directory`: a directory search, the very statement and values mentorat sends for it (which
`bench/directory.py` captures and passes in), on a raw psycopg 3 async pool, answered with
mentorat's card fields: the database ceiling for the directory's search.

    BENCH_DATABASE_URL=postgresql://... uvicorn --factory bench.ceiling:psycopg_app
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Litestar, get


class MessageOut(msgspec.Struct):
    id: int
    sender_id: str
    message: str
    created_at: datetime


_NOW = datetime(2025, 4, 11, 12, 58, 43, 959579, tzinfo=UTC)
_FIFTY = [MessageOut(i, "1", f"Message {i}: " + "x" * 60, _NOW) for i in range(1, 51)]


def bare_app() -> Litestar:
    @get("/ceiling/messages", sync_to_thread=False)
    def messages() -> list[MessageOut]:
        return _FIFTY

    return Litestar([messages], openapi_config=None)


def psycopg_app() -> Litestar:
    from psycopg.rows import tuple_row
    from psycopg_pool import AsyncConnectionPool

    url = os.environ["BENCH_DATABASE_URL"]
    mentoring_id = int(os.environ.get("BENCH_HOT_MENTORING", "1"))
    pool = AsyncConnectionPool(url, min_size=4, max_size=8, open=False)
    # The plan-robust shape (a row-value range of the (mentoring_id, id) index): with
    # `WHERE mentoring_id = %s` PostgreSQL walks the primary key backwards once W3 has posted
    # elsewhere (perf-notes trap 1), and the "ceiling" fell below mentorat itself.
    query = (
        "SELECT id, sender_id, body, created_at FROM ("
        " SELECT id, sender_id, body, created_at FROM messages"
        " WHERE (mentoring_id, id) >= (%(m)s, 0)"
        " AND (mentoring_id, id) <= (%(m)s, 9223372036854775807)"
        " ORDER BY mentoring_id DESC, id DESC LIMIT 50) page"
        " ORDER BY id"
    )

    @get("/ceiling/messages")
    async def messages() -> list[MessageOut]:
        async with pool.connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
            await cur.execute(query, {"m": mentoring_id}, prepare=True)
            rows = await cur.fetchall()
        return [MessageOut(r[0], str(r[1]), r[2], r[3]) for r in rows]

    async def open_pool() -> None:
        await pool.open()

    async def close_pool() -> None:
        await pool.close()

    return Litestar(
        [messages], on_startup=[open_pool], on_shutdown=[close_pool], openapi_config=None
    )


class MentorCardOut(msgspec.Struct):
    """The fields of mentorat's own card (`adapters.http.schemas.MentorCardOut`)."""

    id: int
    username: str
    first_name: str
    last_name: str
    is_verified: bool
    bio: str
    skills: list[str]
    languages: list[str]
    timezone: str | None
    accepting_requests: bool
    capacity: int
    active_mentees: int
    places_left: int
    median_answer_seconds: int | None


def _tags(joined: str) -> list[str]:
    return joined.split(",") if joined else []


def directory_app() -> Litestar:
    """BENCH_DIRECTORY_SQL and BENCH_DIRECTORY_PARAMS (JSON): the search, as mentorat sends it.

    Its columns come as mentorat's directory selects them: id, username, first_name,
    last_name, is_verified, the profile (user_id, bio, skills, wanted_skills, languages,
    timezone, capacity, accepting_requests), active_mentees, answer_seconds, rank.
    """
    from psycopg.rows import tuple_row
    from psycopg_pool import AsyncConnectionPool

    url = os.environ["BENCH_DATABASE_URL"]
    query = os.environ["BENCH_DIRECTORY_SQL"]
    params = json.loads(os.environ["BENCH_DIRECTORY_PARAMS"])
    pool = AsyncConnectionPool(url, min_size=4, max_size=8, open=False)

    # mentorat asks for one row more than a page, to know whether another page follows.
    page = int(params["rows"]) - 1

    @get("/ceiling/mentors")
    async def mentors() -> list[MentorCardOut]:
        async with pool.connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
            # As mentorat's runner sends it: prepared, with results in binary.
            await cur.execute(query, params, prepare=True, binary=True)
            rows = await cur.fetchall()
        return [_card(row) for row in rows[:page]]

    async def open_pool() -> None:
        await pool.open()

    async def close_pool() -> None:
        await pool.close()

    return Litestar(
        [mentors], on_startup=[open_pool], on_shutdown=[close_pool], openapi_config=None
    )


def _card(r: Any) -> MentorCardOut:
    capacity, active = r[11], r[13]
    return MentorCardOut(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[6],
        _tags(r[7]),
        _tags(r[9]),
        r[10],
        r[12],
        capacity,
        active,
        max(capacity - active, 0),
        r[14],
    )
