"""What every store promises behind the Users, Mentorings, Messages and UnitOfWork ports.

Each case runs unchanged against the memory, SQLite and PostgreSQL adapters (see conftest.py).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, timedelta

import pytest

from mentorat.application.ports import UnitOfWork
from mentorat.domain.chat import Message, NewMessage, PageRequest, paginate
from mentorat.domain.errors import (
    ConcurrentUpdate,
    MentoratError,
    OpenMentoringExists,
    UsernameTaken,
)
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Mentoring, Role, Status
from mentorat.domain.users import User, UserId
from tests.contract.support import (
    END,
    START,
    T0,
    a_new_user,
    a_request,
    as_stored,
    changed,
    people,
    post,
    requested,
    stored_chat,
)

# --- users -------------------------------------------------------------------------------------


async def test_a_stored_user_reads_back_with_every_field_exactly(uow: UnitOfWork) -> None:
    async with uow() as tx:
        added = await tx.users.add(a_new_user("Zoé.M+1@x", mentor=True, phone="+33 6 12 34"))
        await tx.commit()
    assert added.id > 0
    assert not added.is_verified
    assert added.is_active
    async with uow(write=False) as tx:
        loaded = await tx.users.get(added.id)
    assert loaded == added
    assert loaded.joined_at.tzinfo is UTC
    assert loaded.joined_at.microsecond == 959579


async def test_an_unknown_user_is_none(uow: UnitOfWork) -> None:
    async with uow(write=False) as tx:
        assert await tx.users.get(UserId(12345)) is None
        assert await tx.users.get_by_username("nobody") is None
        assert await tx.users.get_many([UserId(1), UserId(2)]) == {}


async def test_users_are_found_by_name_ignoring_case(uow: UnitOfWork) -> None:
    [ada] = await people(uow, "AdaLovelace")
    async with uow(write=False) as tx:
        for spelling in ("AdaLovelace", "adalovelace", "ADALOVELACE"):
            assert await tx.users.get_by_username(spelling) == ada


async def test_a_username_differing_only_in_case_is_taken(uow: UnitOfWork) -> None:
    [first] = await people(uow, "Straße")
    for clash in ("Straße", "STRASSE", "strasse"):
        with pytest.raises(UsernameTaken):
            await people(uow, clash)
    async with uow(write=False) as tx:
        assert await tx.users.get_by_username("straße") == first


async def test_the_transaction_stays_usable_after_a_taken_username(uow: UnitOfWork) -> None:
    await people(uow, "taken")
    async with uow() as tx:
        with pytest.raises(UsernameTaken):
            await tx.users.add(a_new_user("TAKEN"))
        other = await tx.users.add(a_new_user("free"))
        await tx.commit()
    async with uow(write=False) as tx:
        assert await tx.users.get(other.id) == other


async def test_get_many_returns_the_users_that_exist_keyed_by_id(uow: UnitOfWork) -> None:
    ada, bob = await people(uow, "ada", "bob")
    async with uow(write=False) as tx:
        found = await tx.users.get_many([bob.id, UserId(999), ada.id, bob.id])
        assert found == {ada.id: ada, bob.id: bob}
        assert await tx.users.get_many([]) == {}


async def test_saving_a_user_keeps_the_changes(uow: UnitOfWork) -> None:
    [ada] = await people(uow, "ada")
    async with uow() as tx:
        user = await tx.users.get(ada.id)
        assert user is not None
        user.verify()
        user.deactivate()
        await tx.users.save(user)
        await tx.commit()
    async with uow(write=False) as tx:
        assert await tx.users.get(ada.id) == dataclasses.replace(
            ada, is_verified=True, is_active=False
        )


# --- mentorings --------------------------------------------------------------------------------


async def test_a_stored_request_reads_back_pending_at_version_one(uow: UnitOfWork) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    added = await requested(uow, mentor, mentee)
    assert added.status is Status.PENDING
    async with uow(write=False) as tx:
        loaded = await tx.mentorings.get(added.id)
        locked = await tx.mentorings.get(added.id, for_update=True)
    assert loaded is not None
    assert locked is not None
    for found in (loaded, locked):
        assert (found.id, found.mentor_id, found.mentee_id) == (added.id, mentor.id, mentee.id)
        assert (found.status, found.start_date, found.end_date) == (Status.PENDING, START, END)
        assert (found.created_at, found.updated_at) == (T0, T0)
        assert (found.accepted_at, found.message_count, found.last_message_at) == (None, 0, None)
        assert found.version == 1
        assert found.events == []
        assert found.created_at.tzinfo is UTC


async def test_an_unknown_mentoring_is_none(uow: UnitOfWork) -> None:
    async with uow(write=False) as tx:
        assert await tx.mentorings.get(MentoringId(404)) is None
        assert await tx.mentorings.get(MentoringId(404), for_update=True) is None


async def test_saving_bumps_the_version_and_keeps_every_lifecycle_change(uow: UnitOfWork) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    added = await requested(uow, mentor, mentee)
    accepted = await changed(uow, added.id, "accept", mentor.id)
    assert accepted.version == 2
    async with uow() as tx:
        said = await post(tx, accepted, mentee, "hi", T0 + timedelta(hours=1))
        await tx.commit()
    # The chat's counters are the posts' to move: a save writes the lifecycle, never a loaded
    # copy's counters over theirs.
    async with uow() as tx:
        mentoring = await tx.mentorings.get(added.id, for_update=True)
        assert mentoring is not None
        assert (mentoring.message_count, mentoring.last_message_at) == (1, said.created_at)
        mentoring.message_count = 7
        mentoring.last_message_at = T0 + timedelta(microseconds=1)
        mentoring.complete(by=mentee.id, at=T0 + timedelta(hours=2))
        await tx.mentorings.save(mentoring)
        await tx.commit()
    assert mentoring.version == 3
    loaded = await as_stored(uow, added.id)
    assert loaded.status is Status.COMPLETED
    assert loaded.accepted_at == accepted.accepted_at
    assert loaded.updated_at == T0 + timedelta(hours=2)
    assert (loaded.message_count, loaded.last_message_at) == (1, said.created_at)
    assert loaded.version == 3


async def test_a_save_from_a_stale_read_is_a_concurrent_update(uow: UnitOfWork) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    added = await requested(uow, mentor, mentee)
    stale = await as_stored(uow, added.id)
    await changed(uow, added.id, "reject", mentor.id)
    stale.respond(by=mentor.id, accept=True, at=T0 + timedelta(hours=1))

    async def save_stale() -> None:
        async with uow() as tx:
            await tx.mentorings.save(stale)
            await tx.commit()

    with pytest.raises(ConcurrentUpdate):
        await save_stale()
    assert stale.version == 1
    current = await as_stored(uow, added.id)
    assert (current.status, current.version) == (Status.REJECTED, 2)


async def test_a_second_open_request_for_the_same_pair_is_refused(uow: UnitOfWork) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    first = await requested(uow, mentor, mentee)
    with pytest.raises(OpenMentoringExists):
        await requested(uow, mentor, mentee)
    await changed(uow, first.id, "accept", mentor.id)
    with pytest.raises(OpenMentoringExists):
        await requested(uow, mentor, mentee)
    async with uow(write=False) as tx:
        assert [m.id for m in await tx.mentorings.list_for(mentee.id)] == [first.id]


async def test_a_closed_mentoring_frees_the_pair_for_a_new_request(uow: UnitOfWork) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    first = await requested(uow, mentor, mentee)
    async with uow(write=False) as tx:
        assert await tx.mentorings.has_open_between(mentor.id, mentee.id)
        assert not await tx.mentorings.has_open_between(mentee.id, mentor.id)
    await changed(uow, first.id, "reject", mentor.id)
    async with uow(write=False) as tx:
        assert not await tx.mentorings.has_open_between(mentor.id, mentee.id)
    second = await requested(uow, mentor, mentee)
    assert second.id > first.id
    await changed(uow, second.id, "accept", mentor.id)
    await changed(uow, second.id, "complete", mentee.id)
    third = await requested(uow, mentor, mentee)
    assert third.id > second.id


async def test_the_reverse_pair_is_a_different_pair(uow: UnitOfWork) -> None:
    first, second = await people(uow, "mentor1", "mentor2")
    await requested(uow, first, second)
    await requested(uow, second, first)
    async with uow(write=False) as tx:
        assert len(await tx.mentorings.list_for(first.id)) == 2


async def test_lists_hold_the_users_mentorings_by_id_and_filter_by_status_and_role(
    uow: UnitOfWork,
) -> None:
    m1, m2, ada, bob = await people(uow, "m1", "m2", "ada", "bob")
    a = await requested(uow, m1, ada)
    b = await requested(uow, m2, ada)
    c = await requested(uow, m1, bob)
    d = await requested(uow, m2, m1)  # m1 as a mentee
    await changed(uow, b.id, "accept", m2.id)
    await changed(uow, c.id, "reject", m1.id)

    async def ids(user: User, status: Status | None = None, role: Role | None = None) -> list[int]:
        async with uow(write=False) as tx:
            found = await tx.mentorings.list_for(user.id, status=status, role=role)
        return [m.id for m in found]

    assert await ids(ada) == [a.id, b.id]
    assert await ids(m1) == [a.id, c.id, d.id]
    assert await ids(m1, role=Role.MENTOR) == [a.id, c.id]
    assert await ids(m1, role=Role.MENTEE) == [d.id]
    assert await ids(m2, role=Role.MENTOR) == [b.id, d.id]
    assert await ids(ada, status=Status.ACTIVE) == [b.id]
    assert await ids(m1, status=Status.PENDING) == [a.id, d.id]
    assert await ids(m1, status=Status.REJECTED, role=Role.MENTOR) == [c.id]
    assert await ids(m1, status=Status.REJECTED, role=Role.MENTEE) == []
    assert await ids(bob, status=Status.COMPLETED) == []


async def test_list_filters_accept_the_plain_strings_of_their_enums(uow: UnitOfWork) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, mentee)
    async with uow(write=False) as tx:
        found = await tx.mentorings.list_for(
            mentor.id,
            status="pending",  # type: ignore[arg-type]
            role="mentor",  # type: ignore[arg-type]
        )
        assert [m.id for m in found] == [mentoring.id]
        assert await tx.mentorings.list_for(mentor.id, role="mentee") == []  # type: ignore[arg-type]


async def test_accepted_lists_hold_what_was_once_active_with_its_people(
    uow: UnitOfWork,
) -> None:
    m1, m2, ada, bob = await people(uow, "m1", "m2", "ada", "bob")
    pending = await requested(uow, m1, ada)
    active = await requested(uow, m2, ada)
    completed = await requested(uow, m1, bob)
    cancelled = await requested(uow, m2, bob)
    rejected = await requested(uow, m2, m1)
    withdrawn = await requested(uow, m1, m2)
    await changed(uow, active.id, "accept", m2.id)
    await changed(uow, completed.id, "accept", m1.id)
    await changed(uow, completed.id, "complete", bob.id)
    await changed(uow, cancelled.id, "accept", m2.id)
    await changed(uow, cancelled.id, "cancel", m2.id)
    await changed(uow, rejected.id, "reject", m2.id)
    await changed(uow, withdrawn.id, "cancel", m2.id)
    assert pending.status is Status.PENDING

    async with uow(write=False) as tx:
        for user, expected in (
            (ada, [active.id]),
            (bob, [completed.id, cancelled.id]),
            (m1, [completed.id]),
            (m2, [active.id, cancelled.id]),
        ):
            plain = await tx.mentorings.list_accepted_for(user.id)
            joined = await tx.mentorings.list_accepted_with_people(user.id)
            assert [m.id for m in plain] == expected
            assert [row.mentoring.id for row in joined] == expected
            for row, mentoring in zip(joined, plain, strict=True):
                assert row.mentoring.version == mentoring.version
                assert row.mentoring.accepted_at == mentoring.accepted_at
                assert row.mentee == await tx.users.get(mentoring.mentee_id)
                assert row.mentor == await tx.users.get(mentoring.mentor_id)


# --- messages ----------------------------------------------------------------------------------


async def test_messages_read_back_exactly_and_their_ids_grow(uow: UnitOfWork) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, mentee)
    texts = ["Bonjour 👋", "x" * 4000, "multi\nline\ttext with 'quotes' and \\ slashes"]
    async with uow() as tx:
        posted = [
            await post(tx, mentoring, who, text, T0 + timedelta(microseconds=i))
            for i, (who, text) in enumerate(zip([mentee, mentor, mentee], texts, strict=True))
        ]
        await tx.commit()
    assert [m.id for m in posted] == sorted({m.id for m in posted})
    async with uow(write=False) as tx:
        page = await tx.messages.page(mentoring.id, PageRequest())
    assert list(page.messages) == posted
    assert page.messages[1].created_at == T0 + timedelta(microseconds=1)
    assert page.messages[1].created_at.tzinfo is UTC
    assert (page.older_cursor, page.newer_cursor) == (None, None)


async def test_an_empty_or_unknown_chat_pages_to_nothing(uow: UnitOfWork) -> None:
    async with uow(write=False) as tx:
        for request in (PageRequest(), PageRequest(before=5), PageRequest(after=0)):
            page = await tx.messages.page(MentoringId(77), request)
            assert page == paginate([], request)


async def two_interleaved_chats(uow: UnitOfWork, layout: str) -> tuple[Mentoring, list[Message]]:
    """A chat whose ids have gaps: layout "a" posts in it, "b" in another chat."""
    m1, m2, ada = await people(uow, "m1", "m2", "ada")
    chat = await requested(uow, m1, ada)
    other = await requested(uow, m2, ada)
    history = []
    async with uow() as tx:
        for i, where in enumerate(layout):
            at = T0 + timedelta(seconds=i)
            if where == "a":
                history.append(await post(tx, chat, ada if i % 2 else m1, f"a{i}", at))
            else:
                await post(tx, other, m2, f"b{i}", at)
        await tx.commit()
    return chat, history


async def test_every_page_agrees_with_the_reference_paging(uow: UnitOfWork) -> None:
    layout = "abaab" + "a" * 12 + "bbb" + "ab" * 8 + "a"
    chat, history = await two_interleaved_chats(uow, layout)
    top = history[-1].id + 3
    requests = [PageRequest(limit=n) for n in (1, 2, 29, 30, 200)]
    for limit in (1, 2, 3, 7, 29, 30, 31, 200):
        requests += [PageRequest(limit=limit, before=b) for b in range(1, top)]
        requests += [PageRequest(limit=limit, after=a) for a in range(0, top)]
    requests += [PageRequest(before=2**63 - 1), PageRequest(after=2**63 - 2)]
    async with uow(write=False) as tx:
        for request in requests:
            page = await tx.messages.page(chat.id, request)
            assert page == paginate(history, request), request


async def test_the_newest_page_of_a_long_chat_holds_its_newest_messages(
    uow: UnitOfWork,
) -> None:
    chat, history = await two_interleaved_chats(uow, "ab" * 40 + "a" * 80)
    async with uow(write=False) as tx:
        page = await tx.messages.page(chat.id, PageRequest())
        first = await tx.messages.page(chat.id, PageRequest(after=0, limit=200))
    assert list(page.messages) == history[-50:]
    assert page.older_cursor == history[-50].id
    assert list(first.messages) == history


async def test_a_chat_read_brings_the_page_exactly_to_those_the_domain_lets_see_it(
    uow: UnitOfWork,
) -> None:
    chat, history = await two_interleaved_chats(uow, "abaab" + "a" * 12 + "bbb" + "a" * 5)
    top = history[-1].id + 3
    requests = [PageRequest(), PageRequest(limit=3)]
    for limit in (1, 3, 30):
        requests += [PageRequest(limit=limit, before=b) for b in range(1, top, 3)]
        requests += [PageRequest(limit=limit, after=a) for a in range(0, top, 3)]
    async with uow(write=False) as tx:
        everyone = [*await tx.users.get_many([UserId(n) for n in range(1, 10)]), UserId(999)]
        stored = await tx.mentorings.get(chat.id)
        assert stored is not None
        for reader in everyone:
            for request in requests:
                read = await tx.messages.read_chat(chat.id, reader, request)
                assert read is not None
                assert dataclasses.asdict(read.mentoring) == dataclasses.asdict(stored)
                if read.mentoring.involves(reader):
                    assert read.page == paginate(history, request), (reader, request)
                else:
                    assert read.page is None, (reader, request)
        assert await tx.messages.read_chat(MentoringId(77), everyone[0], PageRequest()) is None


async def test_posts_compose_on_the_stored_counters_and_leave_what_they_were_decided_on(
    uow: UnitOfWork,
) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, mentee)
    loaded = await as_stored(uow, mentoring.id)
    # Two posts decided on the same read: the second counts on top of the first, not over it.
    first, second = dataclasses.replace(loaded), dataclasses.replace(loaded)
    later = T0 + timedelta(seconds=1)
    async with uow() as tx:
        hello = await tx.messages.add(NewMessage(mentoring.id, mentee.id, "hi", later), first)
        await tx.commit()
    # This one read the clock before the first committed: it is dated no earlier than it.
    async with uow() as tx:
        again = await tx.messages.add(NewMessage(mentoring.id, mentor.id, "hello", T0), second)
        await tx.commit()
    stored, chat = await stored_chat(uow, mentoring.id)
    assert (stored.message_count, stored.last_message_at) == (2, later)
    # Posts are not lifecycle changes: the version stays; and what a post was decided on is
    # left exactly as it was (no counters, no version written back into it).
    assert stored.version == mentoring.version
    assert dataclasses.asdict(first) == dataclasses.asdict(loaded)
    assert dataclasses.asdict(second) == dataclasses.asdict(loaded)
    assert (loaded.message_count, loaded.last_message_at) == (0, None)
    assert dataclasses.asdict(stored) == dataclasses.asdict(
        dataclasses.replace(loaded, message_count=2, last_message_at=later)
    )
    assert chat == [hello, again]
    assert hello.id < again.id
    assert hello.created_at == again.created_at == later


async def test_a_message_decided_on_a_mentoring_whose_status_moved_stores_nothing(
    uow: UnitOfWork,
) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, mentee)
    stale = await as_stored(uow, mentoring.id)
    async with uow() as tx:
        refusing = await tx.mentorings.get(mentoring.id, for_update=True)
        assert refusing is not None
        refusing.respond(by=mentor.id, accept=False, at=T0)
        await tx.mentorings.save(refusing)
        await tx.commit()
    with pytest.raises(ConcurrentUpdate):
        async with uow() as tx:
            await tx.messages.add(NewMessage(mentoring.id, mentee.id, "late", T0), stale)
    stored, chat = await stored_chat(uow, mentoring.id)
    assert (stored.status, stored.message_count, stored.last_message_at, stored.version) == (
        Status.REJECTED,
        0,
        None,
        refusing.version,
    )
    assert chat == []


async def test_a_refused_message_leaves_the_transaction_usable(uow: UnitOfWork) -> None:
    # As with a taken username: the refusal stores nothing, and the rest of the work commits.
    mentor, mentee = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, mentee)
    stale = dataclasses.replace(mentoring, status=Status.ACTIVE)
    async with uow() as tx:
        with pytest.raises(ConcurrentUpdate):
            await tx.messages.add(NewMessage(mentoring.id, mentee.id, "no", T0), stale)
        kept = await post(tx, mentoring, mentee, "yes", T0)
        await tx.commit()
    stored, chat = await stored_chat(uow, mentoring.id)
    assert stored.message_count == 1
    assert chat == [kept]


async def test_a_message_decided_on_a_mentoring_of_other_participants_stores_nothing(
    uow: UnitOfWork,
) -> None:
    # A snapshot of what was stored under this id before (see PostgresChatPosts) is not this one.
    mentor, mentee, other = await people(uow, "mentor", "ada", "bob")
    mentoring = await requested(uow, mentor, mentee)
    for snapshot in (
        dataclasses.replace(mentoring, mentee_id=other.id),
        dataclasses.replace(mentoring, mentor_id=other.id),
    ):
        with pytest.raises(ConcurrentUpdate):
            async with uow() as tx:
                await tx.messages.add(NewMessage(mentoring.id, other.id, "me?", T0), snapshot)
    stored, chat = await stored_chat(uow, mentoring.id)
    assert (stored.message_count, stored.version) == (0, mentoring.version)
    assert chat == []


async def test_a_message_for_a_mentoring_that_does_not_exist_stores_nothing(
    uow: UnitOfWork,
) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    mentoring = await requested(uow, mentor, mentee)
    ghost = dataclasses.replace(mentoring, id=MentoringId(mentoring.id + 100))
    with pytest.raises(ConcurrentUpdate):
        async with uow() as tx:
            await tx.messages.add(NewMessage(ghost.id, mentee.id, "anyone?", T0), ghost)
    async with uow(write=False) as tx:
        assert (await tx.messages.page(ghost.id, PageRequest())).messages == []


# --- the unit of work --------------------------------------------------------------------------


async def test_changes_are_dropped_when_the_block_raises(uow: UnitOfWork) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")

    class Boom(MentoratError):
        pass

    async def write_then_fail() -> None:
        async with uow() as tx:
            await tx.users.add(a_new_user("ghost"))
            mentoring = await tx.mentorings.add(a_request(mentor, mentee))
            await post(tx, mentoring, mentee, "lost", T0)
            raise Boom("no")

    with pytest.raises(Boom):
        await write_then_fail()
    async with uow(write=False) as tx:
        assert await tx.users.get_by_username("ghost") is None
        assert not await tx.mentorings.has_open_between(mentor.id, mentee.id)
        assert await tx.mentorings.list_for(mentee.id) == []


async def test_changes_are_dropped_without_commit(uow: UnitOfWork) -> None:
    [ada] = await people(uow, "ada")
    async with uow() as tx:
        await tx.users.add(a_new_user("ghost"))
        user = await tx.users.get(ada.id)
        assert user is not None
        user.deactivate()
        await tx.users.save(user)
    async with uow(write=False) as tx:
        assert await tx.users.get_by_username("ghost") is None
        assert await tx.users.get(ada.id) == ada


async def test_only_what_follows_the_last_commit_is_dropped(uow: UnitOfWork) -> None:
    async with uow() as tx:
        kept = await tx.users.add(a_new_user("kept"))
        await tx.commit()
        await tx.users.add(a_new_user("dropped"))
    async with uow(write=False) as tx:
        assert await tx.users.get_by_username("kept") == kept
        assert await tx.users.get_by_username("dropped") is None


async def test_a_transaction_sees_its_own_writes(uow: UnitOfWork) -> None:
    mentor, mentee = await people(uow, "mentor", "ada")
    async with uow() as tx:
        mentoring = await tx.mentorings.add(a_request(mentor, mentee))
        assert await tx.mentorings.has_open_between(mentor.id, mentee.id)
        message = await post(tx, mentoring, mentor, "hi", T0)
        page = await tx.messages.page(mentoring.id, PageRequest())
        assert list(page.messages) == [message]


async def test_the_store_answers_a_ping(uow: UnitOfWork) -> None:
    await uow.ping()
