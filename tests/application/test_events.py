"""Events published by the use cases, in order, once each, and only for what happened."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentorat.adapters.memory.services import InMemoryEventLog, ManualClock
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.domain.errors import MentoratError
from mentorat.domain.events import (
    MentoringAccepted,
    MentoringCompleted,
    MentoringRejected,
    MentoringRequested,
    MentoringWithdrawn,
    MessagePosted,
)
from mentorat.domain.mentoring import Ending

from .support import T0, People, ask, register


async def test_a_whole_mentoring_publishes_one_event_per_step(
    app: Mentorat, people: People, clock: ManualClock, events: InMemoryEventLog
) -> None:
    mia, max_ = people.mentee.id, people.mentor.id
    request = await ask(app, people.mentee, people.mentor)
    clock.advance(hours=1)
    await app.respond_to_request(RespondCommand(request.id, max_, accept=True))
    clock.advance(hours=1)
    message = await app.post_message(PostMessageCommand(request.id, mia, "Thanks!"))
    clock.advance(hours=1)
    await app.end_mentoring(EndCommand(request.id, max_, Ending.COMPLETED))
    hour = timedelta(hours=1)
    assert events.events == [
        MentoringRequested(request.id, T0, max_, mia),
        MentoringAccepted(request.id, T0 + hour, max_),
        MessagePosted(request.id, T0 + 2 * hour, message.id, mia),
        MentoringCompleted(request.id, T0 + 3 * hour, max_),
    ]


async def test_refusing_and_cancelling_publish_their_own_events(
    app: Mentorat, people: People, events: InMemoryEventLog
) -> None:
    refused = await ask(app, people.mentee, people.mentor)
    await app.respond_to_request(RespondCommand(refused.id, people.mentor.id, accept=False))
    withdrawn = await ask(app, people.mentee, people.other_mentor)
    await app.end_mentoring(EndCommand(withdrawn.id, people.mentee.id, Ending.WITHDRAWN))
    assert events.events[1] == MentoringRejected(refused.id, T0, people.mentor.id)
    assert events.events[3] == MentoringWithdrawn(withdrawn.id, T0, people.mentee.id)
    assert len(events.events) == 4


async def test_nothing_is_published_for_what_was_refused_or_only_read(
    app: Mentorat, people: People, events: InMemoryEventLog
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    published = list(events.events)
    refused = [
        app.respond_to_request(RespondCommand(request.id, people.mentee.id, accept=True)),
        app.end_mentoring(EndCommand(request.id, people.mentee.id, Ending.COMPLETED)),
        app.end_mentoring(EndCommand(request.id, people.stranger.id, Ending.CANCELLED)),
        app.post_message(PostMessageCommand(request.id, people.mentee.id, "   ")),
        ask(app, people.mentee, people.mentor),
    ]
    for call in refused:
        with pytest.raises(MentoratError):
            await call
    await app.list_mentorings(people.mentee.id)
    await app.show_progress(people.mentee.id)
    await register(app, "newcomer")
    assert events.events == published
