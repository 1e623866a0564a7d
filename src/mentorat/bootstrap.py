"""The composition root: the one place that chooses adapters and joins them into a system."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from mentorat.adapters.auth.jwt_tokens import JwtTokens
from mentorat.adapters.auth.passwords import Argon2Hasher
from mentorat.adapters.clock import SystemClock
from mentorat.adapters.memory.repositories import InMemoryStore, InMemoryUnitOfWork
from mentorat.adapters.memory.services import DiscardEvents, InMemoryLoginThrottle
from mentorat.application.ports import (
    Clock,
    EventPublisher,
    LoginThrottle,
    PasswordHasher,
    Tokens,
)
from mentorat.application.service import Mentorat
from mentorat.settings import Settings


def fast_test_hasher() -> Argon2Hasher:
    """argon2id at its cheapest: for tests and demos only, never for real accounts."""
    return Argon2Hasher(time_cost=1, memory_cost_kib=1024, parallelism=1)


def in_memory(
    *,
    store: InMemoryStore | None = None,
    clock: Clock | None = None,
    secret_key: str | None = None,
    hasher: PasswordHasher | None = None,
    tokens: Tokens | None = None,
    throttle: LoginThrottle | None = None,
    events: EventPublisher | None = None,
    access_lifetime: timedelta = timedelta(minutes=5),
    refresh_lifetime: timedelta = timedelta(days=1),
) -> Mentorat:
    """A complete mentorat that keeps everything in this process: no server, no database."""
    return Mentorat.wire(
        uow=InMemoryUnitOfWork(store),
        clock=clock or SystemClock(),
        hasher=hasher or Argon2Hasher(),
        tokens=tokens
        or JwtTokens(
            secret_key or secrets.token_urlsafe(32),
            access_lifetime=access_lifetime,
            refresh_lifetime=refresh_lifetime,
        ),
        throttle=throttle or InMemoryLoginThrottle(),
        events=events or DiscardEvents(),
    )


@dataclass
class System:
    """A running mentorat: the use cases, plus what must be closed when it stops."""

    mentorat: Mentorat
    settings: Settings
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def aclose(self) -> None:
        while self.closers:
            await self.closers.pop()()


def in_memory_system(settings: Settings | None = None, **overrides: Any) -> System:
    """A `System` on the memory adapters: what the HTTP tests use when no database is wanted."""
    settings = settings or Settings(secret_key=secrets.token_urlsafe(32))
    return System(in_memory(**overrides), settings)
