"""Bring in the accounts of another service (the original Django one), keeping their ids and
password hashes, so that tokens signed with the shared key keep naming the right people and
everyone logs in with the password they have.

Idempotent: an account already here under its id and name is left as it is; one whose id or
name is taken by someone else is a conflict, reported and skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from mentorat.application.ports import UnitOfWork
from mentorat.domain.users import UNUSABLE_PASSWORD, User, UserId, username_key

BATCH = 500
# The hashes logins verify: argon2 (ours), Django's PBKDF2-SHA256 (rehashed at the first login).
USABLE_HASH_PREFIXES = ("$argon2", "pbkdf2_sha256$")


@dataclass(frozen=True, slots=True)
class ImportedAccount:
    """An account as the other service keeps it (Django's `AbstractUser` and the fields the
    original service added)."""

    id: int
    username: str
    password: str
    email: str
    first_name: str
    last_name: str
    is_active: bool
    joined_at: datetime
    is_mentor: bool = False
    phone_number: str | None = None
    is_verified: bool = False


def password_hash_of(django_password: str) -> str:
    """The hash as mentorat verifies it: Django's `argon2$argon2id$...` is argon2's own encoding
    behind a prefix; PBKDF2-SHA256 is kept as Django wrote it; anything else (unusable
    passwords `!...`, other algorithms) can match no password here."""
    if django_password.startswith("argon2$argon2"):
        return django_password.removeprefix("argon2")
    if django_password.startswith(USABLE_HASH_PREFIXES):
        return django_password
    return UNUSABLE_PASSWORD


def user_of(account: ImportedAccount) -> User:
    return User(
        id=UserId(account.id),
        username=account.username,
        email=account.email,
        password_hash=password_hash_of(account.password),
        first_name=account.first_name,
        last_name=account.last_name,
        is_mentor=account.is_mentor,
        phone_number=account.phone_number or None,
        is_verified=account.is_verified,
        is_active=account.is_active,
        joined_at=account.joined_at,
    )


@dataclass(slots=True)
class ImportSummary:
    read: int = 0
    added: int = 0
    unchanged: int = 0
    # (id, why) for each account left out.
    conflicts: list[tuple[int, str]] = field(default_factory=list)
    # Added accounts whose password can match nothing here (they need `user set-password`).
    without_usable_password: int = 0

    @property
    def changed_anything(self) -> bool:
        return self.added > 0


class ImportAccounts:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self,
        accounts: Sequence[ImportedAccount],
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportSummary:
        """Import `accounts`, a transaction per batch; `progress(done, total)` after each."""
        summary = ImportSummary(read=len(accounts))
        seen: set[str] = set()
        for start in range(0, len(accounts), BATCH):
            batch = accounts[start : start + BATCH]
            async with self._uow() as tx:
                fresh: list[User] = []
                for account in batch:
                    user = user_of(account)
                    key = username_key(user.username)
                    by_id = await tx.users.get(user.id)
                    if by_id is not None:
                        if username_key(by_id.username) == key:
                            summary.unchanged += 1
                        else:
                            summary.conflicts.append((account.id, "id taken by another name"))
                        continue
                    if key in seen or await tx.users.get_by_username(user.username) is not None:
                        summary.conflicts.append((account.id, "name taken by another id"))
                        continue
                    seen.add(key)
                    fresh.append(user)
                    if user.password_hash == UNUSABLE_PASSWORD:
                        summary.without_usable_password += 1
                await tx.users.add_existing(fresh)
                await tx.commit()
            summary.added += len(fresh)
            if progress is not None:
                progress(start + len(batch), len(accounts))
        return summary
