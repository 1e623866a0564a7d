"""A post to a chat this process posted in lately skips reading its mentoring (RecentChats);
what another process changed meanwhile is still decided on what is stored."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorat import bootstrap
from mentorat.adapters.memory.repositories import InMemoryMentorings, InMemoryStore
from mentorat.adapters.memory.services import ManualClock
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.post_message import PostMessageCommand, RecentChats
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.domain.errors import MentoratError, MentoringClosed, MentoringNotFound
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Mentoring, Status

from .support import SECRET, T0, People, accepted, ask, register


def another_process(store: InMemoryStore, clock: ManualClock) -> Mentorat:
    """A second server worker on the same store: its own RecentChats."""
    return bootstrap.in_memory(
        store=store, clock=clock, secret_key=SECRET, hasher=bootstrap.fast_test_hasher()
    )


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[MentoringId]:
    reads: list[MentoringId] = []
    really = InMemoryMentorings.get

    async def counting(
        self: InMemoryMentorings, mentoring_id: MentoringId, *, for_update: bool = False
    ) -> Mentoring | None:
        reads.append(mentoring_id)
        return await really(self, mentoring_id, for_update=for_update)

    monkeypatch.setattr(InMemoryMentorings, "get", counting)
    return reads


async def test_the_next_posts_to_a_chat_skip_reading_its_mentoring(
    app: Mentorat, people: People, store: InMemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    reads = count_reads(monkeypatch)
    for by in (people.mentee, people.mentor, people.mentee):
        await app.post_message(PostMessageCommand(mentoring.id, by.id, f"from {by.username}"))
    assert reads == [mentoring.id]
    stored = store.mentorings[mentoring.id]
    assert stored.message_count == 3
    assert [m.text for m in store.messages[mentoring.id]] == [
        "from mia",
        "from Max",
        "from mia",
    ]


async def test_a_chat_closed_by_another_process_refuses_the_next_post(
    app: Mentorat, people: People, store: InMemoryStore, clock: ManualClock
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    await app.post_message(PostMessageCommand(mentoring.id, people.mentee.id, "hello"))
    await another_process(store, clock).complete_mentoring(
        EndCommand(mentoring.id, people.mentor.id)
    )
    with pytest.raises(MentoringClosed):
        await app.post_message(PostMessageCommand(mentoring.id, people.mentee.id, "still there?"))
    assert [m.text for m in store.messages[mentoring.id]] == ["hello"]
    assert store.mentorings[mentoring.id].message_count == 1
    assert store.mentorings[mentoring.id].status is Status.COMPLETED


async def test_a_request_accepted_by_another_process_takes_the_next_post(
    app: Mentorat, people: People, store: InMemoryStore, clock: ManualClock
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    await app.post_message(PostMessageCommand(request.id, people.mentee.id, "please?"))
    await another_process(store, clock).respond_to_request(
        RespondCommand(request.id, people.mentor.id, accept=True)
    )
    await app.post_message(PostMessageCommand(request.id, people.mentor.id, "welcome"))
    stored = store.mentorings[request.id]
    assert (stored.status, stored.message_count) == (Status.ACTIVE, 2)


async def test_a_snapshot_never_refuses_a_participant_it_does_not_know(
    app: Mentorat, people: People, store: InMemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The store now holds another mentoring under the same id (a restored backup, say).
    mentoring = await accepted(app, people.mentee, people.mentor)
    await app.post_message(PostMessageCommand(mentoring.id, people.mentee.id, "hello"))
    stored = store.mentorings[mentoring.id]
    store.mentorings[mentoring.id] = dataclasses.replace(
        stored, mentee_id=people.stranger.id, mentor_id=people.other_mentor.id
    )
    reads = count_reads(monkeypatch)
    await app.post_message(PostMessageCommand(mentoring.id, people.stranger.id, "it is me now"))
    assert reads == [mentoring.id]
    # The snapshot says yes to the old mentee; the store's condition says no, and the fresh
    # read decides: not a participant any more.
    with pytest.raises(MentoringNotFound):
        await app.post_message(PostMessageCommand(mentoring.id, people.mentee.id, "and me?"))
    assert [m.text for m in store.messages[mentoring.id]] == ["hello", "it is me now"]


async def test_a_stranger_is_refused_whatever_the_snapshot(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    await app.post_message(PostMessageCommand(mentoring.id, people.mentee.id, "hello"))
    with pytest.raises(MentoringNotFound):
        await app.post_message(PostMessageCommand(mentoring.id, people.stranger.id, "hi all"))
    assert store.mentorings[mentoring.id].message_count == 1


def a_mentoring(mentoring_id: int, status: Status = Status.ACTIVE) -> Mentoring:
    return Mentoring(
        id=MentoringId(mentoring_id),
        mentor_id=1,  # type: ignore[arg-type]
        mentee_id=2,  # type: ignore[arg-type]
        status=status,
        start_date=T0.date(),
        end_date=T0.date() + timedelta(days=30),
        created_at=T0,
        updated_at=T0,
    )


def test_recent_chats_keep_open_mentorings_only_and_hand_out_copies() -> None:
    recent = RecentChats(max_entries=2)
    recent.keep(a_mentoring(1))
    recent.keep(a_mentoring(2, Status.PENDING))
    recent.keep(a_mentoring(3, Status.COMPLETED))
    assert len(recent) == 2
    assert recent.get(MentoringId(3)) is None
    copy = recent.get(MentoringId(1))
    assert copy is not None
    copy.message_count = 99
    copy.events.append(object())  # type: ignore[arg-type]
    again = recent.get(MentoringId(1))
    assert again is not None
    assert (again.message_count, again.events) == (0, [])
    # 1 was used last: 2 leaves first.
    recent.keep(a_mentoring(4))
    assert recent.get(MentoringId(2)) is None
    assert recent.get(MentoringId(1)) is not None
    # A mentoring kept again once closed is dropped.
    recent.keep(a_mentoring(1, Status.CANCELLED))
    assert recent.get(MentoringId(1)) is None
    assert len(RecentChats(max_entries=0)) == 0


# --- two workers, any interleaving ------------------------------------------------------------

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["post", "accept", "refuse", "complete", "cancel"]),
        st.sampled_from([0, 1]),  # which worker
        st.sampled_from(["mentee", "mentor", "stranger"]),  # who
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=ACTIONS)
async def test_two_workers_agree_with_the_store_whatever_their_snapshots(
    actions: list[tuple[str, int, str]],
) -> None:
    # Whichever worker posts, a post is stored exactly when the stored mentoring is open and
    # the poster one of its two participants, as if nothing were remembered between posts.
    store, clock = InMemoryStore(), ManualClock(T0)
    workers = [another_process(store, clock), another_process(store, clock)]
    people = {
        "mentee": await register(workers[0], "mia"),
        "mentor": await register(workers[0], "Max", is_mentor=True),
        "stranger": await register(workers[0], "sam"),
    }
    request = await ask(workers[0], people["mentee"], people["mentor"])
    posted = 0
    for action, worker, who in actions:
        app, caller = workers[worker], people[who]
        before = store.mentorings[request.id]
        clock.advance(seconds=1)
        try:
            if action == "post":
                await app.post_message(PostMessageCommand(request.id, caller.id, "hi"))
            elif action in ("accept", "refuse"):
                await app.respond_to_request(
                    RespondCommand(request.id, caller.id, accept=action == "accept")
                )
            elif action == "complete":
                await app.complete_mentoring(EndCommand(request.id, caller.id))
            else:
                await app.cancel_mentoring(EndCommand(request.id, caller.id))
            succeeded = True
        except MentoratError:
            succeeded = False
        if action == "post":
            allowed = before.status.is_open and who != "stranger"
            assert succeeded == allowed
            posted += succeeded
        stored = store.mentorings[request.id]
        assert stored.message_count == posted == len(store.messages.get(request.id, []))
