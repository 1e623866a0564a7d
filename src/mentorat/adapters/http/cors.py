"""CORS for browser clients on other origins: what they may send and read, and refusals in JSON.

Litestar's CORS layer answers a refused preflight `400 Disallowed CORS headers` as text/plain;
every other answer of this API is JSON, so `json_preflight_refusals` rewrites that one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, cast

import msgspec
from litestar.config.cors import CORSConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from mentorat.adapters.http.errors import ErrorOut, FieldError

# Every request header a client of mentorat has a reason to send (docs/api.md).
ALLOW_HEADERS: Final = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "Last-Event-ID",
    "X-Request-ID",
)
ALLOW_METHODS: Final = ("GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS")
# The response headers a script must be able to read: paging, waits, auth challenges, ids.
EXPOSE_HEADERS: Final = ("Link", "Retry-After", "WWW-Authenticate", "X-Request-ID")

_FIELD_OF_FAILURE: Final = {
    "method": "Access-Control-Request-Method",
    "Origin": "Origin",
    "headers": "Access-Control-Request-Headers",
}
_PREFIX: Final = b"Disallowed CORS "


def cors_config(origins: Sequence[str]) -> CORSConfig | None:
    """No CORS layer at all without an allowed origin."""
    if not origins:
        return None
    return CORSConfig(
        allow_origins=list(origins),
        allow_methods=list(ALLOW_METHODS),
        allow_headers=list(ALLOW_HEADERS),
        expose_headers=list(EXPOSE_HEADERS),
        max_age=600,
    )


def refusal_body(text: bytes) -> bytes:
    """`Disallowed CORS Origin, headers` as an ErrorOut naming each refused part."""
    parts = [p.strip() for p in text.removeprefix(_PREFIX).decode("latin-1").split(",")]
    errors = [
        FieldError(field, f"{field}: not allowed by this server's CORS policy.")
        for field in (_FIELD_OF_FAILURE.get(part, part) for part in parts if part)
    ]
    detail = "CORS preflight refused: " + ", ".join(e.field for e in errors) + " not allowed."
    return msgspec.json.encode(ErrorOut(detail, errors or None))


def json_preflight_refusals(app: ASGIApp) -> ASGIApp:
    """Wraps the app (outside Litestar's CORS layer): a text/plain 400 to a preflight becomes
    the same refusal in our JSON error shape. Everything else passes untouched."""

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if cast(dict[str, Any], scope).get("method") != "OPTIONS":
            await app(scope, receive, send)
            return
        held: list[dict[str, Any]] = []

        async def rewrite(message: Message) -> None:
            event = cast(dict[str, Any], message)
            if event["type"] == "http.response.start":
                headers = dict(event.get("headers", ()))
                if event["status"] == 400 and headers.get(b"content-type", b"").startswith(
                    b"text/plain"
                ):
                    held.append(event)
                    return
            elif held and event["type"] == "http.response.body":
                body = refusal_body(event.get("body", b""))
                kept = [
                    (name, value)
                    for name, value in held[0].get("headers", ())
                    if name.lower() not in (b"content-type", b"content-length")
                ]
                kept += [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]
                await send(cast(Message, {**held[0], "headers": kept}))
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
            await send(message)

        await app(scope, receive, rewrite)

    return handle
