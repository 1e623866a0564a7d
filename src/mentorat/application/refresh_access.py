"""Trade a refresh token for a new access token."""

from __future__ import annotations

from mentorat.application.ports import Clock, Tokens, UnitOfWork
from mentorat.domain.errors import InvalidToken


class RefreshAccess:
    def __init__(self, uow: UnitOfWork, tokens: Tokens, clock: Clock) -> None:
        self._uow, self._tokens, self._clock = uow, tokens, clock

    async def __call__(self, refresh_token: str) -> str:
        user_id, access = self._tokens.refresh(refresh_token, self._clock.now())
        async with self._uow(write=False) as tx:
            user = await tx.users.get(user_id)
        if user is None or not user.is_active:
            raise InvalidToken("User not found or inactive.")
        return access
