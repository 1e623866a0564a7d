"""A post decides on the mentoring it read without a lock; when the status moves before its
write, it stores nothing and decides again on the new status."""

from __future__ import annotations

import dataclasses

import pytest

from mentorat.adapters.memory.repositories import InMemoryMessages, InMemoryStore
from mentorat.application.post_message import ATTEMPTS, PostMessageCommand
from mentorat.application.service import Mentorat
from mentorat.domain.chat import Message, NewMessage
from mentorat.domain.errors import ConcurrentUpdate, MentoringClosed
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Mentoring, Status

from .support import People, accepted, ask, snapshot


def move_before_the_write(
    monkeypatch: pytest.MonkeyPatch, store: InMemoryStore, to: Status, times: int = 1
) -> list[int]:
    """Before the next `times` counted inserts, another writer moves the mentoring to `to`."""
    really = InMemoryMessages.add_counted
    moved = [0]

    async def racing(self: InMemoryMessages, new: NewMessage, mentoring: Mentoring) -> Message:
        if moved[0] < times:
            moved[0] += 1
            stored = store.mentorings[MentoringId(new.mentoring_id)]
            store.mentorings[stored.id] = dataclasses.replace(
                stored, status=to, version=stored.version + 1
            )
        return await really(self, new, mentoring)

    monkeypatch.setattr(InMemoryMessages, "add_counted", racing)
    return moved


async def test_a_post_that_loses_to_a_completion_is_refused_and_stores_nothing(
    app: Mentorat, people: People, store: InMemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    moved = move_before_the_write(monkeypatch, store, Status.COMPLETED)
    before = snapshot(store)
    with pytest.raises(MentoringClosed):
        await app.post_message(PostMessageCommand(mentoring.id, people.mentee.id, "too late"))
    assert moved == [1]
    # Only the other writer's change is there; no message, no count.
    after = snapshot(store)
    assert after["messages"] == before["messages"]
    assert store.mentorings[mentoring.id].message_count == 0


async def test_a_post_that_meets_an_acceptance_is_decided_again_and_stored(
    app: Mentorat, people: People, store: InMemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    move_before_the_write(monkeypatch, store, Status.ACTIVE)
    posted = await app.post_message(PostMessageCommand(request.id, people.mentee.id, "hello"))
    stored = store.mentorings[request.id]
    assert (stored.status, stored.message_count) == (Status.ACTIVE, 1)
    assert [m.id for m in store.messages[request.id]] == [posted.id]


async def test_a_post_gives_up_with_a_conflict_after_as_many_lost_races_as_it_may_retry(
    app: Mentorat, people: People, store: InMemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    # Flipping between two open statuses: every attempt is allowed, and every write loses.
    statuses = iter([Status.ACTIVE, Status.PENDING] * ATTEMPTS)
    really = InMemoryMessages.add_counted

    async def flipping(self: InMemoryMessages, new: NewMessage, mentoring: Mentoring) -> Message:
        stored = store.mentorings[request.id]
        store.mentorings[request.id] = dataclasses.replace(stored, status=next(statuses))
        return await really(self, new, mentoring)

    monkeypatch.setattr(InMemoryMessages, "add_counted", flipping)
    with pytest.raises(ConcurrentUpdate):
        await app.post_message(PostMessageCommand(request.id, people.mentee.id, "hello?"))
    assert request.id not in store.messages
