"""Posts to one chat waiting in a process are stored together: `ChatBatches` alone (with a fake
statement), then through `PostgresChatPosts` on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from mentorat.adapters.sql.batching import MAX_BATCH, ChatBatches, Post, Stored
from mentorat.adapters.sql.chat_posts import PostgresChatPosts
from mentorat.application.errors import StorageUnavailable
from mentorat.bootstrap import System, open_system
from mentorat.domain.chat import Message
from mentorat.domain.errors import ConcurrentUpdate
from mentorat.domain.mentoring import Mentoring, Status
from mentorat.domain.users import UserId
from tests.conftest import settings_for
from tests.sql.support import (
    StoreStatements,
    a_request_as_read,
    chat_messages,
    chat_texts,
    count_reads,
    outcomes,
    saying,
    sql_uow,
    stored_mentoring,
    warm_pool,
)

AT = datetime(2025, 1, 1, tzinfo=UTC)
# The fake statement sends nothing: its posts hold no connection.
NO_CONNECTION: Any = None


class FakeStatement:
    """Records each batch it is sent; the test releases each send in turn."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.keys: list[str] = []
        self.release: asyncio.Queue[Exception | None] = asyncio.Queue()
        self.next_id = 0

    async def send(self, key: str, batch: list[Post]) -> list[Stored]:
        self.batches.append([p.text for p in batch])
        self.keys.append(key)
        failure = await self.release.get()
        if failure is not None:
            raise failure
        rows = []
        for _ in batch:
            self.next_id += 1
            rows.append((self.next_id, AT))
        return rows


def post_to(batches: ChatBatches[str], text: str, chat: str = "chat") -> asyncio.Task[Stored]:
    return asyncio.create_task(batches.store(chat, Post(1, text, AT, NO_CONNECTION)))


def fake_batches() -> tuple[ChatBatches[str], FakeStatement]:
    statement = FakeStatement()
    return ChatBatches(statement.send), statement


async def a_post_in_flight_and_two_behind(
    batches: ChatBatches[str],
) -> tuple[asyncio.Task[Stored], asyncio.Task[Stored], asyncio.Task[Stored]]:
    """ "a" is being sent; "b" and "c" wait behind it."""
    first = post_to(batches, "a")
    await settle()
    second, third = post_to(batches, "b"), post_to(batches, "c")
    await settle()
    return first, second, third


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_posts_that_wait_behind_a_batch_go_together_in_arrival_order() -> None:
    batches, statement = fake_batches()
    first = post_to(batches, "a")
    await settle()
    later = [post_to(batches, text) for text in "bcd"]
    await settle()
    assert statement.batches == [["a"]]
    statement.release.put_nowait(None)
    await settle()
    assert statement.batches == [["a"], ["b", "c", "d"]]
    statement.release.put_nowait(None)
    assert await asyncio.gather(first, *later) == [(1, AT), (2, AT), (3, AT), (4, AT)]
    assert statement.keys == ["chat", "chat"]
    assert len(batches) == 0


async def test_different_chats_do_not_wait_for_each_other() -> None:
    batches, statement = fake_batches()
    tasks = [post_to(batches, key, chat=key) for key in ("one", "two")]
    await settle()
    assert statement.batches == [["one"], ["two"]]
    statement.release.put_nowait(None)
    statement.release.put_nowait(None)
    await asyncio.gather(*tasks)
    assert statement.keys == ["one", "two"]


async def test_a_failed_batch_fails_each_of_its_posts_and_the_next_batch_still_goes() -> None:
    batches, statement = fake_batches()
    first, *doomed = await a_post_in_flight_and_two_behind(batches)
    statement.release.put_nowait(None)  # a
    await settle()
    after = post_to(batches, "d")
    await settle()
    statement.release.put_nowait(ConcurrentUpdate())  # b and c
    statement.release.put_nowait(None)  # d
    await first
    failures = await asyncio.gather(*doomed, return_exceptions=True)
    assert all(isinstance(failure, ConcurrentUpdate) for failure in failures), failures
    assert failures[0] is failures[1]  # the batch's one error
    assert (await after)[0] == 2
    assert statement.batches == [["a"], ["b", "c"], ["d"]]
    assert len(batches) == 0


