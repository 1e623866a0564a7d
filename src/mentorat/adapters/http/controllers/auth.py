"""Accounts and tokens: /auth/register/, /auth/token/, /auth/token/refresh/, /auth/me/."""

from __future__ import annotations

from dataclasses import fields

from litestar import get, patch, post
from litestar.params import JSONBody
from msgspec import UNSET

from mentorat.adapters.http.context import client_address, use_cases
from mentorat.adapters.http.controllers import Anonymous, Authenticated
from mentorat.adapters.http.errors import error_responses
from mentorat.adapters.http.profile_schemas import MeOut, ProfileIn, me_out
from mentorat.adapters.http.schemas import (
    AccessOut,
    LoginIn,
    RefreshIn,
    RegisterIn,
    TokenPairOut,
    UserOut,
    user_out,
)
from mentorat.application.edit_profile import EditProfileCommand
from mentorat.application.obtain_tokens import LoginCommand
from mentorat.application.register_user import RegisterCommand
from mentorat.domain.errors import InvalidInput

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
    summary="The authenticated user, with their profile",
    tags=TAGS,
    responses=error_responses(401, 503),
)
async def me(request: Authenticated) -> MeOut:
    return me_out(await use_cases(request).show_profile(request.user.id))


_READ_ONLY = ("id", "username", "password", "is_mentor", "is_verified")
EDITABLE = tuple(f.name for f in fields(EditProfileCommand) if f.name != "caller_id")


@patch(
    "/auth/me/",
    operation_id="editMe",
    summary="Edit one's details and profile (only the fields sent change)",
    tags=TAGS,
    responses=error_responses(400, 401, 413, 415, 503),
)
async def edit_me(request: Authenticated, data: JSONBody[ProfileIn]) -> MeOut:
    """`is_verified`, `is_mentor`, `username`, `password` and `id` cannot be changed here (400
    naming the field); `capacity` and `accepting_requests` are a mentor's only."""
    for name in _READ_ONLY:
        if getattr(data, name) is not UNSET:
            raise InvalidInput(name, "This field cannot be changed here.")
    changes = {name: value for name in EDITABLE if (value := getattr(data, name)) is not UNSET}
    view = await use_cases(request).edit_profile(
        EditProfileCommand(caller_id=request.user.id, **changes)
    )
    return me_out(view)


PUBLIC = [register, obtain_tokens, refresh_access]
PROTECTED = [me, edit_me]
