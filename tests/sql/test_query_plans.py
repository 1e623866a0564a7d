"""PostgreSQL plans of the hot queries on a skewed dataset: index ranges, no scans, no sorts.

The dataset repeats perf-notes trap 1: one chat holds a fifth of all messages, interleaved
with the others, and thousands of newer messages elsewhere follow its last one. A plan that
walks the primary key and filters by chat reads all of those; ours reads a few pages.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mentorat.adapters.sql.engine import create_engine
from mentorat.adapters.sql.mapping import MESSAGE_COLUMNS
from mentorat.adapters.sql.mentorings import _WITH_PEOPLE
from mentorat.adapters.sql.messages import _AFTER, _BEFORE, _NEWEST
from mentorat.adapters.sql.migrations import run_blocking
from mentorat.adapters.sql.statements import Clause, Statement
from mentorat.adapters.sql.tables import messages
from mentorat.bootstrap import seed_bulk
from tests.conftest import settings_for
from tests.sql.support import a_throwaway_database

pytestmark = pytest.mark.postgres

MAX_ID = 2**63 - 1
HOT, SMALL = 1, 500


@pytest.fixture(scope="module")
def skewed_url(postgres_url: str) -> Iterator[str]:
    with a_throwaway_database(postgres_url, "mentorat_plans") as url:
        run_blocking(
            seed_bulk(
                settings_for(url), users=300, mentorings=2000, messages=100_000, hot_messages=20_000
            )
        )
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO messages (mentoring_id, sender_id, body, created_at) "
                "SELECT m.id, m.mentor_id, 'later', now() FROM generate_series(1, 10000) g "
                "JOIN mentorings m ON m.id = 2 + g % 1500"
            )
            conn.execute("VACUUM ANALYZE messages")
        yield url


@pytest.fixture(params=["custom", "generic"])
async def conn(request: pytest.FixtureRequest, skewed_url: str) -> AsyncIterator[AsyncConnection]:
    """A connection planning with the values (custom plans) or without them (generic plans,
    what a prepared statement ends up with after five executions)."""
    engine = create_engine(settings_for(skewed_url))
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql(f"SET plan_cache_mode = force_{request.param}_plan")
            yield connection
    finally:
        await engine.dispose()


async def explain(
    conn: AsyncConnection, statement: Statement | Clause, params: dict[str, Any]
) -> Any:
    """EXPLAIN ANALYZE of `statement` (its PostgreSQL form) run as a prepared statement with
    `params`."""
    clause = statement.form("postgresql") if isinstance(statement, Statement) else statement
    compiled = clause.compile(dialect=conn.dialect)
    values = {**compiled.params, **params}
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    sql_text = re.sub(r"%\((\w+)\)s", number, str(compiled))
    await conn.exec_driver_sql("DEALLOCATE ALL")
    await conn.exec_driver_sql(f"PREPARE probe AS {sql_text}".replace("%", "%%"))
    args = ", ".join(str(int(values[n])) for n in names)
    result = await conn.exec_driver_sql(
        f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE probe({args})"
    )
    raw = result.scalar()
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def pages_read(explained: dict[str, Any]) -> int:
    top = explained["Plan"]
    return int(top["Shared Hit Blocks"]) + int(top["Shared Read Blocks"])


PAGES = {
    "newest": (_NEWEST, {"low": 1, "high": MAX_ID}),
    "before, middle": (
        _BEFORE,
        {"low": 1, "high": 49_999, "other_low": 50_000, "other_high": MAX_ID},
    ),
    "before, start": (_BEFORE, {"low": 1, "high": 30, "other_low": 31, "other_high": MAX_ID}),
    "after 0": (_AFTER, {"low": 1, "high": MAX_ID, "other_low": 1, "other_high": 0}),
    "after, middle": (
        _AFTER,
        {"low": 50_001, "high": MAX_ID, "other_low": 1, "other_high": 50_000},
    ),
    "after, end": (
        _AFTER,
        {"low": 99_991, "high": MAX_ID, "other_low": 1, "other_high": 99_990},
    ),
}


async def a_participant(conn: AsyncConnection, chat: int) -> int:
    found = await conn.exec_driver_sql(f"SELECT mentor_id FROM mentorings WHERE id = {chat}")
    return int(found.scalar_one())


@pytest.mark.parametrize("chat", [HOT, SMALL])
@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("read", ["page", "chat"], ids=["page alone", "with its mentoring"])
async def test_a_chat_page_is_a_short_walk_of_the_chat_index(
    conn: AsyncConnection, page: str, chat: int, read: str
) -> None:
    """The page alone (`Messages.page`) or with its mentoring (`Messages.read_chat`, which
    list_messages sends)."""
    kind, bounds = PAGES[page]
    params = {"m": chat, "n": 51, **bounds}
    if read == "chat":
        params["reader"] = await a_participant(conn, chat)
    explained = await explain(conn, kind.page if read == "page" else kind.chat, params)
    scans = [n for n in nodes(explained["Plan"]) if n.get("Relation Name") == "messages"]
    assert scans
    for scan in scans:
        assert scan["Node Type"] in ("Index Scan", "Index Only Scan"), scan["Node Type"]
        assert scan["Index Name"] == "ix_messages_mentoring_id_id"
        assert scan.get("Rows Removed by Filter", 0) == 0
    assert not [n for n in nodes(explained["Plan"]) if n["Node Type"] == "Sort"]
    # At most one heap page per row of a scattered chat plus a few index pages; the trap's
    # plans read hundreds here.
    assert pages_read(explained) <= 51 + 15, pages_read(explained)


async def test_the_progress_view_probes_users_by_key_instead_of_hashing_them(
    conn: AsyncConnection,
) -> None:
    explained = await explain(conn, _WITH_PEOPLE, {"user_id": 1})
    plan = list(nodes(explained["Plan"]))
    assert not [n for n in plan if n["Node Type"] in ("Hash Join", "Merge Join", "Seq Scan")]
    user_scans = [n for n in plan if n.get("Relation Name") == "users"]
    assert len(user_scans) == 2
    assert all(n["Index Name"] == "pk_users" for n in user_scans)
    assert explained["Plan"]["Actual Rows"] == 20


async def test_the_dataset_reproduces_the_trap_for_the_obvious_query(skewed_url: str) -> None:
    """Control: `WHERE mentoring_id = :m ORDER BY id DESC` walks the primary key here."""
    naive = (
        select(*MESSAGE_COLUMNS)
        .where(messages.c.mentoring_id == bindparam("m"))
        .order_by(messages.c.id.desc())
        .limit(bindparam("n"))
    )
    engine = create_engine(settings_for(skewed_url))
    try:
        async with engine.connect() as conn:
            explained = await explain(conn, naive, {"m": HOT, "n": 51})
    finally:
        await engine.dispose()
    scan = next(n for n in nodes(explained["Plan"]) if n.get("Relation Name") == "messages")
    assert scan["Index Name"] == "pk_messages"
    assert pages_read(explained) > 200
