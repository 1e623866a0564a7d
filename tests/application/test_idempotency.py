"""Idempotency keys: a retried write answers as the first did, and is written once."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest

from mentorat import bootstrap
from mentorat.adapters.auth.jwt_tokens import JwtTokens
from mentorat.adapters.memory.repositories import (
    InMemoryIdempotencyKeys,
    InMemoryStore,
    InMemoryUnitOfWork,
)
from mentorat.adapters.memory.services import InMemoryEventLog, InMemoryLoginThrottle, ManualClock
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.errors import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    StorageUnavailable,
)
from mentorat.application.idempotency import LEASE
from mentorat.application.ports import Transaction
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.request_mentoring import RequestMentoringCommand, as_first_answered
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.application.views import MentoringView
from mentorat.domain.errors import (
    InvalidInput,
    MentoratError,
    MentoringClosed,
    OpenMentoringExists,
)
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Mentoring, Status
from mentorat.domain.users import UserId

from .support import END, SECRET, START, T0, People, accepted, snapshot

KEY = "3f0c9a52-retry-me"


def fingerprint(body: str, path: str = "/api/mentoring/chat/1/messages/") -> str:
    """As the HTTP adapter computes it: sha256 of method, path and raw body."""
    return hashlib.sha256(f"POST {path} {body}".encode()).hexdigest()


class GatedUnitOfWork:
    """The memory unit of work, except that one chosen transaction waits for a signal to open.

    It lets a test hold a use case between its claim and its write, as a slow request is.
    """

    def __init__(self, inner: InMemoryUnitOfWork) -> None:
        self.inner = inner
        self.opened = 0
        self.hold: int | None = None
        self.waiting = asyncio.Event()
        self.go = asyncio.Event()

    async def ping(self) -> None:
        await self.inner.ping()

    @asynccontextmanager
    async def __call__(
        self, *, write: bool = True, single_write: bool = False
    ) -> AsyncIterator[Transaction]:
        self.opened += 1
        if self.opened == self.hold:
            self.waiting.set()
            await self.go.wait()
        async with self.inner(write=write, single_write=single_write) as tx:
            yield tx


@pytest.fixture
def gated(store: InMemoryStore) -> GatedUnitOfWork:
    return GatedUnitOfWork(InMemoryUnitOfWork(store))


@pytest.fixture
def app(
    gated: GatedUnitOfWork,
    clock: ManualClock,
    events: InMemoryEventLog,
    throttle: InMemoryLoginThrottle,
) -> Mentorat:
    return Mentorat.wire(
        uow=gated,
        clock=clock,
        hasher=bootstrap.fast_test_hasher(),
        tokens=JwtTokens(SECRET),
        throttle=throttle,
        events=events,
    )


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
    await app.cancel_mentoring(EndCommand(chat.id, people.mentee.id))
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


async def test_when_the_release_cannot_reach_the_store_the_first_error_is_reported(
    app: Mentorat,
    people: People,
    chat: MentoringView,
    store: InMemoryStore,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await app.cancel_mentoring(EndCommand(chat.id, people.mentee.id))

    async def store_gone(self: InMemoryIdempotencyKeys, *args: object, **kw: object) -> None:
        raise StorageUnavailable()

    monkeypatch.setattr(InMemoryIdempotencyKeys, "release", store_gone)
    with pytest.raises(MentoringClosed):
        await app.post_message(say(chat, people.mentee.id))
    # The claim stays running until its lease runs out.
    with pytest.raises(IdempotencyKeyInFlight):
        await app.post_message(say(chat, people.mentee.id))
    monkeypatch.undo()
    clock.advance(seconds=LEASE.total_seconds())
    with pytest.raises(MentoringClosed):
        await app.post_message(say(chat, people.mentee.id))
    assert store.idempotency == {}


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
        assert await tx.idempotency.claim(caller, KEY, fingerprint(body), clock.now()) is None
        await tx.commit()


async def test_a_claim_abandoned_by_a_dead_request_is_taken_over_after_its_lease(
    app: Mentorat,
    people: People,
    chat: MentoringView,
    store: InMemoryStore,
    clock: ManualClock,
) -> None:
    await abandoned_claim(app, people.mentee.id, "Hello!", clock)
    clock.advance(seconds=LEASE.total_seconds() - 1)
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
