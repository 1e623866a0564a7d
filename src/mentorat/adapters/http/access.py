"""The request id and the access log line: a plain ASGI wrapper around the whole application.

A wrapper rather than a Litestar middleware: Litestar runs middleware only on a matched route,
and the id must also be on its 404s, 405s and CORS refusals. Each request's id is the client's
`X-Request-ID` when it is well formed (so a proxy's id follows the request into mentorat's
logs), 32 random hex digits otherwise; it is echoed in every answer and, through a context
variable, on every log line the request causes. For the same reason, this is where requests
are counted for `/metrics` (a `RequestObserver`, metrics.py), when one is given.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any, Final, Generic, TypeVar

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from mentorat.adapters.http.metrics import RequestObserver
from mentorat.logs import request_id

access_log = logging.getLogger("mentorat.access")
A = TypeVar("A", bound=ASGIApp)

REQUEST_ID_HEADER: Final = b"x-request-id"
_WELL_FORMED: Final = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
# The route of a request no route matched (a 404, a CORS preflight refused before routing).
NO_ROUTE: Final = "(no route)"


def request_id_from(scope: Scope) -> str:
    """The caller's X-Request-ID when it is 1-128 of `A-Za-z0-9._:-`, else 32 random hex digits.

    As random as a uuid4's hex, and cheaper: no `UUID` object is built.
    """
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and _WELL_FORMED.fullmatch(value):
            return value.decode("ascii")
    return os.urandom(16).hex()


class RequestIds(Generic[A]):
    """Gives every HTTP request an id, echoes it, logs one access line when it is done, and
    tells `observer` (if any) its method, route, status and duration.

    `app` is the wrapped application (the Litestar app), for whoever needs to reach it.
    """

    __slots__ = ("app", "observer")

    def __init__(self, app: A, *, observer: RequestObserver | None = None) -> None:
        self.app = app
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        rid = request_id_from(scope)
        header = (REQUEST_ID_HEADER, rid.encode("ascii"))
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = request_id.set(rid)
        logged = access_log.isEnabledFor(logging.INFO)
        observer = self.observer
        started = time.perf_counter() if logged or observer is not None else 0.0
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            status = status or 500
            raise
        finally:
            if logged or observer is not None:
                seconds = time.perf_counter() - started
                if observer is not None:
                    route = scope.get("path_template") or NO_ROUTE
                    observer.observe_request(scope["method"], route, status, seconds)
                if logged:
                    _log_access(scope, status, seconds)
            request_id.reset(token)


def _log_access(scope: HTTPScope, status: int, seconds: float) -> None:
    # The route's template, never the raw path: ids stay out of the line, and lines group.
    route = scope.get("path_template") or NO_ROUTE
    user: Any = scope.get("user")
    user_id = getattr(user, "id", None)
    duration_ms = round(seconds * 1000, 2)
    access_log.info(
        "%s %s %s %.2f ms",
        scope["method"],
        route,
        status,
        duration_ms,
        extra={
            "method": scope["method"],
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": user_id,
        },
    )
