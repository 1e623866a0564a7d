"""Passwords: a person changes theirs with the current one; an administrator sets a temporary
one that its holder must replace before anything else."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.actors import COMMAND_LINE, Actor
from mentorat.application.errors import Throttled
from mentorat.application.identify_caller import RecentCallers
from mentorat.application.ports import (
    Clock,
    LoginThrottle,
    PasswordHasher,
    TokenPair,
    Tokens,
    UnitOfWork,
    Users,
)
from mentorat.application.views import AccountView
from mentorat.domain.audit import AuditAction, NewAuditEntry
from mentorat.domain.errors import (
    ConcurrentUpdate,
    InvalidInput,
    InvalidToken,
    UserNotFound,
    WrongPassword,
)
from mentorat.domain.users import User, UserId, validate_password


def checked_new_password(field: str, password: str) -> str:
    """`validate_password`'s rules, the refusal naming `field`."""
    try:
        return validate_password(password)
    except InvalidInput as error:
        raise InvalidInput(field, error.message) from None


@dataclass(frozen=True, slots=True)
class ChangePasswordCommand:
    caller_id: UserId
    current_password: str
    new_password: str
    client_address: str = ""


class ChangePassword:
    """The caller's new password, once their current one is proven.

    Every token issued before the change stops working: refresh tokens at once, access tokens
    at once in this process and within `RecentCallers`' bound in the others. The answer is a
    new pair of tokens, so the caller stays logged in. Wrong current passwords count as failed
    logins of the account (the login throttle), so a stolen access token cannot be used to
    guess the password.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        tokens: Tokens,
        throttle: LoginThrottle,
        clock: Clock,
        recent: RecentCallers | None = None,
    ) -> None:
        self._uow, self._hasher, self._tokens = uow, hasher, tokens
        self._throttle, self._clock, self._recent = throttle, clock, recent

    async def __call__(self, cmd: ChangePasswordCommand) -> TokenPair:
        new_password = checked_new_password("new_password", cmd.new_password)
        if cmd.new_password == cmd.current_password:
            raise InvalidInput("new_password", "The new password must differ from the current one.")
        now = self._clock.now()
        async with self._uow(write=False) as tx:
            user = await tx.users.get(cmd.caller_id)
        if user is None or not user.is_active:
            raise InvalidToken("User not found or inactive.")
        wait = await self._throttle.retry_after(user.username, cmd.client_address, now)
        if wait > 0:
            raise Throttled(wait)
        if not await self._hasher.verify(user.password_hash, cmd.current_password):
            await self._throttle.record_failure(user.username, cmd.client_address, now)
            raise WrongPassword("current_password")
        password_hash = await self._hasher.hash(new_password)
        async with self._uow() as tx:
            current = await tx.users.get(user.id, for_update=True)
            if current is None or current.password_hash != user.password_hash:
                raise ConcurrentUpdate()
            current.change_password(password_hash, now)
            await tx.users.save(current)
            await tx.audit.record(
                NewAuditEntry(
                    AuditAction.PASSWORD_CHANGED,
                    now,
                    actor_id=user.id,
                    subject_id=user.id,
                    address=cmd.client_address,
                )
            )
            await tx.commit()
        if self._recent is not None:
            self._recent.forget(user.id)
        return self._tokens.issue(user.id, now)


class SetTemporaryPassword:
    """An administrator gives a user a password they must replace at their next login.

    The user's tokens stop working as after a change of password; their next login answers
    `password_change_required`, and until they change it every route but the change of
    password (and who am I) refuses them with 403 `password_change_required`.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        clock: Clock,
        recent: RecentCallers | None = None,
    ) -> None:
        self._uow, self._hasher, self._clock, self._recent = uow, hasher, clock, recent

    async def __call__(
        self, who: str | UserId, password: str, actor: Actor = COMMAND_LINE
    ) -> AccountView:
        password_hash = await self._hasher.hash(checked_new_password("password", password))
        now = self._clock.now()
        async with self._uow() as tx:
            user = await load_for_update(tx.users, who)
            user.set_temporary_password(password_hash, now)
            await tx.users.save(user)
            await tx.audit.record(
                NewAuditEntry(
                    AuditAction.TEMPORARY_PASSWORD_SET,
                    now,
                    actor_id=actor.user_id,
                    subject_id=user.id,
                    address=actor.address,
                )
            )
            await tx.commit()
        if self._recent is not None:
            self._recent.forget(user.id)
        return AccountView.of(user)


async def load_for_update(users: Users, who: str | UserId) -> User:
    """The user named by `who` (a username, or an id as an int), held until commit."""
    if isinstance(who, int):
        user = await users.get(UserId(who), for_update=True)
    else:
        user = await users.get_by_username(who, for_update=True)
    if user is None:
        raise UserNotFound()
    return user
