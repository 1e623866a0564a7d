"""In-memory clock, login and registration throttles, and event log."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from mentorat.domain.users import username_key


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

    An empty address means "unknown" (a library caller that has none) and is not counted:
    otherwise every such caller would share one bucket, and 50 failures by anyone would lock
    everyone out. Good for one process only; the SQL adapter keeps the counters in the database
    so that every worker sees them.
    """

    def __init__(
        self, *, per_username: int = 10, per_address: int = 50, window_seconds: int = 60
    ) -> None:
        self._limits = {"u": per_username, "a": per_address}
        self._window = timedelta(seconds=window_seconds)
        self._failures: dict[tuple[str, str], deque[datetime]] = {}

    @staticmethod
    def _keys(username: str, address: str) -> list[tuple[str, str]]:
        keys = [("u", username_key(username))]
        if address:
            keys.append(("a", address))
        return keys

    def _recent(self, key: tuple[str, str], now: datetime) -> deque[datetime]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if not failures:
            # Forget quiet keys, or a long-lived process keeps every name it ever saw.
            del self._failures[key]
        return failures

    async def retry_after(self, username: str, address: str, now: datetime) -> int:
        wait = 0.0
        for key in self._keys(username, address):
            limit = self._limits[key[0]]
            failures = self._recent(key, now)
            if len(failures) >= limit:
                # Allowed again once enough of the oldest failures leave the window that
                # fewer than `limit` remain.
                until = failures[-limit] + self._window
                wait = max(wait, (until - now).total_seconds())
        return math.ceil(wait)

    async def record_failure(self, username: str, address: str, now: datetime) -> None:
        for key in self._keys(username, address):
            self._recent(key, now)
            self._failures.setdefault(key, deque()).append(now)


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


class InMemoryRegistrationThrottle:
    """At most `per_address` registrations per client address in a sliding window of
    `window_seconds`; one process only (the SQL adapter shares the count between workers)."""

    def __init__(self, *, per_address: int = 20, window_seconds: int = 3600) -> None:
        self._limit = per_address
        self._window = timedelta(seconds=window_seconds)
        self._attempts: dict[str, deque[datetime]] = {}

    async def admit(self, address: str, now: datetime) -> int:
        if not address:
            return 0
        attempts = self._attempts.setdefault(address, deque())
        while attempts and attempts[0] <= now - self._window:
            attempts.popleft()
        if len(attempts) >= self._limit:
            return max(1, math.ceil((attempts[-self._limit] + self._window - now).total_seconds()))
        attempts.append(now)
        # Forget quiet addresses, or a long-lived process keeps every one it ever saw.
        if len(self._attempts) > 10_000:
            self._sweep(now)
        return 0

    def _sweep(self, now: datetime) -> None:
        for quiet in [a for a, seen in self._attempts.items() if seen[-1] <= now - self._window]:
            del self._attempts[quiet]
