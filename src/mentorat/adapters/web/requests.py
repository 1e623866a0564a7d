"""Requests: the ones a mentee sent (withdraw), the ones a mentor received (accept, refuse),
and the mentor's capacity."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Response, Template

from mentorat.adapters.web.forms import PathId, an_id
from mentorat.adapters.web.visits import redirect, render, signed_in, use_cases
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.list_requests import ListRequestsQuery
from mentorat.application.respond_to_request import RespondCommand
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Ending, Role

AnyRequest = Request[Any, Any, Any]


@get("/requests", name="web-requests")
async def requests_page(request: AnyRequest) -> Template:
    user = signed_in(request)
    mentorat = use_cases(request)
    role = Role.MENTOR if user.is_mentor else Role.MENTEE
    found = await mentorat.list_requests.with_people(ListRequestsQuery(user.id, role=role))
    me = await mentorat.show_profile(user.id) if user.is_mentor else None
    # Newest first: the ones waiting for an answer are the recent ones.
    return render(request, "requests.html", requests=found.items[::-1], me=me)


@post("/requests/{mentoring_id:int}/accept", name="web-accept")
async def accept(request: AnyRequest, mentoring_id: PathId) -> Response[Any]:
    return await _respond(request, mentoring_id, accept=True)


@post("/requests/{mentoring_id:int}/refuse", name="web-refuse")
async def refuse(request: AnyRequest, mentoring_id: PathId) -> Response[Any]:
    return await _respond(request, mentoring_id, accept=False)


async def _respond(request: AnyRequest, mentoring_id: PathId, *, accept: bool) -> Response[Any]:
    user = signed_in(request)
    await use_cases(request).respond_to_request(
        RespondCommand(MentoringId(an_id(mentoring_id)), user.id, accept=accept)
    )
    return redirect(request, "/requests")


@post("/requests/{mentoring_id:int}/withdraw", name="web-withdraw")
async def withdraw(request: AnyRequest, mentoring_id: PathId) -> Response[Any]:
    user = signed_in(request)
    await use_cases(request).end_mentoring(
        EndCommand(MentoringId(an_id(mentoring_id)), user.id, Ending.WITHDRAWN)
    )
    return redirect(request, "/requests")


PAGES = [requests_page, accept, refuse, withdraw]
