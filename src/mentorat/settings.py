"""Settings read from `MENTORAT_*` environment variables, checked once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///mentorat.db"


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
    cors_origins: tuple[str, ...] = ()
    log_level: str = "INFO"
    db_pool_size: int = 5
    db_max_overflow: int = 5
    db_pool_timeout: float = 5.0
    db_connect_timeout: float = 5.0
    db_statement_timeout: float = 10.0
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    trust_forwarded_for: bool = False

    @property
    def async_database_url(self) -> str:
        return async_database_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")

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
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise SettingsError(f"MENTORAT_{name.upper()} must be greater than 0")
        if self.db_max_overflow < 0:
            raise SettingsError("MENTORAT_DB_MAX_OVERFLOW must not be negative")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise SettingsError("MENTORAT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")


def _parse(name: str, raw: str, kind: object) -> object:
    kind = str(kind)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
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
