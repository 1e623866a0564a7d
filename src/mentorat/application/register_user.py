"""Register a new user account."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.errors import RegistrationsThrottled
from mentorat.application.ports import Clock, PasswordHasher, RegistrationThrottle, UnitOfWork
from mentorat.application.views import UserView
from mentorat.domain.users import (
    NewUser,
    normalize_username,
    refuse_confusable,
    validate_email,
    validate_name,
    validate_password,
    validate_phone,
    validate_username,
)


@dataclass(frozen=True, slots=True)
class RegisterCommand:
    username: str
    password: str
    email: str
    first_name: str = ""
    last_name: str = ""
    is_mentor: bool = False
    phone_number: str | None = None
    # Who registers, for the per-address bound; empty (a library caller, the command line):
    # not counted.
    client_address: str = ""


class RegisterUser:
    """Registration: usernames are stored in NFKC and refused when they mix Latin letters with
    Cyrillic or Greek ones; each client address registers a bounded number of accounts per
    window (`RegistrationThrottle`)."""

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        clock: Clock,
        throttle: RegistrationThrottle | None = None,
    ) -> None:
        self._uow, self._hasher, self._clock = uow, hasher, clock
        self._throttle = throttle

    async def __call__(self, cmd: RegisterCommand) -> UserView:
        username = refuse_confusable(validate_username(normalize_username(cmd.username)))
        validate_password(cmd.password)
        email = validate_email(cmd.email)
        first_name = validate_name("first_name", cmd.first_name)
        last_name = validate_name("last_name", cmd.last_name)
        phone_number = validate_phone(cmd.phone_number)
        now = self._clock.now()
        if self._throttle is not None:
            wait = await self._throttle.admit(cmd.client_address, now)
            if wait > 0:
                # Not audited: a flood of sign-ups would become a flood of writes.
                raise RegistrationsThrottled(wait)
        new = NewUser(
            username=username,
            email=email,
            password_hash=await self._hasher.hash(cmd.password),
            first_name=first_name,
            last_name=last_name,
            is_mentor=cmd.is_mentor,
            phone_number=phone_number,
            joined_at=now,
        )
        async with self._uow() as tx:
            # The store's unique index is the real guard; it raises UsernameTaken on a clash.
            user = await tx.users.add(new)
            await tx.commit()
        return UserView.of(user)
