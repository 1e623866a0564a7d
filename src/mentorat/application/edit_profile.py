"""A person reads and edits their own account details and profile."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final, TypeVar

from mentorat.application.ports import UnitOfWork
from mentorat.application.views import ProfileView
from mentorat.domain.errors import InvalidInput, InvalidToken
from mentorat.domain.profiles import (
    validate_bio,
    validate_capacity,
    validate_languages,
    validate_skills,
    validate_timezone,
)
from mentorat.domain.users import UserId, validate_email, validate_name, validate_phone

T = TypeVar("T")


class Keep(Enum):
    """A field the edit leaves as it is."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP


@dataclass(frozen=True, slots=True)
class EditProfileCommand:
    """Only the fields given change; `None` clears `phone_number` and `timezone`."""

    caller_id: UserId
    first_name: str | Keep = KEEP
    last_name: str | Keep = KEEP
    email: str | Keep = KEEP
    phone_number: str | Keep | None = KEEP
    bio: str | Keep = KEEP
    skills: Sequence[str] | Keep = KEEP
    wanted_skills: Sequence[str] | Keep = KEEP
    languages: Sequence[str] | Keep = KEEP
    timezone: str | Keep | None = KEEP
    capacity: int | Keep = KEEP
    accepting_requests: bool | Keep = KEEP
    email_notifications: bool | Keep = KEEP


def _given(value: T | Keep) -> bool:
    return value is not KEEP


class ShowProfile:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, caller_id: UserId) -> ProfileView:
        async with self._uow(write=False) as tx:
            found = await tx.profiles.get_with_owner(caller_id)
        if found is None or not found[0].is_active:
            raise InvalidToken("User not found or inactive.")
        return ProfileView.of(*found)


class EditProfile:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, cmd: EditProfileCommand) -> ProfileView:
        async with self._uow() as tx:
            # Held until commit: the user's save writes every field back, and must not undo
            # a deactivation (or a verification) made meanwhile.
            found = await tx.profiles.get_with_owner(cmd.caller_id, for_update=True)
            if found is None or not found[0].is_active:
                raise InvalidToken("User not found or inactive.")
            user, profile, standing = found
            if not user.is_mentor:
                for name in ("capacity", "accepting_requests"):
                    if _given(getattr(cmd, name)):
                        raise InvalidInput(name, f"Only mentors have a {name} setting.")
            if not isinstance(cmd.first_name, Keep):
                user.first_name = validate_name("first_name", cmd.first_name)
            if not isinstance(cmd.last_name, Keep):
                user.last_name = validate_name("last_name", cmd.last_name)
            if not isinstance(cmd.email, Keep):
                user.email = validate_email(cmd.email)
            if not isinstance(cmd.phone_number, Keep):
                user.phone_number = validate_phone(cmd.phone_number)
            changes: dict[str, object] = {}
            if not isinstance(cmd.bio, Keep):
                changes["bio"] = validate_bio(cmd.bio)
            if not isinstance(cmd.skills, Keep):
                changes["skills"] = validate_skills("skills", cmd.skills)
            if not isinstance(cmd.wanted_skills, Keep):
                changes["wanted_skills"] = validate_skills("wanted_skills", cmd.wanted_skills)
            if not isinstance(cmd.languages, Keep):
                changes["languages"] = validate_languages(cmd.languages)
            if not isinstance(cmd.timezone, Keep):
                changes["timezone"] = validate_timezone(cmd.timezone)
            if not isinstance(cmd.capacity, Keep):
                changes["capacity"] = validate_capacity(cmd.capacity)
            if not isinstance(cmd.accepting_requests, Keep):
                changes["accepting_requests"] = cmd.accepting_requests
            if not isinstance(cmd.email_notifications, Keep):
                changes["email_notifications"] = cmd.email_notifications
            profile = dataclasses.replace(profile, **changes)  # type: ignore[arg-type]
            await tx.users.save(user)
            await tx.profiles.save(profile, user)
            await tx.commit()
        return ProfileView.of(user, profile, standing)
