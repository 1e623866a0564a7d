"""Register a new user account."""

from __future__ import annotations

from dataclasses import dataclass

from mentorat.application.ports import Clock, PasswordHasher, UnitOfWork
from mentorat.application.views import UserView
from mentorat.domain.users import (
    NewUser,
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


class RegisterUser:
    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow, self._hasher, self._clock = uow, hasher, clock

    async def __call__(self, cmd: RegisterCommand) -> UserView:
        username = validate_username(cmd.username)
        validate_password(cmd.password)
        new = NewUser(
            username=username,
            email=validate_email(cmd.email),
            password_hash=await self._hasher.hash(cmd.password),
            first_name=validate_name("first_name", cmd.first_name),
            last_name=validate_name("last_name", cmd.last_name),
            is_mentor=cmd.is_mentor,
            phone_number=validate_phone(cmd.phone_number),
            joined_at=self._clock.now(),
        )
        async with self._uow() as tx:
            # The store's unique index is the real guard; it raises UsernameTaken on a clash.
            user = await tx.users.add(new)
            await tx.commit()
        return UserView.of(user)
