"""Chat posts committed on their own (`application.ports.ChatPosts`).

On PostgreSQL, `PostgresChatPosts`: one statement per post (or batch of posts to one chat),
committed as it runs; the open mentorings this process posted in lately are remembered, so a
chat's next post skips reading its mentoring; and a post whose mentoring moved between its
decision and its write stores nothing and is decided again on a fresh read. Whatever another
process changed meanwhile, a post is stored exactly when the stored mentoring allows it.

On SQLite (and in memory), `PostInTransaction`: each post is a unit of work.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from mentorat.adapters.sql.chat_posts import ATTEMPTS, PostgresChatPosts
from mentorat.adapters.sql.database import Database
from mentorat.adapters.sql.messages import SqlMessages
from mentorat.adapters.sql.tables import mentorings
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.post_message import PostMessageCommand, post_in
from mentorat.application.register_user import RegisterCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.views import MentoringView, UserView
from mentorat.bootstrap import System, open_system
from mentorat.domain.chat import Message, NewMessage
from mentorat.domain.errors import (
    ConcurrentUpdate,
    MentoratError,
    MentoringClosed,
    MentoringNotFound,
)
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Ending, Mentoring, Status
from mentorat.domain.users import UserId
from tests.conftest import settings_for
from tests.sql.support import (
    PASSWORD,
    StoreStatements,
    a_new_chat,
    a_pair,
    a_request,
    a_request_as_read,
    accepted,
    chat_messages,
    chat_texts,
    count_reads,
    saying,
    sql_uow,
    stored_mentoring,
)


@pytest.fixture
async def other_process(pg_system: System) -> AsyncIterator[System]:
    """A second server process on `pg_system`'s database: its own pool, its own memory."""
    opened = open_system(pg_system.settings)
    try:
        yield opened
    finally:
        await opened.aclose()


async def change_row(database: Database, mentoring_id: MentoringId, **values: Any) -> None:
    """Write a mentoring's row directly, as a restored backup or an operator would."""
    async with database.engine.begin() as conn:
        await conn.execute(update(mentorings).where(mentorings.c.id == mentoring_id).values(values))


def anything(by: UserId, text: str) -> Callable[[Mentoring], NewMessage]:
    """A compose that allows every post: for what the domain would refuse before the store."""
    return lambda mentoring: NewMessage(mentoring.id, by, text, mentoring.created_at)


async def a_chat_this_process_posted_in(
    system: System, *, accept: bool = True
) -> tuple[UserView, UserView, MentoringView]:
    """A request (accepted unless told otherwise) whose mentee posted "hello" through `system`,
    which now remembers the mentoring; its mentor and mentee."""
    mentor, mentee, request = await a_new_chat(system, accept=accept)
    await system.mentorat.post_message(PostMessageCommand(request.id, mentee.id, "hello"))
    return mentor, mentee, request


async def end(system: System, mentoring_id: MentoringId, by: UserId, ending: Ending) -> None:
    await system.mentorat.end_mentoring(EndCommand(mentoring_id, by, ending))


# --- the recent mentorings --------------------------------------------------------------------


