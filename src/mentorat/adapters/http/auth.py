"""Bearer authentication: one token decode and one user lookup, through IdentifyCaller.

A `before_request` hook of the router that holds the protected routes, not a middleware: it
runs only on the routes that need a caller, before their body is read, so an anonymous request
is a 401 whatever it sends. (Not a guard: Litestar hands each guard a fresh copy of the route
handler on every request, a noticeable share of the cheapest request's CPU.) Litestar runs
only the nearest layer's `before_request`, so no protected handler or controller may set one:
`tests/http/test_http_security.py` checks that every route but the public ones runs this one.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request

from mentorat.adapters.http.context import use_cases
from mentorat.domain.errors import AuthenticationFailed, InvalidToken, PasswordChangeRequired

BEARER_SCHEME: Final = "BearerAuth"
SECURITY: Final[list[dict[str, list[str]]]] = [{BEARER_SCHEME: []}]


async def require_caller(request: Request[Any, Any, Any]) -> None:
    """Put the authenticated caller (a UserView) in `request.user`, or answer 401; 403
    `password_change_required` when the caller holds a temporary password and the route is
    not one marked `during_password_change`."""
    if request.scope.get("method") == "OPTIONS":
        return  # Litestar's automatic answer (204 and Allow) reveals nothing about anyone
    header = request.headers.get("authorization")
    if not header:
        raise AuthenticationFailed("Authentication credentials were not provided.")
    scheme, _sep, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise AuthenticationFailed("Authentication credentials were not provided.")
    token = token.strip()
    if not token or " " in token:
        raise InvalidToken("Authorization header must contain two space-delimited values")
    caller = await use_cases(request).identify_caller(token)
    request.scope["user"] = caller
    if caller.must_change_password and not request.route_handler.opt.get("during_password_change"):
        raise PasswordChangeRequired()
