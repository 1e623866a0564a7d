"""Headers set on the way out: hardening on every answer, no caching of credentials, and an
`Allow` that lists every method of a path.

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
        if state.get("path_template") in NO_STORE_PATHS:
            headers.extend(NO_STORE)
        if state["method"] == "OPTIONS":
            handler = state.get("route_handler")
            methods = allow.get(id(handler)) if handler is not None else None
            if methods is not None:
                headers[:] = [(k, v) for k, v in headers if k.lower() != b"allow"]
                headers.append((b"allow", methods))

    return set_headers