@pytest.mark.postgres
async def test_the_next_posts_to_a_chat_skip_reading_its_mentoring(
    pg_system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = pg_system.mentorat
    mentor, mentee, mentoring = await a_new_chat(pg_system, accept=True)
    reads = count_reads(monkeypatch)
    for by in (mentee, mentor, mentee):
        await app.post_message(PostMessageCommand(mentoring.id, by.id, f"from {by.username}"))
    assert reads == [mentoring.id]
    assert (await stored_mentoring(pg_system, mentoring.id)).message_count == 3
    assert await chat_texts(pg_system, mentoring.id) == [
        "from mentee",
        "from mentor",
        "from mentee",
    ]


@pytest.mark.postgres
async def test_a_chat_closed_by_another_process_refuses_the_next_post(
    pg_system: System, other_process: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = pg_system.mentorat
    mentor, mentee, mentoring = await a_chat_this_process_posted_in(pg_system)
    await end(other_process, mentoring.id, mentor.id, Ending.COMPLETED)
    reads, sends = count_reads(monkeypatch), StoreStatements(monkeypatch)
    with pytest.raises(MentoringClosed):
        await app.post_message(PostMessageCommand(mentoring.id, mentee.id, "still there?"))
    # Decided on the remembered (stale) mentoring, the statement stored nothing; decided again
    # on a fresh read, the post was refused.
    assert (sends.batches, sends.stored) == ([["still there?"]], [False])
    assert reads == [mentoring.id]
    assert await chat_texts(pg_system, mentoring.id) == ["hello"]
    stored = await stored_mentoring(pg_system, mentoring.id)
    assert (stored.status, stored.message_count) == (Status.COMPLETED, 1)


@pytest.mark.postgres
async def test_a_request_accepted_by_another_process_takes_the_next_post(
    pg_system: System, other_process: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = pg_system.mentorat
    mentor, _, request = await a_chat_this_process_posted_in(pg_system, accept=False)
    await other_process.mentorat.respond_to_request(
        RespondCommand(request.id, mentor.id, accept=True)
    )
    reads, sends = count_reads(monkeypatch), StoreStatements(monkeypatch)
    await app.post_message(PostMessageCommand(request.id, mentor.id, "welcome"))
    assert (sends.stored, reads) == ([False, True], [request.id])
    stored = await stored_mentoring(pg_system, request.id)
    assert (stored.status, stored.message_count) == (Status.ACTIVE, 2)
    assert await chat_texts(pg_system, request.id) == ["hello", "welcome"]


async def swapped_participants(system: System) -> tuple[MentoringId, UserId, UserId, UserId]:
    """A chat this process posted in (so remembers), whose row then names two other people
    (a restored backup, say): the chat, its former mentee, and its new mentee and mentor."""
    _, mentee, mentoring = await a_chat_this_process_posted_in(system)
    newcomer_mentor, newcomer = await a_pair(system, "2")
    await change_row(
        sql_uow(system).database,
        mentoring.id,
        mentee_id=newcomer.id,
        mentor_id=newcomer_mentor.id,
    )
    return mentoring.id, mentee.id, newcomer.id, newcomer_mentor.id


@pytest.mark.postgres
async def test_a_snapshot_never_refuses_a_participant_it_does_not_know(
    pg_system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat, _, newcomer, _ = await swapped_participants(pg_system)
    reads = count_reads(monkeypatch)
    # The remembered mentoring does not list the newcomer; the stored one does: a fresh read
    # decides, not the snapshot.
    await pg_system.mentorat.post_message(PostMessageCommand(chat, newcomer, "it is me now"))
    assert reads == [chat]
    assert await chat_texts(pg_system, chat) == ["hello", "it is me now"]


@pytest.mark.postgres
async def test_a_snapshot_never_lets_a_former_participant_post(
    pg_system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat, former, _, _ = await swapped_participants(pg_system)
    reads, sends = count_reads(monkeypatch), StoreStatements(monkeypatch)
    # The snapshot says yes to the former mentee; the statement's condition says no, and the
    # fresh read decides: not a participant any more.
    with pytest.raises(MentoringNotFound):
        await pg_system.mentorat.post_message(PostMessageCommand(chat, former, "and me?"))
    assert (sends.stored, reads) == ([False], [chat])
    assert await chat_texts(pg_system, chat) == ["hello"]


@pytest.mark.postgres
async def test_a_caller_not_involved_is_refused_whatever_the_snapshot(pg_system: System) -> None:
    app = pg_system.mentorat
    _, mentee, mentoring = await a_chat_this_process_posted_in(pg_system)
    _, stranger = await a_pair(pg_system, "stranger")
    with pytest.raises(MentoringNotFound):
        await app.post_message(PostMessageCommand(mentoring.id, stranger.id, "hi all"))
    with pytest.raises(MentoringNotFound):
        await app.post_message(PostMessageCommand(MentoringId(mentoring.id + 1000), mentee.id, "?"))
    assert (await stored_mentoring(pg_system, mentoring.id)).message_count == 1
    assert await chat_texts(pg_system, mentoring.id) == ["hello"]


async def chats(system: System, count: int) -> tuple[UserId, list[MentoringId]]:
    """`count` active mentorings of one mentee (with as many mentors); and that mentee."""
    app = system.mentorat
    mentee = await app.register_user(RegisterCommand("mentee", PASSWORD, "e@example.com"))
    found = []
    for n in range(count):
        mentor = await app.register_user(
            RegisterCommand(f"mentor{n}", PASSWORD, "m@example.com", is_mentor=True)
        )
        found.append((await accepted(system, mentor, mentee)).id)
    return mentee.id, found


@pytest.mark.postgres
async def test_at_most_recent_chats_mentorings_are_remembered_least_recently_used_first_out(
    pg_system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    mentee, (a, b, c) = await chats(pg_system, 3)
    posts = PostgresChatPosts(sql_uow(pg_system).database, recent_chats=2)
    seen: dict[MentoringId, list[dict[str, Any]]] = {a: [], b: [], c: []}

    def composing(mentoring: Mentoring) -> NewMessage:
        seen[mentoring.id].append(dataclasses.asdict(mentoring))
        return saying(mentee, "hi", mentoring.created_at)(mentoring)

    reads = count_reads(monkeypatch)
    for chat in (a, b, a, c, a, b, c):
        await posts.post(chat, composing)
    # a, b read; a remembered; c read, b (least recently used) forgotten; a remembered;
    # b read again, c forgotten; c read again.
    assert reads == [a, b, c, b, c]
    # Posts leave the mentoring they were decided on as it was read: a snapshot handed to the
    # next post is the one read, whatever the posts since have stored.
    assert [snapshot["message_count"] for snapshot in seen[a]] == [0, 0, 0]
    assert (await stored_mentoring(pg_system, a)).message_count == 3


@pytest.mark.postgres
async def test_only_open_mentorings_are_remembered(
    pg_system: System, other_process: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    mentee, (kept, closed, closing) = await chats(pg_system, 3)
    posts = PostgresChatPosts(sql_uow(pg_system).database)
    await end(pg_system, closed, mentee, Ending.COMPLETED)
    reads = count_reads(monkeypatch)
    # A compose that lets anything through, so that posts to closed chats reach the store.
    for chat in (kept, closed, closing, kept, closed, closing):
        await posts.post(chat, anything(mentee, "hi"))
    assert reads == [kept, closed, closing, closed]
    # A remembered mentoring closed meanwhile is forgotten at its next post, and stays so.
    await end(other_process, closing, mentee, Ending.CANCELLED)
    for _ in range(2):
        await posts.post(closing, anything(mentee, "late"))
    with pytest.raises(MentoringClosed):
        await posts.post(closing, saying(mentee, "refused", datetime.now(UTC)))
    assert reads[4:] == [closing, closing, closing]


@pytest.mark.postgres
async def test_no_mentoring_is_remembered_when_recent_chats_is_zero(
    pg_system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    mentee, (chat,) = await chats(pg_system, 1)
    posts = PostgresChatPosts(sql_uow(pg_system).database, recent_chats=0)
    reads = count_reads(monkeypatch)
    for _ in range(3):
        await posts.post(chat, anything(mentee, "hi"))
    assert reads == [chat] * 3


# --- a mentoring that moves between a post's decision and its write ---------------------------


def before_the_first_store(
    monkeypatch: pytest.MonkeyPatch, move: Callable[[], Awaitable[object]]
) -> StoreStatements:
    """Another writer's `move` lands just before the first store statement is sent."""

    async def first_only(n: int) -> None:
        if n == 1:
            await move()

    return StoreStatements(monkeypatch, before=first_only)


@pytest.mark.postgres
async def test_a_post_that_loses_to_a_completion_is_refused_and_stores_nothing(
    pg_system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    mentor, mentee, mentoring = await a_new_chat(pg_system, accept=True)
    sends = before_the_first_store(
        monkeypatch, lambda: end(pg_system, mentoring.id, mentor.id, Ending.COMPLETED)
    )
    with pytest.raises(MentoringClosed):
        await pg_system.mentorat.post_message(
            PostMessageCommand(mentoring.id, mentee.id, "too late")
        )
    assert (sends.batches, sends.stored) == ([["too late"]], [False])
    # Only the other writer's change is there; no message, no count.
    assert await chat_texts(pg_system, mentoring.id) == []
    stored = await stored_mentoring(pg_system, mentoring.id)
    assert (stored.status, stored.message_count, stored.last_message_at) == (
        Status.COMPLETED,
        0,
        None,
    )


@pytest.mark.postgres
async def test_a_post_that_meets_an_acceptance_is_decided_again_and_stored(
    pg_system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    mentor, mentee, request = await a_new_chat(pg_system, accept=False)
    accept = RespondCommand(request.id, mentor.id, accept=True)
    sends = before_the_first_store(
        monkeypatch, lambda: pg_system.mentorat.respond_to_request(accept)
    )
    posted = await pg_system.mentorat.post_message(
        PostMessageCommand(request.id, mentee.id, "hello")
    )
    assert sends.stored == [False, True]
    stored = await stored_mentoring(pg_system, request.id)
    assert (stored.status, stored.message_count) == (Status.ACTIVE, 1)
    assert [m.id for m in await chat_messages(pg_system, request.id)] == [posted.id]


@pytest.mark.postgres
async def test_a_post_gives_up_with_a_conflict_after_as_many_lost_races_as_it_may_retry(
    pg_system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, mentee, request = await a_new_chat(pg_system, accept=False)
    # Flipping between two open statuses: every attempt is allowed, and every write loses.
    statuses = iter([Status.ACTIVE, Status.PENDING] * ATTEMPTS)

    async def flip(n: int) -> None:
        await change_row(sql_uow(pg_system).database, request.id, status=next(statuses).value)

    sends = StoreStatements(monkeypatch, before=flip)
    with pytest.raises(ConcurrentUpdate):
        await pg_system.mentorat.post_message(PostMessageCommand(request.id, mentee.id, "hello?"))
    assert sends.stored == [False] * ATTEMPTS
    assert await chat_texts(pg_system, request.id) == []
    assert (await stored_mentoring(pg_system, request.id)).message_count == 0


# --- when a post commits -----------------------------------------------------------------------


async def seen_from_outside(url: str, mentoring_id: MentoringId) -> tuple[int, int]:
    """What another connection sees: the chat's messages, and how many of mentorat's
    connections sit in an open transaction."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as other:
        cursor = await other.execute(
            "SELECT (SELECT count(*) FROM messages WHERE mentoring_id = %s), "
            "(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = 'mentorat' AND state LIKE 'idle in transaction%%')",
            (mentoring_id,),
        )
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


@pytest.mark.postgres
async def test_on_postgresql_a_post_without_a_key_commits_as_its_one_statement_runs(
    pg_system: System, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    uow, mentee, mentoring = await a_request_as_read(pg_system)
    seen: list[tuple[int, int]] = []

    async def look(n: int) -> None:
        seen.append(await seen_from_outside(pg_url, mentoring.id))

    StoreStatements(monkeypatch, before=look, after=look)
    posts = PostgresChatPosts(uow.database)
    await posts.post(mentoring.id, saying(mentee.id, "hi", mentoring.created_at))
    # No transaction around the statement; its message is there as soon as it has run, while
    # its connection is still checked out.
    assert seen == [(0, 0), (1, 0)]


@pytest.mark.postgres
async def test_on_postgresql_a_post_in_a_unit_of_work_commits_with_the_transaction(
    pg_system: System, pg_url: str
) -> None:
    # The idempotent path: the post and the key's completion commit together.
    uow, mentee, mentoring = await a_request_as_read(pg_system)
    async with uow() as tx:
        await post_in(tx, mentoring.id, saying(mentee.id, "hi", mentoring.created_at))
        assert await seen_from_outside(pg_url, mentoring.id) == (0, 1)
        await tx.commit()
    assert await seen_from_outside(pg_url, mentoring.id) == (1, 0)


async def test_on_sqlite_a_post_is_a_transaction(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = open_system(settings_for(sqlite_url))
    path = system.settings.sqlite_path
    assert path is not None

    def seen_by_another_connection(mentoring_id: MentoringId) -> int:
        with sqlite3.connect(path) as other:
            query = "SELECT count(*) FROM messages WHERE mentoring_id = ?"
            return int(other.execute(query, (mentoring_id,)).fetchone()[0])

    seen: list[int] = []
    really = SqlMessages.add

    async def looking(self: SqlMessages, new: NewMessage, decided_on: Mentoring) -> Message:
        message = await really(self, new, decided_on)
        seen.append(seen_by_another_connection(new.mentoring_id))
        return message

    monkeypatch.setattr(SqlMessages, "add", looking)
    try:
        mentor, mentee = await a_pair(system)
        request = await a_request(system, mentor, mentee)
        await system.mentorat.post_message(PostMessageCommand(request.id, mentee.id, "hi"))
        assert seen == [0]  # stored, not yet committed
        assert seen_by_another_connection(request.id) == 1
    finally:
        await system.aclose()


# --- two processes, any interleaving -----------------------------------------------------------

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["post", "accept", "refuse", "complete", "cancel"]),
        st.sampled_from([0, 1]),  # which process
        st.sampled_from(["mentee", "mentor", "stranger"]),  # who
    ),
    max_size=25,
)
EXAMPLES = itertools.count()


@pytest.mark.postgres
@settings(
    max_examples=150,
    deadline=None,
    # Each example makes people and a request of its own: the database need not be emptied.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(actions=ACTIONS)
async def test_two_processes_agree_with_the_store_whatever_they_remember(
    pg_system: System, other_process: System, actions: list[tuple[str, int, str]]
) -> None:
    # Whichever process posts, a post is stored exactly when the stored mentoring is open and
    # the poster one of its two participants, as if nothing were remembered between posts.
    processes = [pg_system.mentorat, other_process.mentorat]
    n = next(EXAMPLES)
    mentor, mentee = await a_pair(pg_system, f"-{n}")
    _, stranger = await a_pair(pg_system, f"-stranger-{n}")
    people = {"mentee": mentee, "mentor": mentor, "stranger": stranger}
    request = await a_request(pg_system, mentor, mentee)
    posted = 0
    for action, process, who in actions:
        app, caller = processes[process], people[who].id
        before = await stored_mentoring(pg_system, request.id)
        try:
            if action == "post":
                await app.post_message(PostMessageCommand(request.id, caller, "hi"))
            elif action in ("accept", "refuse"):
                await app.respond_to_request(
                    RespondCommand(request.id, caller, accept=action == "accept")
                )
            else:
                ending = Ending.COMPLETED
                if action == "cancel":
                    pending = before.status is Status.PENDING
                    ending = Ending.WITHDRAWN if pending else Ending.CANCELLED
                await app.end_mentoring(EndCommand(request.id, caller, ending))
            succeeded = True
        except MentoratError:
            succeeded = False
        if action == "post":
            allowed = before.status.is_open and who != "stranger"
            assert succeeded == allowed, (action, who, before.status)
            posted += succeeded
        stored = await stored_mentoring(pg_system, request.id)
        assert stored.message_count == posted == len(await chat_texts(pg_system, request.id))


@pytest.mark.postgres
async def test_posts_of_two_processes_racing_a_completion_are_each_stored_or_refused(
    pg_system: System, other_process: System
) -> None:
    mentor, mentee, mentoring = await a_new_chat(pg_system, accept=True)
    processes = [pg_system.mentorat, other_process.mentorat]
    for app in processes:  # both remember the mentoring as active
        await app.post_message(PostMessageCommand(mentoring.id, mentee.id, "warm"))
    posts = [
        processes[i % 2].post_message(PostMessageCommand(mentoring.id, mentee.id, f"m{i}"))
        for i in range(40)
    ]
    completion = end(other_process, mentoring.id, mentor.id, Ending.COMPLETED)
    results = await asyncio.gather(*posts[:20], completion, *posts[20:], return_exceptions=True)
    assert results[20] is None
    made = [r for i, r in enumerate(results) if i != 20]
    refused = [r for r in made if isinstance(r, BaseException)]
    assert all(isinstance(r, MentoringClosed) for r in refused), refused
    stored = await stored_mentoring(pg_system, mentoring.id)
    texts = await chat_texts(pg_system, mentoring.id)
    assert stored.status is Status.COMPLETED
    assert stored.message_count == 2 + len(made) - len(refused) == len(texts)
