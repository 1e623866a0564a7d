"""Posts to one chat waiting in a process are stored together: `ChatBatches` alone (with a fake
statement), then through the real unit of work on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from mentorat.adapters.sql.batching import MAX_BATCH, ChatBatches, Post, Stored
from mentorat.application.errors import StorageUnavailable
from mentorat.bootstrap import System
from mentorat.domain.chat import NewMessage, PageRequest
from mentorat.domain.errors import ConcurrentUpdate
from mentorat.domain.mentoring import Status

from .test_postgres_concurrency import a_request_as_read, pg_system

__all__ = ["pg_system"]

AT = datetime(2025, 1, 1, tzinfo=UTC)


class FakeStatement:
    """Records each batch it is sent; the test releases each send in turn."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release: asyncio.Queue[Exception | None] = asyncio.Queue()
        self.next_id = 0

    async def send(self, batch: list[Post]) -> list[Stored]:
        self.batches.append([p.text for p in batch])
        failure = await self.release.get()
        if failure is not None:
            raise failure
        rows = []
        for _ in batch:
            self.next_id += 1
            rows.append((self.next_id, AT, self.next_id, self.next_id))
        return rows


def post_to(
    batches: ChatBatches, statement: FakeStatement, text: str, chat: str = "chat"
) -> asyncio.Task[Stored]:
    return asyncio.create_task(batches.store(chat, Post(1, text, AT), statement.send))


async def a_post_in_flight_and_two_behind(
    batches: ChatBatches, statement: FakeStatement
) -> tuple[asyncio.Task[Stored], asyncio.Task[Stored], asyncio.Task[Stored]]:
    """ "a" is being sent; "b" and "c" wait behind it."""
    first = post_to(batches, statement, "a")
    await settle()
    second, third = post_to(batches, statement, "b"), post_to(batches, statement, "c")
    await settle()
    return first, second, third


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_posts_that_wait_behind_a_batch_go_together_in_arrival_order() -> None:
    batches, statement = ChatBatches(), FakeStatement()
    first = post_to(batches, statement, "a")
    await settle()
    later = [post_to(batches, statement, text) for text in "bcd"]
    await settle()
    assert statement.batches == [["a"]]
    statement.release.put_nowait(None)
    await settle()
    assert statement.batches == [["a"], ["b", "c", "d"]]
    statement.release.put_nowait(None)
    assert [row[0] for row in await asyncio.gather(first, *later)] == [1, 2, 3, 4]
    assert len(batches) == 0


async def test_different_chats_do_not_wait_for_each_other() -> None:
    batches, statement = ChatBatches(), FakeStatement()
    tasks = [post_to(batches, statement, key, chat=key) for key in ("one", "two")]
    await settle()
    assert statement.batches == [["one"], ["two"]]
    statement.release.put_nowait(None)
    statement.release.put_nowait(None)
    await asyncio.gather(*tasks)


async def test_a_failed_batch_fails_each_of_its_posts_and_the_next_batch_still_goes() -> None:
    batches, statement = ChatBatches(), FakeStatement()
    first, *doomed = await a_post_in_flight_and_two_behind(batches, statement)
    statement.release.put_nowait(None)  # a
    await settle()
    after = post_to(batches, statement, "d")
    await settle()
    statement.release.put_nowait(ConcurrentUpdate())  # b and c
    statement.release.put_nowait(None)  # d
    await first
    for task in doomed:
        with pytest.raises(ConcurrentUpdate):
            await task
    assert (await after)[0] == 2
    assert statement.batches == [["a"], ["b", "c"], ["d"]]
    assert len(batches) == 0


async def test_a_post_cancelled_while_it_waits_is_left_out() -> None:
    batches, statement = ChatBatches(), FakeStatement()
    first, gone, kept = await a_post_in_flight_and_two_behind(batches, statement)
    gone.cancel()
    await settle()
    statement.release.put_nowait(None)
    statement.release.put_nowait(None)
    await first
    assert (await kept)[0] == 2
    assert gone.cancelled()
    assert statement.batches == [["a"], ["c"]]
    assert len(batches) == 0


