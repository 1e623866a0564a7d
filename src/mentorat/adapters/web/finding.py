"""A mentee finds a mentor: the directory with its filters and pages, the suggestions with
their reasons, and the request sent from a mentor's card."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.response import Response, Template

from mentorat.adapters.web.forms import a_date, form_of, text
from mentorat.adapters.web.visits import redirect, render, signed_in, use_cases, visit_of
from mentorat.application.find_mentors import SuggestQuery
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.domain.directory import Cursor, DirectoryQuery
from mentorat.domain.errors import InvalidInput
from mentorat.domain.users import UserId

AnyRequest = Request[Any, Any, Any]
PAGE_SIZE = 12
# The period a request form proposes: from tomorrow, for six months.
DEFAULT_LENGTH = timedelta(days=182)


def _period() -> tuple[date, date]:
    start = date.today() + timedelta(days=1)
    return start, start + DEFAULT_LENGTH


@get("/mentors", name="web-mentors")
async def directory(request: AnyRequest) -> Template:
    signed_in(request)
    params = request.query_params
    q = params.get("q", "")
    skill = params.get("skill", "").strip()
    language = params.get("language", "").strip()
    available = params.get("available") == "on"
    after = params.get("after")
    query = DirectoryQuery.build(
        q=q,
        skills=[skill] if skill else [],
        languages=[language] if language else [],
        available=True if available else None,
        limit=PAGE_SIZE,
        after=Cursor.decode(after) if after else None,
    )
    found = await use_cases(request).search_mentors(query)
    filters = {"q": q, "skill": skill, "language": language}
    kept = {k: v for k, v in filters.items() if v} | ({"available": "on"} if available else {})
    next_url = None
    if found.next is not None:
        next_url = "/mentors?" + urlencode({**kept, "after": found.next.encode()})
    return render(
        request,
        "mentors.html",
        cards=found.cards,
        filters=filters,
        available=available,
        next_url=next_url,
        first_url=("/mentors?" + urlencode(kept)) if after else None,
        period=_period(),
    )


@get("/suggestions", name="web-suggestions")
async def suggestions(request: AnyRequest) -> Template:
    user = signed_in(request)
    found = await use_cases(request).suggest_mentors(SuggestQuery(user.id))
    return render(request, "suggestions.html", suggestions=found, period=_period())


@post("/requests", name="web-request")
async def send_request(request: AnyRequest) -> Response[Any]:
    user = signed_in(request)
    form = await form_of(request)
    mentor = text(form, "mentor_id")
    if not (mentor.isascii() and mentor.isdigit() and len(mentor) < 19):
        raise InvalidInput("mentor_id", "mentor_id must be a user id.")
    start, end = a_date(form, "start_date"), a_date(form, "end_date")
    await use_cases(request).request_mentoring(
        RequestMentoringCommand(
            caller_id=user.id, mentor_id=UserId(int(mentor)), start_date=start, end_date=end
        )
    )
    visit = visit_of(request)
    visit.say("ok", visit.t("requests.sent_ok"))
    return redirect(request, "/requests")


PAGES = [directory, suggestions, send_request]
