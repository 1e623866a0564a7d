"""The composition root: the one place that chooses adapters and joins them into a system.

The wiring of webhooks and email lives in `mentorat.bootstrap.dispatchers`; its names are
re-exported here.
"""

from __future__ import annotations

import gc
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
from mentorat.adapters.sql import migrations
from mentorat.adapters.sql.bulk import SeedRefused
from mentorat.adapters.sql.chat_posts import PostgresChatPosts
from mentorat.adapters.sql.database import open_database
from mentorat.adapters.sql.engine import create_engine
from mentorat.adapters.sql.listener import PostgresWakeups
from mentorat.adapters.sql.mail_queue import SqlMailQueue
from mentorat.adapters.sql.throttle import SqlLoginThrottle, SqlRegistrationThrottle
from mentorat.adapters.sql.uow import SqlUnitOfWork
from mentorat.adapters.sql.webhooks import SqlWebhooks
from mentorat.application.follow_events import FeedSettings, LocalWakeups
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
from mentorat.bootstrap.dispatchers import Background, Deliveries, deliveries
from mentorat.demo import bulk as bulk_data
from mentorat.demo import story
from mentorat.demo.bulk import BULK_PASSWORD, BULK_USERNAME, BulkPlan
from mentorat.domain.mentoring import DEFAULT_REQUEST_TTL
from mentorat.settings import Settings, SettingsError

__all__ = [
    "BULK_PASSWORD",
    "BULK_USERNAME",
    "Background",
    "Deliveries",
    "SeedRefused",
    "System",
    "deliveries",
    "downgrade_database",
    "fast_test_hasher",
    "in_memory",
    "in_memory_system",
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


def upgrade_database(settings: Settings, revision: str = "head") -> None:
    """Apply the migrations up to `revision` (all of them by default). Safe to repeat."""
    migrations.migrate(settings, "upgrade", revision)


def database_revision(settings: Settings) -> str | None:
    """The migration the database is at; None for a database never migrated."""
    return migrations.current_revision(settings)


def latest_revision() -> str:
    """The newest migration this release ships (what `upgrade_database` goes to)."""
    return migrations.head()


def migration_history() -> list[tuple[str, str]]:
    """Every migration this release ships, newest first: (revision, what it does)."""
    return migrations.history()


def downgrade_database(settings: Settings, revision: str) -> None:
    """Undo the migrations after `revision` ("base" undoes them all, dropping every table)."""
    migrations.migrate(settings, "downgrade", revision)


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


async def seed_demo(system: System) -> bool:
    """Load the seed's example data (user `owner` / `Pass123!@`, mentor `Mentor_2`, a chat).

    Does nothing, and answers False, when `owner` already exists.
    """
    return await story.seed_demo(system.mentorat)


async def seed_bulk(
    settings: Settings,
    *,
    users: int,
    mentorings: int,
    messages: int,
    hot_messages: int,
    mentors: int | None = None,
    replace: bool = False,
) -> dict[str, float | int]:
    """Fill the database with a deterministic benchmark dataset; returns counts and seconds.

    Migrates first. Every user's password is BULK_PASSWORD (hashed once with the configured
    argon2 parameters); user 1 is BULK_USERNAME. `mentors`: how many users are mentors (None:
    every fifth). Raises SeedRefused when users exist, unless `replace`, which empties every
    table first. Raises ValueError for impossible counts.
    """
    plan = BulkPlan(users, mentorings, messages, hot_messages, mentors=mentors)
    plan.check()
    password_hash = await settings_hasher(settings).hash(BULK_PASSWORD)
    engine = create_engine(settings)
    try:
        await migrations.run(engine, "upgrade", "head")
        return await bulk_data.seed_bulk(engine, plan, password_hash=password_hash, replace=replace)
    finally:
        await engine.dispose()


# --- Serving over HTTP -------------------------------------------------------------------------
# The HTTP adapter's wiring, used by `mentorat serve` (cli.py) and by any ASGI server directly:
#     uvicorn --factory mentorat.bootstrap:create_asgi_app
# Nothing here runs at import time; Litestar and uvicorn are imported only when used.

if TYPE_CHECKING:
    from litestar import Litestar

    from mentorat.adapters.http.access import RequestIds
    from mentorat.adapters.metrics import PrometheusMetrics
    from mentorat.logs import LogFormat


def configure_logging(
    level: str, log_format: LogFormat | None = None, *, tracebacks: bool = True
) -> None:
    """Log to stderr at `level` unless the host (the server, a test runner) already set logging up.

    `log_format`: "json" or "text" (None: text on a terminal, JSON lines otherwise); the same
    configuration `mentorat serve` gives uvicorn (mentorat.logs). Without `tracebacks` (the
    administration commands), errors stay one line unless `level` is DEBUG: a command that
    cannot reach its database says so, and does not dump a stack.
    """
    import logging
    import logging.config

    from mentorat.logs import default_format, logging_config

    if not logging.getLogger().handlers:
        brief = not tracebacks and level.upper() != "DEBUG"
        logging.config.dictConfig(
            logging_config(level, log_format or default_format(), tracebacks=not brief)
        )
    logging.getLogger("mentorat").setLevel(level.upper())


def http_app(
    system: System, *, close_system: bool = False, dispatch: bool = False
) -> RequestIds[Litestar]:
    """The Litestar app over `system` (the JSON API, and the web pages under `/`), with the
    HTTP options of its settings, inside the wrapper that gives each request its id and access
    log line and counts it for `/metrics` when the system has metrics (`.app` is the Litestar
    app).

    With `close_system`, the app closes the system (its database pool) when the server stops.
    With `dispatch`, the app runs the webhook dispatcher and the mailer while it serves.
    """
    from mentorat.adapters.http.access import RequestIds
    from mentorat.adapters.http.app import create_app
    from mentorat.adapters.web import WebPages

    settings = system.settings
    metrics = system.metrics
    on_startup: list[Callable[[], Awaitable[None]]] = []
    on_shutdown: list[Callable[[], Awaitable[None]]] = []
    if dispatch:
        background = Background(system)
        on_startup.append(background.start)
        on_shutdown.append(background.stop)
    if close_system:
        on_shutdown.append(system.aclose)
    return RequestIds(
        create_app(
            system.mentorat,
            cors_origins=settings.cors_origins,
            trusted_proxies=settings.proxies,
            on_startup=on_startup,
            on_shutdown=on_shutdown,
            metrics=metrics.exposition if metrics is not None else None,
            event_keepalive=settings.event_keepalive_seconds,
            plugins=[WebPages(system.mentorat)],
        ),
        observer=metrics,
    )


def create_asgi_app() -> RequestIds[Litestar]:
    """The ASGI application factory each server worker calls: settings from MENTORAT_* variables.

    Raises SettingsError for bad settings (`mentorat serve` checks them before starting workers).
    """
    from mentorat.settings import resolve_secret_key

    settings = resolve_secret_key(Settings.from_env())
    configure_logging(settings.log_level, settings.log_format)
    app = http_app(open_system(settings), close_system=True, dispatch=settings.dispatch_in_server)
    # Everything built so far (modules, the app, its routes, SQLAlchemy's and Litestar's
    # tables) lives as long as the worker. Frozen, the garbage collector's full collections
    # stop walking it: each walk would stall the worker for tens of milliseconds, which shows
    # in the slowest answers under load (docs/performance.md).
    gc.collect()
    gc.freeze()
    return app
