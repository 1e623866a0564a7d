"""In-memory clock, login throttle and event log."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta


class ManualClock:
    """A clock that stands still until told to move: for tests and reproducible examples."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)

    def set(self, now: datetime) -> None:
        self._now = now


class InMemoryLoginThrottle:
    """Counts failed logins per username and per address in a sliding window.

    Good for one process only; the SQL adapter keeps the counters in the database so that every
    worker sees them.
    """

    def __init__(
        self, *, per_username: int = 10, per_address: int = 50, window_seconds: int = 60
    ) -> None:
        self._limits = {"u": per_username, "a": per_address}
        self._window = timedelta(seconds=window_seconds)
        self._failures: dict[tuple[str, str], deque[datetime]] = {}

    def _recent(self, key: tuple[str, str], now: datetime) -> deque[datetime]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        return failures

    async def retry_after(self, username: str, address: str, now: datetime) -> int:
        wait = 0.0
        for key in (("u", username.casefold()), ("a", address)):
            failures = self._recent(key, now)
            if len(failures) >= self._limits[key[0]]:
                until = failures[-self._limits[key[0]]] + self._window
                wait = max(wait, (until - now).total_seconds())
        return int(wait) + (wait % 1 > 0)

    async def record_failure(self, username: str, address: str, now: datetime) -> None:
        for key in (("u", username.casefold()), ("a", address)):
            self._failures.setdefault(key, deque()).append(now)
            self._recent(key, now)


class InMemoryEventLog:
    """Keeps every published event, in order: handy to assert on in tests."""

    def __init__(self) -> None:
        self.events: list[object] = []

    async def publish(self, events: Sequence[object]) -> None:
        self.events.extend(events)


class DiscardEvents:
    """The publisher to use when nothing listens yet."""

    async def publish(self, events: Sequence[object]) -> None:
        return None
