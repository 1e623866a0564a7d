"""The mentoring lifecycle as a state machine: random sequences of use cases against a model.

The machine speaks only to the application's use cases (the `Mentorat` container), never to a
store, so the same rules can run on any storage adapter. To run it on one, give
`lifecycle_test_case` a factory that opens a `Mentorat` on that storage, as
`tests/domain/test_lifecycle_machine.py` does in memory and
`tests/sql/test_lifecycle_on_sqlite.py` on SQLite:

    from tests.domain.lifecycle import lifecycle_test_case

    TestLifecycleOnSqlite = lifecycle_test_case(open_sqlite_system, max_examples=20)

The factory is called once per example, with the clock and the event publisher the machine
checks against, and is closed (as an async context manager) when the example ends.
"""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from mentorat.adapters.memory.services import InMemoryEventLog, ManualClock
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.application.list_requests import ListRequestsQuery
from mentorat.application.ports import EventPublisher
from mentorat.application.post_message import PostMessageCommand
from mentorat.application.register_user import RegisterCommand
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.application.service import Mentorat
from mentorat.application.views import MentoringView, MessageView, ProgressView
from mentorat.domain.chat import MESSAGE_MAX, PageRequest
from mentorat.domain.errors import (
    EmptyMessage,
    InvalidPeriod,
    InvalidToken,
    InvalidTransition,
    MentoratError,
    MentoringClosed,
    MentoringNotFound,
    MessageTooLong,
    NotAMentor,
    NotTheMentor,
    NotTheRequester,
    NotYourself,
    OpenMentoringExists,
    PendingNotCancellable,
    ReasonTooLong,
    RequestNotPending,
    SelfMentoring,
    UnstorableText,
)
from mentorat.domain.events import (
    MentoringAccepted,
    MentoringCancelled,
    MentoringCompleted,
    MentoringEvent,
    MentoringExpired,
    MentoringId,
    MentoringRejected,
    MentoringRequested,
    MentoringWithdrawn,
    MessageId,
    MessagePosted,
)
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL, REASON_MAX, Ending, Role, Status
from mentorat.domain.paging import ListPage
from mentorat.domain.users import UserId

T = TypeVar("T")
SystemFactory = Callable[[ManualClock, EventPublisher], AbstractAsyncContextManager[Mentorat]]


START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
# The systems under test keep the default request TTL.
TTL = DEFAULT_REQUEST_TTL
MENTORS = ("ada", "bob")
NOT_MENTORS = ("cyd", "dee")
PEOPLE = MENTORS + NOT_MENTORS
RETIRED = "eve"  # a mentor whose account was deactivated
NOBODY = "nobody"  # an id that no user has
EVERYONE = (*PEOPLE, RETIRED)

people = st.sampled_from(PEOPLE)
requesters = st.sampled_from(EVERYONE)
wanted_mentors = st.sampled_from((*EVERYONE, NOBODY))
texts = st.sampled_from(
    [
        "hello",
        "  padded  ",
        "",
        "   \n\t ",
        "x" * MESSAGE_MAX,
        " " + "y" * MESSAGE_MAX + "\n",
        "z" * (MESSAGE_MAX + 1),
    ]
) | st.text(max_size=6)


def unread(m: Expected, reader: str) -> int:
    """The messages of `m`'s chat after the reader's last own message: posting moves the
    poster's read mark to their message, and nothing else moves it in this machine."""
    senders = [sender for _, sender, *_ in m.messages]
    own = [n for n, sender in enumerate(senders, 1) if sender == reader]
    return len(senders) - (own[-1] if own else 0)


