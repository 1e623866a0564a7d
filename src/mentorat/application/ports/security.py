"""Ports for who the caller is: password hashes, tokens and what they grant, and the login and
registration throttles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mentorat.domain.users import UserId


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """True when `password` matches; takes the same time whatever the answer."""

    async def burn(self, password: str) -> None:
        """Spend the time a verification would, for a user who does not exist."""

    def needs_rehash(self, password_hash: str) -> bool:
        """True when a verified password should be hashed again and the hash replaced (a
        hash brought from another system, or weaker than today's parameters)."""


@dataclass(frozen=True, slots=True)
class TokenPair:
    """`password_change_required`: the account holds a temporary password, and every route but
    the password change refuses its tokens until it is replaced."""

    access: str
    refresh: str
    password_change_required: bool = False


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    """What a valid refresh token buys: a new access token (and, rotating, a new refresh token).

    `jti` and `expires_at` identify the token that was traded in, for the used-token record;
    `issued_at` is its `iat` (whole seconds since the epoch).
    """

    user_id: UserId
    jti: str
    expires_at: datetime
    access: str
    refresh: str | None = None
    issued_at: int = 0


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """Who an access token stands for, and when it was issued (`iat`, whole seconds)."""

    user_id: UserId
    issued_at: int


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a valid token of either type says."""

    token_type: str
    user_id: UserId
    jti: str
    issued_at: int
    expires_at: datetime


class Tokens(Protocol):
    def issue(self, user_id: UserId, now: datetime) -> TokenPair: ...

    def refresh(self, refresh_token: str, now: datetime, *, rotate: bool = False) -> RefreshGrant:
        """Check a refresh token and mint a new access token (and refresh token if `rotate`).

        Raises InvalidToken. Does not know whether the token was used before: see
        `UsedRefreshTokens`.
        """

    def verify_access(self, access_token: str, now: datetime) -> AccessGrant:
        """The user an access token stands for; raises InvalidToken."""

    def read(self, token: str, now: datetime) -> TokenClaims:
        """The claims of a valid, unexpired token of any type; raises InvalidToken."""


class LoginThrottle(Protocol):
    async def retry_after(self, username: str, address: str, now: datetime) -> int:
        """Seconds the caller must still wait before trying again, 0 when allowed."""

    async def record_failure(self, username: str, address: str, now: datetime) -> None: ...


class RegistrationThrottle(Protocol):
    async def admit(self, address: str, now: datetime) -> int:
        """Count one registration from `address` and return 0; or, when the address already
        made its share within the window, count nothing and return the seconds to wait.
        An empty address (unknown) is always admitted and never counted."""
