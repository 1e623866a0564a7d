"""A mentee asks a mentor for a mentoring."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mentorat.adapters.memory.store import InMemoryStore
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.domain.errors import (
    InvalidPeriod,
    InvalidToken,
    MentoratError,
    NotAMentor,
    NotYourself,
    OpenMentoringExists,
    SelfMentoring,
)
from mentorat.domain.mentoring import Ending, Status
from mentorat.domain.users import UserId

from .support import END, START, T0, People, accepted, ask, snapshot


async def test_a_request_is_stored_pending_with_the_caller_as_mentee(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    view = await ask(app, people.mentee, people.mentor)
    assert view.id > 0
    assert (view.mentor_id, view.mentee_id, view.status) == (
        people.mentor.id,
        people.mentee.id,
        Status.PENDING,
    )
    assert (view.start_date, view.end_date) == (START, END)
    assert view.created_at == view.updated_at == T0
    stored = store.mentorings[view.id]
    assert (stored.status, stored.mentee_id) == (Status.PENDING, people.mentee.id)


async def test_the_caller_may_name_themself_as_mentee(app: Mentorat, people: People) -> None:
    view = await app.request_mentoring(
        RequestMentoringCommand(
            caller_id=people.mentee.id,
            mentor_id=people.mentor.id,
            start_date=START,
            end_date=END,
            mentee_id=people.mentee.id,
        )
    )
    assert view.mentee_id == people.mentee.id


async def test_the_caller_may_not_ask_on_behalf_of_someone_else(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    with pytest.raises(NotYourself):
        await app.request_mentoring(
            RequestMentoringCommand(
                caller_id=people.mentee.id,
                mentor_id=people.mentor.id,
                start_date=START,
                end_date=END,
                mentee_id=people.stranger.id,
            )
        )
    assert store.mentorings == {}


def cases(people: People) -> dict[str, tuple[UserId, date, date, type[MentoratError]]]:
    return {
        "ends before it starts": (
            people.mentor.id,
            START,
            START - timedelta(days=1),
            InvalidPeriod,
        ),
        "asks themself": (people.mentee.id, START, END, SelfMentoring),
        "asks a user who is no mentor": (people.stranger.id, START, END, NotAMentor),
        "asks a user who does not exist": (UserId(9999), START, END, NotAMentor),
    }


@pytest.mark.parametrize(
    "case",
    [
        "ends before it starts",
        "asks themself",
        "asks a user who is no mentor",
        "asks a user who does not exist",
    ],
)
async def test_a_request_that_breaks_a_rule_is_refused_and_stores_nothing(
    app: Mentorat, people: People, store: InMemoryStore, case: str
) -> None:
    mentor_id, start, end, error = cases(people)[case]
    with pytest.raises(error):
        await app.request_mentoring(
            RequestMentoringCommand(people.mentee.id, mentor_id, start, end)
        )
    assert store.mentorings == {}


async def test_a_deactivated_mentor_cannot_be_asked(app: Mentorat, people: People) -> None:
    await app.deactivate_user("Max")
    with pytest.raises(NotAMentor):
        await ask(app, people.mentee, people.mentor)


async def test_a_caller_who_does_not_exist_or_is_deactivated_is_not_authenticated(
    app: Mentorat, people: People
) -> None:
    ghost = RequestMentoringCommand(UserId(9999), people.mentor.id, START, END)
    with pytest.raises(InvalidToken):
        await app.request_mentoring(ghost)
    await app.deactivate_user("mia")
    with pytest.raises(InvalidToken):
        await ask(app, people.mentee, people.mentor)


@pytest.mark.parametrize("state", ["pending", "active"])
async def test_a_pair_with_an_open_mentoring_cannot_ask_again(
    app: Mentorat, people: People, store: InMemoryStore, state: str
) -> None:
    first = await ask(app, people.mentee, people.mentor)
    if state == "active":
        await app.respond_to_request(RespondCommand(first.id, people.mentor.id, accept=True))
    before = snapshot(store)
    with pytest.raises(OpenMentoringExists):
        await ask(app, people.mentee, people.mentor, start=END, end=END)
    assert snapshot(store) == before


@pytest.mark.parametrize("ending", ["rejected", "cancelled", "completed"])
async def test_once_their_mentoring_is_over_a_pair_may_ask_again(
    app: Mentorat, people: People, ending: str
) -> None:
    first = await accepted(app, people.mentee, people.mentor)
    if ending == "rejected":
        first = await ask(app, people.mentee, people.other_mentor)
        await app.respond_to_request(RespondCommand(first.id, people.other_mentor.id, accept=False))
        again = await ask(app, people.mentee, people.other_mentor)
    else:
        await app.end_mentoring(EndCommand(first.id, people.mentee.id, Ending(ending)))
        again = await ask(app, people.mentee, people.mentor)
    assert again.id > first.id
    assert again.status is Status.PENDING


async def test_the_same_people_in_the_other_roles_are_another_pair(
    app: Mentorat, people: People
) -> None:
    await ask(app, people.other_mentor, people.mentor)
    reverse = await ask(app, people.mentor, people.other_mentor)
    assert (reverse.mentor_id, reverse.mentee_id) == (people.other_mentor.id, people.mentor.id)


async def test_one_mentee_may_have_open_requests_with_several_mentors(
    app: Mentorat, people: People
) -> None:
    first = await ask(app, people.mentee, people.mentor)
    second = await ask(app, people.mentee, people.other_mentor)
    assert first.status is second.status is Status.PENDING
