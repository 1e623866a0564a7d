"""What operators count (metrics): the tally port, and the tally where nobody counts."""

from __future__ import annotations

from enum import Enum
from typing import Protocol


class Occurrence(Enum):
    """What operators count and no single answer tells them (a 401 does not say it was a login)."""

    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    IDEMPOTENT_REPLAY = "idempotent_replay"


class Tally(Protocol):
    """What operators count (metrics). Every method is cheap, never fails and never waits:
    it runs in requests and in the outbox reader."""

    def add(self, occurrence: Occurrence) -> None:
        """Count one occurrence."""

    def streams_opened(self, change: int) -> None:
        """Event streams of this process: +1 as one opens, -1 as it ends."""

    def event_handed(self, delay_seconds: float) -> None:
        """The outbox reader handed an event to this process's streams, `delay_seconds` after
        the change that recorded it (the outbox's lag)."""


class Untallied:
    """The tally where nobody counts: the default of the use cases that count."""

    __slots__ = ()

    def add(self, occurrence: Occurrence) -> None:
        return None

    def streams_opened(self, change: int) -> None:
        return None

    def event_handed(self, delay_seconds: float) -> None:
        return None


UNTALLIED: Tally = Untallied()