async def test_a_post_cancelled_while_it_waits_is_left_out() -> None:
    batches, statement = fake_batches()
    first, gone, kept = await a_post_in_flight_and_two_behind(batches)
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
    batches, statement = fake_batches()
    waiting: list[asyncio.Task[Stored]] = []

    async def lead_then_cancel_the_next() -> Stored:
        stored = await batches.store("chat", Post(1, "a", AT, NO_CONNECTION))
        # "b" has just been handed the next batch, and has not run yet.
        waiting[0].cancel()
        return stored

    first = asyncio.create_task(lead_then_cancel_the_next())
    await settle()
    waiting += [post_to(batches, t) for t in "bc"]
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
    batches, statement = fake_batches()
    first, second, third = await a_post_in_flight_and_two_behind(batches)
    statement.release.put_nowait(None)
    await first
    await settle()
    assert statement.batches[-1] == ["b", "c"]
    second.cancel()  # mid-statement: whether "c" was stored is unknown
    with pytest.raises(StorageUnavailable):
        await third
    assert len(batches) == 0


async def test_a_batch_holds_at_most_max_batch_posts() -> None:
    batches, statement = fake_batches()
    first = post_to(batches, "first")
    await settle()
    rest = [post_to(batches, str(i)) for i in range(MAX_BATCH + 3)]
    await settle()
    for _ in range(3):
        statement.release.put_nowait(None)
        await settle()
    await asyncio.gather(first, *rest)
    assert [len(b) for b in statement.batches] == [1, MAX_BATCH, 3]


# --- on PostgreSQL, through PostgresChatPosts -------------------------------------------------


async def a_chat_posted_in(
    system: System, *, ready: int = 0
) -> tuple[PostgresChatPosts, UserId, Mentoring]:
    """A pending request with one message ("warm"), posted by a `PostgresChatPosts` that now
    remembers the mentoring, with `ready` pooled connections open: that many next posts go
    straight to their batch, in the order they are made. The request as read before that
    post, and its mentee."""
    uow, mentee, mentoring = await a_request_as_read(system)
    posts = PostgresChatPosts(uow.database)
    await posts.post(mentoring.id, saying(mentee.id, "warm", mentoring.created_at))
    await warm_pool(uow.database, ready)
    return posts, mentee.id, mentoring


def post_many(
    posts: PostgresChatPosts, mentoring: Mentoring, by: UserId, texts: list[str]
) -> list[asyncio.Task[Message]]:
    return [
        asyncio.create_task(posts.post(mentoring.id, saying(by, text, mentoring.created_at)))
        for text in texts
    ]


