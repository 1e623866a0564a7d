"""Authenticate a request: from an access token to the active user it stands for."""

from __future__ import annotations

from mentorat.application.ports import Clock, Tokens, UnitOfWork
from mentorat.application.views import UserView
from mentorat.domain.errors import InvalidToken


class IdentifyCaller:
    def __init__(self, uow: UnitOfWork, tokens: Tokens, clock: Clock) -> None:
        self._uow, self._tokens, self._clock = uow, tokens, clock

    async def __call__(self, access_token: str) -> UserView:
        user_id = self._tokens.verify_access(access_token, self._clock.now())
        async with self._uow(write=False) as tx:
            user = await tx.users.get(user_id)
        if user is None or not user.is_active:
            raise InvalidToken("User not found or inactive.")
        return UserView.of(user)
