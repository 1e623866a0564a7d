"""Log in: trade a username and password for an access and a refresh token."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.errors import Throttled
from mentorat.application.ports import (
    Clock,
    LoginThrottle,
    PasswordHasher,
    TokenPair,
    Tokens,
    UnitOfWork,
)
from mentorat.domain.errors import InvalidCredentials, UnstorableText
from mentorat.domain.users import ensure_storable


@dataclass(frozen=True, slots=True)
class LoginCommand:
    username: str
    password: str
    client_address: str = ""


class ObtainTokens:
    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        tokens: Tokens,
        throttle: LoginThrottle,
        clock: Clock,
    ) -> None:
        self._uow, self._hasher, self._tokens = uow, hasher, tokens
        self._throttle, self._clock = throttle, clock

    async def __call__(self, cmd: LoginCommand) -> TokenPair:
        now = self._clock.now()
        wait = await self._throttle.retry_after(cmd.username, cmd.client_address, now)
        if wait > 0:
            raise Throttled(wait)
        try:
            ensure_storable("username", cmd.username)
            ensure_storable("password", cmd.password)
        except UnstorableText:
            # No account can hold such a name or password, and neither the store nor the
            # hasher can take it: refuse without touching them (or counting a failure).
            raise InvalidCredentials() from None
        async with self._uow(write=False) as tx:
            user = await tx.users.get_by_username(cmd.username)
        if user is None:
            # Same work and same answer as a wrong password: no hint that the name is free.
            await self._hasher.burn(cmd.password)
            ok = False
        else:
            ok = await self._hasher.verify(user.password_hash, cmd.password) and user.is_active
        if user is None or not ok:
            await self._throttle.record_failure(cmd.username, cmd.client_address, now)
            raise InvalidCredentials()
        return self._tokens.issue(user.id, now)
