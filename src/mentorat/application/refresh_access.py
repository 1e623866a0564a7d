"""Trade a refresh token for a new access token, and, when rotation is on, a new refresh token.

With rotation on (SimpleJWT's ROTATE_REFRESH_TOKENS with BLACKLIST_AFTER_ROTATION), each
refresh token works once: trading it in records its `jti` as used, in the same transaction
that checks it was not, so of N concurrent trades of one token exactly one succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.identify_caller import PASSWORD_CHANGED
from mentorat.application.ports import Clock, RefreshGrant, Tokens, UnitOfWork
from mentorat.domain.errors import InvalidToken
from mentorat.domain.users import User


@dataclass(frozen=True, slots=True)
class RefreshedTokens:
    """A new access token; `refresh` is a new refresh token when rotation is on, else None."""

    access: str
    refresh: str | None


def ensure_current(user: User | None, issued_at: int) -> User:
    """The user a token names, if they are active and the token is younger than their last
    password change."""
    if user is None or not user.is_active:
        raise InvalidToken("User not found or inactive.")
    if issued_at < user.tokens_valid_since:
        raise InvalidToken(PASSWORD_CHANGED)
    return user


BLACKLISTED = "Token is blacklisted"


class RefreshTokens:
    def __init__(
        self, uow: UnitOfWork, tokens: Tokens, clock: Clock, *, rotate: bool = False
    ) -> None:
        self._uow, self._tokens, self._clock = uow, tokens, clock
        self.rotates = rotate

    async def __call__(self, refresh_token: str) -> RefreshedTokens:
        now = self._clock.now()
        grant: RefreshGrant = self._tokens.refresh(refresh_token, now, rotate=self.rotates)
        if not self.rotates:
            async with self._uow(write=False) as tx:
                ensure_current(await tx.users.get(grant.user_id), grant.issued_at)
                # A token spent by a logout stays spent.
                if await tx.used_refresh_tokens.is_used(grant.jti):
                    raise InvalidToken(BLACKLISTED)
            return RefreshedTokens(grant.access, None)
        async with self._uow() as tx:
            ensure_current(await tx.users.get(grant.user_id), grant.issued_at)
            if not await tx.used_refresh_tokens.use(grant.jti, grant.expires_at, now):
                raise InvalidToken(BLACKLISTED)
            await tx.commit()
        return RefreshedTokens(grant.access, grant.refresh)


class RefreshAccess:
    """The access token alone, for callers that keep their refresh token.

    With rotation on, the refresh token is spent all the same and the new one is dropped:
    such callers want `RefreshTokens`.
    """

    def __init__(self, refresh_tokens: RefreshTokens) -> None:
        self._refresh_tokens = refresh_tokens

    async def __call__(self, refresh_token: str) -> str:
        return (await self._refresh_tokens(refresh_token)).access
