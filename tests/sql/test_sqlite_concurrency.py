"""The embedded SQLite store with several writers at once: they wait their turn, never fail."""

from __future__ import annotations

import asyncio

import pytest

from mentorat.application.errors import StorageUnavailable
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.register_user import RegisterCommand
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.bootstrap import open_system
from mentorat.domain.chat import PageRequest
from tests.conftest import settings_for
from tests.sql.support import PASSWORD, PERIOD, sql_uow


async def test_concurrent_writers_in_several_workers_all_succeed(sqlite_url: str) -> None:
    # Three systems on one file stand for three worker processes, each with its own pool.
    workers = [open_system(settings_for(sqlite_url)) for _ in range(3)]
    try:
        app = workers[0].mentorat
        mentor = await app.register_user(
            RegisterCommand("mentor", PASSWORD, "m@example.com", is_mentor=True)
        )
        mentees = [
            await app.register_user(RegisterCommand(f"mentee{i}", PASSWORD, "e@example.com"))
            for i in range(6)
        ]
        chat = await app.request_mentoring(
            RequestMentoringCommand(mentees[0].id, mentor.id, *PERIOD)
        )
        await app.respond_to_request(RespondCommand(chat.id, mentor.id, accept=True))

        async def writer(worker: int, k: int) -> int:
            own = workers[worker].mentorat
            who = mentor if k % 2 else mentees[0]
            for i in range(10):
                await own.post_message(PostMessageCommand(chat.id, who.id, f"{worker}.{k}.{i}"))
            return k

        async def requester(worker: int, mentee: int) -> None:
            own = workers[worker].mentorat
            command = RequestMentoringCommand(mentees[mentee].id, mentor.id, *PERIOD)
            await own.request_mentoring(command)

        tasks = [writer(w, k) for w in range(3) for k in range(6)]
        tasks += [requester(i % 3, i) for i in range(1, 6)]
        await asyncio.gather(*tasks)

        page = await app.list_messages(
            ListMessagesQuery(chat.id, mentor.id, PageRequest(after=0, limit=200))
        )
        assert len(page.messages) == 180
        ids = [m.id for m in page.messages]
        assert ids == sorted(set(ids))
        times = [m.created_at for m in page.messages]
        assert times == sorted(times)
        async with app.uow(write=False) as tx:
            stored = await tx.mentorings.get(chat.id)
            requests = await tx.mentorings.list_for(mentor.id)
        assert stored is not None
        assert stored.message_count == 180
        assert len(requests) == 6
    finally:
        for worker in workers:
            await worker.aclose()


async def test_a_writer_kept_waiting_past_the_busy_timeout_is_storage_unavailable(
    sqlite_url: str,
) -> None:
    holder = open_system(settings_for(sqlite_url))
    waiter = open_system(settings_for(sqlite_url, db_statement_timeout=0.2))
    try:
        async with holder.mentorat.uow() as tx:
            await tx.users.get_by_username("nobody")  # holds the write lock (BEGIN IMMEDIATE)
            # Readers are not blocked by a writer in WAL mode.
            async with waiter.mentorat.uow(write=False) as reader:
                assert await reader.users.get_by_username("nobody") is None
            with pytest.raises(StorageUnavailable):
                await waiter.mentorat.register_user(
                    RegisterCommand("late", PASSWORD, "l@example.com")
                )
        registered = await waiter.mentorat.register_user(
            RegisterCommand("late", PASSWORD, "l@example.com")
        )
        assert registered.username == "late"
    finally:
        await holder.aclose()
        await waiter.aclose()


async def test_each_sqlite_connection_gets_wal_foreign_keys_and_a_busy_timeout(
    sqlite_url: str,
) -> None:
    system = open_system(settings_for(sqlite_url, db_statement_timeout=3))
    try:
        scope = sql_uow(system).database.connect(write=False)
        async with scope:
            conn = scope.connection
            assert conn is not None
            pragmas = [
                (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            ]
        assert pragmas == ["wal", 1, 3000, 1]
    finally:
        await system.aclose()
