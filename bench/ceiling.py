"""The ceilings a mentorat request is measured against, served by the same ASGI server.

`bare`: Litestar + msgspec returning 50 message objects with no database and no auth.
`psycopg`: the same endpoint reading the newest 50 rows of the hot chat with a raw psycopg 3
async pool: the database ceiling for the chat workload on this machine.

    BENCH_DATABASE_URL=postgresql://... uvicorn --factory bench.ceiling:psycopg_app
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

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
