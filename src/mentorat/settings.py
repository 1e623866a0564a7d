"""Settings read from `MENTORAT_*` environment variables, checked once at start-up."""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mentorat.logs import LOG_FORMATS, LogFormat

DEFAULT_DATABASE_URL = "sqlite:///mentorat.db"
# Below this, pyjwt warns on every token and RFC 7518 calls an HS256 key too short.
SECRET_KEY_MIN_BYTES = 32
# A unit of work may outlast its slowest statement (several statements, Python between them).
TRANSACTION_TIMEOUT_MARGIN = 2.0
REQUEST_TTL_DAYS_MAX = 36500
# What the deprecated MENTORAT_TRUST_FORWARDED_FOR=true trusts: a proxy on the same host.
LOOPBACK_PROXIES = ("127.0.0.1/32", "::1/128")

log = logging.getLogger("mentorat")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def async_database_url(url: str) -> str:
    """Accept plain `sqlite:///` and `postgresql://` URLs and name the async drivers we use."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise SettingsError(f"MENTORAT_DATABASE_URL is not a URL: {url!r}")
    driver = {
        "sqlite": "sqlite+aiosqlite",
        "sqlite+aiosqlite": "sqlite+aiosqlite",
        "postgres": "postgresql+psycopg",
        "postgresql": "postgresql+psycopg",
        "postgresql+psycopg": "postgresql+psycopg",
    }.get(scheme)
    if driver is None:
        raise SettingsError(
            f"MENTORAT_DATABASE_URL must be sqlite:///... or postgresql://..., not {scheme}://"
        )
    return f"{driver}://{rest}"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = None
    access_token_lifetime: int = 300
    refresh_token_lifetime: int = 86400
    login_max_failures_per_username: int = 10
    login_max_failures_per_address: int = 50
    login_window_seconds: int = 60
    # Accounts one client address may register within the window (every worker counts in
    # the database).
    registration_max_per_address: int = 1000
    registration_window_seconds: int = 3600
    cors_origins: tuple[str, ...] = ()
    log_level: str = "INFO"
    # Connections a worker keeps; overflow ones are closed the moment they are returned to a
    # full pool, so a steady load above the pool size opens a PostgreSQL backend every few
    # requests: the overflow is for rare bursts, the pool for the steady concurrency.
    db_pool_size: int = 10
    db_max_overflow: int = 0
    db_pool_timeout: float = 5.0
    db_connect_timeout: float = 5.0
    db_statement_timeout: float = 10.0
    # The longest one unit of work (a transaction, or a read) may hold a PostgreSQL connection:
    # past it the connection is cut and the request answered 503. None: statement timeout + 2 s.
    db_transaction_timeout: float | None = None
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    # Hashes (of argon2_memory_kib each) a worker computes at once, and how many more wait
    # their turn before a request is answered 503 with Retry-After.
    argon2_max_concurrent: int = 4
    argon2_max_waiting: int = 64
    # Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For/-Proto are believed.
    trusted_proxies: tuple[str, ...] = ()
    # Deprecated alias: true trusts a proxy on the same host (LOOPBACK_PROXIES).
    trust_forwarded_for: bool = False
    # "json" or "text"; None: text on a terminal, JSON lines otherwise.
    log_format: LogFormat | None = None
    rotate_refresh_tokens: bool = False
    # How long a worker reuses an authenticated caller's active state (0: ask the database on
    # every request). A deactivation made elsewhere bites on every worker within this bound.
    auth_cache_seconds: float = 5.0
    # A pooled PostgreSQL connection idle for longer than this is pinged before use.
    db_idle_ping_seconds: float = 10.0
    # A pooler in transaction mode (PgBouncer) stands between the workers and PostgreSQL: the
    # session settings go as statements it tracks, not as startup options it refuses.
    db_transaction_pooling: bool = False
    # Where each worker's LISTEN connection goes (PostgreSQL): a session-long subscription
    # that a pooler in transaction mode cannot carry, so behind PgBouncer point it at
    # PostgreSQL itself. Unset: MENTORAT_DATABASE_URL.
    db_listen_url: str | None = None
    # psycopg prepares a statement on the server once a connection has run it 5 times. Off
    # behind a pooler that does not keep prepared statements (PgBouncer before 1.21).
    db_prepared_statements: bool = True
    # Days a pending request waits for its mentor's answer before it expires.
    request_ttl_days: int = 14
    # Prometheus metrics: counted, and served at /metrics (docs/operations.md, Metrics).
    metrics: bool = True
    # Days the outbox keeps an event: a stream may resume from any event this recent.
    event_retention_days: int = 7
    # Seconds between the keep-alive comments of an idle event stream.
    event_keepalive_seconds: float = 15.0
    # Events an event stream may fall behind before it is dropped (the client resumes).
    event_queue_size: int = 1000
    # Seconds between two reads of the outbox when nothing woke the reader.
    event_poll_seconds: float = 5.0
    # Webhooks and email (docs/operations.md): whether each served worker runs the
    # dispatchers (false: run `mentorat webhook dispatch` as a process of its own).
    dispatch_in_server: bool = True
    # Seconds a webhook POST may take in all; retries wait a random time between 0 and
    # base * 2**attempts seconds, at most cap; after give-up seconds an event is dead-lettered.
    webhook_timeout_seconds: float = 10.0
    webhook_backoff_base_seconds: float = 1.0
    webhook_backoff_cap_seconds: float = 3600.0
    webhook_give_up_after: float = 86400.0
    # Seconds between two rounds of a dispatcher (webhooks, email) with nothing to send.
    webhook_poll_seconds: float = 1.0
    # smtp://user:password@host:port or smtps://...; email is off when unset.
    smtp_url: str | None = None
    mail_from: str | None = None
    # Minutes a digest of unread messages collects messages after its first one.
    mail_digest_minutes: float = 15.0

    @property
    def async_database_url(self) -> str:
        return async_database_url(self.database_url)

    @property
    def transaction_timeout(self) -> float:
        """Seconds a unit of work may hold a PostgreSQL connection before it is cut."""
        if self.db_transaction_timeout is not None:
            return self.db_transaction_timeout
        return self.db_statement_timeout + TRANSACTION_TIMEOUT_MARGIN

    @property
    def idempotency_lease(self) -> timedelta:
        """How long an idempotency key's claim may run before another request may take it over.

        No longer than a live request can hold one: the wait for a pooled connection, a new
        connection, the unit of work's own bound, and a second for the Python around them.
        """
        longest = self.db_pool_timeout + self.db_connect_timeout + self.transaction_timeout + 1.0
        return timedelta(seconds=longest)

    @property
    def proxies(self) -> tuple[str, ...]:
        """The trusted proxies, with the deprecated boolean's loopback when it alone is set."""
        if self.trusted_proxies:
            return self.trusted_proxies
        return LOOPBACK_PROXIES if self.trust_forwarded_for else ()

    @property
    def request_ttl(self) -> timedelta:
        return timedelta(days=self.request_ttl_days)

    @property
    def event_retention(self) -> timedelta:
        return timedelta(days=self.event_retention_days)

    @property
    def webhook_lease(self) -> timedelta:
        """How long a dispatcher holds an endpoint (or the mailer) without writing: longer
        than a POST (or a mail) may take, so it never runs out while one is sent."""
        return timedelta(seconds=2 * self.webhook_timeout_seconds + 30)

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        """The file of a SQLite database; None for PostgreSQL and for in-memory SQLite."""
        if not self.is_sqlite:
            return None
        rest = self.database_url.partition("://")[2]
        # sqlite:///relative.db and sqlite:////absolute.db: one slash belongs to the URL.
        path, _, query = rest[1:].partition("?")
        if not path or path == ":memory:" or parse_qs(query).get("mode") == ["memory"]:
            return None
        return Path(path.removeprefix("file:"))

    @property
    def secret_key_file(self) -> Path | None:
        """Where a generated signing key is kept: beside the SQLite database file."""
        db = self.sqlite_path
        return None if db is None else db.with_name(db.name + ".secret")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f"MENTORAT_{f.name.upper()}"
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(name, raw, f.type)
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        async_database_url(self.database_url)
        positive = (
            "access_token_lifetime",
            "refresh_token_lifetime",
            "login_max_failures_per_username",
            "login_max_failures_per_address",
            "login_window_seconds",
            "db_pool_size",
            "db_pool_timeout",
            "db_connect_timeout",
            "db_statement_timeout",
            "argon2_time_cost",
            "argon2_memory_kib",
            "argon2_parallelism",
            "argon2_max_concurrent",
            "registration_max_per_address",
            "registration_window_seconds",
            "request_ttl_days",
            "event_retention_days",
            "event_keepalive_seconds",
            "event_queue_size",
            "event_poll_seconds",
            "webhook_timeout_seconds",
            "webhook_backoff_base_seconds",
            "webhook_backoff_cap_seconds",
            "webhook_give_up_after",
            "webhook_poll_seconds",
            "mail_digest_minutes",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise SettingsError(f"MENTORAT_{name.upper()} must be greater than 0")
        if self.event_retention_days > REQUEST_TTL_DAYS_MAX:
            raise SettingsError(
                f"MENTORAT_EVENT_RETENTION_DAYS must be at most {REQUEST_TTL_DAYS_MAX} (100 years)"
            )
        if self.request_ttl_days > REQUEST_TTL_DAYS_MAX:
            # Beyond it, `now - ttl` would leave the calendar datetime can hold.
            raise SettingsError(
                f"MENTORAT_REQUEST_TTL_DAYS must be at most {REQUEST_TTL_DAYS_MAX} (100 years)"
            )
        if self.db_listen_url is not None and self.db_listen_url.partition("://")[0] not in (
            "postgres",
            "postgresql",
            "postgresql+psycopg",
        ):
            raise SettingsError("MENTORAT_DB_LISTEN_URL must be a postgresql://... URL")
        if self.db_transaction_timeout is not None and self.db_transaction_timeout <= 0:
            raise SettingsError("MENTORAT_DB_TRANSACTION_TIMEOUT must be greater than 0")
        for name in ("db_max_overflow", "argon2_max_waiting"):
            if getattr(self, name) < 0:
                raise SettingsError(f"MENTORAT_{name.upper()} must not be negative")
        for name in ("auth_cache_seconds", "db_idle_ping_seconds"):
            if getattr(self, name) < 0:
                raise SettingsError(f"MENTORAT_{name.upper()} must not be negative")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise SettingsError("MENTORAT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        if self.log_format is not None and self.log_format not in LOG_FORMATS:
            raise SettingsError("MENTORAT_LOG_FORMAT must be json or text")
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy)
            except ValueError as error:
                raise SettingsError(
                    f"MENTORAT_TRUSTED_PROXIES must list IP addresses or CIDR ranges "
                    f"separated by commas: {error}"
                ) from None
        if self.webhook_backoff_cap_seconds < self.webhook_backoff_base_seconds:
            raise SettingsError(
                "MENTORAT_WEBHOOK_BACKOFF_CAP_SECONDS must be at least "
                "MENTORAT_WEBHOOK_BACKOFF_BASE_SECONDS"
            )
        if self.smtp_url is not None:
            _check_smtp_url(self.smtp_url)
            if not self.mail_from or "@" not in self.mail_from:
                raise SettingsError(
                    "MENTORAT_MAIL_FROM must be an email address when MENTORAT_SMTP_URL is set"
                )
        if self.secret_key is not None and not self.secret_key.strip():
            raise SettingsError("MENTORAT_SECRET_KEY must not be blank")


def _check_smtp_url(url: str) -> None:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or port == -1:
        # The URL may hold a password: the message does not repeat it.
        raise SettingsError(
            "MENTORAT_SMTP_URL must be smtp://[user:password@]host[:port] or smtps://..."
        )


def resolve_secret_key(settings: Settings) -> Settings:
    """Settings with a signing key: the configured one, or on SQLite one kept beside the database.

    With no MENTORAT_SECRET_KEY, a SQLite deployment gets a random key, created once in a file
    only its owner can read (so tokens survive restarts and every worker shares the key). With
    PostgreSQL the key must be configured: several hosts must share it, and a key invented on
    one of them would silently log everyone out of the others.
    """
    if settings.secret_key:
        if len(settings.secret_key.encode()) < SECRET_KEY_MIN_BYTES:
            log.warning(
                "MENTORAT_SECRET_KEY is shorter than %d bytes: tokens signed with it are easier "
                "to forge; use a longer random key.",
                SECRET_KEY_MIN_BYTES,
            )
        return settings
    if not settings.is_sqlite:
        raise SettingsError(
            "MENTORAT_SECRET_KEY is not set: with PostgreSQL every server must share one signing "
            "key; set it to a long random string, for example the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
    path = settings.secret_key_file
    if path is None:
        log.warning(
            "MENTORAT_SECRET_KEY is not set and the SQLite database lives in memory: using a "
            "random signing key for this process only."
        )
        return dataclasses.replace(settings, secret_key=secrets.token_urlsafe(48))
    return dataclasses.replace(settings, secret_key=_read_or_create_key(path))


def _read_or_create_key(path: Path) -> str:
    if not path.parent.is_dir():
        raise SettingsError(
            f"MENTORAT_DATABASE_URL points into {str(path.parent)!r}, which is not a directory"
        )
    key = secrets.token_urlsafe(48)
    try:
        # O_EXCL: of two workers starting at once, one creates the file and both read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    except OSError as error:
        raise SettingsError(f"cannot create the signing key file {str(path)!r}: {error}") from None
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, key.encode() + b"\n")
    finally:
        os.close(fd)
    log.info(
        "MENTORAT_SECRET_KEY is not set: created a random signing key in %s (readable only by "
        "its owner); keep it with the database, or set MENTORAT_SECRET_KEY instead.",
        path,
    )
    return key


def _read_key(path: Path) -> str:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"cannot read the signing key file {str(path)!r}: {error}") from None
    if not key:
        # A twin worker may be between creating the file and writing to it.
        for _ in range(50):
            time.sleep(0.02)
            key = path.read_text(encoding="utf-8").strip()
            if key:
                break
        else:
            raise SettingsError(f"the signing key file {str(path)!r} is empty; delete it to renew")
    if path.stat().st_mode & 0o077:
        log.warning("the signing key file %s is readable by others; chmod 600 it", path)
    return key


def _parse(name: str, raw: str, kind: object) -> object:
    kind = str(kind)
    try:
        if kind == "int":
            return int(raw)
        if kind in ("float", "float | None"):
            return float(raw)
        if kind == "bool":
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if kind.startswith("tuple"):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        raise SettingsError(f"{name} has an invalid value: {raw!r}") from None
    return raw
