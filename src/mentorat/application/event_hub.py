"""Follow a user's events: what the outbox recorded for them after a cursor, then as it comes.

One reader per process (`EventHub`) reads the outbox after the last event it handed on,
whenever `OutboxWakeups` says it may have grown (and every `poll_seconds` in any case), and
hands each event to the subscriptions of its recipients in this process. A subscription
first replays the outbox from its own cursor up to where the hub stands, then takes what
the hub hands it; an id at or below its cursor is never yielded, so nothing comes twice.

Ids are drawn when an event is written but committed in any order (PostgreSQL), so the hub
never hands on an event while an id below it may still commit: it waits until every
transaction that was running when it first saw the id missing has ended (`OutboxPage`), or
for at most `FeedSettings.gap_seconds`, and only then counts the id as never to come (a
rolled-back change).

A subscription whose reader falls `queue_size` events behind is dropped
(`SubscriptionDropped`): a slow reader is never buffered without bound. It resumes from its
last event id, replayed from the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from mentorat.application.errors import SubscriptionDropped
from mentorat.application.ports import (
    UNTALLIED,
    Clock,
    OutboxPage,
    OutboxWakeups,
    StoredEvent,
    Tally,
    UnitOfWork,
)
from mentorat.domain.users import UserId

log = logging.getLogger(__name__)

BATCH: Final = 500
# While an id below an event read is missing, the hub looks again this often.
GAP_POLL_SECONDS: Final = 0.05


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """`queue_size`: events a subscription may hold before it is dropped.
    `poll_seconds`: how often the hub reads the outbox even when nothing woke it.
    `prune_seconds`: how often the hub prunes the outbox (`PruneEvents`), from its start.
    `gap_seconds`: the longest the hub waits for a missing id, however long other
    transactions run: no more than a change may take (the store's transaction timeout), so
    that an unrelated long transaction does not hold the streams back.
    `read_interval`: the shortest time between two reads of the outbox. Wake-ups closer than
    that are served by one read: under a steady flow of changes each worker reads at most
    1/read_interval (40) times a second, for a delay of at most this much. With 10 ms, the
    post workload of bench/streams.py with 1,000 streams open ran at 0.77 to 0.88 of its
    throughput with none; with 25 ms, at 0.94 to 1.18 (docs/performance.md)."""

    queue_size: int = 1000
    poll_seconds: float = 5.0
    prune_seconds: float = 3600.0
    gap_seconds: float = 15.0
    read_interval: float = 0.025


class LocalWakeups:
    """`OutboxWakeups` within one process: the stores' commits poke it.

    Usable from one event loop after another (a library user's successive `asyncio.run`s):
    in a new loop it starts poked, so that the reader reads at once.
    """

    __slots__ = ("_event", "_loop")

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def poke(self) -> None:
        self._event.set()

    async def wait(self, at_most: float) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._event = loop, asyncio.Event()
            self._event.set()
        try:
            async with asyncio.timeout(at_most):
                await self._event.wait()
        except TimeoutError:
            pass
        self._event.clear()

    async def aclose(self) -> None:
        return None


class _Subscription:
    __slots__ = ("_items", "_ready", "_size", "dropped", "user_id")

    def __init__(self, user_id: UserId, size: int) -> None:
        self.user_id, self._size = user_id, size
        self._items: deque[StoredEvent] = deque()
        self._ready = asyncio.Event()
        self.dropped = False

    def offer(self, event: StoredEvent) -> None:
        if self.dropped:
            return
        if len(self._items) >= self._size:
            self.dropped = True
            self._items.clear()
        else:
            self._items.append(event)
        self._ready.set()

    async def take(self, at_most: float | None) -> list[StoredEvent]:
        """What arrived (waiting up to `at_most` seconds for something); [] when nothing did."""
        if not self._items and not self.dropped:
            try:
                async with asyncio.timeout(at_most):
                    await self._ready.wait()
            except TimeoutError:
                return []
        self._ready.clear()
        if self.dropped:
            raise SubscriptionDropped()
        items = list(self._items)
        self._items.clear()
        return items


class EventHub:
    """The one reader of the outbox in this process (see the module's docstring)."""

    def __init__(
        self,
        uow: UnitOfWork,
        wakeups: OutboxWakeups,
        settings: FeedSettings | None = None,
        *,
        prune: Callable[[], Awaitable[int]] | None = None,
        clock: Clock | None = None,
        tally: Tally = UNTALLIED,
    ) -> None:
        """`clock` and `tally`: with both, each event handed on is counted with its delay since
        it was recorded (metrics); the open streams are counted with `tally` alone."""
        self._uow, self._wakeups, self._prune = uow, wakeups, prune
        self._clock, self._tally = clock, tally
        self._settings = settings or FeedSettings()
        self._next_prune = 0.0
        self._subscriptions: dict[UserId, set[_Subscription]] = {}
        self._horizon = 0
        # The first missing id, the `started_before` of the read that first saw it missing,
        # and when (the event loop's clock).
        self._gap: tuple[int, int, float] | None = None
        # The reading task, in the event loop of the last `start`.
        self._task: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()

    @property
    def horizon(self) -> int:
        """Every event up to this id has been handed on (or will never come)."""
        return self._horizon

    async def start(self) -> None:
        """Start reading at the newest event (once; later calls return at once).

        Returns once every id up to there has committed or never will: the changes running
        when it looked have ended (or `gap_seconds` went by), so a follower that replays up
        to there misses none of them.
        """
        async with self._starting:
            if self._task is not None and not self._task.done():
                return
            async with self._uow(write=False) as tx:
                bounds = await tx.outbox.bounds()
                _, started_before = await tx.outbox.marks()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self._settings.gap_seconds
            while loop.time() < deadline:
                async with self._uow(write=False) as tx:
                    running_from, _ = await tx.outbox.marks()
                if running_from >= started_before:
                    break
                await asyncio.sleep(GAP_POLL_SECONDS)
            self._horizon = 0 if bounds is None else bounds[1]
            self._task = loop.create_task(self._run())

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._wakeups.aclose()

    def poke(self) -> None:
        """Read the outbox now (as a commit in this process does)."""
        self._wakeups.poke()

    def subscribe(self, user_id: UserId) -> _Subscription:
        subscription = _Subscription(user_id, self._settings.queue_size)
        self._subscriptions.setdefault(user_id, set()).add(subscription)
        self._tally.streams_opened(1)
        return subscription

    def unsubscribe(self, subscription: _Subscription) -> None:
        mine = self._subscriptions.get(subscription.user_id)
        if mine is not None and subscription in mine:
            self._tally.streams_opened(-1)
            mine.discard(subscription)
            if not mine:
                del self._subscriptions[subscription.user_id]

    @property
    def subscriptions(self) -> int:
        return sum(len(s) for s in self._subscriptions.values())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last_read = -self._settings.read_interval
        while True:
            early = last_read + self._settings.read_interval - loop.time()
            if early > 0:  # woken again right after a read: let more wake-ups gather
                await asyncio.sleep(early)
            last_read = loop.time()
            if self._prune is not None and loop.time() >= self._next_prune:
                self._next_prune = loop.time() + self._settings.prune_seconds
                try:
                    await self._prune()
                except Exception:
                    log.warning("pruning the outbox failed", exc_info=True)
            try:
                more, waiting_for_gap = await self._read()
            except Exception:  # the store is away: try again at the next poll
                log.warning("reading the outbox failed", exc_info=True)
                more, waiting_for_gap = False, False
            if more:
                continue
            poll = GAP_POLL_SECONDS if waiting_for_gap else self._settings.poll_seconds
            await self._wakeups.wait(poll)

    async def _read(self) -> tuple[bool, bool]:
        """Hand on what follows the horizon; (whether more may be waiting, whether an id
        below an event read is still missing)."""
        async with self._uow(write=False) as tx:
            page = await tx.outbox.read(self._horizon, limit=BATCH)
        handed, blocked = self._settled(page)
        for event in handed:
            for user_id in event.recipients:
                for subscription in tuple(self._subscriptions.get(user_id, ())):
                    subscription.offer(event)
        if handed:
            self._horizon = handed[-1].id
            if self._clock is not None:
                now = self._clock.now()
                for event in handed:
                    self._tally.event_handed((now - event.occurred_at).total_seconds())
        return (len(page.events) == BATCH and not blocked), blocked

    def _settled(self, page: OutboxPage) -> tuple[list[StoredEvent], bool]:
        """The events of `page` no missing id precedes any more, and whether one still does."""
        settled: list[StoredEvent] = []
        expected = self._horizon + 1
        now = asyncio.get_running_loop().time()
        for event in page.events:
            if event.id != expected:
                if self._gap is None or self._gap[0] != expected:
                    self._gap = (expected, page.started_before, now)
                running = page.running_from < self._gap[1]
                if running and now - self._gap[2] < self._settings.gap_seconds:
                    return settled, True
                self._gap = None  # a change that rolled back: that id never comes
            settled.append(event)
            expected = event.id + 1
        return settled, False
