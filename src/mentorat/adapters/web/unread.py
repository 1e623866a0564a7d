"""Unread badges: how many messages each chat held when this browser last showed it.

Kept in a cookie (`mentoring id.count` pairs, the most recently read first), so a badge is per
browser: reading a chat on the phone leaves the laptop's badge until the laptop shows it too.
A chat's count (`Progress.message_count`) includes one's own messages; showing the chat, and
each poll of an open chat page, brings the count up to date, so one's own messages never
show as unread.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request

from mentorat.adapters.web.visits import visit_of

SEEN_COOKIE: Final = "mentorat_seen"
KEPT: Final = 40
SEEN_MAX_AGE: Final = 365 * 24 * 3600


def seen_counts(request: Request[Any, Any, Any]) -> dict[int, int]:
    seen: dict[int, int] = {}
    for pair in request.cookies.get(SEEN_COOKIE, "").split("-")[:KEPT]:
        mentoring, _, count = pair.partition(".")
        if mentoring.isdigit() and count.isdigit() and len(mentoring + count) < 30:
            seen.setdefault(int(mentoring), int(count))
    return seen


def mark_seen(request: Request[Any, Any, Any], mentoring_id: int, count: int) -> None:
    seen = seen_counts(request)
    if seen.get(mentoring_id) == count:
        return
    pairs = {mentoring_id: count, **{k: v for k, v in seen.items() if k != mentoring_id}}
    value = "-".join(f"{k}.{v}" for k, v in list(pairs.items())[:KEPT])
    visit_of(request).set_cookie(SEEN_COOKIE, value, max_age=SEEN_MAX_AGE)
