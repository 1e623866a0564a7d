"""The chat of a mentoring: posting, counting and dating in the store, and reading page by page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentorat.adapters.memory.services import ManualClock
from mentorat.adapters.memory.store import InMemoryStore
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.application.views import MentoringView, MessageView
from mentorat.domain.chat import NewMessage, PageRequest
from mentorat.domain.errors import (
    ConcurrentUpdate,
    EmptyMessage,
    InvalidPaging,
    MentoringClosed,
    MentoringNotFound,
    MessageTooLong,
)
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Ending, Status
from mentorat.domain.users import UserId

from .support import T0, People, accepted, ask, snapshot


async def post(app: Mentorat, mentoring: MentoringView, sender: UserId, text: str) -> MessageView:
    return await app.post_message(PostMessageCommand(mentoring.id, sender, text))


async def fill(app: Mentorat, mentoring: MentoringView, people: People, count: int) -> list[int]:
    ids = []
    for n in range(count):
        sender = people.mentee if n % 2 else people.mentor
        ids.append((await post(app, mentoring, sender.id, f"message {n}")).id)
    return ids


async def page(
    app: Mentorat, mentoring: MentoringView, caller: UserId, **paging: int
) -> tuple[list[int], int | None, int | None]:
    request = PageRequest(**paging)  # type: ignore[arg-type]
    found = await app.list_messages(ListMessagesQuery(mentoring.id, caller, request))
    assert found.limit == request.limit
    return [m.id for m in found.messages], found.older_cursor, found.newer_cursor


async def test_a_participant_posts_a_stripped_message_stamped_with_the_time(
    app: Mentorat, people: People, clock: ManualClock
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    clock.advance(minutes=3)
    message = await post(app, mentoring, people.mentee.id, "  Hello, Max!\n")
    assert message.id > 0
    assert (message.mentoring_id, message.sender_id, message.message) == (
        mentoring.id,
        people.mentee.id,
        "Hello, Max!",
    )
    assert message.created_at == T0 + timedelta(minutes=3)
    found = await app.list_messages(ListMessagesQuery(mentoring.id, people.mentor.id))
    assert list(found.messages) == [message]


async def test_messages_may_be_posted_while_the_request_is_still_pending(
    app: Mentorat, people: People
) -> None:
    request = await ask(app, people.mentee, people.mentor)
    await post(app, request, people.mentee.id, "Are you free in March?")
    await post(app, request, people.mentor.id, "I am.")
    ids, _, _ = await page(app, request, people.mentee.id)
    assert len(ids) == 2


async def test_the_store_counts_each_message_on_its_mentoring_without_a_new_version(
    app: Mentorat, people: People, store: InMemoryStore, clock: ManualClock
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    version = store.mentorings[mentoring.id].version
    clock.advance(minutes=1)
    await post(app, mentoring, people.mentee.id, "one")
    clock.advance(minutes=1)
    second = await post(app, mentoring, people.mentor.id, "two")
    stored = store.mentorings[mentoring.id]
    assert (stored.message_count, stored.last_message_at) == (2, T0 + timedelta(minutes=2))
    assert second.created_at == stored.last_message_at
    # The version counts changes of the lifecycle only: posts to one chat never conflict.
    assert stored.version == version


async def test_a_change_of_status_keeps_the_chats_counters(
    app: Mentorat, people: People, store: InMemoryStore, clock: ManualClock
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    clock.advance(minutes=1)
    await fill(app, mentoring, people, 2)
    clock.advance(hours=1)
    await app.end_mentoring(EndCommand(mentoring.id, people.mentee.id, Ending.COMPLETED))
    stored = store.mentorings[mentoring.id]
    assert stored.status is Status.COMPLETED
    assert (stored.message_count, stored.last_message_at) == (2, T0 + timedelta(minutes=1))


async def test_a_message_is_never_dated_before_the_one_it_follows(
    app: Mentorat, people: People, store: InMemoryStore, clock: ManualClock
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    clock.advance(minutes=3)
    first = await post(app, mentoring, people.mentee.id, "first")
    # The second post read a clock a second behind (another server's, say).
    clock.set(T0 + timedelta(minutes=3) - timedelta(seconds=1))
    second = await post(app, mentoring, people.mentor.id, "second")
    assert first.created_at == T0 + timedelta(minutes=3)
    assert second.created_at == first.created_at
    assert second.id > first.id
    stored = store.mentorings[mentoring.id]
    assert (stored.message_count, stored.last_message_at) == (2, first.created_at)


async def test_the_memory_store_dates_and_counts_a_message_as_it_stores_it(
    app: Mentorat, people: People, store: InMemoryStore, clock: ManualClock
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    clock.advance(minutes=5)
    first = await post(app, mentoring, people.mentee.id, "first")
    async with app.uow() as tx:
        decided_on = await tx.mentorings.get(mentoring.id, for_update=True)
        assert decided_on is not None
        late = NewMessage(mentoring.id, people.mentor.id, "late", T0 + timedelta(minutes=4))
        message = await tx.messages.add(late, decided_on)
        await tx.commit()
    # Dated by `chat_time` on the stored counters, not as composed.
    assert message.created_at == first.created_at == T0 + timedelta(minutes=5)
    assert (message.mentoring_id, message.sender_id, message.text) == (
        mentoring.id,
        people.mentor.id,
        "late",
    )
    stored = store.mentorings[mentoring.id]
    assert (stored.message_count, stored.last_message_at) == (2, message.created_at)
    # What the post was decided on is left as it was read.
    assert (decided_on.message_count, decided_on.last_message_at) == (1, first.created_at)
    assert [m.text for m in store.messages[mentoring.id]] == ["first", "late"]


async def test_the_memory_store_stores_nothing_when_the_mentoring_moved_since_the_decision(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    async with app.uow() as tx:
        decided_on = await tx.mentorings.get(mentoring.id)
    assert decided_on is not None
    assert decided_on.status is Status.ACTIVE
    await app.end_mentoring(EndCommand(mentoring.id, people.mentor.id, Ending.CANCELLED))
    before = snapshot(store)
    async with app.uow() as tx:
        with pytest.raises(ConcurrentUpdate):
            await tx.messages.add(
                NewMessage(mentoring.id, people.mentee.id, "too late", T0), decided_on
            )
        await tx.commit()
    assert snapshot(store) == before


@pytest.mark.parametrize("ending", ["rejected", "withdrawn", "cancelled", "completed"])
async def test_a_closed_mentoring_accepts_no_messages(
    app: Mentorat, people: People, store: InMemoryStore, ending: str
) -> None:
    if ending in ("rejected", "withdrawn"):
        mentoring = await ask(app, people.mentee, people.mentor)
        if ending == "rejected":
            await app.respond_to_request(RespondCommand(mentoring.id, people.mentor.id, False))
        else:
            await app.end_mentoring(EndCommand(mentoring.id, people.mentee.id, Ending.WITHDRAWN))
    else:
        mentoring = await accepted(app, people.mentee, people.mentor)
        await app.end_mentoring(EndCommand(mentoring.id, people.mentor.id, Ending(ending)))
    before = snapshot(store)
    with pytest.raises(MentoringClosed):
        await post(app, mentoring, people.mentee.id, "one more thing")
    assert snapshot(store) == before


async def test_a_rejected_mentoring_accepts_no_messages(app: Mentorat, people: People) -> None:
    request = await ask(app, people.mentee, people.mentor)
    await app.respond_to_request(RespondCommand(request.id, people.mentor.id, accept=False))
    with pytest.raises(MentoringClosed, match="rejected"):
        await post(app, request, people.mentee.id, "please?")


async def test_the_chat_of_a_closed_mentoring_can_still_be_read(
    app: Mentorat, people: People
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    ids = await fill(app, mentoring, people, 3)
    await app.end_mentoring(EndCommand(mentoring.id, people.mentee.id, Ending.COMPLETED))
    assert (await page(app, mentoring, people.mentor.id))[0] == ids


@pytest.mark.parametrize(
    ("text", "error"),
    [("", EmptyMessage), ("  \n\t ", EmptyMessage), ("x" * 4001, MessageTooLong)],
)
async def test_an_empty_or_too_long_message_is_refused(
    app: Mentorat, people: People, store: InMemoryStore, text: str, error: type[Exception]
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    before = snapshot(store)
    with pytest.raises(error):
        await post(app, mentoring, people.mentee.id, text)
    assert snapshot(store) == before


async def test_a_message_of_4000_characters_plus_surrounding_spaces_is_accepted(
    app: Mentorat, people: People
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    message = await post(app, mentoring, people.mentee.id, "  " + "x" * 4000 + "  ")
    assert message.message == "x" * 4000


async def test_a_stranger_can_neither_read_nor_post_and_learns_nothing(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    await fill(app, mentoring, people, 2)
    before = snapshot(store)
    with pytest.raises(MentoringNotFound):
        await post(app, mentoring, people.stranger.id, "hi")
    with pytest.raises(MentoringNotFound):
        await post(app, mentoring, people.stranger.id, "")
    with pytest.raises(MentoringNotFound):
        await page(app, mentoring, people.stranger.id)
    assert snapshot(store) == before


async def test_the_chat_of_a_mentoring_that_does_not_exist_is_not_found(
    app: Mentorat, people: People
) -> None:
    with pytest.raises(MentoringNotFound):
        await app.list_messages(ListMessagesQuery(MentoringId(404), people.mentee.id))
    with pytest.raises(MentoringNotFound):
        await app.post_message(PostMessageCommand(MentoringId(404), people.mentee.id, "hi"))


async def test_each_chat_holds_only_its_own_messages(app: Mentorat, people: People) -> None:
    one = await accepted(app, people.mentee, people.mentor)
    two = await accepted(app, people.mentee, people.other_mentor)
    first = await fill(app, one, people, 2)
    await post(app, two, people.mentee.id, "elsewhere")
    second = await fill(app, one, people, 1)
    assert (await page(app, one, people.mentee.id))[0] == first + second


async def test_without_paging_the_newest_50_messages_come_oldest_first(
    app: Mentorat, people: People
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    ids = await fill(app, mentoring, people, 60)
    assert await page(app, mentoring, people.mentee.id) == (ids[10:], ids[10], None)


async def test_paging_back_with_before_and_forward_with_after(
    app: Mentorat, people: People
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    ids = await fill(app, mentoring, people, 7)
    me = people.mentor.id
    assert await page(app, mentoring, me, limit=3) == (ids[4:], ids[4], None)
    assert await page(app, mentoring, me, limit=3, before=ids[4]) == (ids[1:4], ids[1], ids[3])
    assert await page(app, mentoring, me, limit=3, before=ids[1]) == (ids[:1], None, ids[0])
    assert await page(app, mentoring, me, limit=3, after=0) == (ids[:3], None, ids[2])
    assert await page(app, mentoring, me, limit=3, after=ids[2]) == (ids[3:6], ids[3], ids[5])
    assert await page(app, mentoring, me, limit=3, after=ids[5]) == (ids[6:], ids[6], None)


async def test_polling_after_the_newest_message_sees_only_what_is_new(
    app: Mentorat, people: People
) -> None:
    mentoring = await accepted(app, people.mentee, people.mentor)
    ids = await fill(app, mentoring, people, 2)
    newest = ids[-1]
    assert await page(app, mentoring, people.mentee.id, after=newest) == ([], newest + 1, None)
    fresh = await post(app, mentoring, people.mentor.id, "new")
    assert (await page(app, mentoring, people.mentee.id, after=newest))[0] == [fresh.id]


@pytest.mark.parametrize(
    "paging",
    [{"limit": 0}, {"limit": 201}, {"before": 0}, {"after": -1}, {"before": 5, "after": 1}],
)
def test_a_bad_page_request_is_refused_before_any_use_case_runs(paging: dict[str, int]) -> None:
    with pytest.raises(InvalidPaging):
        PageRequest(**paging)  # type: ignore[arg-type]


async def test_message_ids_grow_across_chats(app: Mentorat, people: People) -> None:
    one = await accepted(app, people.mentee, people.mentor)
    two = await accepted(app, people.mentee, people.other_mentor)
    a = await post(app, one, people.mentee.id, "a")
    b = await post(app, two, people.mentee.id, "b")
    c = await post(app, one, people.mentee.id, "c")
    assert a.id < b.id < c.id
