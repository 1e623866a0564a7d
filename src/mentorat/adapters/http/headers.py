"""Headers set on the way out: hardening on every answer, no caching of credentials, a content
policy on the API reference pages, and an `Allow` that lists every method of a path.

One `before_send` hook, so that each answer pays one call, whatever produced it (a handler, an
error handler, Litestar's router or its CORS layer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, cast

from litestar.routes import HTTPRoute
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

# A JSON API: never sniffed into HTML, never framed, never leaking its URLs as a referrer.
HARDENING: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
# Answers that carry tokens or the caller's own details (RFC 6749 section 5.1).
NO_STORE_PATHS: Final = frozenset({"/auth/token", "/auth/token/refresh", "/auth/me"})
NO_STORE: Final = ((b"cache-control", b"no-store"), (b"pragma", b"no-cache"))
# The API reference pages (adapters/http/reference) load scripts, styles and images from this
# server only: a page of them never reaches out, even for the logo Redoc links to a CDN.
# Inline scripts and styles are how the pages pass the OpenAPI document to the viewer; Redoc's
# search runs in a worker made from a blob.
REFERENCE_PATHS: Final = frozenset({"/schema", "/schema/swagger", "/schema/redoc"})
REFERENCE_POLICY: Final = (
    b"content-security-policy",
    b"default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    b"base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
)


def allow_of_routes(routes: Iterable[object]) -> dict[int, bytes]:
    """The `Allow` value of each path, keyed by the id of the OPTIONS handler that answers it.

    Litestar builds a path's automatic OPTIONS answer when its first handler is registered and
    keeps it when more handlers join the path, so it lists only the first handler's methods.
    """
    allow: dict[int, bytes] = {}
    for route in routes:
        if isinstance(route, HTTPRoute) and "OPTIONS" in route.route_handler_map:
            handler, _ = route.route_handler_map["OPTIONS"]
            allow[id(handler)] = ", ".join(sorted(route.methods)).encode()
    return allow


def outgoing_headers(allow: Mapping[int, bytes]) -> BeforeMessageSendHookHandler:
    async def set_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        event = cast(dict[str, Any], message)
        headers = event.setdefault("headers", [])
        if not isinstance(headers, list):
            headers = event["headers"] = list(headers)
        headers.extend(HARDENING)
        state = cast(dict[str, Any], scope)
        template = state.get("path_template")
        if template in NO_STORE_PATHS:
            headers.extend(NO_STORE)
        elif template in REFERENCE_PATHS:
            headers.append(REFERENCE_POLICY)
        if state["method"] == "OPTIONS":
            handler = state.get("route_handler")
            methods = allow.get(id(handler)) if handler is not None else None
            if methods is not None:
                headers[:] = [(k, v) for k, v in headers if k.lower() != b"allow"]
                headers.append((b"allow", methods))

    return set_headers
