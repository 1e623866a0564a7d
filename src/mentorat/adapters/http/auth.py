"""Bearer authentication: one token decode and one user lookup, through IdentifyCaller.

A guard, not a middleware: it runs only on the routes that need a caller, before their body is
read, so an anonymous request is a 401 whatever it sends.
"""

from __future__ import annotations

from typing import Any, Final

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from mentorat.adapters.http.context import use_cases
from mentorat.domain.errors import AuthenticationFailed, InvalidToken

BEARER_SCHEME: Final = "BearerAuth"
SECURITY: Final[list[dict[str, list[str]]]] = [{BEARER_SCHEME: []}]


async def require_caller(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Put the authenticated caller (a UserView) in `request.user`, or answer 401."""
    if connection.scope.get("method") == "OPTIONS":
        return  # Litestar's automatic answer (204 and Allow) reveals nothing about anyone
    header = connection.headers.get("authorization")
    if not header:
        raise AuthenticationFailed("Authentication credentials were not provided.")
    scheme, _sep, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise AuthenticationFailed("Authentication credentials were not provided.")
    token = token.strip()
    if not token or " " in token:
        raise InvalidToken("Authorization header must contain two space-delimited values")
    connection.scope["user"] = await use_cases(connection).identify_caller(token)
