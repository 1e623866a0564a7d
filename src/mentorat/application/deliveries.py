"""What the readers of the outbox that push events out (webhooks, email) share: which events
after a cursor are final, and when to try a failed one again.

Each such reader keeps its own cursor in the store and is held by one dispatcher at a time,
whatever the number of processes (the store's lease); the dispatcher that holds it reads the
outbox after the cursor, sends, then moves the cursor on.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from mentorat.application.ports import OutboxPage, Progress, StoredEvent

# Events read from the outbox at once by one reader.
BATCH: Final = 100
# What a stored error text is cut to.
ERROR_MAX: Final = 500


def new_holder() -> str:
    """A dispatcher's name in the leases it takes: random, so that a restarted process never
    mistakes an old lease of its predecessor for its own."""
    return secrets.token_hex(8)


class Settling:
    """Which events of a page read after a cursor no missing id precedes any more.

    The outbox draws ids as changes write and commits them in any order (PostgreSQL): an id
    missing below an event read may belong to a change still running. A reader never passes
    it until every change that was running when it first saw the id missing has ended
    (`OutboxPage`); then the id is one that never comes (its change rolled back). One
    `Settling` per cursor; a dispatcher that takes a cursor over starts a new one.
    """

    __slots__ = ("_gap",)

    def __init__(self) -> None:
        # (the first id missing, the `started_before` of the read that first saw it missing)
        self._gap: tuple[int, int] | None = None

    def settled(self, cursor: int, page: OutboxPage) -> list[StoredEvent]:
        settled: list[StoredEvent] = []
        expected = cursor + 1
        for event in page.events:
            if event.id != expected:
                if self._gap is None or self._gap[0] != expected:
                    self._gap = (expected, page.started_before)
                if page.running_from < self._gap[1]:
                    return settled
                self._gap = None
            settled.append(event)
            expected = event.id + 1
        return settled


@dataclass(frozen=True, slots=True)
class Backoff:
    """When to try a failed event again: exponential backoff with full jitter (a random wait
    between 0 and `base * 2**attempts`, at most `cap`), and for how long before giving up.

    Full jitter spreads the retries of many failing readers instead of sending them in waves.
    """

    base: timedelta = timedelta(seconds=1)
    cap: timedelta = timedelta(hours=1)
    give_up_after: timedelta = timedelta(hours=24)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failure in a row (1 for the first)."""
        ceiling = min(self.cap.total_seconds(), self.base.total_seconds() * 2 ** min(attempts, 60))
        return timedelta(seconds=random.uniform(0, ceiling))

    def failed(self, progress: Progress, error: str, now: datetime) -> Progress:
        """`progress` after one more failed attempt at its next event, at `now`."""
        attempts = progress.attempts + 1
        return Progress(
            progress.cursor,
            attempts,
            progress.failing_since or now,
            now + self.delay(attempts),
            error[:ERROR_MAX],
        )

    def gives_up(self, progress: Progress, now: datetime) -> bool:
        """Whether a reader failing as `progress` says has tried long enough."""
        since = progress.failing_since
        return since is not None and now - since >= self.give_up_after
