"""Accounts and tokens: /auth/register/, /auth/token/ (refresh, verify), /auth/logout/,
/auth/me/ and its password."""

from __future__ import annotations

from dataclasses import fields

from litestar import delete, get, patch, post
from litestar.params import JSONBody
from msgspec import UNSET

from mentorat.adapters.http.context import client_address, use_cases
from mentorat.adapters.http.controllers import Anonymous, Authenticated
from mentorat.adapters.http.errors import error_responses
from mentorat.adapters.http.personal_schemas import ExportOut, PasswordIn, export_out
from mentorat.adapters.http.profile_schemas import MeOut, ProfileIn, me_out
from mentorat.adapters.http.schemas import (
    AccessOut,
    ChangePasswordIn,
    EmptyOut,
    LoginIn,
    RefreshIn,
    RegisterIn,
    TokenIn,
    TokenPairOut,
    UserOut,
    user_out,
)
from mentorat.application.actors import Actor
from mentorat.application.edit_profile import EditProfileCommand
from mentorat.application.manage_passwords import ChangePasswordCommand
from mentorat.application.obtain_tokens import LoginCommand
from mentorat.application.personal_data import EraseCommand
from mentorat.application.ports import TokenPair
from mentorat.application.register_user import RegisterCommand
from mentorat.domain.errors import InvalidInput

TAGS = ["auth"]
# Marks the routes a caller holding a temporary password may still use (see auth.py).
DURING_PASSWORD_CHANGE = {"during_password_change": True}


@post(
    "/auth/register/",
    operation_id="register",
    summary="Create an account",
    tags=TAGS,
    responses=error_responses(400, 409, 413, 415, 429, 503),
)
async def register(request: Anonymous, data: JSONBody[RegisterIn]) -> UserOut:
    """Anyone may register; `is_verified` starts false and only an administrator sets it.

    Each client address registers a bounded number of accounts per window (429 with
    Retry-After); a username mixing Latin letters with Cyrillic or Greek ones is refused."""
    user = await use_cases(request).register_user(
        RegisterCommand(
            username=data.username,
            password=data.password,
            email=data.email,
            first_name=data.first_name,
            last_name=data.last_name,
            is_mentor=data.is_mentor,
            phone_number=data.phone_number,
            client_address=client_address(request),
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
    return token_pair_out(pair)


def token_pair_out(pair: TokenPair) -> TokenPairOut:
    return TokenPairOut(
        refresh=pair.refresh,
        access=pair.access,
        password_change_required=pair.password_change_required,
    )


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


@post(
    "/auth/token/verify/",
    status_code=200,
    operation_id="verifyToken",
    summary="Check a token (SimpleJWT's verify view): 200 {} when it would be accepted",
    tags=TAGS,
    responses=error_responses(400, 401, 413, 415, 503),
)
async def verify_token(request: Anonymous, data: JSONBody[TokenIn]) -> EmptyOut:
    """Either type of token. 401 `token_not_valid` when the signature, the expiry or a claim is
    wrong, the user is gone or inactive, the token predates their last password change, or it
    is a refresh token already spent."""
    await use_cases(request).verify_token(data.token)
    return EmptyOut()


@post(
    "/auth/logout/",
    status_code=200,
    operation_id="logOut",
    summary="Log out: spend a refresh token",
    tags=TAGS,
    responses=error_responses(400, 401, 413, 415, 503),
)
async def log_out(request: Anonymous, data: JSONBody[RefreshIn]) -> EmptyOut:
    """The refresh token no longer refreshes (401 `token_not_valid` if it is sent again);
    access tokens already issued live out their short lifetime."""
    await use_cases(request).log_out(data.refresh, client_address(request))
    return EmptyOut()


@post(
    "/auth/me/password/",
    status_code=200,
    operation_id="changePassword",
    summary="Change one's password, proving the current one; answers a new pair of tokens",
    tags=TAGS,
    responses=error_responses(400, 401, 413, 415, 429, 503),
    opt=DURING_PASSWORD_CHANGE,
)
async def change_password(request: Authenticated, data: JSONBody[ChangePasswordIn]) -> TokenPairOut:
    """Every token issued before the change stops working (refresh tokens at once, access
    tokens within the caller cache's bound); keep the pair this answer gives. A wrong
    `current_password` is a 400 naming it and counts as a failed login."""
    pair = await use_cases(request).change_password(
        ChangePasswordCommand(
            caller_id=request.user.id,
            current_password=data.current_password,
            new_password=data.new_password,
            client_address=client_address(request),
        )
    )
    return token_pair_out(pair)


@get(
    "/auth/me/",
    operation_id="me",
    summary="The authenticated user, with their profile",
    tags=TAGS,
    responses=error_responses(401, 503),
    opt=DURING_PASSWORD_CHANGE,
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


@get(
    "/auth/me/export/",
    operation_id="exportMe",
    summary="Everything the service holds about the caller, as one JSON document",
    tags=TAGS,
    responses=error_responses(401, 503),
)
async def export_me(request: Authenticated) -> ExportOut:
    """Profile and account, every mentoring, the messages the caller sent, the goals of their
    mentorings and the audit entries about them (GDPR articles 15 and 20)."""
    caller = Actor(request.user.id, client_address(request))
    return export_out(await use_cases(request).export_personal_data(request.user.id, caller))


@delete(
    "/auth/me/",
    status_code=204,
    operation_id="eraseMe",
    summary="Erase oneself (with one's password): details, credentials and message texts go",
    tags=TAGS,
    responses=error_responses(400, 401, 413, 415, 503),
)
async def erase_me(request: Authenticated, data: JSONBody[PasswordIn]) -> None:
    """Profile fields and credentials are overwritten, every message the caller wrote reads
    `[message deleted]`, open mentorings end (the other participant is notified), and the
    account's tokens stop working. A wrong password is a 400 naming `password`."""
    await use_cases(request).erase_person(
        EraseCommand(
            request.user.id, data.password, Actor(request.user.id, client_address(request))
        )
    )


PUBLIC = [register, obtain_tokens, refresh_access, verify_token, log_out]
PROTECTED = [me, edit_me, change_password, export_me, erase_me]
