"""The stores of the dispatchers (`Webhooks`, `MailQueue`) on SQLite and PostgreSQL: the
lease lets one holder at a time move a reader, and a holder that lost it changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentorat.application.ports import (
    FailedDelivery,
    MailQueue,
    NewEvent,
    Progress,
    StoredEvent,
    UnreadMessage,
    Webhooks,
)
from mentorat.bootstrap import System
from mentorat.domain.events import MentoringId
from mentorat.domain.users import UserId
from tests.delivery.support import store

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def queue(system: System) -> MailQueue:
    assert system.mail_queue is not None
    return system.mail_queue


async def record_events(system: System, count: int) -> None:
    async with system.mentorat.uow() as tx:
        await tx.outbox.add(
            [
                NewEvent("message_posted", MentoringId(1), (UserId(1), UserId(2)), T0, "{}")
                for _ in range(count)
            ]
        )
        await tx.commit()


async def two_endpoints(webhooks: Webhooks) -> list[int]:
    return [(await webhooks.add(f"https://e{n}.example.org", (), "s", T0)).id for n in (1, 2)]


async def test_a_new_endpoint_starts_after_the_newest_event(system: System) -> None:
    await record_events(system, 3)
    endpoint = await store(system).add("https://example.org", ("message_posted",), "s", T0)
    [(listed, progress)] = await store(system).all()
    assert listed == endpoint
    assert progress == Progress(3)


async def test_one_holder_at_a_time_takes_an_endpoint_until_its_lease_runs_out(
    system: System,
) -> None:
    webhooks = store(system)
    ids = await two_endpoints(webhooks)
    assert [e.id for e, _ in await webhooks.take("a", T0, T0 + LEASE)] == ids
    assert await webhooks.take("b", T0 + timedelta(seconds=1), T0 + LEASE) == []
    # Its own holder takes it again (and renews the lease).
    assert len(await webhooks.take("a", T0 + timedelta(seconds=2), T0 + 2 * LEASE)) == 2
    assert await webhooks.take("b", T0 + LEASE, T0 + 3 * LEASE) == []
    later = T0 + 2 * LEASE
    assert [e.id for e, _ in await webhooks.take("b", later, later + LEASE)] == ids
    # "a" lost them: its writes change nothing.
    assert not await webhooks.advance(ids[0], "a", 99, later + LEASE)
    assert not await webhooks.record(ids[0], "a", Progress(99, 1), later + LEASE)
    assert [p.cursor for _, p in await webhooks.all()] == [0, 0]
    await webhooks.release("b")
    assert len(await webhooks.take("a", later, later + LEASE)) == 2


async def test_an_endpoint_waiting_for_its_retry_is_not_taken_before_it_is_due(
    system: System,
) -> None:
    webhooks = store(system)
    endpoint_id, _ = await two_endpoints(webhooks)
    await webhooks.take("a", T0, T0 + LEASE)
    retry = Progress(0, 1, T0, T0 + timedelta(minutes=5), "answered 500")
    assert await webhooks.record(endpoint_id, "a", retry, T0 + LEASE)
    assert endpoint_id not in {e.id for e, _ in await webhooks.take("a", T0, T0 + LEASE)}
    due = T0 + timedelta(minutes=5)
    taken = dict((e.id, p) for e, p in await webhooks.take("b", due, due + LEASE))
    assert taken[endpoint_id] == retry
    assert await webhooks.advance(endpoint_id, "b", 4, due + LEASE)
    assert dict((e.id, p) for e, p in await webhooks.all())[endpoint_id] == Progress(4)


async def test_giving_up_keeps_the_event_and_moves_on_in_one_change(system: System) -> None:
    webhooks = store(system)
    endpoint_id, other_id = await two_endpoints(webhooks)
    await webhooks.take("a", T0, T0 + LEASE)
    event = StoredEvent(5, "message_posted", MentoringId(1), (UserId(1), UserId(2)), T0, "{}")
    failed = FailedDelivery(0, endpoint_id, event, 9, "answered 500", T0)
    moved = Progress(5, 0, T0 - timedelta(days=1), None, "answered 500")
    assert not await webhooks.give_up(endpoint_id, "b", failed, moved, T0 + LEASE)
    assert await webhooks.failed(10) == []
    assert await webhooks.give_up(endpoint_id, "a", failed, moved, T0 + LEASE)
    [kept] = await webhooks.failed(10)
    assert (kept.endpoint_id, kept.event, kept.attempts) == (endpoint_id, event, 9)
    assert dict((e.id, p) for e, p in await webhooks.all())[endpoint_id] == moved
    found = await webhooks.failed_one(kept.id)
    assert found is not None
    assert found[1].id == endpoint_id
    assert await webhooks.remove(endpoint_id)
    assert await webhooks.failed(10) == []
    assert not await webhooks.remove(endpoint_id)
    assert [e.id for e, _ in await webhooks.all()] == [other_id]


async def test_the_mailer_starts_after_the_newest_event_and_is_held_by_one(
    system: System,
) -> None:
    await record_events(system, 2)
    mail = queue(system)
    assert await mail.take("a", T0, T0 + LEASE) == Progress(2)
    assert await mail.take("b", T0, T0 + LEASE) is None
    await record_events(system, 1)
    assert await mail.take("a", T0, T0 + LEASE) == Progress(2)  # made once only
    assert not await mail.advance("b", 3, T0 + LEASE)
    assert await mail.advance("a", 3, T0 + LEASE)
    later = T0 + 2 * LEASE
    assert await mail.take("b", later, later + LEASE) == Progress(3)


async def test_digests_count_unread_messages_per_reader_and_chat_due_a_window_after_the_first(
    system: System,
) -> None:
    mail = queue(system)
    await mail.take("a", T0, T0 + LEASE)
    window = timedelta(minutes=15)
    one, two = UserId(1), UserId(2)
    unread = [
        UnreadMessage(one, MentoringId(7), two, T0),
        UnreadMessage(one, MentoringId(7), two, T0 + timedelta(minutes=1)),
        UnreadMessage(two, MentoringId(8), one, T0 + timedelta(minutes=2)),
    ]
    assert await mail.advance("a", 5, T0 + LEASE, unread, window)
    assert await mail.due(T0 + timedelta(minutes=14), 10) == []
    [first] = await mail.due(T0 + window, 10)
    assert (first.user_id, first.mentoring_id, first.count, first.sender_id) == (
        one,
        MentoringId(7),
        2,
        two,
    )
    assert first.due_at == T0 + window
    both = await mail.due(T0 + timedelta(hours=1), 10)
    assert [d.mentoring_id for d in both] == [7, 8]
    assert not await mail.sent("b", first, T0 + LEASE)
    assert await mail.sent("a", first, T0 + LEASE)
    assert [d.mentoring_id for d in await mail.due(T0 + timedelta(hours=1), 10)] == [8]
