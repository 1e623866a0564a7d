"""What every `ChatPosts` promises: `PostInTransaction` on the memory and SQLite stores,
`PostgresChatPosts` on PostgreSQL, each over the store of the `uow` fixture."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from mentorat.application.ports import ChatPosts, UnitOfWork
from mentorat.domain.chat import NewMessage, PageRequest
from mentorat.domain.errors import MentoringClosed, MentoringNotFound
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Mentoring, Status
from tests.contract.support import T0, Composer, as_stored, changed, people, requested


async def test_a_post_is_stored_counted_and_committed(uow: UnitOfWork, posts: ChatPosts) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, mentee)
    compose = Composer(mentee, "Bonjour 👋", timedelta(seconds=1))
    message = await posts.post(mentoring.id, compose)
    assert (message.mentoring_id, message.sender_id, message.text) == (
        mentoring.id,
        mentee.id,
        "Bonjour 👋",
    )
    assert message.created_at == T0 + timedelta(seconds=1)
    async with uow(write=False) as tx:
        assert await tx.messages.get(message.id) == message
        page = await tx.messages.page(mentoring.id, PageRequest())
    assert list(page.messages) == [message]
    after = await as_stored(uow, mentoring.id)
    assert (after.message_count, after.last_message_at) == (1, message.created_at)
    assert after.version == mentoring.version  # a post is no lifecycle change
    # `compose` decided on the mentoring as stored (which keeps no events).
    kept = dataclasses.replace(mentoring, events=[])
    assert [dataclasses.asdict(m) for m in compose.seen] == [dataclasses.asdict(kept)]


async def test_posts_are_dated_on_the_chat_clock_and_ids_grow(
    uow: UnitOfWork, posts: ChatPosts
) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, mentee)
    first = await posts.post(mentoring.id, Composer(mentee, "first", timedelta(seconds=5)))
    # This one read the clock earlier: it is dated no earlier than the message it follows.
    second = await posts.post(mentoring.id, Composer(mentor, "second"))
    third = await posts.post(mentoring.id, Composer(mentee, "third", timedelta(seconds=9)))
    assert first.id < second.id < third.id
    assert second.created_at == first.created_at == T0 + timedelta(seconds=5)
    assert third.created_at == T0 + timedelta(seconds=9)
    after = await as_stored(uow, mentoring.id)
    assert (after.message_count, after.last_message_at) == (3, third.created_at)


async def test_compose_decides_on_the_stored_status(uow: UnitOfWork, posts: ChatPosts) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, mentee)
    await changed(uow, mentoring.id, "accept", mentor.id)
    compose = Composer(mentor, "welcome")
    await posts.post(mentoring.id, compose)
    assert [m.status for m in compose.seen] == [Status.ACTIVE]


async def test_a_post_to_no_mentoring_is_mentoring_not_found(
    uow: UnitOfWork, posts: ChatPosts
) -> None:
    [mentee] = await people(uow, "ada")
    compose = Composer(mentee, "anyone?")
    with pytest.raises(MentoringNotFound):
        await posts.post(MentoringId(404), compose)
    assert compose.seen == []


async def test_what_compose_refuses_is_not_stored(uow: UnitOfWork, posts: ChatPosts) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, mentee)
    await changed(uow, mentoring.id, "reject", mentor.id)

    def refuse(m: Mentoring) -> NewMessage:
        raise MentoringClosed(m.status.value)

    with pytest.raises(MentoringClosed):
        await posts.post(mentoring.id, refuse)
    async with uow(write=False) as tx:
        assert (await tx.messages.page(mentoring.id, PageRequest())).messages == []
    assert (await as_stored(uow, mentoring.id)).message_count == 0
