"""The mentor responds; a participant ends the mentoring: cancels or completes it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from mentorat.adapters.memory.services import ManualClock
from mentorat.adapters.memory.store import InMemoryStore
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.application.views import MentoringView
from mentorat.domain.errors import (
    InvalidTransition,
    MentoringNotFound,
    NotAllowed,
    NotFound,
    NotTheMentor,
    NotTheRequester,
    RequestNotPending,
)
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Ending, Status

from .support import T0, People, accepted, ask, snapshot


async def test_the_mentor_accepts_and_the_mentoring_becomes_active(
    app: Mentorat, people: People, store: InMemoryStore, clock: ManualClock
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    clock.advance(hours=3)
    view = await app.respond_to_request(RespondCommand(request.id, people.mentor.id, accept=True))
    assert view.status is Status.ACTIVE
    assert (view.created_at, view.updated_at) == (T0, T0 + timedelta(hours=3))
    stored = store.mentorings[request.id]
    assert stored.status is Status.ACTIVE
    assert stored.accepted_at == T0 + timedelta(hours=3)


async def test_the_mentor_refuses_and_the_mentoring_becomes_rejected(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    view = await app.respond_to_request(RespondCommand(request.id, people.mentor.id, accept=False))
    assert view.status is Status.REJECTED
    assert store.mentorings[request.id].status is Status.REJECTED


async def test_the_mentee_may_not_respond_and_gets_a_forbidden_not_a_missing(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    before = snapshot(store)
    with pytest.raises(NotTheMentor) as caught:
        await app.respond_to_request(RespondCommand(request.id, people.mentee.id, accept=True))
    assert isinstance(caught.value, NotAllowed)
    assert snapshot(store) == before


@pytest.mark.parametrize("who", ["stranger", "other_mentor"])
async def test_anyone_else_is_told_the_request_does_not_exist(
    app: Mentorat, people: People, store: InMemoryStore, who: str
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    before = snapshot(store)
    with pytest.raises(MentoringNotFound) as caught:
        await app.respond_to_request(
            RespondCommand(request.id, getattr(people, who).id, accept=True)
        )
    assert isinstance(caught.value, NotFound)
    assert snapshot(store) == before


async def test_a_request_that_does_not_exist_is_not_found(app: Mentorat, people: People) -> None:
    with pytest.raises(MentoringNotFound):
        await app.respond_to_request(RespondCommand(MentoringId(404), people.mentor.id, True))


@pytest.mark.parametrize("accept", [True, False])
async def test_a_request_that_was_answered_cannot_be_answered_again(
    app: Mentorat, people: People, store: InMemoryStore, accept: bool
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    await app.respond_to_request(RespondCommand(request.id, people.mentor.id, accept=True))
    before = snapshot(store)
    with pytest.raises(RequestNotPending):
        await app.respond_to_request(RespondCommand(request.id, people.mentor.id, accept))
    assert snapshot(store) == before


async def test_of_two_simultaneous_responses_exactly_one_succeeds(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    results = await asyncio.gather(
        app.respond_to_request(RespondCommand(request.id, people.mentor.id, accept=True)),
        app.respond_to_request(RespondCommand(request.id, people.mentor.id, accept=False)),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1
    assert isinstance(errors[0], RequestNotPending)
    (winner,) = [r for r in results if isinstance(r, MentoringView)]
    assert store.mentorings[request.id].status is winner.status


# --- cancel ----------------------------------------------------------------------------------


async def test_the_mentee_withdraws_a_pending_request(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    view = await app.end_mentoring(EndCommand(request.id, people.mentee.id, Ending.WITHDRAWN))
    assert view.status is Status.CANCELLED
    assert store.mentorings[request.id].accepted_at is None


async def test_the_mentor_cannot_withdraw_a_pending_request(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    with pytest.raises(NotTheRequester):
        await app.end_mentoring(EndCommand(request.id, people.mentor.id, Ending.WITHDRAWN))
    assert store.mentorings[request.id].status is Status.PENDING


@pytest.mark.parametrize("who", ["mentee", "mentor"])
async def test_either_participant_stops_an_active_mentoring(
    app: Mentorat, people: People, who: str
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    view = await app.end_mentoring(
        EndCommand(mentoring.id, getattr(people, who).id, Ending.CANCELLED)
    )
    assert view.status is Status.CANCELLED


@pytest.mark.parametrize("ending", list(Ending))
async def test_a_stranger_cannot_end_a_mentoring_and_learns_nothing(
    app: Mentorat, people: People, store: InMemoryStore, ending: Ending
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    before = snapshot(store)
    with pytest.raises(MentoringNotFound):
        await app.end_mentoring(EndCommand(mentoring.id, people.stranger.id, ending))
    assert snapshot(store) == before


# --- complete --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mentee", "mentor"])
async def test_either_participant_completes_an_active_mentoring(
    app: Mentorat, people: People, store: InMemoryStore, who: str
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    view = await app.end_mentoring(
        EndCommand(mentoring.id, getattr(people, who).id, Ending.COMPLETED)
    )
    assert view.status is Status.COMPLETED
    assert store.mentorings[mentoring.id].status is Status.COMPLETED


async def test_a_pending_request_cannot_be_completed(app: Mentorat, people: People) -> None:
    request = await ask(app, people.mentee, people.mentor)
    with pytest.raises(InvalidTransition, match="Cannot complete a mentoring that is pending"):
        await app.end_mentoring(EndCommand(request.id, people.mentee.id, Ending.COMPLETED))


@pytest.mark.parametrize("ending", list(Ending))
async def test_a_finished_mentoring_stays_finished(
    app: Mentorat, people: People, store: InMemoryStore, ending: Ending
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    await app.end_mentoring(EndCommand(mentoring.id, people.mentor.id, Ending.COMPLETED))
    before = snapshot(store)
    with pytest.raises(InvalidTransition):
        await app.end_mentoring(EndCommand(mentoring.id, people.mentee.id, ending))
    with pytest.raises(RequestNotPending):
        await app.respond_to_request(RespondCommand(mentoring.id, people.mentor.id, True))
    assert snapshot(store) == before
