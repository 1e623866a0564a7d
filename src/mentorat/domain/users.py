"""Users: who may ask for a mentoring, who may give one, and the rules on their details."""

from __future__ import annotations

import re
import unicodedata
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


def normalize_username(username: str) -> str:
    """The username as it is stored: Unicode NFKC, as Django's `normalize_username` keeps it
    (full-width `ｃｌａｉｒｅ` is `claire`)."""
    return unicodedata.normalize("NFKC", username)


def username_key(username: str) -> str:
    """The form under which usernames are unique and looked up: NFKC, then case folding
    (NFKC again, as case folding can undo it), so two names that differ only in width or case
    clash."""
    return unicodedata.normalize("NFKC", normalize_username(username).casefold())


# Scripts whose letters pass for Latin ones: a name mixing them with Latin letters (a
# Cyrillic "а" in "clаire") is one made to be mistaken for another.
_CONFUSABLE_SCRIPTS = frozenset({"CYRILLIC", "GREEK"})


def _script(char: str) -> str | None:
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else None


def refuse_confusable(username: str) -> str:
    """Refuse a username that mixes Latin letters with Cyrillic or Greek ones."""
    scripts = {_script(char) for char in username}
    if "LATIN" in scripts and scripts & _CONFUSABLE_SCRIPTS:
        raise InvalidUsername(
            "Enter a username that does not mix Latin letters with Cyrillic or Greek ones."
        )
    return username


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


# What an erased account's password hash becomes: no hasher verifies a password against it.
UNUSABLE_PASSWORD = "!"
# What the messages of an erased person say instead of what they wrote.
ERASED_MESSAGE = "[message deleted]"


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
    # An administrator (`mentorat user promote`): may use /api/admin/.
    is_staff: bool = False
    # Set with a temporary password: the person must choose their own before anything else.
    must_change_password: bool = False
    # When the password last changed: tokens issued before it (whole seconds, as JWT's `iat`)
    # no longer work. None: never changed since the account was made.
    password_changed_at: datetime | None = None

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

    def unverify(self) -> None:
        self.is_verified = False

    def promote(self) -> None:
        self.is_staff = True

    def demote(self) -> None:
        self.is_staff = False

    def change_password(self, password_hash: str, at: datetime) -> None:
        """The person chose a new password: every token issued before `at` stops working."""
        self.password_hash = password_hash
        self.must_change_password = False
        self.password_changed_at = at

    def set_temporary_password(self, password_hash: str, at: datetime) -> None:
        """An administrator set a password the person must replace at their next login."""
        self.change_password(password_hash, at)
        self.must_change_password = True

    def rehash(self, password_hash: str) -> None:
        """The same password under a stronger hash: nothing else changes, no token dies."""
        self.password_hash = password_hash

    def erase(self, at: datetime) -> None:
        """Forget the person (GDPR article 17): every detail that names or reaches them goes,
        the password can match nothing, and the account is shut. The id stays, so mentorings
        and chats keep their shape for the other participant. `#` is in no username, so the
        placeholder name clashes with nobody's."""
        self.username = f"#erased-{self.id}"
        self.email = ""
        self.first_name = ""
        self.last_name = ""
        self.phone_number = None
        self.password_hash = UNUSABLE_PASSWORD
        self.is_mentor = False
        self.is_verified = False
        self.is_active = False
        self.is_staff = False
        self.must_change_password = False
        self.password_changed_at = at

    @property
    def is_erased(self) -> bool:
        return self.password_hash == UNUSABLE_PASSWORD and self.username.startswith("#erased-")

    @property
    def tokens_valid_since(self) -> int:
        """The earliest `iat` (whole seconds since the epoch) a token of this user may carry."""
        changed = self.password_changed_at
        return 0 if changed is None else int(changed.timestamp())
