"""The one table from errors to HTTP responses, and the handlers Litestar calls with them.

Every error body is JSON with at least `detail`; invalid input adds `errors: [{field, message}]`.
Domain and application code raise `MentoratError` families and never think about HTTP; the
wire layer raises `BadRequest` for what it rejects before a use case runs (a body that is not
JSON, a query parameter that is not an integer). Nothing leaves as HTML or as a bare 500.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.types import ExceptionHandlersMap

from mentorat.application.errors import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    Overloaded,
    StorageUnavailable,
    Throttled,
)
from mentorat.domain.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    MentoratError,
    NotAllowed,
    NotFound,
    StaffOnly,
)

log = logging.getLogger("mentorat.http")

# How long a client should wait before retrying when the database is down.
RETRY_AFTER_UNAVAILABLE: Final = "5"
BEARER: Final = {"WWW-Authenticate": "Bearer"}


class FieldError(msgspec.Struct):
    field: str
    message: str


class ErrorOut(msgspec.Struct, omit_defaults=True):
    """Every error body: a human readable `detail`, plus the fields at fault for invalid input.

    `code` is set on 401 answers with SimpleJWT's codes (`not_authenticated`, `token_not_valid`,
    `no_active_account`), which existing clients test to decide when to refresh a token, and
    on conflicts whose rule has a name for programs (`mentor_at_capacity`, ...).
    """

    detail: str
    errors: list[FieldError] | None = None
    code: str | None = None


class BadRequest(Exception):
    """Input the wire layer refuses before any use case runs: malformed JSON, bad types..."""

    def __init__(self, field: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


class UnsupportedMediaType(BadRequest):
    def __init__(self, media_type: str) -> None:
        shown = media_type or "no Content-Type"
        super().__init__(
            "Content-Type",
            f"Unsupported media type {shown!r}: send the body as application/json.",
            status=415,
        )


# The one table: each MentoratError family and the status it answers with. First match wins,
# so a family must come before any family it derives from.
STATUS_OF_FAMILY: Final[tuple[tuple[type[MentoratError], int], ...]] = (
    (InvalidInput, 400),
    (AuthenticationFailed, 401),
    (NotAllowed, 403),
    (NotFound, 404),
    (Conflict, 409),
    (IdempotencyKeyReused, 422),
    (Throttled, 429),
    (StorageUnavailable, 503),
    (Overloaded, 503),
)

_CODE_OF_401: Final[tuple[tuple[type[AuthenticationFailed], str], ...]] = (
    (InvalidCredentials, "no_active_account"),
    (InvalidToken, "token_not_valid"),
    (AuthenticationFailed, "not_authenticated"),
)

_DETAIL_OF_STATUS: Final[Mapping[int, str]] = {
    404: "Not found.",
    405: "Method not allowed.",
    413: "Request body is larger than 64 KiB.",
    500: "Internal server error.",
}


def _json(
    status: int, body: ErrorOut, headers: Mapping[str, str] | None = None
) -> Response[ErrorOut]:
    return Response(body, status_code=status, headers=dict(headers) if headers else None)


def mentorat_error_response(_: Request[Any, Any, Any], exc: MentoratError) -> Response[ErrorOut]:
    status = next((code for family, code in STATUS_OF_FAMILY if isinstance(exc, family)), None)
    if status is None:
        log.error("unmapped %s: %s", type(exc).__name__, exc.message, exc_info=exc)
        return _json(500, ErrorOut(_DETAIL_OF_STATUS[500]))
    if isinstance(exc, InvalidInput):
        return _json(status, ErrorOut(exc.message, [FieldError(exc.field, exc.message)]))
    if isinstance(exc, AuthenticationFailed):
        code = next(code for kind, code in _CODE_OF_401 if isinstance(exc, kind))
        return _json(status, ErrorOut(exc.message, code=code), BEARER)
    if isinstance(exc, Throttled | IdempotencyKeyInFlight | Overloaded):
        return _json(status, ErrorOut(exc.message), {"Retry-After": str(exc.retry_after)})
    if isinstance(exc, StorageUnavailable):
        # Not logged here: the storage adapter that raised it logged the cause.
        return _json(status, ErrorOut(exc.message), {"Retry-After": RETRY_AFTER_UNAVAILABLE})
    return _json(status, ErrorOut(exc.message, code=exc.code))


def bad_request_response(_: Request[Any, Any, Any], exc: BadRequest) -> Response[ErrorOut]:
    return _json(exc.status, ErrorOut(exc.message, [FieldError(exc.field, exc.message)]))


def http_exception_response(
    request: Request[Any, Any, Any], exc: HTTPException
) -> Response[ErrorOut]:
    """Litestar's own refusals (routing, body size, query parameters) in our error shape."""
    status = exc.status_code
    if isinstance(exc, ValidationException):
        errors = (
            [_field_error(item) for item in exc.extra or ()] if isinstance(exc.extra, list) else []
        )
        detail = errors[0].message if errors else "Invalid request."
        return _json(400, ErrorOut(detail, errors or [FieldError("request", detail)]))
    if status >= 500:
        # Litestar raises these for a client that hung up mid-body, among others.
        log.warning("%s %s: %s", request.method, request.url.path, exc.detail)
        detail = _DETAIL_OF_STATUS[500] if status == 500 else exc.detail
        return _json(status, ErrorOut(detail), exc.headers)
    if status == 405 and request.url.path.startswith(ADMIN_PATHS):
        return _admin_method_refused(request)
    detail = _DETAIL_OF_STATUS.get(status) or exc.detail or HTTPStatus(status).phrase
    return _json(status, ErrorOut(detail), exc.headers)


