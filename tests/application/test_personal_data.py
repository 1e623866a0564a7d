"""Erasure ends a person's open mentorings through the domain and tells the other participants;
a failed erasure changes nothing."""

from __future__ import annotations

import pytest

from mentorat.adapters.memory.services import InMemoryEventLog
from mentorat.adapters.memory.store import InMemoryStore
from mentorat.application.personal_data import EraseCommand
from mentorat.application.service import Mentorat
from mentorat.domain.errors import UserNotFound, WrongPassword
from mentorat.domain.events import MentoringCancelled, MentoringRejected
from mentorat.domain.mentoring import Status

from .support import PASSWORD, People, accepted, ask, register, snapshot


async def test_erasing_a_mentor_refuses_their_requests_and_cancels_their_mentorings(
    app: Mentorat, people: People, events: InMemoryEventLog, store: InMemoryStore
) -> None:
    active = await accepted(app, people.mentee, people.mentor)
    pending = await ask(app, people.stranger, people.mentor)
    other = await ask(app, people.mentee, people.other_mentor)
    events.events.clear()
    await app.erase_person(EraseCommand(people.mentor.id, PASSWORD))
    assert store.mentorings[active.id].status is Status.CANCELLED
    assert store.mentorings[pending.id].status is Status.REJECTED
    assert store.mentorings[other.id].status is Status.PENDING  # not theirs
    assert sorted((type(e).__name__, e.mentoring_id) for e in events.events) == sorted(
        [
            (MentoringCancelled.__name__, active.id),
            (MentoringRejected.__name__, pending.id),
        ]
    )
    assert store.standings[people.mentor.id].active_mentees == 0  # the place is given back


async def test_erasing_a_mentee_withdraws_their_requests(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    pending = await ask(app, people.mentee, people.mentor)
    await app.erase_person(EraseCommand(people.mentee.id))  # an administrator: no password
    assert store.mentorings[pending.id].status is Status.CANCELLED
    erased = store.users[people.mentee.id]
    assert erased.is_erased
    assert "mia" not in store.usernames
    assert (await register(app, "mia")).id != people.mentee.id


async def test_a_wrong_password_or_an_unknown_person_erases_nothing(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    await accepted(app, people.mentee, people.mentor)
    before = snapshot(store)
    with pytest.raises(WrongPassword):
        await app.erase_person(EraseCommand(people.mentee.id, "not the password"))
    with pytest.raises(UserNotFound):
        await app.erase_person(EraseCommand(people.mentee.id + 100))
    assert snapshot(store) == before
