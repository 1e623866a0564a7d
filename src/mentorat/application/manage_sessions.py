"""Sessions: log out (spend a refresh token) and check a token, as SimpleJWT's views do."""

from __future__ import annotations

from mentorat.application.ports import Clock, Tokens, UnitOfWork
from mentorat.application.refresh_access import BLACKLISTED, ensure_current
from mentorat.domain.audit import AuditAction, NewAuditEntry
from mentorat.domain.errors import InvalidToken


class LogOut:
    """Spend a refresh token: it no longer refreshes, whether or not rotation is on (SimpleJWT's
    blacklist view). Access tokens already issued live out their short lifetime."""

    def __init__(self, uow: UnitOfWork, tokens: Tokens, clock: Clock) -> None:
        self._uow, self._tokens, self._clock = uow, tokens, clock

    async def __call__(self, refresh_token: str, address: str = "") -> None:
        now = self._clock.now()
        claims = self._tokens.read(refresh_token, now)
        if claims.token_type != "refresh":
            raise InvalidToken("Token has wrong type")
        async with self._uow() as tx:
            if not await tx.used_refresh_tokens.use(claims.jti, claims.expires_at, now):
                raise InvalidToken(BLACKLISTED)
            if await tx.users.get(claims.user_id) is not None:
                await tx.audit.record(
                    NewAuditEntry(
                        AuditAction.LOGGED_OUT,
                        now,
                        actor_id=claims.user_id,
                        subject_id=claims.user_id,
                        address=address,
                    )
                )
            await tx.commit()


class VerifyToken:
    """SimpleJWT's token verification: is this token (of either type) good now?

    Stricter than SimpleJWT, which checks only the signature, the expiry and its blacklist:
    the token must also name an active user and be younger than their last password change,
    so "valid" here means "would be accepted".
    """

    def __init__(self, uow: UnitOfWork, tokens: Tokens, clock: Clock) -> None:
        self._uow, self._tokens, self._clock = uow, tokens, clock

    async def __call__(self, token: str) -> None:
        claims = self._tokens.read(token, self._clock.now())
        async with self._uow(write=False) as tx:
            ensure_current(await tx.users.get(claims.user_id), claims.issued_at)
            if claims.token_type == "refresh" and await tx.used_refresh_tokens.is_used(claims.jti):
                raise InvalidToken(BLACKLISTED)
