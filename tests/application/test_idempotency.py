"""Idempotency keys: a retried write answers as the first did, and is written once."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest

from mentorat.adapters.memory.records import InMemoryIdempotencyKeys
from mentorat.adapters.memory.services import InMemoryEventLog, ManualClock
from mentorat.adapters.memory.store import InMemoryStore
from mentorat.adapters.memory.uow import InMemoryUnitOfWork
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.errors import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    StorageUnavailable,
)
from mentorat.application.idempotency import (
    DEFAULT_LEASE,
    RELEASE_RETRY_FIRST,
    RELEASE_RETRY_LONGEST,
    WriteOnce,
)
from mentorat.application.ports import Transaction
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.request_mentoring import RequestMentoringCommand, as_first_answered
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.application.views import MentoringView, MessageView
from mentorat.domain.errors import (
    InvalidInput,
    MentoratError,
    MentoringClosed,
    OpenMentoringExists,
)
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Ending, Mentoring, Status
from mentorat.domain.users import UserId

from .support import END, START, T0, People, Wire, accepted, snapshot

KEY = "3f0c9a52-retry-me"
# The lease these tests wire, other than the default: a claim is taken over after this one.
LEASE = timedelta(seconds=30)


def fingerprint(body: str, path: str = "/api/mentoring/chat/1/messages/") -> str:
    """As the HTTP adapter computes it: sha256 of method, path and raw body."""
    return hashlib.sha256(f"POST {path} {body}".encode()).hexdigest()


class GatedUnitOfWork:
    """The memory unit of work, except that one chosen transaction waits for a signal to open,
    and that the store may go away from a chosen transaction on.

    `hold` lets a test hold a use case between its claim and its write, as a slow request is.
    `down_from` takes the store away when that transaction opens: it and every later one fail
    with StorageUnavailable until the test sets `down` back to False (the store answers again).
    """

    def __init__(self, inner: InMemoryUnitOfWork) -> None:
        self.inner = inner
        self.opened = 0
        self.hold: int | None = None
        self.waiting = asyncio.Event()
        self.go = asyncio.Event()
        self.down_from: int | None = None
        self.down = False

    async def ping(self) -> None:
        if self.down:
            raise StorageUnavailable()
        await self.inner.ping()

    @asynccontextmanager
    async def __call__(self, *, write: bool = True) -> AsyncIterator[Transaction]:
        self.opened += 1
        if self.opened == self.hold:
            self.waiting.set()
            await self.go.wait()
        if self.opened == self.down_from:
            self.down = True
        if self.down:
            raise StorageUnavailable()
        async with self.inner(write=write) as tx:
            yield tx


@pytest.fixture
def gated(store: InMemoryStore) -> GatedUnitOfWork:
    return GatedUnitOfWork(InMemoryUnitOfWork(store))


@pytest.fixture
def app(gated: GatedUnitOfWork, wire: Wire) -> Mentorat:
    return wire(gated, idempotency_lease=LEASE)


@pytest.fixture
async def chat(app: Mentorat, people: People, events: InMemoryEventLog) -> MentoringView:
    mentoring = await accepted(app, people.mentee, people.mentor)
    events.events.clear()
    return mentoring


def say(
    chat: MentoringView,
    sender: UserId,
    text: str = "Hello!",
    *,
    key: str | None = KEY,
    body: str | None = None,
) -> PostMessageCommand:
    return PostMessageCommand(
        chat.id, sender, text, idempotency_key=key, fingerprint=fingerprint(body or text)
    )


def ask_for(people: People, *, key: str | None = KEY, body: str = "{}") -> RequestMentoringCommand:
    return RequestMentoringCommand(
        people.mentee.id,
        people.mentor.id,
        START,
        END,
        idempotency_key=key,
        fingerprint=fingerprint(body, "/api/mentorship/demande/"),
    )


def stored_messages(store: InMemoryStore, chat: MentoringView) -> list[str]:
    return [m.text for m in store.messages.get(chat.id, [])]


# --- replay ----------------------------------------------------------------------------------


async def test_a_retried_message_answers_with_the_first_and_is_stored_once(
    app: Mentorat,
    people: People,
    chat: MentoringView,
    store: InMemoryStore,
    clock: ManualClock,
    events: InMemoryEventLog,
) -> None:
    first = await app.post_message(say(chat, people.mentee.id))
    published = list(events.events)
    clock.advance(minutes=5)
    again = await app.post_message(say(chat, people.mentee.id))
    assert again == first
    assert stored_messages(store, chat) == ["Hello!"]
    assert events.events == published  # a replay announces nothing new


async def test_a_retried_request_answers_with_the_first_response_even_after_it_changed(
    app: Mentorat, people: People, store: InMemoryStore, clock: ManualClock
) -> None:
    first = await app.request_mentoring(ask_for(people))
    clock.advance(hours=1)
    await app.respond_to_request(RespondCommand(first.id, people.mentor.id, accept=True))
    again = await app.request_mentoring(ask_for(people))
    # The first response, not today's state: pending, never updated.
    assert again == first
    assert (again.status, again.updated_at) == (Status.PENDING, again.created_at)
    assert len(store.mentorings) == 1


async def test_without_a_key_every_post_is_a_new_message(
    app: Mentorat, people: People, chat: MentoringView, store: InMemoryStore
) -> None:
    await app.post_message(say(chat, people.mentee.id, key=None))
    await app.post_message(say(chat, people.mentee.id, key=None))
    assert stored_messages(store, chat) == ["Hello!", "Hello!"]
    assert store.idempotency == {}


async def test_keys_belong_to_their_caller(
    app: Mentorat, people: People, chat: MentoringView, store: InMemoryStore
) -> None:
    mine = await app.post_message(say(chat, people.mentee.id))
    theirs = await app.post_message(say(chat, people.mentor.id))
    assert mine.id != theirs.id
    assert stored_messages(store, chat) == ["Hello!", "Hello!"]


async def test_a_key_used_for_a_message_cannot_then_request_a_mentoring(
    app: Mentorat, people: People, chat: MentoringView
) -> None:
    await app.post_message(say(chat, people.mentee.id, body="message"))
    # Same caller, same key, another request: refused, whatever the endpoint.
    with pytest.raises(IdempotencyKeyReused):
        await app.request_mentoring(
            RequestMentoringCommand(
                people.mentee.id,
                people.other_mentor.id,
                START,
                END,
                idempotency_key=KEY,
                fingerprint=fingerprint("request", "/api/mentorship/demande/"),
            )
        )


# --- reuse with another request ---------------------------------------------------------------


async def test_the_same_key_with_another_body_is_refused_and_writes_nothing(
    app: Mentorat, people: People, chat: MentoringView, store: InMemoryStore
) -> None:
    await app.post_message(say(chat, people.mentee.id, "Hello!"))
    before = snapshot(store)
    with pytest.raises(IdempotencyKeyReused) as caught:
        await app.post_message(say(chat, people.mentee.id, "Something else"))
    # Its own family: neither invalid input (400) nor a conflict (409); HTTP answers 422.
    assert type(caught.value).__mro__[1] is MentoratError
    assert snapshot(store) == before


async def test_a_reused_request_key_with_other_dates_is_refused(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    await app.request_mentoring(ask_for(people, body='{"End_Date": "2025-12-31"}'))
    with pytest.raises(IdempotencyKeyReused):
        await app.request_mentoring(ask_for(people, body='{"End_Date": "2025-06-30"}'))
    assert len(store.mentorings) == 1


# --- a duplicate while the first still runs ---------------------------------------------------


async def test_a_duplicate_arriving_while_the_first_runs_is_in_flight_then_replays(
    app: Mentorat,
    people: People,
    chat: MentoringView,
    store: InMemoryStore,
    gated: GatedUnitOfWork,
) -> None:
    gated.hold = gated.opened + 2  # the first post's write, just after its claim committed
    first = asyncio.create_task(app.post_message(say(chat, people.mentee.id)))
    await gated.waiting.wait()
    with pytest.raises(IdempotencyKeyInFlight) as caught:
        await app.post_message(say(chat, people.mentee.id))
    assert "retry" in caught.value.message
    gated.go.set()
    view = await first
    assert await app.post_message(say(chat, people.mentee.id)) == view
    assert stored_messages(store, chat) == ["Hello!"]


async def test_a_duplicate_request_for_a_mentoring_while_the_first_runs_is_in_flight(
    app: Mentorat, people: People, store: InMemoryStore, gated: GatedUnitOfWork
) -> None:
    gated.hold = gated.opened + 2
    first = asyncio.create_task(app.request_mentoring(ask_for(people)))
    await gated.waiting.wait()
    with pytest.raises(IdempotencyKeyInFlight):
        await app.request_mentoring(ask_for(people))
    gated.go.set()
    view = await first
    assert await app.request_mentoring(ask_for(people)) == view
    assert len(store.mentorings) == 1


# --- failures give the key back ---------------------------------------------------------------


async def test_a_write_that_fails_releases_its_key_so_a_retry_runs_again(
    app: Mentorat, people: People, chat: MentoringView, store: InMemoryStore
) -> None:
    await app.end_mentoring(EndCommand(chat.id, people.mentee.id, Ending.CANCELLED))
    before = snapshot(store)
    for _ in range(2):
        # Not IdempotencyKeyInFlight the second time: the failed write left the key free.
        with pytest.raises(MentoringClosed):
            await app.post_message(say(chat, people.mentee.id))
    assert snapshot(store) == before
    assert store.idempotency == {}


async def test_a_refused_request_releases_its_key(
    app: Mentorat, people: People, store: InMemoryStore
) -> None:
    await app.request_mentoring(ask_for(people, key="first"))
    with pytest.raises(OpenMentoringExists):
        await app.request_mentoring(ask_for(people, key="second"))
    assert list(store.idempotency) == [(people.mentee.id, "first")]


async def until_given_back(write_once: WriteOnce, *, within: float = 5.0) -> None:
    """Wait until `write_once` no longer gives any key back in the background."""
    pause = 0.01
    for _ in range(int(within / pause)):
        if not write_once.releasing:
            return
        await asyncio.sleep(pause)
    raise AssertionError(f"{write_once.releasing} key(s) still being given back after {within} s")


async def fails_while_the_store_is_down(
    mentorat: Mentorat, gated: GatedUnitOfWork, write: Callable[[], Awaitable[object]]
) -> None:
    """Run `write` while the store goes away just after its claim committed: the write fails,
    and so does giving the key back, which is then tried again in the background."""
    gated.down_from = gated.opened + 2
    with pytest.raises(StorageUnavailable):
        await write()
    assert mentorat.write_once.releasing == 1


def entities(store: InMemoryStore) -> int:
    """How many mentorings and messages the store holds."""
    return len(store.mentorings) + sum(len(chat) for chat in store.messages.values())


def still_claimed(store: InMemoryStore) -> bool:
    [record] = store.idempotency.values()
    return record.resource_id is None


async def test_when_the_release_cannot_reach_the_store_the_first_error_is_reported(
    app: Mentorat,
    people: People,
    chat: MentoringView,
    store: InMemoryStore,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await app.end_mentoring(EndCommand(chat.id, people.mentee.id, Ending.CANCELLED))

    async def store_gone(self: InMemoryIdempotencyKeys, *args: object, **kw: object) -> None:
        raise StorageUnavailable()

    monkeypatch.setattr(InMemoryIdempotencyKeys, "release", store_gone)
    with pytest.raises(MentoringClosed):
        await app.post_message(say(chat, people.mentee.id))
    assert app.write_once.releasing == 1
    # While the key cannot be given back, it stays claimed: a retry is told to wait.
    with pytest.raises(IdempotencyKeyInFlight):
        await app.post_message(say(chat, people.mentee.id))
    assert still_claimed(store)
    monkeypatch.undo()
    # Given back as soon as the store answers, long before the lease (the clock stands still).
    await until_given_back(app.write_once)
    assert store.idempotency == {}
    with pytest.raises(MentoringClosed):
        await app.post_message(say(chat, people.mentee.id))
    assert store.idempotency == {}
    assert clock.now() == T0


@pytest.mark.parametrize("use_case", ["post_message", "request_mentoring"])
async def test_a_key_is_given_back_once_the_store_answers_again_and_a_retry_then_succeeds(
    app: Mentorat,
    people: People,
    chat: MentoringView,
    store: InMemoryStore,
    gated: GatedUnitOfWork,
    clock: ManualClock,
    use_case: str,
) -> None:
    def write() -> Awaitable[MessageView | MentoringView]:
        if use_case == "post_message":
            return app.post_message(say(chat, people.mentee.id))
        other = dataclasses.replace(ask_for(people), mentor_id=people.other_mentor.id)
        return app.request_mentoring(other)

    before, stored_before = snapshot(store), entities(store)
    await fails_while_the_store_is_down(app, gated, write)
    assert still_claimed(store)
    failed_at = gated.opened
    await asyncio.sleep(RELEASE_RETRY_FIRST * 4)
    assert gated.opened > failed_at, "tried again while the store was down"
    assert app.write_once.releasing == 1
    assert still_claimed(store)
    gated.down = False
    await until_given_back(app.write_once)
    assert store.idempotency == {}
    assert snapshot(store) == before
    # The same key runs again (no 409, no waiting for the lease), writes once, then replays.
    view = await write()
    assert await write() == view
    assert entities(store) == stored_before + 1
    assert clock.now() == T0


async def test_a_key_is_no_longer_given_back_in_the_background_once_the_lease_has_passed(
    people: People,
    chat: MentoringView,
    store: InMemoryStore,
    gated: GatedUnitOfWork,
    clock: ManualClock,
    wire: Wire,
) -> None:
    lease = timedelta(seconds=0.5)
    short = wire(gated, idempotency_lease=lease)
    loop = asyncio.get_running_loop()
    failed_at = loop.time()
    await fails_while_the_store_is_down(
        short, gated, lambda: short.post_message(say(chat, people.mentee.id))
    )
    first_tries = gated.opened
    await until_given_back(short.write_once, within=lease.total_seconds() + 5)
    assert loop.time() - failed_at >= lease.total_seconds(), "gave up before the lease passed"
    assert gated.opened > first_tries, "tried again while the lease lasted"
    gave_up_at = gated.opened
    await asyncio.sleep(RELEASE_RETRY_LONGEST + 0.2)
    assert gated.opened == gave_up_at, "still trying after the lease passed"
    # Never given back: once the store answers, the lease frees the key, as for a dead process.
    gated.down = False
    assert still_claimed(store)
    with pytest.raises(IdempotencyKeyInFlight):
        await short.post_message(say(chat, people.mentee.id))
    clock.advance(seconds=lease.total_seconds())
    view = await short.post_message(say(chat, people.mentee.id))
    assert store.messages[chat.id][0].id == view.id
    assert stored_messages(store, chat) == ["Hello!"]


async def test_closing_stops_giving_keys_back_and_leaves_them_to_the_lease(
    app: Mentorat,
    people: People,
    chat: MentoringView,
    store: InMemoryStore,
    gated: GatedUnitOfWork,
) -> None:
    await fails_while_the_store_is_down(
        app, gated, lambda: app.post_message(say(chat, people.mentee.id))
    )
    await app.write_once.aclose()
    assert app.write_once.releasing == 0
    gated.down = False
    closed_at = gated.opened
    await asyncio.sleep(RELEASE_RETRY_FIRST * 3)
    assert gated.opened == closed_at
    assert still_claimed(store)


async def test_a_failure_after_the_write_committed_keeps_the_key_done(
    app: Mentorat,
    people: People,
    chat: MentoringView,
    store: InMemoryStore,
    events: InMemoryEventLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def listener_fails(self: InMemoryEventLog, published: object) -> None:
        raise RuntimeError("a listener failed")

    monkeypatch.setattr(InMemoryEventLog, "publish", listener_fails)
    with pytest.raises(RuntimeError):
        await app.post_message(say(chat, people.mentee.id))
    monkeypatch.undo()
    # The message was committed with its key: the retry replays it instead of posting again.
    view = await app.post_message(say(chat, people.mentee.id))
    assert stored_messages(store, chat) == ["Hello!"]
    assert store.messages[chat.id][0].id == view.id


# --- leases and retention ---------------------------------------------------------------------


async def abandoned_claim(app: Mentorat, caller: UserId, body: str, clock: ManualClock) -> None:
    """A claim whose request died before writing: claimed and committed, never completed."""
    async with app.uow() as tx:
        claimed = await tx.idempotency.claim(caller, KEY, fingerprint(body), clock.now(), LEASE)
        assert claimed is None
        await tx.commit()


@pytest.mark.parametrize("wired_lease", [LEASE, None], ids=["wired lease", "default lease"])
async def test_a_claim_abandoned_by_a_dead_request_is_taken_over_after_its_lease(
    people: People,
    chat: MentoringView,
    store: InMemoryStore,
    gated: GatedUnitOfWork,
    clock: ManualClock,
    wire: Wire,
    wired_lease: timedelta | None,
) -> None:
    # The lease is what `Mentorat.wire` was given, DEFAULT_LEASE when it was given none.
    if wired_lease is None:
        app, lease = wire(gated), DEFAULT_LEASE
    else:
        app, lease = wire(gated, idempotency_lease=wired_lease), wired_lease
    assert LEASE != DEFAULT_LEASE
    await abandoned_claim(app, people.mentee.id, "Hello!", clock)
    clock.advance(seconds=lease.total_seconds() - 1)
    with pytest.raises(IdempotencyKeyInFlight):
        await app.post_message(say(chat, people.mentee.id))
    clock.advance(seconds=1)
    view = await app.post_message(say(chat, people.mentee.id))
    assert await app.post_message(say(chat, people.mentee.id)) == view
    assert stored_messages(store, chat) == ["Hello!"]


async def test_an_abandoned_claim_still_binds_its_key_to_its_body(
    app: Mentorat, people: People, chat: MentoringView, clock: ManualClock
) -> None:
    await abandoned_claim(app, people.mentee.id, "Hello!", clock)
    clock.advance(minutes=10)
    with pytest.raises(IdempotencyKeyReused):
        await app.post_message(say(chat, people.mentee.id, "Something else"))


async def test_a_key_is_remembered_for_24_hours_then_forgotten(
    app: Mentorat,
    people: People,
    chat: MentoringView,
    store: InMemoryStore,
    clock: ManualClock,
) -> None:
    first = await app.post_message(say(chat, people.mentee.id))
    clock.advance(hours=24, microseconds=-1)
    assert await app.post_message(say(chat, people.mentee.id)) == first
    with pytest.raises(IdempotencyKeyReused):
        await app.post_message(say(chat, people.mentee.id, "Something else"))
    clock.advance(microseconds=1)
    later = await app.post_message(say(chat, people.mentee.id, "Something else"))
    assert later.id != first.id
    assert stored_messages(store, chat) == ["Hello!", "Something else"]


async def test_expired_records_are_pruned_as_new_keys_are_claimed(
    app: Mentorat,
    people: People,
    chat: MentoringView,
    store: InMemoryStore,
    clock: ManualClock,
) -> None:
    for n in range(3):
        await app.post_message(say(chat, people.mentee.id, f"m{n}", key=f"old-{n}"))
    clock.advance(hours=25)
    await app.post_message(say(chat, people.mentee.id, key="new"))
    assert list(store.idempotency) == [(people.mentee.id, "new")]


# --- what a key may be --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["", "k" * 256, "clé", "tab\there", "new\nline", "nul\x00"], ids=repr
)
async def test_a_key_must_be_1_to_255_printable_ascii_characters(
    app: Mentorat, people: People, chat: MentoringView, store: InMemoryStore, key: str
) -> None:
    before = snapshot(store)
    with pytest.raises(InvalidInput) as caught:
        await app.post_message(say(chat, people.mentee.id, key=key))
    assert caught.value.field == "Idempotency-Key"
    with pytest.raises(InvalidInput):
        await app.request_mentoring(ask_for(people, key=key))
    assert snapshot(store) == before
    assert store.idempotency == {}


@pytest.mark.parametrize("key", ["k", "k" * 255, "a b ~!@#$%^&*()_+{}|:<>?"])
async def test_keys_at_the_limits_are_accepted(
    app: Mentorat, people: People, chat: MentoringView, key: str
) -> None:
    first = await app.post_message(say(chat, people.mentee.id, key=key))
    assert await app.post_message(say(chat, people.mentee.id, key=key)) == first


async def test_a_library_caller_may_use_the_raw_request_as_its_fingerprint(
    app: Mentorat, people: People, chat: MentoringView, store: InMemoryStore
) -> None:
    text = "é" * 3000
    command = PostMessageCommand(
        chat.id, people.mentee.id, text, idempotency_key=KEY, fingerprint=text
    )
    first = await app.post_message(command)
    assert await app.post_message(command) == first
    [record] = store.idempotency.values()
    assert len(record.fingerprint) == 64


def test_a_request_view_rebuilt_for_a_replay_is_the_one_first_answered() -> None:
    mentoring = Mentoring(
        id=MentoringId(7),
        mentor_id=UserId(2),
        mentee_id=UserId(1),
        status=Status.COMPLETED,
        start_date=START,
        end_date=END,
        created_at=T0,
        updated_at=T0 + timedelta(hours=6),
        accepted_at=T0 + timedelta(hours=1),
    )
    view = as_first_answered(mentoring)
    assert view == MentoringView(
        MentoringId(7), UserId(2), UserId(1), Status.PENDING, START, END, T0, T0
    )
