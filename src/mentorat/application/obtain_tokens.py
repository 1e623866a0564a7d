"""Log in: trade a username and password for an access and a refresh token."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from mentorat.application.errors import Throttled
from mentorat.application.lru import Lru
from mentorat.application.ports import (
    UNTALLIED,
    Clock,
    LoginThrottle,
    Occurrence,
    PasswordHasher,
    Tally,
    TokenPair,
    Tokens,
    UnitOfWork,
)
from mentorat.domain.audit import AuditAction, NewAuditEntry
from mentorat.domain.errors import InvalidCredentials, UnstorableText
from mentorat.domain.users import USERNAME_MAX, User, UserId, ensure_storable


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
        tally: Tally = UNTALLIED,
    ) -> None:
        self._uow, self._hasher, self._tokens = uow, hasher, tokens
        self._throttle, self._clock, self._tally = throttle, clock, tally
        # When each throttled (name, address) was last audited here, so a flood of throttled
        # attempts costs one audit entry per wait rather than a write each.
        self._throttle_audited: Lru[tuple[str, str], datetime] = Lru(10_000)

    async def __call__(self, cmd: LoginCommand) -> TokenPair:
        now = self._clock.now()
        possible = _could_be_a_username(cmd.username) and _storable(cmd.password)
        # A name no account can hold is still counted, under a key any throttle can store.
        key = cmd.username if _could_be_a_username(cmd.username) else _digest(cmd.username)
        wait = await self._throttle.retry_after(key, cmd.client_address, now)
        if wait > 0:
            self._tally.add(Occurrence.LOGIN_THROTTLED)
            audited = self._throttle_audited.get((key, cmd.client_address))
            if audited is None or audited <= now:
                self._throttle_audited.put((key, cmd.client_address), now + timedelta(seconds=wait))
                await self._audit(AuditAction.LOGIN_THROTTLED, now, None, cmd.client_address)
            raise Throttled(wait)
        user = None
        if possible:
            async with self._uow(write=False) as tx:
                user = await tx.users.get_by_username(cmd.username)
        if user is None:
            # Same work and same answer as a wrong password: no hint that the name is free or
            # that it could never exist (too long, NUL, a lone surrogate).
            await self._hasher.burn(_hashable(cmd.password))
            ok = False
        else:
            ok = await self._hasher.verify(user.password_hash, cmd.password) and user.is_active
        if user is None or not ok:
            await self._throttle.record_failure(key, cmd.client_address, now)
            self._tally.add(Occurrence.LOGIN_FAILED)
            subject = None if user is None else user.id
            await self._audit(AuditAction.LOGIN_FAILED, now, subject, cmd.client_address)
            raise InvalidCredentials()
        if self._hasher.needs_rehash(user.password_hash):
            await self._rehash(user, cmd.password)
        pair = self._tokens.issue(user.id, now)
        if user.must_change_password:
            pair = dataclasses.replace(pair, password_change_required=True)
        return pair

    async def _audit(
        self, action: AuditAction, now: datetime, subject: UserId | None, address: str
    ) -> None:
        # Never the typed name: it may be someone's password typed in the wrong field.
        async with self._uow() as tx:
            await tx.audit.record(NewAuditEntry(action, now, subject_id=subject, address=address))
            await tx.commit()

    async def _rehash(self, user: User, password: str) -> None:
        """Replace a hash brought from elsewhere (Django's PBKDF2) or made with weaker
        parameters by today's, now that the password is known to be right."""
        password_hash = await self._hasher.hash(password)
        async with self._uow() as tx:
            current = await tx.users.get_by_username(user.username, for_update=True)
            # Unless the password changed meanwhile.
            if current is not None and current.password_hash == user.password_hash:
                current.rehash(password_hash)
                await tx.users.save(current)
                await tx.commit()


def _storable(text: str) -> bool:
    try:
        ensure_storable("text", text)
    except UnstorableText:
        return False
    return True


def _could_be_a_username(username: str) -> bool:
    """False for a name no account can hold, checked before any lookup: longer than any
    username, or text the store cannot keep."""
    return len(username) <= USERNAME_MAX and _storable(username)


def _digest(username: str) -> str:
    """A short throttle key for an impossible name; `#` is in no username, so none collides."""
    raw = username.encode("utf-8", "surrogatepass")
    return "#" + hashlib.sha256(raw).hexdigest()


def _hashable(password: str) -> str:
    """The password as text the hasher takes (a lone surrogate has no UTF-8 form)."""
    return password.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