def _storable(text: str) -> bool:
    """No lone surrogate: the text encodes to UTF-8 (NUL is checked apart)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


reasons = st.sampled_from(
    [None, "", "  \n", "moving abroad", "  padded  ", "r" * REASON_MAX, "r" * (REASON_MAX + 1)]
)


@dataclass
class Expected:
    """What the model believes about one mentoring."""

    id: MentoringId
    mentor: str
    mentee: str
    status: Status
    start: date
    end: date
    created_at: datetime
    updated_at: datetime
    accepted: bool = False
    messages: list[tuple[MessageId, str, str, datetime]] = field(default_factory=list)
    closed_at: datetime | None = None
    end_reason: str | None = None
    # Whether the store records an expiry the model knows of (a sweep, or a new request).
    expiry_recorded: bool = False

    def involves(self, name: str) -> bool:
        return name in (self.mentor, self.mentee)


@dataclass(frozen=True)
class World:
    """Everything the users can see, read through the use cases."""

    requests: dict[str, list[MentoringView]]
    accepted: dict[str, list[MentoringView]]
    progress: dict[str, list[ProgressView]]
    chats: dict[MentoringId, list[MessageView]]


class LifecycleMachine(RuleBasedStateMachine):
    mentorings = Bundle("mentorings")

    def open_system(
        self, clock: ManualClock, events: EventPublisher
    ) -> AbstractAsyncContextManager[Mentorat]:
        """The system under test: `lifecycle_test_case` gives it."""
        raise NotImplementedError

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(START)
        self.log = InMemoryEventLog()
        self.published = 0
        self.model: dict[MentoringId, Expected] = {}
        self.ids: dict[str, UserId] = {}
        self.seen_terminal: dict[MentoringId, Status] = {}
        # Use cases are async, rules are not: one loop for the whole example runs every call.
        self._runner = asyncio.Runner()
        self._stack = AsyncExitStack()
        try:
            self.app = self.run(
                self._stack.enter_async_context(self.open_system(self.clock, self.log))
            )
        except BaseException:
            self._runner.close()
            raise

    def teardown(self) -> None:
        try:
            self.run(self._stack.aclose())
        finally:
            self._runner.close()

    def run(self, call: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(call)

    # --- helpers ---------------------------------------------------------------------------

    def view_of(self, m: Expected) -> MentoringView:
        return MentoringView(
            id=m.id,
            mentor_id=self.ids[m.mentor],
            mentee_id=self.ids[m.mentee],
            status=m.status,
            start_date=m.start,
            end_date=m.end,
            created_at=m.created_at,
            updated_at=m.updated_at,
            end_reason=m.end_reason,
        )

    def settle(self) -> None:
        """Expire, in the model, every request whose TTL has run out at the clock's time."""
        for m in self.model.values():
            if m.status is Status.PENDING and m.created_at <= self.clock.now() - TTL:
                m.status = Status.EXPIRED
                # Posts are refused from the moment it is due: none is dated after this.
                m.closed_at = m.created_at + TTL

    def expect_events(self, *events: MentoringEvent) -> None:
        assert self.log.events[self.published :] == list(events)
        self.published = len(self.log.events)

    def refused(self, error: type[MentoratError], call: Coroutine[Any, Any, object]) -> None:
        """`call` fails with exactly `error`, and nobody can see that anything changed."""
        before = self.run(self.observe())
        with pytest.raises(error) as caught:
            self.run(call)
        assert type(caught.value) is error, f"{caught.value!r} is not {error.__name__}"
        assert self.run(self.observe()) == before, "a refused action changed something"
        self.expect_events()

    def moved(
        self, view: MentoringView, m: Expected, status: Status, event: MentoringEvent
    ) -> None:
        now = self.clock.now()
        assert m.status.is_open, "the model never moves a terminal mentoring"
        m.status = status
        m.updated_at = max(m.updated_at, now)
        m.accepted = m.accepted or status is Status.ACTIVE
        if status.is_terminal:
            m.closed_at = now
        assert view == self.view_of(m)
        self.expect_events(event)

    async def read_chat(self, mentoring_id: MentoringId, caller: UserId) -> list[MessageView]:
        """The whole chat, walked from the start with `after` in pages of 200."""
        query = ListMessagesQuery(mentoring_id, caller, PageRequest(limit=200, after=MessageId(0)))
        page = await self.app.list_messages(query)
        messages = list(page.messages)
        while page.newer_cursor is not None:
            after = PageRequest(limit=200, after=page.newer_cursor)
            page = await self.app.list_messages(ListMessagesQuery(mentoring_id, caller, after))
            messages += page.messages
        return messages

    async def observe(self) -> World:
        requests, accepted, progress = {}, {}, {}
        for name in EVERYONE:
            user_id = self.ids[name]
            requests[name] = await self.app.list_requests(ListRequestsQuery(user_id))
            accepted[name] = await self.app.list_mentorings(user_id)
            progress[name] = await self.app.show_progress(user_id)
        chats: dict[MentoringId, list[MessageView]] = {}
        for views in requests.values():
            for view in views:
                if view.id not in chats:
                    chats[view.id] = await self.read_chat(view.id, view.mentee_id)
        return World(requests, accepted, progress, chats)

    def unknown_id(self) -> MentoringId:
        return MentoringId(max(self.model, default=0) + 1000)

    # --- the people ------------------------------------------------------------------------

    @initialize()
    def register_people(self) -> None:
        async def register() -> None:
            for name in EVERYONE:
                command = RegisterCommand(
                    username=name,
                    password="a long enough password",
                    email=f"{name}@example.com",
                    is_mentor=name in MENTORS or name == RETIRED,
                )
                self.ids[name] = (await self.app.register_user(command)).id
            await self.app.deactivate_user(RETIRED)

        self.run(register())
        self.ids[NOBODY] = UserId(max(self.ids.values()) + 1000)

    # --- actions ---------------------------------------------------------------------------

    @rule(hours=st.integers(1, 72))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(hours=hours)
        self.settle()

    @rule(days=st.sampled_from([1, 7, TTL.days - 1, TTL.days, TTL.days + 1]))
    def days_pass(self, days: int) -> None:
        self.clock.advance(days=days)
        self.settle()

    @rule()
    def sweep(self) -> None:
        due = sorted(
            i for i, m in self.model.items() if m.status is Status.EXPIRED and not m.expiry_recorded
        )
        before = self.run(self.observe())
        assert self.run(self.app.expire_requests()) == due
        assert self.run(self.observe()) == before, "a sweep changes nothing anyone sees"
        for i in due:
            self.model[i].expiry_recorded = True
        self.expect_events(*(MentoringExpired(i, self.clock.now()) for i in due))

    @rule(
        target=mentorings,
        mentee=requesters,
        mentor=wanted_mentors,
        starts_in=st.integers(-3, 3),
        days=st.integers(-1, 3),
        claim=st.sampled_from(["no mentee_id", "own id", "someone else's id"]),
    )
    def request(
        self, mentee: str, mentor: str, starts_in: int, days: int, claim: str
    ) -> MentoringId | object:
        start = self.clock.now().date() + timedelta(days=starts_in)
        end = start + timedelta(days=days)
        someone_else = PEOPLE[(EVERYONE.index(mentee) + 1) % len(PEOPLE)]
        claimed = {
            "no mentee_id": None,
            "own id": self.ids[mentee],
            "someone else's id": self.ids[someone_else],
        }[claim]
        command = RequestMentoringCommand(
            caller_id=self.ids[mentee],
            mentor_id=self.ids[mentor],
            start_date=start,
            end_date=end,
            mentee_id=claimed,
        )
        error: type[MentoratError] | None = None
        if claim == "someone else's id":
            error = NotYourself
        elif mentee == RETIRED:
            error = InvalidToken
        elif days < 0:
            error = InvalidPeriod
        elif mentor == mentee:
            error = SelfMentoring
        elif mentor not in MENTORS:
            error = NotAMentor
        elif any(
            m.mentor == mentor and m.mentee == mentee and m.status.is_open
            for m in self.model.values()
        ):
            error = OpenMentoringExists
        if error is not None:
            self.refused(error, self.app.request_mentoring(command))
            return multiple()

        view = self.run(self.app.request_mentoring(command))
        now = self.clock.now()
        assert view.id not in self.model, "ids are never reused"
        expected = Expected(view.id, mentor, mentee, Status.PENDING, start, end, now, now)
        assert view == self.view_of(expected)
        freed = [
            m
            for m in self.model.values()
            if (m.mentor, m.mentee) == (mentor, mentee)
            and m.status is Status.EXPIRED
            and not m.expiry_recorded
        ]
        for m in freed:
            m.expiry_recorded = True
        self.model[view.id] = expected
        self.expect_events(
            *(MentoringExpired(m.id, now) for m in freed),
            MentoringRequested(view.id, now, self.ids[mentor], self.ids[mentee]),
        )
        return view.id

    @rule(mentoring_id=mentorings, caller=people, accept=st.booleans())
    def respond(self, mentoring_id: MentoringId, caller: str, accept: bool) -> None:
        m = self.model[mentoring_id]
        call = self.app.respond_to_request(RespondCommand(mentoring_id, self.ids[caller], accept))
        if not m.involves(caller):
            self.refused(MentoringNotFound, call)
        elif caller != m.mentor:
            self.refused(NotTheMentor, call)
        elif m.status is not Status.PENDING:
            self.refused(RequestNotPending, call)
        else:
            view = self.run(call)
            now, by = self.clock.now(), self.ids[caller]
            if accept:
                self.moved(view, m, Status.ACTIVE, MentoringAccepted(mentoring_id, now, by))
            else:
                self.moved(view, m, Status.REJECTED, MentoringRejected(mentoring_id, now, by))

    @rule(mentoring_id=mentorings, caller=people)
    def withdraw(self, mentoring_id: MentoringId, caller: str) -> None:
        m = self.model[mentoring_id]
        call = self.app.end_mentoring(EndCommand(mentoring_id, self.ids[caller], Ending.WITHDRAWN))
        if not m.involves(caller):
            self.refused(MentoringNotFound, call)
        elif caller != m.mentee:
            self.refused(NotTheRequester, call)
        elif m.status is not Status.PENDING:
            self.refused(InvalidTransition, call)
        else:
            view = self.run(call)
            event = MentoringWithdrawn(mentoring_id, self.clock.now(), self.ids[caller])
            self.moved(view, m, Status.CANCELLED, event)

    @rule(mentoring_id=mentorings, caller=people, reason=reasons)
    def cancel(self, mentoring_id: MentoringId, caller: str, reason: str | None) -> None:
        m = self.model[mentoring_id]
        command = EndCommand(mentoring_id, self.ids[caller], Ending.CANCELLED, reason)
        call = self.app.end_mentoring(command)
        kept = None if reason is None else reason.strip() or None
        if kept is not None and len(kept) > REASON_MAX:
            self.refused(ReasonTooLong, call)
        elif not m.involves(caller):
            self.refused(MentoringNotFound, call)
        elif m.status is Status.PENDING:
            self.refused(PendingNotCancellable, call)
        elif m.status is not Status.ACTIVE:
            self.refused(InvalidTransition, call)
        else:
            view = self.run(call)
            m.end_reason = kept
            event = MentoringCancelled(mentoring_id, self.clock.now(), self.ids[caller])
            self.moved(view, m, Status.CANCELLED, event)

    @rule(mentoring_id=mentorings, caller=people)
    def complete(self, mentoring_id: MentoringId, caller: str) -> None:
        m = self.model[mentoring_id]
        call = self.app.end_mentoring(EndCommand(mentoring_id, self.ids[caller], Ending.COMPLETED))
        if not m.involves(caller):
            self.refused(MentoringNotFound, call)
        elif m.status is not Status.ACTIVE:
            self.refused(InvalidTransition, call)
        else:
            view = self.run(call)
            event = MentoringCompleted(mentoring_id, self.clock.now(), self.ids[caller])
            self.moved(view, m, Status.COMPLETED, event)

    @rule(mentoring_id=mentorings, caller=people, text=texts)
    def post(self, mentoring_id: MentoringId, caller: str, text: str) -> None:
        m = self.model[mentoring_id]
        call = self.app.post_message(PostMessageCommand(mentoring_id, self.ids[caller], text))
        stripped = text.strip()
        if not m.involves(caller):
            self.refused(MentoringNotFound, call)
        elif "\x00" in text or not _storable(text):
            self.refused(UnstorableText, call)
        elif not stripped:
            self.refused(EmptyMessage, call)
        elif len(stripped) > MESSAGE_MAX:
            self.refused(MessageTooLong, call)
        elif m.status.is_terminal:
            self.refused(MentoringClosed, call)
        else:
            view = self.run(call)
            now, sender = self.clock.now(), self.ids[caller]
            assert (view.mentoring_id, view.sender_id, view.message) == (
                mentoring_id,
                sender,
                stripped,
            )
            assert view.created_at == now
            assert all(view.id > earlier for earlier, *_ in m.messages), "ids grow in a chat"
            m.messages.append((view.id, caller, stripped, now))
            self.expect_events(MessagePosted(mentoring_id, now, view.id, sender))

    @rule(mentoring_id=mentorings, caller=people, limit=st.integers(1, 4))
    def read_back_in_pages(self, mentoring_id: MentoringId, caller: str, limit: int) -> None:
        m = self.model[mentoring_id]
        user_id = self.ids[caller]
        if not m.involves(caller):
            query = ListMessagesQuery(mentoring_id, user_id, PageRequest(limit=limit))
            self.refused(MentoringNotFound, self.app.list_messages(query))
            return

        async def walk_back() -> list[MessageView]:
            page = await self.app.list_messages(
                ListMessagesQuery(mentoring_id, user_id, PageRequest(limit=limit))
            )
            seen = list(page.messages)
            while page.older_cursor is not None:
                older = PageRequest(limit=limit, before=page.older_cursor)
                page = await self.app.list_messages(ListMessagesQuery(mentoring_id, user_id, older))
                seen[:0] = page.messages
            return seen

        seen = self.run(walk_back())
        assert [(v.id, v.message) for v in seen] == [(i, text) for i, _, text, _ in m.messages]

    @rule(
        caller=people,
        status=st.none() | st.sampled_from(Status),
        role=st.none() | st.sampled_from(Role),
        limit=st.none() | st.integers(1, 3),
    )
    def filter_requests(
        self, caller: str, status: Status | None, role: Role | None, limit: int | None
    ) -> None:
        async def walk() -> list[MentoringView]:
            query = ListRequestsQuery(self.ids[caller], status, role, ListPage(limit=limit))
            page = await self.app.list_requests.paged(query)
            found = list(page.items)
            while page.next_after is not None:
                assert limit is not None
                assert len(page.items) == limit
                after = ListPage(after=page.next_after, limit=limit)
                query = ListRequestsQuery(self.ids[caller], status, role, after)
                page = await self.app.list_requests.paged(query)
                found += page.items
            return found

        found = self.run(walk())
        expected = [
            self.view_of(m)
            for _, m in sorted(self.model.items())
            if m.involves(caller)
            and (status is None or m.status is status)
            and (role is None or (m.mentor if role is Role.MENTOR else m.mentee) == caller)
        ]
        assert found == expected

    @rule(
        caller=people,
        action=st.sampled_from(["respond", "withdraw", "cancel", "complete", "post", "read"]),
    )
    def act_on_a_mentoring_that_does_not_exist(self, caller: str, action: str) -> None:
        mentoring_id, user_id = self.unknown_id(), self.ids[caller]
        calls: dict[str, Callable[[], Coroutine[Any, Any, object]]] = {
            "respond": lambda: self.app.respond_to_request(
                RespondCommand(mentoring_id, user_id, accept=True)
            ),
            "withdraw": lambda: self.app.end_mentoring(
                EndCommand(mentoring_id, user_id, Ending.WITHDRAWN)
            ),
            "cancel": lambda: self.app.end_mentoring(
                EndCommand(mentoring_id, user_id, Ending.CANCELLED)
            ),
            "complete": lambda: self.app.end_mentoring(
                EndCommand(mentoring_id, user_id, Ending.COMPLETED)
            ),
            "post": lambda: self.app.post_message(
                PostMessageCommand(mentoring_id, user_id, "hello?")
            ),
            "read": lambda: self.app.list_messages(ListMessagesQuery(mentoring_id, user_id)),
        }
        self.refused(MentoringNotFound, calls[action]())

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def what_everyone_sees_agrees_with_the_model(self) -> None:
        world = self.run(self.observe())
        self.each_user_sees_exactly_the_mentorings_they_take_part_in(world)
        self.only_legal_transitions_happened(world)
        self.terminal_states_never_change(world)
        self.no_pair_has_two_open_mentorings(world)
        self.messages_exist_only_in_open_mentorings(world)
        self.progress_follows_the_accepted_mentorings(world)
        self.an_expired_request_was_never_accepted()
        self.paged_lists_walk_to_the_whole_lists(world)

    def an_expired_request_was_never_accepted(self) -> None:
        for m in self.model.values():
            if m.status is Status.EXPIRED:
                assert not m.accepted
                assert m.updated_at == m.created_at, "nobody acted on it; expiry is no action"

    def paged_lists_walk_to_the_whole_lists(self, world: World) -> None:
        async def walk(read: Callable[[ListPage], Coroutine[Any, Any, Any]]) -> list[Any]:
            page = await read(ListPage(limit=2))
            found = list(page.items)
            while page.next_after is not None:
                page = await read(ListPage(after=page.next_after, limit=2))
                found += page.items
            return found

        for name in PEOPLE:
            user_id = self.ids[name]
            mentorings = partial(self.app.list_mentorings.paged, user_id)
            progress = partial(self.app.show_progress.paged, user_id)
            assert self.run(walk(mentorings)) == world.accepted[name]
            assert self.run(walk(progress)) == world.progress[name]

    def each_user_sees_exactly_the_mentorings_they_take_part_in(self, world: World) -> None:
        for name in EVERYONE:
            user_id = self.ids[name]
            for view in world.requests[name] + world.accepted[name]:
                assert user_id in (view.mentor_id, view.mentee_id)
            mine = sorted(i for i, m in self.model.items() if m.involves(name))
            assert [v.id for v in world.requests[name]] == mine
            assert [v.id for v in world.accepted[name]] == [
                i for i in mine if self.model[i].accepted
            ]

    def only_legal_transitions_happened(self, world: World) -> None:
        # Every change went through a rule, which checked it against the model.
        for name in EVERYONE:
            assert world.requests[name] == [
                self.view_of(self.model[v.id]) for v in world.requests[name]
            ]
            assert world.accepted[name] == [
                replace(self.view_of(self.model[v.id]), unread=unread(self.model[v.id], name))
                for v in world.accepted[name]
            ]

    def terminal_states_never_change(self, world: World) -> None:
        # Expired, cancelled, completed and rejected alike.
        for views in world.requests.values():
            for view in views:
                if view.id in self.seen_terminal:
                    assert view.status is self.seen_terminal[view.id]
                elif view.status.is_terminal:
                    self.seen_terminal[view.id] = view.status

    def no_pair_has_two_open_mentorings(self, world: World) -> None:
        open_pairs = [
            (v.mentor_id, v.mentee_id)
            for v in {v.id: v for views in world.requests.values() for v in views}.values()
            if v.status.is_open
        ]
        assert len(open_pairs) == len(set(open_pairs))

    def messages_exist_only_in_open_mentorings(self, world: World) -> None:
        assert set(world.chats) == set(self.model)
        for mentoring_id, chat in world.chats.items():
            m = self.model[mentoring_id]
            assert [(v.id, v.sender_id, v.message, v.created_at) for v in chat] == [
                (i, self.ids[sender], text, at) for i, sender, text, at in m.messages
            ]
            if m.closed_at is not None:
                assert all(v.created_at <= m.closed_at for v in chat)

    def progress_follows_the_accepted_mentorings(self, world: World) -> None:
        for name in EVERYONE:
            rows = world.progress[name]
            assert [row.mentoring for row in rows] == world.accepted[name]
            for row in rows:
                m = self.model[row.mentoring.id]
                assert (row.mentee.id, row.mentor.id) == (self.ids[m.mentee], self.ids[m.mentor])
                assert row.progress.message_count == len(m.messages)
                last = max([m.updated_at, *(at for *_, at in m.messages)])
                assert row.progress.last_activity_at == last


def lifecycle_test_case(
    open_system: SystemFactory,
    *,
    max_examples: int = 100,
    stateful_step_count: int = 30,
    **more_settings: Any,
) -> type[unittest.TestCase]:
    """A test case that runs the lifecycle machine on the system `open_system` opens.

    `more_settings` go to hypothesis' `settings` (e.g. `suppress_health_check=[...]`).
    """

    class Machine(LifecycleMachine):
        def open_system(
            self, clock: ManualClock, events: EventPublisher
        ) -> AbstractAsyncContextManager[Mentorat]:
            return open_system(clock, events)

    Machine.__name__ = Machine.__qualname__ = f"LifecycleMachineOn_{open_system.__name__}"
    test_case = Machine.TestCase
    test_case.settings = settings(
        **{
            "max_examples": max_examples,
            "stateful_step_count": stateful_step_count,
            "deadline": None,
            **more_settings,
        }
    )
    return test_case