# Administration routes answer everyone who is not an administrator alike, whatever the path
# (`controllers.admin`). A method a route does not take is refused by the router before any
# guard, so a 405 would tell that the path exists: under these paths it is the answer every
# other administration path gives instead, 401 without credentials and 403 with them.
ADMIN_PATHS: Final = ("/api/admin/",)


def _admin_method_refused(request: Request[Any, Any, Any]) -> Response[ErrorOut]:
    if "authorization" not in request.headers:
        return mentorat_error_response(
            request, AuthenticationFailed("Authentication credentials were not provided.")
        )
    return mentorat_error_response(request, StaffOnly())


def _field_error(item: object) -> FieldError:
    if isinstance(item, Mapping):
        key = str(item.get("key") or "request")
        message = str(item.get("message") or "Invalid value.")
        if key == "data":
            # The handler wants a body and none came.
            return FieldError("body", "A JSON object is required in the request body.")
        return FieldError(key, f"{key}: {message}")
    return FieldError("request", str(item))


def unexpected_error_response(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[ErrorOut]:
    """The last resort: log everything, tell the client nothing about the inside."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _json(500, ErrorOut(_DETAIL_OF_STATUS[500]))


EXCEPTION_HANDLERS: Final[ExceptionHandlersMap] = {
    MentoratError: mentorat_error_response,
    BadRequest: bad_request_response,
    HTTPException: http_exception_response,
    Exception: unexpected_error_response,
}


# --- OpenAPI: the error answers each operation documents ---------------------------------------

_ERROR_DOCS: Final[Mapping[int, tuple[str, str]]] = {
    400: (
        "Invalid input: malformed JSON, a wrong type, a broken rule.",
        "End_Date must not be before Start_Date.",
    ),
    401: (
        "No, invalid or expired credentials (with `WWW-Authenticate: Bearer`).",
        "Authentication credentials were not provided.",
    ),
    403: (
        "Authenticated, but not allowed to do this.",
        "Only the mentor of this request may respond to it.",
    ),
    404: ("Unknown resource, or one the caller may not see.", "No mentoring matches the given id."),
    409: (
        "The current state forbids it (duplicate, no longer pending, closed), or a request with "
        "the same Idempotency-Key is still running (with `Retry-After`).",
        "This request is no longer pending (it is active).",
    ),
    413: ("The body is larger than 64 KiB.", "Request body is larger than 64 KiB."),
    422: (
        "The Idempotency-Key was already used with another request body.",
        "This Idempotency-Key was already used with a different request.",
    ),
    415: (
        "The body is not `application/json`.",
        "Unsupported media type 'text/plain': send the body as application/json.",
    ),
    429: (
        "Too many failed logins, or registrations from one address (with `Retry-After`).",
        "Too many failed login attempts. Try again later.",
    ),
    503: (
        "The database is unavailable, or the server is hashing as many passwords as it may at "
        "once (with `Retry-After`).",
        "The database is unavailable; retry shortly.",
    ),
}


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI `responses` for the error answers an operation can give."""
    specs: dict[int, ResponseSpec] = {}
    for status in statuses:
        description, example = _ERROR_DOCS[status]
        specs[status] = ResponseSpec(
            data_container=ErrorOut,
            description=description,
            generate_examples=False,
            examples=[Example(summary=HTTPStatus(status).phrase, value={"detail": example})],
        )
    return specs
