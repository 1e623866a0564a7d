"""The composition root: the one place that chooses adapters and joins them into a system.

The wiring of webhooks and email lives in `mentorat.bootstrap.dispatchers`, the migrations and
seeding of the database in `mentorat.bootstrap.database`, serving over HTTP in
`mentorat.bootstrap.serving`; their names are re-exported here.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mentorat.adapters.auth.jwt_tokens import JwtTokens
from mentorat.adapters.auth.passwords import Argon2Hasher
from mentorat.adapters.clock import SystemClock
from mentorat.adapters.memory.services import (
    DiscardEvents,
    InMemoryLoginThrottle,
    InMemoryRegistrationThrottle,
)
from mentorat.adapters.memory.store import InMemoryStore
from mentorat.adapters.memory.uow import InMemoryUnitOfWork
from mentorat.adapters.sql.bulk import SeedRefused
from mentorat.adapters.sql.chat_posts import PostgresChatPosts
from mentorat.adapters.sql.database import open_database
from mentorat.adapters.sql.listener import PostgresWakeups
from mentorat.adapters.sql.mail_queue import SqlMailQueue
from mentorat.adapters.sql.throttle import SqlLoginThrottle, SqlRegistrationThrottle
from mentorat.adapters.sql.uow import SqlUnitOfWork
from mentorat.adapters.sql.webhooks import SqlWebhooks
from mentorat.application.event_hub import FeedSettings, LocalWakeups
from mentorat.application.idempotency import DEFAULT_LEASE
from mentorat.application.import_accounts import ImportedAccount
from mentorat.application.ports import (
    UNTALLIED,
    Clock,
    EventPublisher,
    LoginThrottle,
    MailQueue,
    OutboxWakeups,
    PasswordHasher,
    RegistrationThrottle,
    Tally,
    Tokens,
    Webhooks,
)
from mentorat.application.service import DEFAULT_EVENT_RETENTION, Mentorat
from mentorat.bootstrap.database import (
    database_revision,
    downgrade_database,
    latest_revision,
    migration_history,
    seed_bulk,
    seed_demo,
    upgrade_database,
)
from mentorat.bootstrap.dispatchers import Background, Deliveries, deliveries
from mentorat.bootstrap.serving import configure_logging, create_asgi_app, http_app
from mentorat.demo.bulk import BULK_PASSWORD, BULK_USERNAME
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL
from mentorat.settings import Settings, SettingsError

if TYPE_CHECKING:
    from mentorat.adapters.metrics import PrometheusMetrics

__all__ = [
    "BULK_PASSWORD",
    "BULK_USERNAME",
    "Background",
    "Deliveries",
    "SeedRefused",
    "System",
    "configure_logging",
    "create_asgi_app",
    "database_revision",
    "deliveries",
    "downgrade_database",
    "fast_test_hasher",
    "http_app",
    "in_memory",
    "in_memory_system",
    "latest_revision",
    "migration_history",
    "open_system",
    "seed_bulk",
    "seed_demo",
    "upgrade_database",
]


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
    registrations: RegistrationThrottle | None = None,
    access_lifetime: timedelta = timedelta(minutes=5),
    refresh_lifetime: timedelta = timedelta(days=1),
    rotate_refresh_tokens: bool = False,
    caller_cache_seconds: float = 0,
    idempotency_lease: timedelta = DEFAULT_LEASE,
    request_ttl: timedelta = DEFAULT_REQUEST_TTL,
    tally: Tally = UNTALLIED,
    feed: FeedSettings | None = None,
    event_retention: timedelta = DEFAULT_EVENT_RETENTION,
) -> Mentorat:
    """A complete mentorat that keeps everything in this process: no server, no database.

    `caller_cache_seconds`, `idempotency_lease`, `request_ttl`, `registrations`, `feed`,
    `event_retention`: see `Mentorat.wire` (the cache is off by default: the store is in
    memory; registrations are not bounded unless a throttle is given).
    """
    uow = InMemoryUnitOfWork(store)
    wakeups = LocalWakeups()
    uow.store.on_events.append(wakeups.poke)
    return Mentorat.wire(
        uow=uow,
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
        registrations=registrations,
        rotate_refresh_tokens=rotate_refresh_tokens,
        caller_cache_seconds=caller_cache_seconds,
        idempotency_lease=idempotency_lease,
        request_ttl=request_ttl,
        tally=tally,
        wakeups=wakeups,
        feed=feed,
        event_retention=event_retention,
    )


@dataclass
class System:
    """A running mentorat: the use cases, plus what must be closed when it stops.

    `metrics`: what it counts, when `settings.metrics` is on (served by `http_app`).
    `webhooks` and `mail_queue`: the stores of the dispatchers (`deliveries`); None on the
    memory adapters, which have none.
    """

    mentorat: Mentorat
    settings: Settings
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    metrics: PrometheusMetrics | None = None
    webhooks: Webhooks | None = None
    mail_queue: MailQueue | None = None
    clock: Clock = field(default_factory=SystemClock)

    async def aclose(self) -> None:
        while self.closers:
            await self.closers.pop()()


def _metrics(settings: Settings) -> PrometheusMetrics | None:
    if not settings.metrics:
        return None
    # Imported only when used: prometheus-client takes a tenth of a second to import, which
    # the administration commands need not pay.
    from mentorat.adapters.metrics import PrometheusMetrics

    return PrometheusMetrics()


def in_memory_system(settings: Settings | None = None, **overrides: Any) -> System:
    """A `System` on the memory adapters, configured like `open_system` from `settings`
    (signing key, token lifetimes, rotation, login throttle); `overrides` go to `in_memory`."""
    settings = settings or Settings(secret_key=secrets.token_urlsafe(32))
    configured: dict[str, Any] = {
        "secret_key": settings.secret_key,
        "access_lifetime": timedelta(seconds=settings.access_token_lifetime),
        "refresh_lifetime": timedelta(seconds=settings.refresh_token_lifetime),
        "rotate_refresh_tokens": settings.rotate_refresh_tokens,
        "idempotency_lease": settings.idempotency_lease,
        "request_ttl": settings.request_ttl,
        "feed": feed_settings(settings),
        "event_retention": settings.event_retention,
        "throttle": InMemoryLoginThrottle(
            per_username=settings.login_max_failures_per_username,
            per_address=settings.login_max_failures_per_address,
            window_seconds=settings.login_window_seconds,
        ),
        "registrations": InMemoryRegistrationThrottle(
            per_address=settings.registration_max_per_address,
            window_seconds=settings.registration_window_seconds,
        ),
    }
    metrics = _metrics(settings)
    if metrics is not None:
        configured["tally"] = metrics
    mentorat = in_memory(**{**configured, **overrides})
    return System(
        mentorat,
        settings,
        closers=[mentorat.write_once.aclose, mentorat.events_hub.aclose],
        metrics=metrics,
    )


# --- the SQL system ----------------------------------------------------------------------------


def feed_settings(settings: Settings) -> FeedSettings:
    return FeedSettings(
        queue_size=settings.event_queue_size,
        poll_seconds=settings.event_poll_seconds,
        # A change holds its connection at most this long: past it, its ids never commit.
        gap_seconds=settings.transaction_timeout + 1.0,
    )


def settings_hasher(settings: Settings) -> Argon2Hasher:
    return Argon2Hasher(
        time_cost=settings.argon2_time_cost,
        memory_cost_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        max_concurrent=settings.argon2_max_concurrent,
        max_waiting=settings.argon2_max_waiting,
    )


def open_system(
    settings: Settings,
    *,
    clock: Clock | None = None,
    events: EventPublisher | None = None,
    rotate_refresh_tokens: bool | None = None,
) -> System:
    """A `System` on the configured database. Builds the pool but does not connect yet.

    `rotate_refresh_tokens` overrides the setting of that name (off by default).
    Raises SettingsError when no signing key is configured. Close it with `aclose()`.
    """
    if rotate_refresh_tokens is None:
        rotate_refresh_tokens = settings.rotate_refresh_tokens
    if not settings.secret_key:
        raise SettingsError("MENTORAT_SECRET_KEY is required: it signs the access tokens")
    database = open_database(settings, transaction_timeout=settings.transaction_timeout)
    metrics = _metrics(settings)
    if metrics is not None:
        database.watch_pool(metrics)
    # PostgreSQL stores a post in one statement, batched per chat; SQLite in a unit of work.
    # Its outbox readers are woken by NOTIFY from any process; SQLite's by this process.
    posts = None
    wakeups: OutboxWakeups = LocalWakeups()
    committed = wakeups.poke
    if database.kind == "postgresql":
        wakeups = PostgresWakeups(settings, database)
        committed = wakeups.committed
        posts = PostgresChatPosts(database, on_events=committed)
    mentorat = Mentorat.wire(
        uow=SqlUnitOfWork(database, on_events=committed),
        clock=clock or SystemClock(),
        hasher=settings_hasher(settings),
        tokens=JwtTokens(
            settings.secret_key,
            access_lifetime=timedelta(seconds=settings.access_token_lifetime),
            refresh_lifetime=timedelta(seconds=settings.refresh_token_lifetime),
        ),
        throttle=SqlLoginThrottle(
            database,
            per_username=settings.login_max_failures_per_username,
            per_address=settings.login_max_failures_per_address,
            window_seconds=settings.login_window_seconds,
        ),
        events=events or DiscardEvents(),
        registrations=SqlRegistrationThrottle(
            database,
            per_address=settings.registration_max_per_address,
            window_seconds=settings.registration_window_seconds,
        ),
        posts=posts,
        rotate_refresh_tokens=rotate_refresh_tokens,
        caller_cache_seconds=settings.auth_cache_seconds,
        idempotency_lease=settings.idempotency_lease,
        request_ttl=settings.request_ttl,
        tally=metrics or UNTALLIED,
        wakeups=wakeups,
        feed=feed_settings(settings),
        event_retention=settings.event_retention,
    )
    closers: list[Callable[[], Awaitable[None]]] = [
        database.dispose,
        mentorat.write_once.aclose,
        mentorat.events_hub.aclose,
    ]
    return System(
        mentorat,
        settings,
        closers=closers,
        metrics=metrics,
        webhooks=SqlWebhooks(database),
        mail_queue=SqlMailQueue(database),
        clock=clock or SystemClock(),
    )


def read_django_accounts(
    *, dump: Path | None = None, url: str | None = None, table: str = "auth_user"
) -> list[ImportedAccount]:
    """The accounts of the original Django service: from a `dumpdata` JSON file, or from its
    PostgreSQL database (`table`: its user table). Raises SourceError when they cannot be read.
    """
    from mentorat.adapters.django.source import read_database, read_dump

    if dump is not None:
        return read_dump(dump)
    if url is None:
        raise ValueError("a dump file or a database URL is needed")
    return read_database(url, table)
