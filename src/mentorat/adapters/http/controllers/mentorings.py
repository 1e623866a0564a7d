"""Mentoring requests and accepted mentorings: /api/mentorship/... and /api/mentoring/..."""

from __future__ import annotations

from typing import Annotated, Final, TypeVar

from litestar import get, patch, post
from litestar.params import JSONBody, Parameter

from mentorat.adapters.http.context import use_cases
from mentorat.adapters.http.controllers import ID_SCHEMA, Authenticated, parse_id
from mentorat.adapters.http.errors import error_responses
from mentorat.adapters.http.idempotency import IdempotencyKeyParam, idempotency_of
from mentorat.adapters.http.schemas import (
    MentoringOut,
    MentoringRequestIn,
    ProgressOut,
    RespondIn,
    mentoring_out,
    progress_out,
)
from mentorat.application.list_requests import ListRequestsQuery
from mentorat.application.request_mentoring import RequestMentoringCommand
from mentorat.application.respond_to_request import RespondCommand
from mentorat.domain.errors import InvalidFieldValue
from mentorat.domain.mentoring import Role, Status
from mentorat.domain.users import UserId

TAGS = ["mentorings"]
_STATUSES: Final = {s.value: s for s in Status}
_ROLES: Final = {r.value: r for r in Role}
T = TypeVar("T")


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
    responses=error_responses(400, 401, 503),
)
async def list_requests(
    request: Authenticated,
    status: Annotated[
        str | None,
        Parameter(
            description="Only mentorings in this status (empty: all).",
            schema_extra={"one_of": None, "type": "string", "enum": [*_STATUSES]},
        ),
    ] = None,
    role: Annotated[
        str | None,
        Parameter(
            description="Only those where the caller is the mentor, or the mentee (empty: both).",
            schema_extra={"one_of": None, "type": "string", "enum": [*_ROLES]},
        ),
    ] = None,
) -> list[MentoringOut]:
    query = ListRequestsQuery(
        caller_id=request.user.id,
        status=_choice("status", status, _STATUSES),
        role=_choice("role", role, _ROLES),
    )
    return [mentoring_out(m) for m in await use_cases(request).list_requests(query)]


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
    responses=error_responses(401, 503),
)
async def list_mentorings(request: Authenticated) -> list[MentoringOut]:
    return [mentoring_out(m) for m in await use_cases(request).list_mentorings(request.user.id)]


@get(
    "/api/mentorship/progress/",
    operation_id="showProgress",
    summary="The caller's accepted mentorings with both people and how far each has come",
    tags=TAGS,
    responses=error_responses(401, 503),
)
async def show_progress(request: Authenticated) -> list[ProgressOut]:
    return [progress_out(row) for row in await use_cases(request).show_progress(request.user.id)]


PROTECTED = [request_mentoring, list_requests, respond_to_request, list_mentorings, show_progress]
