"""Each use case is one transaction: when it fails, it leaves no trace."""

from __future__ import annotations

import dataclasses

import pytest

from mentorat.adapters.memory.repositories import InMemoryMentorings, InMemoryMessages
from mentorat.adapters.memory.services import InMemoryEventLog
from mentorat.adapters.memory.store import InMemoryStore
from mentorat.application.errors import StorageUnavailable
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.service import Mentorat
from mentorat.domain.chat import Message, NewMessage
from mentorat.domain.errors import ConcurrentUpdate, OpenMentoringExists
from mentorat.domain.mentoring import Mentoring, NewMentoring, Status
from mentorat.domain.users import NewUser, UserId

from .support import END, START, T0, People, accepted, ask, snapshot


async def test_a_message_whose_transaction_fails_after_it_was_written_leaves_no_trace(
    app: Mentorat,
    people: People,
    store: InMemoryStore,
    events: InMemoryEventLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    before, published = snapshot(store), list(events.events)

    really_add = InMemoryMessages.add

    async def database_goes_away(
        self: InMemoryMessages, new: NewMessage, decided_on: Mentoring
    ) -> Message:
        await really_add(self, new, decided_on)
        raise StorageUnavailable()

    # The counters move and the message is written; then the database goes away.
    monkeypatch.setattr(InMemoryMessages, "add", database_goes_away)
    with pytest.raises(StorageUnavailable):
        await app.post_message(PostMessageCommand(mentoring.id, people.mentee.id, "lost"))
    assert snapshot(store) == before
    assert events.events == published


async def test_a_request_stopped_by_the_stores_own_guard_leaves_no_trace(
    app: Mentorat,
    people: People,
    store: InMemoryStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await ask(app, people.mentee, people.mentor)
    before = snapshot(store)
    really_open_between = InMemoryMentorings.has_open_between
    calls = 0

    async def racing_twin_not_seen_by_the_first_check(
        self: InMemoryMentorings, mentor_id: UserId, mentee_id: UserId
    ) -> bool:
        nonlocal calls
        calls += 1
        return calls > 1 and await really_open_between(self, mentor_id, mentee_id)

    monkeypatch.setattr(
        InMemoryMentorings, "has_open_between", racing_twin_not_seen_by_the_first_check
    )
    with pytest.raises(OpenMentoringExists):
        await ask(app, people.mentee, people.mentor)
    assert calls == 2
    assert snapshot(store) == before


async def test_leaving_a_transaction_with_an_error_undoes_everything_it_did(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    before = snapshot(store)

    async def change_everything_then_fail() -> None:
        async with app.uow() as tx:
            await tx.users.add(
                NewUser("ghost", "g@example.com", "h", "", "", False, None, joined_at=T0)
            )
            new = await tx.mentorings.add(
                NewMentoring(people.mentor.id, people.stranger.id, START, END, T0)
            )
            loaded = await tx.mentorings.get(mentoring.id, for_update=True)
            assert loaded is not None
            loaded.complete(by=people.mentee.id, at=T0)
            await tx.mentorings.save(loaded)
            await tx.messages.add(NewMessage(new.id, people.stranger.id, "hi", T0), new)
            await tx.messages.add(NewMessage(mentoring.id, people.mentee.id, "hi", T0), loaded)
            user = await tx.users.get(people.mentee.id)
            assert user is not None
            user.deactivate()
            await tx.users.save(user)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await change_everything_then_fail()
    assert snapshot(store) == before


async def test_a_transaction_left_without_commit_is_rolled_back(
    app: Mentorat, store: InMemoryStore
) -> None:
    async with app.uow() as tx:
        await tx.users.add(NewUser("ghost", "g@example.com", "h", "", "", False, None, T0))
    assert store.users == {}
    assert store.usernames == {}


async def test_what_was_committed_stays_and_what_follows_the_commit_is_dropped(
    app: Mentorat, store: InMemoryStore
) -> None:
    async with app.uow() as tx:
        kept = await tx.users.add(NewUser("kept", "k@example.com", "h", "", "", False, None, T0))
        await tx.commit()
        await tx.users.add(NewUser("dropped", "d@example.com", "h", "", "", False, None, T0))
    assert [u.username for u in store.users.values()] == ["kept"]
    assert list(store.usernames) == ["kept"]
    assert kept.id in store.users


async def test_ids_are_not_reused_after_a_rollback(app: Mentorat, store: InMemoryStore) -> None:
    async with app.uow() as tx:
        lost = await tx.users.add(NewUser("lost", "l@example.com", "h", "", "", False, None, T0))
    async with app.uow() as tx:
        kept = await tx.users.add(NewUser("kept", "k@example.com", "h", "", "", False, None, T0))
        await tx.commit()
    assert kept.id > lost.id


async def test_a_loaded_mentoring_is_a_copy_until_it_is_saved(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    async with app.uow() as tx:
        loaded = await tx.mentorings.get(request.id)
        assert loaded is not None
        loaded.cancel(by=people.mentee.id, at=T0)
        assert store.mentorings[request.id].status is Status.PENDING
        await tx.mentorings.save(loaded)
        assert store.mentorings[request.id].status is Status.CANCELLED
        await tx.commit()
    assert store.mentorings[request.id].status is Status.CANCELLED


async def test_saving_a_stale_mentoring_is_a_conflict_and_changes_nothing(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    async with app.uow() as tx:
        stale = await tx.mentorings.get(request.id)
    assert stale is not None
    async with app.uow() as tx:
        fresh = await tx.mentorings.get(request.id)
        assert fresh is not None
        fresh.respond(by=people.mentor.id, accept=True, at=T0)
        await tx.mentorings.save(fresh)
        await tx.commit()
    before = snapshot(store)
    stale = dataclasses.replace(stale)
    stale.cancel(by=people.mentee.id, at=T0)
    async with app.uow() as tx:
        with pytest.raises(ConcurrentUpdate):
            await tx.mentorings.save(stale)
    assert snapshot(store) == before
