"""Authenticate a request: from an access token to the active user it stands for."""

from __future__ import annotations

from datetime import datetime, timedelta

from mentorat.application.lru import Lru
from mentorat.application.ports import Clock, Tokens, UnitOfWork
from mentorat.application.views import UserView
from mentorat.domain.errors import InvalidToken
from mentorat.domain.users import UserId


class RecentCallers:
    """Active users looked up in the last `seconds`, so a burst of requests costs one lookup.

    The bound a deployment accepts: a change made by another process (an administrator
    deactivating or verifying an account from the command line, another worker) reaches this
    process's answers at most `seconds` later. Changes made through this process's own use
    cases take effect at once (`forget`). At most `max_entries` users are kept, least recently
    used first out. `seconds <= 0` keeps nothing.
    """

    __slots__ = ("_entries", "_ttl")

    def __init__(self, seconds: float, *, max_entries: int = 10_000) -> None:
        self._ttl = timedelta(seconds=max(0.0, seconds))
        self._entries: Lru[UserId, tuple[UserView, datetime]] = Lru(
            max_entries if seconds > 0 else 0
        )

    @property
    def enabled(self) -> bool:
        return self._entries.enabled

    def get(self, user_id: UserId, now: datetime) -> UserView | None:
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        view, fetched_at = entry
        if not fetched_at <= now < fetched_at + self._ttl:
            self._entries.pop(user_id)
            return None
        return view

    def put(self, view: UserView, now: datetime) -> None:
        self._entries.put(view.id, (view, now))

    def forget(self, user_id: UserId) -> None:
        self._entries.pop(user_id)

    def __len__(self) -> int:
        return len(self._entries)


class IdentifyCaller:
    def __init__(
        self,
        uow: UnitOfWork,
        tokens: Tokens,
        clock: Clock,
        recent: RecentCallers | None = None,
    ) -> None:
        self._uow, self._tokens, self._clock = uow, tokens, clock
        self._recent = recent if recent is not None else RecentCallers(0)

    async def __call__(self, access_token: str) -> UserView:
        now = self._clock.now()
        grant = self._tokens.verify_access(access_token, now)
        view = self._recent.get(grant.user_id, now)
        if view is None:
            async with self._uow(write=False) as tx:
                user = await tx.users.get(grant.user_id)
            if user is None or not user.is_active:
                raise InvalidToken("User not found or inactive.")
            view = UserView.of(user)
            self._recent.put(view, now)
        if grant.issued_at < view.tokens_valid_since:
            raise InvalidToken(PASSWORD_CHANGED)
        return view


PASSWORD_CHANGED = "Token was issued before the password changed"
