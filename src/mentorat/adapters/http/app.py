"""`create_app`: the Litestar application that serves the wire contract over a `Mentorat`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from ipaddress import ip_network
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.events import BaseEventEmitterBackend, EventListener
from litestar.exceptions import ImproperlyConfiguredException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.plugins import PluginProtocol
from litestar.utils import ensure_async_callable

from mentorat import __version__
from mentorat.adapters.http.auth import BEARER_SCHEME, SECURITY, require_caller
from mentorat.adapters.http.body import MAX_BODY_BYTES, JsonBody
from mentorat.adapters.http.context import HttpContext
from mentorat.adapters.http.controllers import (
    admin,
    auth,
    chat,
    events,
    goals,
    health,
    mentorings,
    mentors,
)
from mentorat.adapters.http.cors import cors_config, json_preflight_refusals
from mentorat.adapters.http.errors import EXCEPTION_HANDLERS
from mentorat.adapters.http.headers import allow_of_routes, outgoing_headers
from mentorat.adapters.http.metrics import Exposition, metrics_route
from mentorat.adapters.http.reference import assets_router, render_plugins
from mentorat.application.service import Mentorat

DESCRIPTION = """\
Mentees ask mentors for a mentoring, mentors accept or refuse, the two talk in a chat.

Authenticate with `Authorization: Bearer <access token>` from `POST /auth/token/`. Every path
also works without its trailing slash. Errors are JSON objects with a `detail` string; invalid
input adds `errors: [{field, message}]`.
"""


def create_app(
    mentorat: Mentorat,
    *,
    cors_origins: Sequence[str] = (),
    trusted_proxies: Sequence[str] = (),
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    metrics: Exposition | None = None,
    plugins: Sequence[PluginProtocol] = (),
    debug: bool = False,
    event_keepalive: float = 15.0,
) -> Litestar:
    """The HTTP API over `mentorat`'s use cases; builds no connection, reads no environment.

    `trusted_proxies`: addresses or CIDR ranges of the reverse proxies whose X-Forwarded-For
    and X-Forwarded-Proto are believed (`context.client_address`); ValueError for one that is
    neither. `on_startup`: awaited when the server starts (background tasks); `on_shutdown`:
    awaited when the server stops, e.g. to close the database pool.
    `metrics`: renders `GET /metrics` (no such route without it).
    `plugins`: Litestar plugins that add to the app, such as the web pages (bootstrap joins
    them; this adapter does not know them).
    `event_keepalive`: seconds between the keep-alive comments of an idle event stream.
    """
    protected = Router(
        path="/",
        route_handlers=[
            *auth.PROTECTED,
            *mentorings.PROTECTED,
            *chat.PROTECTED,
            *mentors.PROTECTED,
            *goals.PROTECTED,
            *events.PROTECTED,
        ],
        before_request=require_caller,
        security=SECURITY,
    )
    administration = Router(
        path="/",
        route_handlers=admin.ROUTES,
        before_request=admin.require_staff,
        security=SECURITY,
    )
    cors = cors_config(cors_origins)
    app = Litestar(
        route_handlers=[
            *health.PUBLIC,
            *auth.PUBLIC,
            protected,
            administration,
            assets_router(),
            *([metrics_route(metrics)] if metrics is not None else []),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        # Bodies: strict JSON into the handler's `...In` struct; responses: plain msgspec.
        dto=JsonBody,
        return_dto=None,
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=_openapi(),
        cors_config=cors,
        on_startup=list(on_startup),
        on_shutdown=list(on_shutdown),
        plugins=list(plugins),
        state=State(
            {
                "ctx": HttpContext(
                    mentorat, tuple(ip_network(p) for p in trusted_proxies), event_keepalive
                )
            }
        ),
        event_emitter_backend=NoListeners,
        # Logging is configured by whoever runs the app (the CLI, the ASGI factory), not here.
        logging_config=None,
        debug=debug,
    )
    # Built once the routes exist: Allow must list each path's methods.
    app.before_send.append(ensure_async_callable(outgoing_headers(allow_of_routes(app.routes))))
    if cors is not None:
        # Outside Litestar's CORS layer, which answers refused preflights in text/plain.
        app.asgi_handler = json_preflight_refusals(app.asgi_handler)
    return app


class NoListeners(BaseEventEmitterBackend):
    """Litestar's in-process event bus, left out: the app registers no listeners (domain
    events leave through the `EventPublisher` port, outside HTTP). Litestar's default bus runs
    an anyio task group in every worker, and importing anyio's asyncio backend for it alone
    costs each worker memory it does not need (docs/performance.md)."""

    __slots__ = ()

    def __init__(self, listeners: Sequence[EventListener]) -> None:
        if listeners:
            raise ImproperlyConfiguredException("this app's event bus takes no listeners")
        super().__init__(listeners)

    async def __aenter__(self) -> NoListeners:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    def emit(self, event_id: str, *args: Any, **kwargs: Any) -> None:
        raise ImproperlyConfiguredException(f"no listener for {event_id!r}: events are not used")


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Mentorat API",
        version=__version__,
        description=DESCRIPTION,
        path="/schema",
        render_plugins=render_plugins(),
        components=Components(
            security_schemes={
                BEARER_SCHEME: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="An access token from POST /auth/token/ (HS256, SimpleJWT claims).",
                )
            }
        ),
        tags=[
            Tag(name="auth", description="Accounts and tokens."),
            Tag(name="mentorings", description="Requests, responses, accepted mentorings."),
            Tag(name="chat", description="Messages between the mentor and the mentee."),
            Tag(name="goals", description="What the mentor and the mentee set out to do."),
            Tag(name="admin", description="Accounts, statistics and the audit trail (staff)."),
            Tag(name="events", description="The caller's events, as they happen (SSE)."),
            Tag(name="health", description="Liveness and readiness probes."),
        ],
    )
