"""Mentoring requests and accepted mentorings: /api/mentorship/... and /api/mentoring/..."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Final, TypeVar

import msgspec
from litestar import Response, get, patch, post
from litestar.params import JSONBody, Parameter

from mentorat.adapters.http.body import optional_body
from mentorat.adapters.http.context import use_cases
from mentorat.adapters.http.controllers import (
    ID_SCHEMA,
    Authenticated,
    link_doc,
    link_header,
    parse_id,
    query_choice,
    query_int,
    query_integer,
)
from mentorat.adapters.http.errors import error_responses
from mentorat.adapters.http.idempotency import IdempotencyKeyParam, idempotency_of
from mentorat.adapters.http.schemas import (
    CancelIn,
    MentoringOut,
    MentoringRequestIn,
    NoFieldsIn,
    ProgressOut,
    RespondIn,
    mentoring_out,
    progress_out,
)
from mentorat.application.end_mentoring import EndCommand
from mentorat.application.list_requests import ListRequestsQuery
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.domain.chat import ID_MAX, PAGE_MAX
from mentorat.domain.errors import InvalidFieldValue
from mentorat.domain.events import MentoringId
from mentorat.domain.mentoring import Ending, Role, Status
from mentorat.domain.paging import ListPage, Paged
from mentorat.domain.users import UserId

TAGS = ["mentorings"]
_STATUSES: Final = {s.value: s for s in Status}
_ROLES: Final = {r.value: r for r in Role}
T = TypeVar("T")
_CANCEL_BODY: Final = msgspec.json.Decoder(CancelIn)
_NO_FIELDS_BODY: Final = msgspec.json.Decoder(NoFieldsIn)

LimitParam = Annotated[
    str | None,
    Parameter(
        description=f"Page size, 1-{PAGE_MAX}; without it, the whole list and no Link header.",
        schema_extra=query_integer(1, PAGE_MAX),
    ),
]
AfterParam = Annotated[
    str | None,
    Parameter(
        description="Only the items whose id is greater than this (0: from the first).",
        schema_extra=query_integer(0, ID_MAX - 1),
    ),
]
NEXT_LINK = link_doc(
    'RFC 8288, with `limit` only: rel="next" (the next page) exactly when more items exist.'
)


def _page(limit: str | None, after: str | None) -> ListPage:
    size, cursor = query_int("limit", limit), query_int("after", after)
    return ListPage(after=None if cursor is None else MentoringId(cursor), limit=size)


def _paged_response(
    request: Authenticated, path: str, query: Mapping[str, object], page: ListPage, found: Paged[T]
) -> Response[list[T]]:
    """The page as a plain array, with a `Link` to the next page exactly when there is one."""
    rels: dict[str, dict[str, object]] = {}
    if page.limit is not None and found.next_after is not None:
        rels["next"] = {"after": found.next_after}
    headers = link_header(request, path, {"limit": page.limit, **query}, rels)
    return Response(found.items, headers=headers)


@post(
    "/api/mentorship/demande/",
    operation_id="requestMentoring",
    summary="Ask a mentor for a mentoring (the caller becomes the mentee)",
    tags=TAGS,
    responses=error_responses(400, 401, 403, 409, 413, 415, 422, 503),
)
async def request_mentoring(
    request: Authenticated,
    data: JSONBody[MentoringRequestIn],
    idempotency_key: Annotated[str | None, IdempotencyKeyParam] = None,
) -> MentoringOut:
    """`mentee_id` may be left out; when given it must be the caller's own id (else 403)."""
    key, fingerprint = await idempotency_of(request)
    view = await use_cases(request).request_mentoring(
        RequestMentoringCommand(
            caller_id=request.user.id,
            mentor_id=UserId(data.mentor_id),
            start_date=data.Start_Date,
            end_date=data.End_Date,
            mentee_id=None if data.mentee_id is None else UserId(data.mentee_id),
            idempotency_key=key,
            fingerprint=fingerprint,
        )
    )
    return mentoring_out(view)


@get(
    "/api/mentorship/demande/",
    operation_id="listRequests",
    summary="The caller's requests, sent or received, in every status",
    tags=TAGS,
    response_headers=[NEXT_LINK],
    responses=error_responses(400, 401, 503),
)
async def list_requests(
    request: Authenticated,
    status: Annotated[
        str | None,
        Parameter(
            description="Only mentorings in this status (empty: all).",
            schema_extra=query_choice(*_STATUSES),
        ),
    ] = None,
    role: Annotated[
        str | None,
        Parameter(
            description="Only those where the caller is the mentor, or the mentee (empty: both).",
            schema_extra=query_choice(*_ROLES),
        ),
    ] = None,
    limit: LimitParam = None,
    after: AfterParam = None,
) -> Response[list[MentoringOut]]:
    """A request its mentor left unanswered for the request TTL is `expired`, here and in
    the `status` filter, whether or not `mentorat expire` has recorded it yet."""
    page = _page(limit, after)
    query = ListRequestsQuery(
        caller_id=request.user.id,
        status=_choice("status", status, _STATUSES),
        role=_choice("role", role, _ROLES),
        page=page,
    )
    found = await use_cases(request).list_requests.paged(query)
    filters = {name: value for name, value in (("status", status), ("role", role)) if value}
    out = Paged([mentoring_out(m) for m in found.items], found.next_after)
    return _paged_response(request, "api/mentorship/demande/", filters, page, out)


