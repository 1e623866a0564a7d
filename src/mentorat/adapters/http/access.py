"""The request id and the access log line: a plain ASGI wrapper around the whole application.

A wrapper rather than a Litestar middleware: Litestar runs middleware only on a matched route,
and the id must also be on its 404s, 405s and CORS refusals. Each request's id is the client's
`X-Request-ID` when it is well formed (so a proxy's id follows the request into mentorat's
logs), 32 random hex digits otherwise; it is echoed in every answer and, through a context
variable, on every log line the request causes. For the same reason, this is where requests
are counted for `/metrics` (a `RequestObserver`, metrics.py), when one is given, and where a
request whose headers are too many or too large is refused (431, in JSON) before the app.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from typing import Any, Final, Generic, TypeVar

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from mentorat.adapters.batches import FLUSH_BATCH, FLUSH_SECONDS, Batches
from mentorat.adapters.http.headers import HARDENING
from mentorat.adapters.http.metrics import RequestObserver
from mentorat.logs import AccessEntry, access_record, request_id

access_log = logging.getLogger("mentorat.access")
A = TypeVar("A", bound=ASGIApp)

REQUEST_ID_HEADER: Final = b"x-request-id"
_WELL_FORMED: Final = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
# The route of a request no route matched (a 404, a CORS preflight refused before routing).
NO_ROUTE: Final = "(no route)"


# The most header fields a request may carry, the longest one (name and value) and all of them
# together: those of the nginx configuration in docs/operations.md (large_client_header_buffers
# 4 8k), so a request nginx lets through is never refused here. Apache's LimitRequestFields is
# 100 too.
MAX_HEADERS: Final = 100
MAX_HEADER_BYTES: Final = 8192
MAX_HEADERS_BYTES: Final = 32768
_TOO_LARGE: Final = json.dumps(
    {
        "detail": (
            f"Request header fields too large: at most {MAX_HEADERS} headers, "
            f"{MAX_HEADER_BYTES} bytes each, {MAX_HEADERS_BYTES} bytes in all."
        )
    }
).encode()


def request_id_from(scope: Scope) -> str:
    """The caller's X-Request-ID when it is 1-128 of `A-Za-z0-9._:-`, else 32 random hex digits.

    As random as a uuid4's hex, and cheaper: no `UUID` object is built.
    """
    return _read_headers(scope)[0]


def _read_headers(scope: Scope) -> tuple[str, bool]:
    """The request's id, and whether its headers are within the limits (one pass over them)."""
    rid = None
    count = total = longest = 0
    for name, value in scope["headers"]:
        count += 1
        size = len(name) + len(value)
        total += size
        if size > longest:
            longest = size
        if rid is None and name == REQUEST_ID_HEADER and _WELL_FORMED.fullmatch(value):
            rid = value.decode("ascii")
    within = count <= MAX_HEADERS and longest <= MAX_HEADER_BYTES
    return rid or os.urandom(16).hex(), within and total <= MAX_HEADERS_BYTES


async def _refuse_headers(send: Send) -> None:
    """431 in JSON, like every other refusal; the server closes the connection after it."""
    await send(
        {
            "type": "http.response.start",
            "status": 431,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(_TOO_LARGE)).encode()),
                (b"connection", b"close"),
                *HARDENING,
            ],
        }
    )
    await send({"type": "http.response.body", "body": _TOO_LARGE, "more_body": False})


# An AccessLog's waiting request: when it ended, its id, method, route, status, seconds, user id.
_Waiting = tuple[float, str, str, str, int, float, int | None]


class AccessLog:
    """The access lines of one worker's requests, handed to `logger` (`mentorat.access`) as one
    record (mentorat.logs.access_record) at most `flush_seconds` after the first of them, at
    once when `FLUSH_BATCH` wait, and on `flush` (which the composition root calls when the
    worker stops). Made, formatted and written one by one, a line cost a busy worker 40-90 µs;
    together, a few."""

    __slots__ = ("_logger", "_waiting")

    def __init__(
        self, logger: logging.Logger = access_log, *, flush_seconds: float = FLUSH_SECONDS
    ) -> None:
        self._logger = logger
        self._waiting = Batches(self._write, seconds=flush_seconds, size=FLUSH_BATCH)

    def enabled(self) -> bool:
        """Whether lines are logged at all (`mentorat serve --access-log`: the logger's level)."""
        return self._logger.isEnabledFor(logging.INFO)

    def add(
        self,
        request_id: str,
        method: str,
        route: str,
        status: int,
        seconds: float,
        user_id: int | None,
    ) -> None:
        """One request, whose answer ended now after `seconds`."""
        # A plain tuple of atoms waits, not an AccessEntry: the garbage collector stops
        # tracking such a tuple at its first pass, and a request's work stays an append.
        self._waiting.add((time.time(), request_id, method, route, status, seconds, user_id))

    def flush(self) -> None:
        """Log the waiting lines now."""
        self._waiting.flush()

    def _write(self, waiting: list[_Waiting]) -> None:
        entries = [
            AccessEntry(ended, rid, method, route, status, round(seconds * 1000, 2), user_id)
            for ended, rid, method, route, status, seconds, user_id in waiting
        ]
        self._logger.handle(access_record(self._logger, entries))


class RequestIds(Generic[A]):
    """Gives every HTTP request an id, echoes it, logs one access line when it is done (in
    `access`), and tells `observer` (if any) its method, route, status and duration.

    `app` is the wrapped application (the Litestar app), for whoever needs to reach it.
    """

    __slots__ = ("access", "app", "observer")

    def __init__(
        self,
        app: A,
        *,
        observer: RequestObserver | None = None,
        access: AccessLog | None = None,
    ) -> None:
        self.app = app
        self.observer = observer
        self.access = access if access is not None else AccessLog()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        rid, within_limits = _read_headers(scope)
        header = (REQUEST_ID_HEADER, rid.encode("ascii"))
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = request_id.set(rid)
        logged = self.access.enabled()
        observer = self.observer
        started = time.perf_counter() if logged or observer is not None else 0.0
        try:
            if within_limits:
                await self.app(scope, receive, send_with_id)
            else:
                await _refuse_headers(send_with_id)
        except BaseException:
            status = status or 500
            raise
        finally:
            if logged or observer is not None:
                seconds = time.perf_counter() - started
                # The route's template, never the raw path: ids stay out, and requests group.
                route = scope.get("path_template") or NO_ROUTE
                if observer is not None:
                    observer.observe_request(scope["method"], route, status, seconds)
                if logged:
                    user: Any = scope.get("user")
                    user_id = getattr(user, "id", None)
                    self.access.add(rid, scope["method"], route, status, seconds, user_id)
            request_id.reset(token)
