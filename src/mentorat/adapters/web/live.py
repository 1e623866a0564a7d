"""Live chat: the signed-in person's events about one mentoring, as server-sent events.

The chat page's script (static/app.js) listens with an EventSource (the session cookie goes
with it): at `message` it asks the page's poller for the messages after the newest shown, at
`changed` (a goal, or the mentoring's status) it reloads the side panel. The stream only says
*that* something happened; what is shown comes as HTML from the same handlers as without it,
so it is rendered, escaped and authorised in one place.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any, Final

from litestar import Request, get
from litestar.response import Stream

from mentorat.adapters.web.forms import PathId, an_id
from mentorat.adapters.web.visits import signed_in, use_cases
from mentorat.application.errors import SubscriptionDropped
from mentorat.application.list_messages import ListMessagesQuery
from mentorat.domain.chat import PageRequest
from mentorat.domain.events import MentoringId
from mentorat.domain.users import UserId

AnyRequest = Request[Any, Any, Any]
HEADERS: Final = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# A comment this often keeps proxies from closing a quiet stream.
KEEP_ALIVE_SECONDS: Final = 15.0
# A stream ends after this long and the browser opens a new one, which checks the session
# again: a deactivated account or an ended session stops hearing within this bound.
STREAM_SECONDS: Final = 300.0
# The browser waits this long before opening a new stream (milliseconds).
RETRY: Final = b"retry: 1000\n\n"
KEEP_ALIVE: Final = b": keep-alive\n\n"
MESSAGE: Final = b"event: message\ndata: new\n\n"
CHANGED: Final = b"event: changed\ndata: changed\n\n"
# What makes the side panel (progress, goals, the ending forms) out of date.
CHANGES: Final = ("goal_", "goals_", "mentoring_")


@get("/mentorings/{mentoring_id:int}/events", name="web-events", media_type="text/event-stream")
async def chat_events(request: AnyRequest, mentoring_id: PathId) -> Stream:
    user = signed_in(request)
    wanted = MentoringId(an_id(mentoring_id))
    # Only its participants hear of a mentoring: the read that shows its chat says who.
    await use_cases(request).list_messages(ListMessagesQuery(wanted, user.id, PageRequest(1)))
    return Stream(
        _frames(request, user.id, wanted), media_type="text/event-stream", headers=HEADERS
    )


async def _frames(
    request: AnyRequest, user_id: UserId, mentoring_id: MentoringId
) -> AsyncIterator[bytes]:
    ends = time.monotonic() + STREAM_SECONDS
    events = use_cases(request).follow_events(user_id, None, idle=KEEP_ALIVE_SECONDS)
    yield RETRY
    try:
        async for event in events:
            if time.monotonic() > ends:
                return
            if event is None:
                yield KEEP_ALIVE
            elif event.name == "reset":
                yield MESSAGE + CHANGED
            elif event.mentoring_id != mentoring_id:
                continue
            elif event.name == "message_posted":
                yield MESSAGE
            elif event.name.startswith(CHANGES):
                yield CHANGED
    except SubscriptionDropped:
        return  # the browser opens a new stream; the poller brings what was missed
    finally:
        await events.aclose()  # ends its subscription now, not at collection


PAGES = [chat_events]
