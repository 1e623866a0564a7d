"""`uow(single_write=True)`: on PostgreSQL the one write commits as it runs (no BEGIN, no
COMMIT round trip, the mentoring's row lock held only by that statement); SQLite, whose counted
insert is two statements, keeps its transaction."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from mentorat.bootstrap import System, open_system
from mentorat.domain.chat import NewMessage
from mentorat.domain.events import MentoringId

from .conftest import settings_for, sql_uow
from .test_postgres_concurrency import a_pair, a_request, a_request_as_read, pg_system

__all__ = ["pg_system"]  # the fixture, shared with the concurrency tests


async def message_count_seen_by_another_connection(url: str, mentoring_id: MentoringId) -> int:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as other:
        cursor = await other.execute(
            "SELECT count(*) FROM messages WHERE mentoring_id = %s", (mentoring_id,)
        )
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("single_write", "seen_before_commit"),
    [(True, 1), (False, 0)],
    ids=["single-write", "transaction"],
)
async def test_on_postgresql_only_the_single_write_is_committed_as_it_runs(
    pg_system: System, pg_url: str, single_write: bool, seen_before_commit: int
) -> None:
    uow, mentee, mentoring = await a_request_as_read(pg_system)
    async with uow(single_write=single_write) as tx:
        await tx.messages.add_counted(
            NewMessage(mentoring.id, mentee.id, "hi", mentoring.created_at), mentoring
        )
        # With the hint the block has not committed yet, and the message is already there.
        seen = await message_count_seen_by_another_connection(pg_url, mentoring.id)
        assert seen == seen_before_commit
        await tx.commit()
    assert await message_count_seen_by_another_connection(pg_url, mentoring.id) == 1


async def test_on_sqlite_the_single_write_still_waits_for_the_commit(sqlite_url: str) -> None:
    system = open_system(settings_for(sqlite_url))
    path = system.settings.sqlite_path
    assert path is not None

    def seen_by_another_connection(mentoring_id: MentoringId) -> int:
        with sqlite3.connect(path) as other:
            query = "SELECT count(*) FROM messages WHERE mentoring_id = ?"
            return int(other.execute(query, (mentoring_id,)).fetchone()[0])

    try:
        mentor, mentee = await a_pair(system)
        request = await a_request(system, mentor, mentee)
        async with sql_uow(system)(single_write=True) as tx:
            mentoring = await tx.mentorings.get(request.id)
            assert mentoring is not None
            await tx.messages.add_counted(
                NewMessage(request.id, mentee.id, "hi", mentoring.created_at), mentoring
            )
            assert seen_by_another_connection(request.id) == 0
            await tx.commit()
        assert seen_by_another_connection(request.id) == 1
    finally:
        await system.aclose()
