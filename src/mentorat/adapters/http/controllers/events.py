"""The caller's event stream: GET /api/events/ (Server-Sent Events, docs/api.md "Event stream").

Each event is sent as `id:` (its outbox id), `event:` (its name) and `data:` (its JSON
payload, on one line, as the outbox keeps it). `Last-Event-ID` (what a browser's EventSource
sends when it reconnects) or `?after=` resumes after that id; without either, the stream
starts with the events to come. The stream's first line, `: stream open`, comes once it
follows: no event committed after it is missed. An idle stream gets a `: keep-alive` comment every
`HttpContext.event_keepalive` seconds. A client that reads too slowly is dropped: the stream
ends, and the client reconnects with the last id it read.

The caller's credentials are checked again every `event_keepalive` seconds, as a request would
check them: once the token has expired, the account is deactivated or the password changed
(tokens issued before refused), the stream sends an `unauthorized` event, whose data is the
body a request would get with its `status`, and ends. The client gets a new token and
reconnects with the last id it read.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Final

import msgspec
from litestar import get
from litestar.params import HeaderParameter, Parameter
from litestar.response import Stream

from mentorat.adapters.http.auth import require_caller
from mentorat.adapters.http.context import context_of
from mentorat.adapters.http.controllers import Authenticated, query_int, query_integer
from mentorat.adapters.http.errors import error_responses, mentorat_error_response
from mentorat.application.errors import StorageUnavailable, SubscriptionDropped
from mentorat.application.ports import StoredEvent
from mentorat.domain.chat import ID_MAX
from mentorat.domain.errors import AuthenticationFailed, InvalidPaging, NotAllowed

TAGS = ["events"]
MEDIA_TYPE: Final = "text/event-stream"
HEADERS: Final = {
    "Cache-Control": "no-cache",
    # nginx: pass each event on as it comes instead of buffering the response.
    "X-Accel-Buffering": "no",
}
OPEN: Final = b": stream open\n\n"
KEEP_ALIVE: Final = b": keep-alive\n\n"
DROPPED: Final = b": dropped: events were read too slowly; reconnect with Last-Event-ID\n\n"


def frame(event: StoredEvent) -> bytes:
    """One event as SSE lines; the payload is JSON on one line (no newline to split)."""
    return f"id: {event.id}\nevent: {event.name}\ndata: {event.payload}\n\n".encode()


async def _refusal(request: Authenticated) -> bytes | None:
    """The `unauthorized` frame that ends the stream when the caller's credentials no longer
    hold; None when they do (or cannot be checked now: the database is away, and the next
    check will tell)."""
    try:
        await require_caller(request)
    except (AuthenticationFailed, NotAllowed) as refused:
        answer = mentorat_error_response(request, refused)
        body = {"status": answer.status_code, **msgspec.to_builtins(answer.content)}
        return b"event: unauthorized\ndata: " + msgspec.json.encode(body) + b"\n\n"
    except StorageUnavailable:
        pass  # the next check decides
    return None


def _cursor(last_event_id: str | None, after: str | None) -> int | None:
    """Where to resume: `Last-Event-ID` first (a reconnecting EventSource sends it), then
    `?after=`; None (neither): from now on."""
    for name, raw in (("Last-Event-ID", last_event_id), ("after", after)):
        value = query_int(name, raw.strip() if raw else raw)
        if value is not None:
            if not 0 <= value <= ID_MAX:
                raise InvalidPaging(name, f"{name} must be an event id (0 or more).")
            return value
    return None


@get(
    "/api/events/",
    operation_id="followEvents",
    summary="The caller's events as Server-Sent Events (text/event-stream)",
    tags=TAGS,
    media_type=MEDIA_TYPE,
    responses=error_responses(400, 401, 503),
)
async def follow_events(
    request: Authenticated,
    after: Annotated[
        str | None,
        Parameter(
            description="Resume after this event id (Last-Event-ID wins when both are given).",
            schema_extra=query_integer(0, ID_MAX),
        ),
    ] = None,
    last_event_id: Annotated[
        str | None,
        HeaderParameter(name="Last-Event-ID", description="Resume after this event id."),
    ] = None,
) -> Stream:
    """Every event about the caller's mentorings: `message_posted`, `mentoring_requested`,
    `mentoring_accepted`, `mentoring_rejected`, `mentoring_withdrawn`, `mentoring_cancelled`,
    `mentoring_completed`, `mentoring_expired`, `goal_added`, `goal_edited`, `goal_deleted`,
    `goals_reordered`, `chat_read` (the caller's own read marks); `reset` when the events
    after the id asked for are no longer kept; `unauthorized` as the last, when the caller's
    credentials no longer hold."""
    cursor = _cursor(last_event_id, after)
    ctx = context_of(request)
    events = ctx.mentorat.follow_events(request.user.id, cursor, idle=ctx.event_keepalive)

    async def frames() -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        check_at = loop.time() + ctx.event_keepalive
        async with contextlib.aclosing(events):
            try:
                opened = False
                async for event in events:
                    if event is not None:
                        yield frame(event)
                    elif opened:
                        yield KEEP_ALIVE
                    else:
                        opened = True
                        yield OPEN  # following from here on: nothing later is missed
                    if loop.time() >= check_at:
                        check_at = loop.time() + ctx.event_keepalive
                        refusal = await _refusal(request)
                        if refusal is not None:
                            yield refusal
                            return
            except SubscriptionDropped:
                yield DROPPED

    return Stream(frames(), media_type=MEDIA_TYPE, headers=HEADERS)


PROTECTED = [follow_events]
