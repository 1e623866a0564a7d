"""Ports for events: the publisher, the outbox the changes record them in, and its wakeups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mentorat.domain.events import MentoringId
from mentorat.domain.users import UserId


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[object]) -> None:
        """Hand domain events to whoever listens (notifications, real-time chat)."""


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to record in the outbox, in the transaction of the change that caused it.

    `recipients`: the users it is addressed to (a mentoring's two participants, or only the
    person whose other devices must hear of it). `payload`: JSON text in the contract's shapes
    (`application.event_payloads`).
    """

    name: str
    mentoring_id: MentoringId
    recipients: tuple[UserId, ...]
    occurred_at: datetime
    payload: str


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the outbox keeps it: `id` grows with every event recorded."""

    id: int
    name: str
    mentoring_id: MentoringId | None
    recipients: tuple[UserId, ...]
    occurred_at: datetime
    payload: str


@dataclass(frozen=True, slots=True)
class OutboxPage:
    """Events after a cursor, with two marks of the changes that may still record events as
    of the read: every change that began before `running_from` has ended, and every change
    running now began before `started_before`.

    An id missing between the events read (drawn by a change not yet committed, or by one
    that rolled back) is never to come once a later read's `running_from` reaches the
    `started_before` of the read that first saw it missing. A store whose changes commit in
    the order of their ids says 0 for both: a missing id there never comes.
    """

    events: list[StoredEvent]
    running_from: int = 0
    started_before: int = 0


class Outbox(Protocol):
    """The events recorded by committed changes, by id ascending."""

    async def add(self, events: Sequence[NewEvent]) -> None:
        """Record `events` in this transaction, each with an id greater than any before it."""

    async def after(
        self, cursor: int, *, limit: int, recipient: UserId | None = None
    ) -> list[StoredEvent]:
        """Up to `limit` events with an id greater than `cursor` (addressed to `recipient`,
        when given), by id ascending."""

    async def read(self, cursor: int, *, limit: int) -> OutboxPage:
        """Up to `limit` events (for anyone) with an id greater than `cursor`, by id, with
        the marks of `OutboxPage` as of the same read."""

    async def bounds(self) -> tuple[int, int] | None:
        """The smallest and the greatest id kept; None when the outbox is empty."""

    async def marks(self) -> tuple[int, int]:
        """`OutboxPage`'s `running_from` and `started_before`, as of now."""

    async def prune(self, before: datetime) -> int:
        """Forget the events that occurred before `before`, oldest first; how many it forgot.

        Events are forgotten in id order: pruning stops at the first event it keeps.
        """


class OutboxWakeups(Protocol):
    """Tells the readers of the outbox in this process that it may hold new events."""

    def poke(self) -> None:
        """New events were committed (or may have been: a lost notification channel came
        back): wake every waiter."""

    async def wait(self, at_most: float) -> None:
        """Return once poked since the last wait returned (at once when that already
        happened), or after `at_most` seconds."""

    async def aclose(self) -> None: ...