async def test_a_post_cancelled_once_handed_the_next_batch_passes_it_on() -> None:
    batches, statement = ChatBatches(), FakeStatement()
    waiting: list[asyncio.Task[Stored]] = []

    async def lead_then_cancel_the_next() -> Stored:
        stored = await batches.store("chat", Post(1, "a", AT), statement.send)
        # "b" has just been handed the next batch, and has not run yet.
        waiting[0].cancel()
        return stored

    first = asyncio.create_task(lead_then_cancel_the_next())
    await settle()
    waiting += [post_to(batches, statement, t) for t in "bc"]
    await settle()
    statement.release.put_nowait(None)
    await first
    await settle()
    statement.release.put_nowait(None)
    assert (await waiting[1])[0] == 2
    assert waiting[0].cancelled()
    assert statement.batches == [["a"], ["c"]]
    assert len(batches) == 0


async def test_a_cancelled_sender_fails_its_batch_with_storage_unavailable() -> None:
    batches, statement = ChatBatches(), FakeStatement()
    first, second, third = await a_post_in_flight_and_two_behind(batches, statement)
    statement.release.put_nowait(None)
    await first
    await settle()
    assert statement.batches[-1] == ["b", "c"]
    second.cancel()  # mid-statement: whether "c" was stored is unknown
    with pytest.raises(StorageUnavailable):
        await third
    assert len(batches) == 0


async def test_a_batch_holds_at_most_max_batch_posts() -> None:
    batches, statement = ChatBatches(), FakeStatement()
    first = post_to(batches, statement, "first")
    await settle()
    rest = [post_to(batches, statement, str(i)) for i in range(MAX_BATCH + 3)]
    await settle()
    for _ in range(3):
        statement.release.put_nowait(None)
        await settle()
    await asyncio.gather(first, *rest)
    assert [len(b) for b in statement.batches] == [1, MAX_BATCH, 3]


# --- on PostgreSQL -----------------------------------------------------------------------------


@pytest.mark.postgres
async def test_concurrent_posts_to_one_chat_are_stored_in_fewer_statements_in_order(
    pg_system: System,
) -> None:
    uow, mentee, mentoring = await a_request_as_read(pg_system)
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "INSERT INTO messages" in statement:
            statements.append(statement)

    engine = uow.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:

        async def post(i: int) -> int:
            async with uow(single_write=True) as tx:
                snapshot = await tx.mentorings.get(mentoring.id)
                assert snapshot is not None
                message = await tx.messages.add_counted(
                    NewMessage(mentoring.id, mentee.id, f"m{i}", mentoring.created_at), snapshot
                )
                await tx.commit()
            return message.id

        ids = await asyncio.gather(*(post(i) for i in range(30)))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(set(ids)) == 30
    assert len(statements) < 30  # posts waited and went together
    async with uow(write=False) as tx:
        stored = await tx.mentorings.get(mentoring.id)
        page = await tx.messages.page(mentoring.id, PageRequest(limit=50))
    assert stored is not None
    assert (stored.message_count, stored.version) == (30, mentoring.version + 30)
    assert sorted(m.id for m in page.messages) == sorted(ids)
    assert {m.text for m in page.messages} == {f"m{i}" for i in range(30)}
    # Ordered by id, the chat's clock never runs backwards.
    dates = [m.created_at for m in page.messages]
    assert dates == sorted(dates)
    assert stored.last_message_at == dates[-1]


@pytest.mark.postgres
async def test_a_batch_on_a_mentoring_that_moved_stores_none_of_its_posts(
    pg_system: System,
) -> None:
    uow, mentee, stale = await a_request_as_read(pg_system)
    assert stale.status is Status.PENDING
    async with uow() as tx:
        refusing = await tx.mentorings.get(stale.id, for_update=True)
        assert refusing is not None
        refusing.respond(by=stale.mentor_id, accept=False, at=stale.created_at)
        await tx.mentorings.save(refusing)
        await tx.commit()

    async def post(i: int) -> None:
        async with uow(single_write=True) as tx:
            await tx.messages.add_counted(
                NewMessage(stale.id, mentee.id, f"m{i}", stale.created_at), stale
            )

    results = await asyncio.gather(*(post(i) for i in range(10)), return_exceptions=True)
    assert all(isinstance(r, ConcurrentUpdate) for r in results)
    async with uow(write=False) as tx:
        stored = await tx.mentorings.get(stale.id)
    assert stored is not None
    assert stored.message_count == 0
