"""Accounts and tokens: /auth/register/, /auth/token/, /auth/token/refresh/, /auth/me/."""

from __future__ import annotations

from litestar import get, post
from litestar.params import JSONBody

from mentorat.adapters.http.context import client_address, use_cases
from mentorat.adapters.http.controllers import Anonymous, Authenticated
from mentorat.adapters.http.errors import error_responses
from mentorat.adapters.http.schemas import (
    AccessOut,
    LoginIn,
    RefreshIn,
    RegisterIn,
    TokenPairOut,
    UserOut,
    user_out,
)
from mentorat.application.obtain_tokens import LoginCommand
from mentorat.application.register_user import RegisterCommand

TAGS = ["auth"]


@post(
    "/auth/register/",
    operation_id="register",
    summary="Create an account",
    tags=TAGS,
    responses=error_responses(400, 409, 413, 415, 503),
)
async def register(request: Anonymous, data: JSONBody[RegisterIn]) -> UserOut:
    """Anyone may register; `is_verified` starts false and only an administrator sets it."""
    user = await use_cases(request).register_user(
        RegisterCommand(
            username=data.username,
            password=data.password,
            email=data.email,
            first_name=data.first_name,
            last_name=data.last_name,
            is_mentor=data.is_mentor,
            phone_number=data.phone_number,
        )
    )
    return user_out(user)


@post(
    "/auth/token/",
    status_code=200,
    operation_id="obtainTokens",
    summary="Log in: trade a username and password for tokens",
    tags=TAGS,
    responses=error_responses(400, 401, 413, 415, 429, 503),
)
async def obtain_tokens(request: Anonymous, data: JSONBody[LoginIn]) -> TokenPairOut:
    """Failed logins are throttled per username and per client address (429 with Retry-After)."""
    pair = await use_cases(request).obtain_tokens(
        LoginCommand(data.username, data.password, client_address(request))
    )
    return TokenPairOut(refresh=pair.refresh, access=pair.access)


@post(
    "/auth/token/refresh/",
    status_code=200,
    operation_id="refreshAccess",
    summary="Trade a refresh token for a new access token",
    tags=TAGS,
    responses=error_responses(400, 401, 413, 415, 503),
)
async def refresh_access(request: Anonymous, data: JSONBody[RefreshIn]) -> AccessOut:
    """With rotation on, the answer carries a new refresh token and the old one is spent."""
    tokens = await use_cases(request).refresh_tokens(data.refresh)
    return AccessOut(access=tokens.access, refresh=tokens.refresh)


@get(
    "/auth/me/",
    operation_id="me",
    summary="The authenticated user",
    tags=TAGS,
    responses=error_responses(401, 503),
)
async def me(request: Authenticated) -> UserOut:
    return user_out(request.user)


PUBLIC = [register, obtain_tokens, refresh_access]
PROTECTED = [me]
