"""Users: who may ask for a mentoring, who may give one, and the rules on their details."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import NewType

from mentorat.domain.errors import (
    InvalidEmail,
    InvalidInput,
    InvalidUsername,
    UnstorableText,
    WeakPassword,
)

UserId = NewType("UserId", int)

USERNAME_MAX = 150
PASSWORD_MIN = 8
PASSWORD_MAX = 4096
NAME_MAX = 150
EMAIL_MAX = 254
PHONE_MAX = 32

_USERNAME = re.compile(r"[\w.@+-]+")
# Deliberately permissive, like Django's validator: one @, a dot in the domain, no spaces.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_PHONE = re.compile(r"\+?[0-9 ().-]{3,32}")


def ensure_storable(field: str, text: str) -> str:
    """Refuse text that PostgreSQL (NUL) or UTF-8 (lone surrogates) cannot hold.

    Adapters other than HTTP (the command line, a service embedding the library) hand text
    straight in; refusing it here keeps it a 400-class error instead of a storage crash.
    """
    if "\x00" in text or not _encodes_to_utf8(text):
        raise UnstorableText(field)
    return text


def _encodes_to_utf8(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validate_username(username: str) -> str:
    if not username:
        raise InvalidUsername("This field may not be blank.")
    if len(username) > USERNAME_MAX:
        raise InvalidUsername(f"Ensure this field has no more than {USERNAME_MAX} characters.")
    if not _USERNAME.fullmatch(username):
        raise InvalidUsername(
            "Enter a valid username. This value may contain only letters, numbers, "
            "and @/./+/-/_ characters."
        )
    return username


def username_key(username: str) -> str:
    """The form under which usernames are unique: two names that differ only in case clash."""
    return username.casefold()


def validate_email(email: str) -> str:
    email = ensure_storable("email", email).strip()
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        raise InvalidEmail()
    return email


def validate_password(password: str) -> str:
    ensure_storable("password", password)
    if len(password) < PASSWORD_MIN:
        raise WeakPassword(
            f"This password is too short. It must contain at least {PASSWORD_MIN} characters."
        )
    if len(password) > PASSWORD_MAX:
        raise WeakPassword(f"This password is longer than {PASSWORD_MAX} characters.")
    if password.isdigit():
        raise WeakPassword("This password is entirely numeric.")
    return password


def validate_name(field: str, value: str) -> str:
    value = ensure_storable(field, value).strip()
    if len(value) > NAME_MAX:
        raise InvalidInput(field, f"Ensure this field has no more than {NAME_MAX} characters.")
    return value


def validate_phone(phone: str | None) -> str | None:
    if phone is None:
        return None
    phone = phone.strip()
    if not phone:
        return None
    # The length check matters: the pattern alone lets "+" and 32 more characters through.
    if len(phone) > PHONE_MAX or not _PHONE.fullmatch(phone):
        raise InvalidInput("phone_number", "Enter a valid phone number.")
    return phone


@dataclass(frozen=True, slots=True)
class NewUser:
    """A registration whose details passed every rule, waiting for an id."""

    username: str
    email: str
    password_hash: str
    first_name: str
    last_name: str
    is_mentor: bool
    phone_number: str | None
    joined_at: datetime


@dataclass(slots=True)
class User:
    id: UserId
    username: str
    email: str
    password_hash: str
    first_name: str
    last_name: str
    is_mentor: bool
    phone_number: str | None
    is_verified: bool
    is_active: bool
    joined_at: datetime

    @classmethod
    def from_new(cls, user_id: UserId, new: NewUser) -> User:
        return cls(
            id=user_id,
            username=new.username,
            email=new.email,
            password_hash=new.password_hash,
            first_name=new.first_name,
            last_name=new.last_name,
            is_mentor=new.is_mentor,
            phone_number=new.phone_number,
            is_verified=False,
            is_active=True,
            joined_at=new.joined_at,
        )

    def verify(self) -> None:
        self.is_verified = True

    def deactivate(self) -> None:
        self.is_active = False

    def reactivate(self) -> None:
        self.is_active = True