def _choice(field: str, raw: str | None, choices: dict[str, T]) -> T | None:
    if not raw:
        return None
    try:
        return choices[raw]
    except KeyError:
        allowed = ", ".join(choices)
        raise InvalidFieldValue(field, f"{field} must be one of {allowed}.") from None


@patch(
    "/api/mentoring/requests/{request_id:str}/respond/",
    operation_id="respondToRequest",
    summary="The mentor accepts (active) or refuses (rejected, or inactive) a pending request",
    tags=TAGS,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 503),
)
async def respond_to_request(
    request: Authenticated,
    data: JSONBody[RespondIn],
    request_id: Annotated[
        str, Parameter(description="The mentoring's id.", schema_extra=ID_SCHEMA)
    ],
) -> MentoringOut:
    view = await use_cases(request).respond_to_request(
        RespondCommand(
            mentoring_id=parse_id(request_id),
            caller_id=request.user.id,
            accept=data.status == "active",
        )
    )
    return mentoring_out(view)


@get(
    "/api/mentoring/",
    operation_id="listMentorings",
    summary="The caller's accepted mentorings (those that have been active), as either party",
    tags=TAGS,
    response_headers=[NEXT_LINK],
    responses=error_responses(400, 401, 503),
)
async def list_mentorings(
    request: Authenticated, limit: LimitParam = None, after: AfterParam = None
) -> Response[list[MentoringOut]]:
    page = _page(limit, after)
    found = await use_cases(request).list_mentorings.paged(request.user.id, page)
    out = Paged([mentoring_out(m) for m in found.items], found.next_after)
    return _paged_response(request, "api/mentoring/", {}, page, out)


@get(
    "/api/mentorship/progress/",
    operation_id="showProgress",
    summary="The caller's accepted mentorings with both people and how far each has come",
    tags=TAGS,
    response_headers=[NEXT_LINK],
    responses=error_responses(400, 401, 503),
)
async def show_progress(
    request: Authenticated, limit: LimitParam = None, after: AfterParam = None
) -> Response[list[ProgressOut]]:
    page = _page(limit, after)
    found = await use_cases(request).show_progress.paged(request.user.id, page)
    out = Paged([progress_out(row) for row in found.items], found.next_after)
    return _paged_response(request, "api/mentorship/progress/", {}, page, out)


# --- ending: withdraw, cancel, complete ---------------------------------------------------------

MentoringIdParam = Annotated[
    str, Parameter(description="The mentoring's id.", schema_extra=ID_SCHEMA)
]


async def _end(
    request: Authenticated, raw_id: str, ending: Ending, reason: str | None = None
) -> MentoringOut:
    key, fingerprint = await idempotency_of(request)
    view = await use_cases(request).end_mentoring(
        EndCommand(
            mentoring_id=parse_id(raw_id),
            caller_id=request.user.id,
            ending=ending,
            reason=reason,
            idempotency_key=key,
            fingerprint=fingerprint,
        )
    )
    return mentoring_out(view)


@post(
    "/api/mentorship/demande/{request_id:str}/withdraw/",
    operation_id="withdrawRequest",
    summary="The mentee withdraws a pending request (it becomes cancelled)",
    tags=TAGS,
    status_code=200,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
)
async def withdraw_request(
    request: Authenticated,
    request_id: MentoringIdParam,
    idempotency_key: Annotated[str | None, IdempotencyKeyParam] = None,
) -> MentoringOut:
    """No body, or a JSON object (its keys are ignored). The mentor gets 403 (the mentor
    refuses a request instead), anyone else 404; a request that is not pending (an expired
    one included) 409."""
    await optional_body(request, _NO_FIELDS_BODY)
    return await _end(request, request_id, Ending.WITHDRAWN)


@post(
    "/api/mentoring/{mentoring_id:str}/cancel/",
    operation_id="cancelMentoring",
    summary="Either participant cancels an active mentoring, optionally saying why",
    tags=TAGS,
    status_code=200,
    responses=error_responses(400, 401, 404, 409, 413, 415, 422, 503),
)
async def cancel_mentoring(
    request: Authenticated,
    mentoring_id: MentoringIdParam,
    idempotency_key: Annotated[str | None, IdempotencyKeyParam] = None,
) -> MentoringOut:
    """Body optional: `{"reason": "..."}` (stripped, at most 1000 characters; blank or null
    is no reason), shown to both as `end_reason`. A pending request is not cancelled but
    withdrawn by its mentee (409 here); a mentoring already ended, 409."""
    body = await optional_body(request, _CANCEL_BODY)
    reason = None if body is None else body.reason
    return await _end(request, mentoring_id, Ending.CANCELLED, reason)


@post(
    "/api/mentoring/{mentoring_id:str}/complete/",
    operation_id="completeMentoring",
    summary="Either participant marks an active mentoring as completed",
    tags=TAGS,
    status_code=200,
    responses=error_responses(400, 401, 404, 409, 413, 415, 422, 503),
)
async def complete_mentoring(
    request: Authenticated,
    mentoring_id: MentoringIdParam,
    idempotency_key: Annotated[str | None, IdempotencyKeyParam] = None,
) -> MentoringOut:
    """No body, or a JSON object (its keys are ignored). Anything but an active mentoring:
    409."""
    await optional_body(request, _NO_FIELDS_BODY)
    return await _end(request, mentoring_id, Ending.COMPLETED)


PROTECTED = [
    request_mentoring,
    list_requests,
    respond_to_request,
    list_mentorings,
    show_progress,
    withdraw_request,
    cancel_mentoring,
    complete_mentoring,
]
