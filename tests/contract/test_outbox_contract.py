"""What every `Outbox` promises, on memory, SQLite and PostgreSQL: events in id order, for
their recipients only, never for a change that rolled back, and pruned oldest first."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from mentorat.application import outbox_events
from mentorat.application.ports import ChatPosts, NewEvent, ReadMark, StoredEvent, UnitOfWork
from mentorat.domain.chat import NewMessage
from mentorat.domain.events import MentoringId, MessageId
from mentorat.domain.mentoring import Mentoring
from mentorat.domain.users import UserId
from tests.contract.support import T0, Composer, changed, people, requested


def an_event(n: int, *recipients: int, at: timedelta = timedelta()) -> NewEvent:
    return NewEvent(
        "mentoring_requested",
        MentoringId(n),
        tuple(UserId(r) for r in recipients),
        T0 + at,
        json.dumps({"n": n, "text": "é 👋"}),
    )


async def record(uow: UnitOfWork, *events: NewEvent) -> None:
    async with uow() as tx:
        await tx.outbox.add(events)
        await tx.commit()


async def read(uow: UnitOfWork, cursor: int = 0, recipient: int | None = None) -> list[StoredEvent]:
    async with uow(write=False) as tx:
        who = None if recipient is None else UserId(recipient)
        return await tx.outbox.after(cursor, limit=100, recipient=who)


async def test_events_come_back_in_id_order_with_what_was_recorded(uow: UnitOfWork) -> None:
    await record(uow, an_event(1, 10, 11), an_event(2, 12))
    await record(uow, an_event(3, 11, 12, at=timedelta(seconds=1)))
    found = await read(uow)
    assert [e.mentoring_id for e in found] == [1, 2, 3]
    assert found[0].id < found[1].id < found[2].id
    first = found[0]
    assert (first.name, first.recipients, first.occurred_at) == (
        "mentoring_requested",
        (10, 11),
        T0,
    )
    assert json.loads(first.payload) == {"n": 1, "text": "é 👋"}
    assert found[1].recipients == (12,)
    assert [e.mentoring_id for e in await read(uow, found[0].id)] == [2, 3]


async def test_a_recipient_reads_only_the_events_addressed_to_them(uow: UnitOfWork) -> None:
    await record(uow, an_event(1, 10, 11), an_event(2, 12, 13), an_event(3, 13, 10))
    assert [e.mentoring_id for e in await read(uow, recipient=10)] == [1, 3]
    assert [e.mentoring_id for e in await read(uow, recipient=13)] == [2, 3]
    assert await read(uow, recipient=99) == []
    async with uow(write=False) as tx:
        limited = await tx.outbox.after(0, limit=1, recipient=UserId(13))
    assert [e.mentoring_id for e in limited] == [2]


async def test_an_event_is_never_recorded_for_a_change_that_rolled_back(uow: UnitOfWork) -> None:
    await record(uow, an_event(1, 10))

    async def failing_change() -> None:
        async with uow() as tx:
            await tx.outbox.add([an_event(2, 10)])
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await failing_change()
    async with uow() as tx:
        await tx.outbox.add([an_event(3, 10)])  # left without commit
    await record(uow, an_event(4, 10))
    assert [e.mentoring_id for e in await read(uow)] == [1, 4]


async def test_ids_keep_growing_after_everything_was_pruned(uow: UnitOfWork) -> None:
    await record(uow, an_event(1, 10), an_event(2, 10))
    last = (await read(uow))[-1].id
    async with uow() as tx:
        assert await tx.outbox.prune(T0 + timedelta(days=1)) == 2
        await tx.commit()
    async with uow(write=False) as tx:
        assert await tx.outbox.bounds() is None
    await record(uow, an_event(3, 10))
    assert [e.id > last for e in await read(uow)] == [True]


async def test_pruning_forgets_the_oldest_events_and_stops_at_the_first_it_keeps(
    uow: UnitOfWork,
) -> None:
    await record(uow, an_event(1, 10), an_event(2, 10, at=timedelta(days=2)))
    await record(uow, an_event(3, 10, at=timedelta(days=1)))  # recorded late, dated early
    async with uow() as tx:
        assert await tx.outbox.prune(T0 + timedelta(days=1, hours=12)) == 1
        await tx.commit()
    found = await read(uow)
    assert [e.mentoring_id for e in found] == [2, 3]
    async with uow(write=False) as tx:
        assert await tx.outbox.bounds() == (found[0].id, found[1].id)


async def test_a_posted_message_records_its_event_with_the_message_as_the_chat_shows_it(
    uow: UnitOfWork, posts: ChatPosts
) -> None:
    mentor, mentee, stranger = await people(uow, "mentor", "ada", "eve")
    mentoring = await requested(uow, mentor, mentee)

    def compose(m: Mentoring) -> NewMessage:
        return NewMessage(m.id, mentee.id, 'Bonjour "👋"\n\\ é', T0 + timedelta(seconds=1))

    message = await posts.post(mentoring.id, compose)
    second = await posts.post(mentoring.id, compose)
    found = await read(uow, recipient=mentor.id)
    assert [e.name for e in found] == ["message_posted", "message_posted"]
    assert found[0].recipients == (mentor.id, mentee.id)
    assert (found[0].mentoring_id, found[0].occurred_at) == (mentoring.id, message.created_at)
    assert json.loads(found[0].payload) == {
        "mentoring_id": mentoring.id,
        "message": outbox_events.message_object(message),
    }
    assert json.loads(found[1].payload)["message"]["id"] == second.id
    assert await read(uow, recipient=mentee.id) == found
    assert await read(uow, recipient=stranger.id) == []


async def test_a_read_mark_moves_only_forward_and_counts_what_follows_it(
    uow: UnitOfWork, posts: ChatPosts
) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, mentee)
    other = await requested(uow, mentor, (await people(uow, "bob"))[0])

    async def mark(up_to: int, reader: int = mentee.id) -> ReadMark:
        async with uow() as tx:
            found = await tx.messages.mark_read(mentoring.id, UserId(reader), MessageId(up_to))
            await tx.commit()
        return found

    assert await mark(5) == ReadMark(MessageId(0), 0, moved=True)  # an empty chat
    sent = []
    for n in range(4):
        sent.append(await posts.post(mentoring.id, Composer(mentor, f"m{n}")))
        await posts.post(other.id, Composer(mentor, "elsewhere"))  # ids in between
    assert await mark(sent[1].id) == ReadMark(sent[1].id, 2, moved=True)
    # An id between two messages of the chat marks the last one before it.
    assert await mark(sent[2].id + 1) == ReadMark(sent[2].id, 1, moved=True)
    assert await mark(sent[0].id) == ReadMark(sent[2].id, 1)  # never back
    assert await mark(sent[2].id) == ReadMark(sent[2].id, 1)  # nor in place
    assert await mark(10**12) == ReadMark(sent[3].id, 0, moved=True)
    # Posting moved the mentor's mark to their last message: they have read their own.
    assert await mark(sent[0].id, reader=mentor.id) == ReadMark(sent[3].id, 0)
    new = await posts.post(mentoring.id, Composer(mentee, "new"))
    assert await mark(sent[3].id) == ReadMark(new.id, 0)
    assert await mark(0, reader=mentor.id) == ReadMark(sent[3].id, 1)


async def test_a_read_mark_of_a_change_that_rolled_back_is_not_kept(
    uow: UnitOfWork, posts: ChatPosts
) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, mentee)
    message = await posts.post(mentoring.id, Composer(mentor, "hello"))
    async with uow() as tx:
        await tx.messages.mark_read(mentoring.id, mentee.id, message.id)  # no commit
    async with uow() as tx:
        found = await tx.messages.mark_read(mentoring.id, mentee.id, MessageId(0))
    assert found == ReadMark(MessageId(0), 1, moved=True)


async def test_the_accepted_lists_count_the_messages_after_the_readers_mark(
    uow: UnitOfWork, posts: ChatPosts
) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, mentee)
    await changed(uow, mentoring.id, "accept", mentor.id)
    sent = [await posts.post(mentoring.id, Composer(mentor, f"m{n}")) for n in range(3)]

    async def unread(reader: UserId) -> tuple[int, int]:
        async with uow(write=False) as tx:
            [(listed, count)] = await tx.mentorings.list_accepted_with_unread(reader)
            [row] = await tx.mentorings.list_accepted_with_people(reader)
        assert listed.id == row.mentoring.id == mentoring.id
        return count, row.unread

    assert await unread(mentee.id) == (3, 3)  # no mark yet: every message
    async with uow() as tx:
        await tx.messages.mark_read(mentoring.id, mentee.id, sent[0].id)
        await tx.commit()
    assert await unread(mentee.id) == (2, 2)
    await posts.post(mentoring.id, Composer(mentor, "one more"))
    assert await unread(mentee.id) == (3, 3)
    assert await unread(mentor.id) == (0, 0)  # a sender has read their own messages
    await posts.post(mentoring.id, Composer(mentee, "an answer"))
    assert await unread(mentor.id) == (1, 1)
    assert await unread(mentee.id) == (0, 0)
