"""The one table from error to page: a form that broke a rule goes back where it came from
with the rule in words; a page that cannot be shown says why with its status code."""

from __future__ import annotations

import logging
from typing import Any, Final
from urllib.parse import quote

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.response import Response
from litestar.types import ExceptionHandlersMap

from mentorat.adapters.web.i18n import error_text
from mentorat.adapters.web.visits import (
    CsrfRefused,
    NotSignedIn,
    Visit,
    go_back,
    render,
    start_visit,
)
from mentorat.application.errors import StorageUnavailable, Throttled
from mentorat.domain.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    MentoratError,
    NotAllowed,
    NotFound,
)

log = logging.getLogger("mentorat.web")

STATUS: Final[tuple[tuple[type[MentoratError], int], ...]] = (
    (InvalidInput, 400),
    (AuthenticationFailed, 401),
    (NotAllowed, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Throttled, 429),
    (StorageUnavailable, 503),
)


def _status(error: MentoratError) -> int:
    return next((code for family, code in STATUS if isinstance(error, family)), 400)


def _visit(request: Request[Any, Any, Any]) -> Visit:
    """The visit, even when the error came before the hook began it."""
    visit: Visit | None = getattr(request.state, "visit", None)
    return visit if visit is not None else start_visit(request)


def _error_page(request: Request[Any, Any, Any], status_code: int, message: str) -> Response[Any]:
    return render(request, "error.html", status_code=status_code, message=message)


def mentorat_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    assert isinstance(error, MentoratError)
    visit = _visit(request)
    text = error_text(visit.language, error)
    if request.method == "GET":
        if isinstance(error, AuthenticationFailed):
            return not_signed_in(request, error)
        return _error_page(request, _status(error), text)
    visit.say("error", text)
    return go_back(request, visit.back)


def not_signed_in(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    visit = _visit(request)
    visit.say("error", visit.t("error.sign_in"))
    back = request.url.path if request.method == "GET" else "/"
    return go_back(request, f"/login?next={quote(back)}")


def csrf_refused(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    visit = _visit(request)
    return _error_page(request, 403, visit.t("error.csrf"))


def http_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    assert isinstance(error, HTTPException)
    visit = _visit(request)
    message = visit.t("error.not_found") if error.status_code == 404 else error.detail
    return _error_page(request, error.status_code, message)


def unexpected_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    visit = _visit(request)
    return _error_page(request, 500, visit.t("error.StorageUnavailable"))


EXCEPTION_HANDLERS: Final[ExceptionHandlersMap] = {
    MentoratError: mentorat_error,
    NotSignedIn: not_signed_in,
    CsrfRefused: csrf_refused,
    HTTPException: http_error,
    Exception: unexpected_error,
}
