"""Serving over HTTP. Re-exported by `mentorat.bootstrap`."""

# The HTTP adapter's wiring, used by `mentorat serve` (cli/commands.py) and by any ASGI server
# directly:
#     uvicorn --factory mentorat.bootstrap:create_asgi_app
# Nothing here runs at import time; Litestar and uvicorn are imported only when used.

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from mentorat.bootstrap.dispatchers import Background
from mentorat.settings import Settings

if TYPE_CHECKING:
    from litestar import Litestar

    from mentorat.adapters.http.access import RequestIds
    from mentorat.bootstrap import System
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
    from mentorat.adapters.http.access import AccessLog, RequestIds
    from mentorat.adapters.http.app import create_app
    from mentorat.adapters.web import WebPages

    settings = system.settings
    metrics = system.metrics
    access = AccessLog()
    on_startup: list[Callable[[], Awaitable[None]]] = []
    on_shutdown: list[Callable[[], Awaitable[None]]] = []
    if dispatch:
        background = Background(system)
        on_startup.append(background.start)
        on_shutdown.append(background.stop)
    if close_system:
        on_shutdown.append(system.aclose)
    # A stopping worker writes out the requests it counted and logged last.
    on_shutdown.append(_flusher(access.flush, *([metrics.flush] if metrics is not None else [])))
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
        access=access,
    )


def _flusher(*flushes: Callable[[], None]) -> Callable[[], Awaitable[None]]:
    async def flush() -> None:
        for each in flushes:
            each()

    return flush


def create_asgi_app() -> RequestIds[Litestar]:
    """The ASGI application factory each server worker calls: settings from MENTORAT_* variables.

    Raises SettingsError for bad settings (`mentorat serve` checks them before starting workers).
    """
    # Imported when used: mentorat.bootstrap imports this module before it defines it.
    from mentorat.bootstrap import open_system
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
