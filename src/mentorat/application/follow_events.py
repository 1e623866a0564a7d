"""Follow a user's events: what the outbox recorded for them after a cursor, then as it comes.

How the events reach a follower (one reader per process, ids and gaps, dropped subscriptions)
is told in `mentorat.application.event_hub`, whose names are re-exported here.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Final

from mentorat.application.event_hub import (
    BATCH,
    GAP_POLL_SECONDS,
    EventHub,
    FeedSettings,
    LocalWakeups,
)
from mentorat.application.ports import Clock, StoredEvent, UnitOfWork
from mentorat.domain.users import UserId

__all__ = [
    "BATCH",
    "GAP_POLL_SECONDS",
    "RESET",
    "EventHub",
    "FeedSettings",
    "FollowEvents",
    "LocalWakeups",
]

RESET: Final = "reset"


class FollowEvents:
    """`follow_events(user_id, after)`: the user's events after the event id `after` (None:
    from now on), oldest first, for as long as the caller iterates.

    Yields None first, once it follows (no event from then on can be missed), and, with
    `idle`, after each `idle` seconds without an event (a keep-alive).
    When events after `after` are no longer kept (pruned), first yields a `reset` event whose
    id is where the stream goes on from: the caller reloads what it shows.
    Raises SubscriptionDropped when the caller reads too slowly.
    """

    def __init__(self, uow: UnitOfWork, hub: EventHub, clock: Clock) -> None:
        self._uow, self._hub, self._clock = uow, hub, clock

    async def __call__(
        self, user_id: UserId, after: int | None = None, *, idle: float | None = None
    ) -> AsyncGenerator[StoredEvent | None, None]:
        await self._hub.start()
        subscription = self._hub.subscribe(user_id)
        try:
            horizon = self._hub.horizon  # read once subscribed: nothing falls in between
            yield None
            cursor = horizon if after is None else after
            if cursor < horizon:
                if await self._pruned_after(cursor):
                    yield self._reset(user_id, horizon)
                    cursor = horizon
                async for event in self._replay(user_id, cursor, horizon):
                    yield event
                    cursor = event.id
                cursor = max(cursor, horizon)
            while True:
                events = await subscription.take(idle)
                if not events:
                    yield None
                for event in events:
                    if event.id > cursor:
                        yield event
                        cursor = event.id
        finally:
            self._hub.unsubscribe(subscription)

    async def _pruned_after(self, cursor: int) -> bool:
        async with self._uow(write=False) as tx:
            bounds = await tx.outbox.bounds()
        # An event after the cursor is gone when the oldest kept is past the next id.
        return bounds is None or bounds[0] > cursor + 1

    async def _replay(self, user_id: UserId, cursor: int, up_to: int) -> AsyncIterator[StoredEvent]:
        while True:
            async with self._uow(write=False) as tx:
                events = await tx.outbox.after(cursor, limit=BATCH, recipient=user_id)
            for event in events:
                if event.id > up_to:
                    return
                yield event
                cursor = event.id
            if len(events) < BATCH:
                return

    def _reset(self, user_id: UserId, horizon: int) -> StoredEvent:
        payload = {
            "last_event_id": horizon,
            "detail": "Events after the given id are no longer kept: reload, then follow.",
        }
        return StoredEvent(horizon, RESET, None, (user_id,), self._clock.now(), json.dumps(payload))