@pytest.mark.postgres
async def test_concurrent_posts_to_one_chat_go_in_one_statement_in_arrival_order(
    pg_system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts, mentee, mentoring = await a_chat_posted_in(pg_system, ready=20)
    reads, sends = count_reads(monkeypatch), StoreStatements(monkeypatch)
    texts = [f"m{i}" for i in range(20)]
    posted = await asyncio.gather(*post_many(posts, mentoring, mentee, texts))
    assert reads == []
    # The first went alone; the 19 that arrived while it was on its way went together.
    assert sends.batches == [texts[:1], texts[1:]]
    assert sends.stored == [True, True]
    stored = await stored_mentoring(pg_system, mentoring.id)
    chat = await chat_messages(pg_system, mentoring.id)
    # One id each, in the order the posts were made; each answered with its own message.
    assert chat[1:] == posted
    assert [m.text for m in chat] == ["warm", *texts]
    assert [m.id for m in chat] == sorted({m.id for m in chat})
    # Counted on the mentoring, whose version counts lifecycle changes only.
    assert (stored.message_count, stored.version) == (21, mentoring.version)
    # Ordered by id, the chat's clock never runs backwards.
    dates = [m.created_at for m in chat]
    assert dates == sorted(dates)
    assert stored.last_message_at == dates[-1]


@pytest.mark.postgres
async def test_a_batch_on_a_mentoring_that_moved_stores_none_of_its_posts(
    pg_system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts, mentee, stale = await a_chat_posted_in(pg_system, ready=10)
    assert stale.status is Status.PENDING
    async with sql_uow(pg_system)() as tx:
        refusing = await tx.mentorings.get(stale.id, for_update=True)
        assert refusing is not None
        refusing.respond(by=stale.mentor_id, accept=False, at=stale.created_at)
        await tx.mentorings.save(refusing)
        await tx.commit()
    reads, sends = count_reads(monkeypatch), StoreStatements(monkeypatch)
    texts = [f"m{i}" for i in range(10)]
    results = await asyncio.gather(*post_many(posts, stale, mentee, texts), return_exceptions=True)
    # Each batch, decided on the remembered pending request, stored nothing; each post, decided
    # again on a fresh read, was refused.
    assert (sends.batches, sends.stored) == ([texts[:1], texts[1:]], [False, False])
    assert reads == [stale.id] * 10
    assert outcomes(results) == {"MentoringClosed": 10}
    stored = await stored_mentoring(pg_system, stale.id)
    assert (stored.status, stored.message_count) == (Status.REJECTED, 1)
    assert await chat_texts(pg_system, stale.id) == ["warm"]


@pytest.mark.postgres
async def test_a_failed_batch_fails_each_of_its_posts_with_the_same_error(pg_url: str) -> None:
    # The mentoring's lock is held elsewhere past the statement timeout: each batch fails.
    # A connection for each post and one for the lock's holder.
    system = open_system(settings_for(pg_url, db_statement_timeout=0.3, db_pool_size=11))
    try:
        posts, mentee, mentoring = await a_chat_posted_in(system, ready=11)
        texts = [f"m{i}" for i in range(10)]
        async with sql_uow(system)() as holder:
            await holder.mentorings.get(mentoring.id, for_update=True)
            results = await asyncio.gather(
                *post_many(posts, mentoring, mentee, texts), return_exceptions=True
            )
        assert outcomes(results) == {"StorageUnavailable": 10}
        assert len({id(error) for error in results[1:]}) == 1  # the second batch's one error
        assert results[0] is not results[1]
        # The chat works again once the lock is released.
        await posts.post(mentoring.id, saying(mentee, "after", mentoring.created_at))
        assert await chat_texts(system, mentoring.id) == ["warm", "after"]
    finally:
        await system.aclose()


@pytest.mark.postgres
async def test_a_post_cancelled_while_its_batch_waits_is_left_out(
    pg_system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts, mentee, mentoring = await a_chat_posted_in(pg_system)
    sent = asyncio.Event()

    async def note(n: int) -> None:
        sent.set()

    sends = StoreStatements(monkeypatch, before=note)
    async with sql_uow(pg_system)() as holder:
        # The first post's statement waits for the mentoring's lock; two posts wait behind it.
        await holder.mentorings.get(mentoring.id, for_update=True)
        [first] = post_many(posts, mentoring, mentee, ["a"])
        await sent.wait()
        gone, kept = post_many(posts, mentoring, mentee, ["b", "c"])
        await settle()
        gone.cancel()
        await settle()
    await asyncio.gather(first, kept)
    assert gone.cancelled()
    assert sends.batches == [["a"], ["c"]]
    assert await chat_texts(pg_system, mentoring.id) == ["warm", "a", "c"]
    assert (await stored_mentoring(pg_system, mentoring.id)).message_count == 3
