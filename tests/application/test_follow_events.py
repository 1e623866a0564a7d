"""Following events: a user's events, each once and in order, live and replayed; nobody
else's; a reset past the retention; a reader too slow is dropped."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from mentorat import bootstrap
from mentorat.adapters.memory.services import ManualClock
from mentorat.application.errors import SubscriptionDropped
from mentorat.application.follow_events import FeedSettings
from mentorat.application.ports import StoredEvent
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.domain.users import UserId

from .support import People, ask


async def next_event(stream: AsyncIterator[StoredEvent | None]) -> StoredEvent:
    """The next event, past keep-alives."""
    while (event := await anext(stream)) is None:
        pass
    return event


async def following(
    app: Mentorat, user_id: UserId, after: int | None = None
) -> AsyncIterator[StoredEvent | None]:
    """The user's events, once the stream follows (its first None is out)."""
    stream = app.follow_events(user_id, after)
    assert await anext(stream) is None
    return stream


async def test_a_participant_follows_a_mentoring_live_in_order(
    app: Mentorat, people: People
) -> None:
    mia, max_ = people.mentee, people.mentor
    stream = await following(app, max_.id)
    request = await ask(app, mia, max_)
    await app.respond_to_request(RespondCommand(request.id, max_.id, accept=True))
    message = await app.post_message(PostMessageCommand(request.id, mia.id, "Merci !"))
    events = [await next_event(stream) for _ in range(3)]
    assert [e.name for e in events] == [
        "mentoring_requested",
        "mentoring_accepted",
        "message_posted",
    ]
    assert events[0].id < events[1].id < events[2].id
    assert all(e.mentoring_id == request.id for e in events)
    requested = json.loads(events[0].payload)
    assert requested["mentoring"]["Status"] == "pending"
    assert requested["by"] == mia.id
    assert json.loads(events[1].payload)["mentoring"]["Status"] == "active"
    posted = json.loads(events[2].payload)
    assert posted["message"] == {
        "id": message.id,
        "sender_id": str(mia.id),
        "message": "Merci !",
        "created_at": message.created_at.isoformat(timespec="microseconds")[:-6] + "Z",
    }


async def test_a_stranger_never_hears_of_another_mentoring(app: Mentorat, people: People) -> None:
    stream = await following(app, people.stranger.id)
    others = await ask(app, people.mentee, people.mentor)
    await app.post_message(PostMessageCommand(others.id, people.mentee.id, "private"))
    own = await ask(app, people.stranger, people.other_mentor)
    event = await next_event(stream)
    assert (event.name, event.mentoring_id) == ("mentoring_requested", own.id)
    assert people.stranger.id in event.recipients


async def test_resuming_after_an_id_gives_each_later_event_exactly_once(
    app: Mentorat, people: People
) -> None:
    mia = people.mentee
    request = await ask(app, mia, people.mentor)
    for n in range(3):
        await app.post_message(PostMessageCommand(request.id, mia.id, f"m{n}"))
    everything = app.follow_events(mia.id, 0)
    seen = [await next_event(everything) for _ in range(4)]
    resumed = app.follow_events(mia.id, seen[1].id)
    assert await next_event(resumed) == seen[2]
    assert await next_event(resumed) == seen[3]
    fresh = await app.post_message(PostMessageCommand(request.id, mia.id, "new"))
    after = await next_event(resumed)
    assert json.loads(after.payload)["message"]["id"] == fresh.id
    assert after.id > seen[3].id


async def test_a_cursor_older_than_the_retention_is_told_to_reload(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    mia = people.mentee
    request = await ask(app, mia, people.mentor)
    old = await next_event(app.follow_events(mia.id, 0))
    clock.advance(days=8)
    await app.post_message(PostMessageCommand(request.id, mia.id, "later"))
    assert await app.prune_events() == 1
    stream = app.follow_events(mia.id, old.id - 1)
    reset = await next_event(stream)
    assert reset.name == "reset"
    assert json.loads(reset.payload)["last_event_id"] == reset.id
    # What follows the reset's id follows it, in order; nothing before it is replayed.
    newer = await app.post_message(PostMessageCommand(request.id, mia.id, "after the reset"))
    ids = [reset.id]
    while True:
        event = await next_event(stream)
        ids.append(event.id)
        if json.loads(event.payload)["message"]["id"] == newer.id:
            break
    assert ids == sorted(set(ids))
    assert len(ids) <= 3


async def test_a_cursor_still_kept_is_not_reset(app: Mentorat, people: People) -> None:
    mia = people.mentee
    await ask(app, mia, people.mentor)
    stream = app.follow_events(mia.id, 0)
    assert (await next_event(stream)).name == "mentoring_requested"


async def test_an_idle_stream_yields_keep_alives(app: Mentorat, people: People) -> None:
    stream = app.follow_events(people.mentee.id, idle=0.001)
    assert await anext(stream) is None  # following
    assert await anext(stream) is None  # idle


async def test_a_reader_too_slow_is_dropped_and_resumes_from_the_outbox(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    mia = people.mentee
    small = bootstrap.in_memory(
        store=app.uow.store,  # type: ignore[attr-defined]  # the memory unit of work's
        clock=clock,
        hasher=bootstrap.fast_test_hasher(),
        feed=FeedSettings(queue_size=1),
    )
    try:
        request = await ask(app, mia, people.mentor)
        stream = await following(small, mia.id)
        # Three posts commit before the hub runs: it hands on three events at once.
        posted = [
            await app.post_message(PostMessageCommand(request.id, mia.id, f"m{n}"))
            for n in range(3)
        ]
        with pytest.raises(SubscriptionDropped):
            await next_event(stream)
        resumed = small.follow_events(mia.id, 0)
        events = [await next_event(resumed) for _ in range(4)]
    finally:
        await small.events_hub.aclose()
    ids = [json.loads(e.payload)["message"]["id"] for e in events[1:]]
    assert ids == [m.id for m in posted]
